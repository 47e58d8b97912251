package store

import (
	"strings"
	"unicode/utf8"
)

// PostgreSQL text cannot hold NUL bytes or invalid UTF-8: a parameter with
// either fails the whole statement (SQLSTATE 22021), which turned a hostile
// id like /v1/customers/%00 or a body string "\u0000" into a 500 on
// PostgreSQL while SQLite answered 404 or stored it. pgArgs replaces such
// bytes with U+FFFD before they reach the server, so a lookup simply matches
// nothing (404, as on SQLite) and a write stores the text PostgreSQL can keep.

// pgArgs returns args with every string made storable by PostgreSQL; other
// dialects and clean arguments are returned unchanged (no copy).
func (s *Store) pgArgs(args []any) []any {
	if s.dialect != Postgres {
		return args
	}
	var out []any
	for i, a := range args {
		var t string
		switch v := a.(type) {
		case string:
			t = v
		case *string:
			if v == nil {
				continue
			}
			t = *v
		default:
			continue
		}
		if utf8.ValidString(t) && !strings.ContainsRune(t, 0) {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = pgText(t)
	}
	if out == nil {
		return args
	}
	return out
}

// pgText replaces invalid UTF-8 and NUL with U+FFFD.
func pgText(t string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(t, "\uFFFD"), "\x00", "\uFFFD")
}
