package stripe

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// obj reads a Stripe object decoded into a generic map. Stripe's shapes vary
// by API version (the payment intent of an invoice moved from
// invoice.payment_intent to invoice.payments.data[].payment) and by expansion
// (a field is an id string or the expanded object), and a webhook body is
// untrusted input: every accessor therefore treats a missing field, null or a
// value of the wrong type as absent instead of failing.
type obj map[string]any

// asObj returns v as an object, or nil.
func asObj(v any) obj {
	switch m := v.(type) {
	case map[string]any:
		return obj(m)
	case obj:
		return m
	}
	return nil
}

// get walks a path of keys.
func (o obj) get(path ...string) any {
	var cur any = map[string]any(o)
	for _, k := range path {
		m := asObj(cur)
		if m == nil {
			return nil
		}
		cur = m[k]
	}
	return cur
}

// obj returns the object at path, or nil.
func (o obj) obj(path ...string) obj { return asObj(o.get(path...)) }

// maxText bounds a string read from an event (Stripe's own longest fields,
// such as descriptions, stay well under it); maxID bounds an id, which
// Stripe keeps under 255 characters. Longer values are treated as absent, so
// a hostile payload cannot overflow an index (PostgreSQL refuses index rows
// over ~2.7 KB) or bloat a row.
const (
	maxText = 5000
	maxID   = 255
	// maxUnix is the last second of year 9999: later timestamps are garbage.
	maxUnix = 253402300799
)

// clean drops NUL bytes (PostgreSQL TEXT refuses them) and over-long strings.
func clean(s string, limit int) (string, bool) {
	if len(s) > limit {
		return "", false
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return s, true
}

// str returns the string at path, or "".
func (o obj) str(path ...string) string {
	s, _ := o.get(path...).(string)
	s, _ = clean(s, maxText)
	return s
}

// strPtr returns the string at path, or nil when absent, null or invalid.
func (o obj) strPtr(path ...string) *string {
	s, ok := o.get(path...).(string)
	if !ok {
		return nil
	}
	if s, ok = clean(s, maxText); !ok {
		return nil
	}
	return &s
}

// id returns the id at path whether the field holds the id itself or the
// expanded object.
func (o obj) id(path ...string) string {
	var s string
	switch v := o.get(path...).(type) {
	case string:
		s = v
	case map[string]any:
		s, _ = v["id"].(string)
	}
	s, _ = clean(s, maxID)
	return s
}

// int returns the integer at path, or 0. Non-integral or out-of-range numbers
// count as absent.
func (o obj) int(path ...string) int64 {
	switch v := o.get(path...).(type) {
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return 0
		}
		return int64(v)
	case json.Number:
		n, _ := strconv.ParseInt(string(v), 10, 64)
		return n
	}
	return 0
}

// bool returns the boolean at path, or false.
func (o obj) bool(path ...string) bool {
	b, _ := o.get(path...).(bool)
	return b
}

// time returns the Unix-seconds timestamp at path, or nil when absent or 0.
func (o obj) time(path ...string) *time.Time {
	n := o.int(path...)
	if n <= 0 || n > maxUnix {
		return nil
	}
	t := time.Unix(n, 0).UTC()
	return &t
}

// list returns the objects of a list at path: either a Stripe list object
// ({"object": "list", "data": [...]}) or a plain array. Non-object
// elements are skipped.
func (o obj) list(path ...string) []obj {
	v := o.get(path...)
	if m := asObj(v); m != nil {
		v = m["data"]
	}
	arr, _ := v.([]any)
	out := make([]obj, 0, len(arr))
	for _, e := range arr {
		if m := asObj(e); m != nil {
			out = append(out, m)
		}
	}
	return out
}

// stringMap returns a string-valued map (Stripe metadata) at path; non-string
// values are skipped.
func (o obj) stringMap(path ...string) map[string]string {
	m := o.obj(path...)
	out := make(map[string]string, len(m))
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			continue
		}
		k, kok := clean(k, maxID)
		s, sok := clean(s, maxText)
		if kok && sok {
			out[k] = s
		}
	}
	return out
}

// first returns the first non-empty result of the accessors.
func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
