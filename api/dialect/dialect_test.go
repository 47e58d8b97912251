package dialect

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"holdfast"
)

// TestWriteErrorTable renders codes through the one table in both dialects.
func TestWriteErrorTable(t *testing.T) {
	for _, c := range []struct {
		name       string
		err        error
		k          Kind
		wantStatus int
		wantField  string // error.code (/v1) or error.type (/api/v1)
	}{
		{"V1Validation", holdfast.ParamError("limit", "bad"), V1, 422, "validation_error"},
		{"ReadValidation", holdfast.ParamError("limit", "bad"), ReadAPI, 400, "invalid_param"},
		{"V1NotFound", holdfast.NotFound("payment", "pay_1"), V1, 404, "resource_not_found"},
		{"ReadNotFound", holdfast.NotFound("payment", "pay_1"), ReadAPI, 404, "not_found"},
		{"ReadUnauthenticated", holdfast.Errorf(holdfast.EUNAUTHENTICATED, "no key"), ReadAPI, 401, "authentication_required"},
		{"V1TrialExpired", holdfast.Errorf(holdfast.ETRIALEXPIRED, "over"), V1, 403, "trial_expired"},
		{"V1TooLarge", holdfast.Errorf(holdfast.ETOOLARGE, "big"), V1, 413, "invalid_request"},
		{"V1Internal", errors.New("db down"), V1, 500, "internal_error"},
		{"ReadUnknownCode", holdfast.Errorf("made_up", "x"), ReadAPI, 500, "internal_error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r = r.WithContext(With(r.Context(), c.k))
			w := httptest.NewRecorder()
			WriteError(w, r, c.err, "req_1", nil)
			var body struct {
				Error map[string]any `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			key := "code"
			if c.k == ReadAPI {
				key = "type"
			}
			if w.Code != c.wantStatus || body.Error[key] != c.wantField {
				t.Errorf("got %d %s=%v, want %d %s", w.Code, key, body.Error[key], c.wantStatus, c.wantField)
			}
		})
	}
}
