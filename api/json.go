package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
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
	return b, nil
}

type bodyKey struct{}

// decodeJSON decodes the body strictly into v: unknown fields are a 422 naming
// the field, malformed JSON or trailing data a 400. An empty body is allowed
// only when optional is true (v is left untouched).
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
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return holdfast.Errorf(holdfast.EINVALID, "Request body must contain a single JSON value; found trailing data.")
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
