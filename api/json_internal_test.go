package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"holdfast"
)

func TestDecodeJSON(t *testing.T) {
	type body struct {
		Name  string `json:"name" required:"true"`
		Count int    `json:"count"`
	}
	for _, c := range []struct {
		name, body, code, param string
		optional                bool
	}{
		{"ok", `{"name":"a","count":2}`, "", "", false},
		{"ok case-insensitive name", `{"Name":"a"}`, "", "", false},
		{"missing required", `{"count":2}`, holdfast.EINVALID, "name", false},
		{"null required", `{"name":null}`, holdfast.EINVALID, "name", false},
		{"empty string is present", `{"name":""}`, "", "", false},
		{"trailing data after unknown field", `{"a":1}}`, holdfast.EINVALID, "", false},
		{"trailing value after unknown field", `{"a":1} {}`, holdfast.EINVALID, "", false},
		{"malformed", `{"name":`, holdfast.EINVALID, "", false},
		{"trailing data", `{"name":"a"}}`, holdfast.EINVALID, "", false},
		{"two values", `{"name":"a"} {"name":"b"}`, holdfast.EINVALID, "", false},
		{"unknown field", `{"nmae":"a"}`, holdfast.EVALIDATION, "nmae", false},
		{"wrong type", `{"count":"x"}`, holdfast.EVALIDATION, "count", false},
		{"not an object", `[1,2]`, holdfast.EINVALID, "", false},
		{"empty required", ``, holdfast.EINVALID, "", false},
		{"empty optional", ``, "", "", true},
		{"too large", `{"name":"` + strings.Repeat("x", MaxBodyBytes) + `"}`, holdfast.ETOOLARGE, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/v1/x", strings.NewReader(c.body))
			var v body
			err := decodeJSON(r, &v, c.optional)
			if got := holdfast.ErrorCode(err); got != c.code {
				t.Fatalf("code %q want %q (%v)", got, c.code, err)
			}
			if e, ok := holdfast.AsError(err); ok && e.Param != c.param {
				t.Fatalf("param %q want %q", e.Param, c.param)
			}
		})
	}
}

func TestIsWidgetPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/v1/cancel_sessions": true, "/v1/cancel_sessions/cs_1/respond": true, "/v1/cancel_sessions/cs_1/accept": true,
		"/v1/cancel_sessions/cs_1/cancel": true, "/v1/cancel_sessions/cs_1": false, "/v1/customers": false,
		"/v1/cancel_sessions//accept": false,
	} {
		if isWidgetPath(p) != want {
			t.Errorf("%s: want %v", p, want)
		}
	}
}
