package holdfast

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorCode(t *testing.T) {
	notFound := Errorf(ENOTFOUND, "no such thing")
	for _, c := range []struct {
		name string
		err  error
		code string
		as   bool
	}{
		{"nil", nil, "", false},
		{"bare", notFound, ENOTFOUND, true},
		{"wrapped", fmt.Errorf("loading: %w", notFound), ENOTFOUND, true},
		{"joined", errors.Join(errors.New("x"), notFound), ENOTFOUND, true},
		{"plain", errors.New("disk on fire"), EINTERNAL, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ErrorCode(c.err); got != c.code {
				t.Errorf("ErrorCode = %q, want %q", got, c.code)
			}
			e, ok := AsError(c.err)
			if ok != c.as || (ok && e.Code != c.code) {
				t.Errorf("AsError = %v, %v", e, ok)
			}
		})
	}
}
