package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"holdfast/api/apitest"
)

// oaValidator checks real responses against the OpenAPI 3.1 document the
// server publishes at /openapi.json.
type oaValidator struct {
	doc    *openapi3.T
	router routers.Router
}

// loadOpenAPI fetches, parses and validates the server's document, pointing
// its servers at the test server so requests route.
func loadOpenAPI(t testing.TB, e *apitest.Env) *oaValidator {
	t.Helper()
	res := e.Do("GET", "/openapi.json", "", nil)
	if res.Status != 200 {
		t.Fatalf("GET /openapi.json: %d %s", res.Status, res.Body)
	}
	doc, err := openapi3.NewLoader().LoadFromData(res.Body)
	if err != nil {
		t.Fatalf("parse /openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid OpenAPI document: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: e.Server.URL}}
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &oaValidator{doc: doc, router: r}
}

// opsSeen records which documented operation/status pairs the suite hit.
var opsSeen sync.Map

// check validates one response: its route and status must be documented and
// its headers and body must match the schema.
func (v *oaValidator) check(t testing.TB, method, path string, res *apitest.Response) {
	t.Helper()
	req, err := http.NewRequest(method, strings.TrimSuffix(v.doc.Servers[0].URL, "/")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: not in the OpenAPI document: %v", method, path, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{IncludeResponseStatus: true},
		},
		Status:  res.Status,
		Header:  res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(res.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		var pretty bytes.Buffer
		_ = json.Indent(&pretty, res.Body, "", "  ")
		t.Fatalf("%s %s → %d does not match the OpenAPI document: %v\nbody: %s", method, path, res.Status, err, pretty.String())
		return
	}
	opsSeen.Store(method+" "+route.Path+" "+http.StatusText(res.Status), true)
}
