package dashboard

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"holdfast/mail"
)

// funcs are the template helpers: money, percentages, and relative times
// with the absolute time on hover.
var funcs = template.FuncMap{
	"money": func(amount int64, currency string) string { return mail.FormatAmount(amount, currency) },
	"pct":   pct,
	"when":  when,
	"int":   func(n int64) string { return groupDigits(n) },
	"add":   func(a, b int) int { return a + b },
	"deref": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"upper": strings.ToUpper,
	"label": func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"join":  func(items []string, sep string) string { return strings.Join(items, sep) },
	"oid":   oid,
}

// oid renders an object id that may be too long for its column: the start
// of the id (linked to href when href is not empty), the whole id on hover,
// and a copy button (shown by app.js). Use it for every id in a table.
func oid(href, id string) template.HTML {
	e := template.HTMLEscapeString(id)
	inner := `<span title="` + e + `">` + e + `</span>`
	if href != "" {
		inner = `<a href="` + template.HTMLEscapeString(href) + `" title="` + e + `">` + e + `</a>`
	}
	return template.HTML(`<span class="oid">` + inner + `<button type="button" class="copy" data-copy-text="` + e +
		`" aria-label="Copy ` + e + `" title="Copy id" hidden>` + copyIcon + `</button></span>`)
}

// copyIcon is the copy buttons' glyph (two overlapping sheets), inline so
// it needs no font that has such a character.
const copyIcon = `<svg viewBox="0 0 16 16" aria-hidden="true" focusable="false"><rect x="5" y="5" width="9" height="9" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.5"/>` +
	`<path d="M11 3.5V3a1 1 0 0 0-1-1H3a1 1 0 0 0-1 1v7a1 1 0 0 0 1 1h.5" fill="none" stroke="currentColor" stroke-width="1.5"/></svg>`

// pct renders a rate in [0,1] as a percentage; nil (no data) as an em dash.
func pct(r *float64) string {
	if r == nil {
		return "—"
	}
	return strconv.FormatFloat(math.Round(*r*1000)/10, 'f', -1, 64) + "%"
}

// when renders t relative to now inside <time>, the absolute UTC time in
// its title (shown on hover) and datetime attribute. t may be a time.Time
// or *time.Time; nil or zero renders an em dash.
func when(now time.Time, t any) template.HTML {
	var at time.Time
	switch v := t.(type) {
	case time.Time:
		at = v
	case *time.Time:
		if v != nil {
			at = *v
		}
	}
	if at.IsZero() {
		return "—"
	}
	abs := at.UTC().Format("2006-01-02 15:04:05 UTC")
	return template.HTML(fmt.Sprintf(`<time datetime="%s" title="%s">%s</time>`,
		at.UTC().Format(time.RFC3339), abs, template.HTMLEscapeString(relative(now, at))))
}

// relative says how long ago (or how far ahead) at is from now.
func relative(now, at time.Time) string {
	d := now.Sub(at)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = plural(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		s = plural(int(d/time.Hour), "hour")
	case d < 30*24*time.Hour:
		s = plural(int(d/(24*time.Hour)), "day")
	case d < 365*24*time.Hour:
		s = plural(int(d/(30*24*time.Hour)), "month")
	default:
		s = plural(int(d/(365*24*time.Hour)), "year")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// groupDigits renders 12345 as "12,345".
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func encodeFlash(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decodeFlash(s string) string {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 500 {
		return ""
	}
	return string(b)
}
