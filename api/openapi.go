package api

import (
	"encoding/json"
	"net/http"
	"sync"
)

// The OpenAPI 3.1 document of both dialects, built in Go from small schema
// helpers so it lives next to the handlers it describes. Object schemas
// require the fields SPEC §11 fixes and allow others ("others may be
// added"); error envelopes are exact per dialect (the /api/v1 one forbids
// extra fields, which is how "no retry-after field in the body" is checked).
// The test suite validates real responses against it (openapi_check_test.go).

// openAPI serves GET /openapi.json.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	b, ok := openAPIEncoded.Load(s.version)
	if !ok {
		enc, err := json.Marshal(openAPIDocument(s.version))
		if err != nil {
			panic(err) // a static document always encodes
		}
		b, _ = openAPIEncoded.LoadOrStore(s.version, enc)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(b.([]byte))
}

// openAPIEncoded caches the encoded document per server version.
var openAPIEncoded sync.Map

// openAPIDocument assembles the whole document.
func openAPIDocument(version string) map[string]any {
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "Holdfast API",
			"version": version,
			"description": "Holdfast serves two dialects over one engine. /v1 is the full API: page pagination " +
				"(page 1..10000, per_page 1..100), errors as {\"error\": {\"code\", \"message\", \"param\", \"request_id\"}}, " +
				"scoped keys, writes with Idempotency-Key. /api/v1 is the read API: cursor pagination, errors as " +
				"{\"error\": {\"type\", \"message\"}}. Money is integer minor units with a lowercase ISO currency; " +
				"timestamps are RFC 3339 UTC.",
		},
		"servers":    []any{map[string]any{"url": "/", "description": "this server"}},
		"security":   []any{map[string]any{"bearerAuth": []any{}}, map[string]any{"basicAuth": []any{}}},
		"tags":       openAPITags(),
		"paths":      openAPIPaths(),
		"components": openAPIComponents(),
	}
}

func openAPITags() []any {
	tags := []struct{ name, desc string }{
		{"v1", "The full API (page pagination, error.code)."},
		{"read", "The read API under /api/v1 (cursor pagination, error.type)."},
		{"widget", "Cancel-flow widget calls (publishable key, or secret key with write)."},
		{"system", "Unauthenticated endpoints."},
	}
	out := make([]any, len(tags))
	for i, t := range tags {
		out[i] = map[string]any{"name": t.name, "description": t.desc}
	}
	return out
}

// Schema helpers. Each returns a JSON Schema (2020-12, as OpenAPI 3.1 uses).

type schema = map[string]any

func ref(name string) schema   { return schema{"$ref": "#/components/schemas/" + name} }
func str() schema              { return schema{"type": "string"} }
func strDesc(d string) schema  { return schema{"type": "string", "description": d} }
func intg() schema             { return schema{"type": "integer"} }
func intDesc(d string) schema  { return schema{"type": "integer", "description": d} }
func boolean() schema          { return schema{"type": "boolean"} }
func timestamp() schema        { return schema{"type": "string", "format": "date-time"} }
func arr(items schema) schema  { return schema{"type": "array", "items": items} }
func constant(v string) schema { return schema{"type": "string", "const": v} }

func enum(values ...string) schema {
	vs := make([]any, len(values))
	for i, v := range values {
		vs[i] = v
	}
	return schema{"type": "string", "enum": vs}
}

// nullable allows null besides s.
func nullable(s schema) schema {
	if t, ok := s["type"].(string); ok && s["$ref"] == nil {
		out := schema{}
		for k, v := range s {
			out[k] = v
		}
		out["type"] = []any{t, "null"}
		if e, ok := out["enum"].([]any); ok {
			out["enum"] = append(append([]any{}, e...), nil)
		}
		return out
	}
	return schema{"anyOf": []any{s, schema{"type": "null"}}}
}

// object builds an object schema; required names the fields that must be
// present. Extra fields are allowed unless closed is used.
func object(props map[string]schema, required ...string) schema {
	ps := map[string]any{}
	for k, v := range props {
		ps[k] = v
	}
	s := schema{"type": "object", "properties": ps}
	if len(required) > 0 {
		rs := make([]any, len(required))
		for i, r := range required {
			rs[i] = r
		}
		s["required"] = rs
	}
	return s
}

// closed forbids fields beyond the declared ones.
func closed(s schema) schema {
	s["additionalProperties"] = false
	return s
}

// allRequired is object with every property required.
func allRequired(props map[string]schema) schema {
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	return object(props, names...)
}
