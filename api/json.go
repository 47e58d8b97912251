package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"

	"holdfast"
	"holdfast/api/dialect"
)

// MaxBodyBytes caps every request body (SPEC §4: 1 MiB).
const MaxBodyBytes = 1 << 20

// readBody reads the (size-limited) body once; handlers and the idempotency
// layer share the bytes through the request context.
func readBody(r *http.Request) ([]byte, error) {
	if b, ok := r.Context().Value(bodyKey{}).([]byte); ok {
		return b, nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, holdfast.Errorf(holdfast.ETOOLARGE, "Request body exceeds the 1 MiB limit.")
		}
		return nil, holdfast.Errorf(holdfast.EINVALID, "Could not read the request body.")
	}
	// Later readers of this request (a second look at the raw fields) get
	// the same bytes again.
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}

type bodyKey struct{}

// decodeJSON decodes the body strictly into v: malformed JSON or trailing
// data is a 400 (checked first, so `{"a":1}}` is a 400 even though "a" is
// also unknown), an unknown field a 422 naming it, and a top-level field
// tagged `required:"true"` that is absent or null a 400 naming it
// (holdfast.MissingParam). An empty body is allowed only when optional is
// true (v is left untouched).
func decodeJSON(r *http.Request, v any, optional bool) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		if optional {
			return nil
		}
		return holdfast.Errorf(holdfast.EINVALID, "A JSON request body is required.")
	}
	// Syntax before meaning: a body that is not exactly one JSON value is
	// malformed whatever its fields are.
	if !json.Valid(b) {
		if err := json.NewDecoder(bytes.NewReader(b)).Decode(new(json.RawMessage)); err != nil {
			return holdfast.Errorf(holdfast.EINVALID, "Malformed JSON in request body.")
		}
		return holdfast.Errorf(holdfast.EINVALID, "Request body must contain a single JSON value; found trailing data.")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return holdfast.Errorf(holdfast.EINVALID, "Request body must contain a single JSON value; found trailing data.")
	}
	return checkRequired(b, v)
}

// checkRequired reports the first field of v's struct tagged
// `required:"true"` that the body leaves out or sets to null. Field names
// match as encoding/json matches them (case-insensitively).
func checkRequired(b []byte, v any) error {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var present map[string]json.RawMessage
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Tag.Get("required") != "true" {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if present == nil {
			if err := json.Unmarshal(b, &present); err != nil {
				return holdfast.Errorf(holdfast.EINVALID, "Request body must be a JSON object.")
			}
		}
		found := false
		for k, raw := range present {
			if strings.EqualFold(k, name) && string(bytes.TrimSpace(raw)) != "null" {
				found = true
			}
		}
		if !found {
			return holdfast.MissingParam(name)
		}
	}
	return nil
}

// requireFields checks nested objects the way checkRequired checks the top
// level: raw must be an object, and each name must be present and not null,
// else holdfast.MissingParam("<at>.<name>"). Shapes that are not objects are
// left to the decoder that follows.
func requireFields(raw json.RawMessage, at string, names ...string) error {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return nil
	}
	for _, n := range names {
		found := false
		for k, v := range m {
			if strings.EqualFold(k, n) && string(bytes.TrimSpace(v)) != "null" {
				found = true
			}
		}
		if !found {
			return holdfast.MissingParam(at + "." + n)
		}
	}
	return nil
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return holdfast.Errorf(holdfast.EINVALID, "Request body must be a JSON object.")
		}
		return holdfast.ParamError(field, "%s must be of type %s.", field, jsonTypeName(typeErr.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return holdfast.ParamError(field, "Unknown field %q.", field)
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return holdfast.Errorf(holdfast.EINVALID, "Malformed JSON in request body.")
	}
	return holdfast.Errorf(holdfast.EINVALID, "Malformed JSON in request body.")
}

func jsonTypeName(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	}
	return kind
}

// writeJSON writes a success body.
func writeJSON(w http.ResponseWriter, status int, v any) { dialect.WriteJSON(w, status, v) }
