package api_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"holdfast/api/apitest"
)

// TestRoutesListedEverywhere walks the router that routes.go builds
// (chi.Walk) and fails on any route missing from the OpenAPI document or
// from the robustness walk, so routes.go stays the one list and the others
// cannot fall behind it.
func TestRoutesListedEverywhere(t *testing.T) {
	e := apitest.New(t, "sqlite")
	doc := loadOpenAPI(t, e).doc

	var routes []string
	err := chi.Walk(e.API.Router(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes = append(routes, method+" "+normRoute(route))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(routes) < 30 {
		t.Fatalf("walked only %d routes: %q", len(routes), routes)
	}

	walked := map[string]bool{}
	for _, rt := range robustRoutes() {
		walked[rt.method+" "+normRoute(rt.path)] = true
	}
	// Operational endpoints outside both API dialects: documented in the
	// OpenAPI document but not fed hostile input (they read no input).
	notWalked := map[string]string{
		"GET /healthz":      "no input",
		"GET /readyz":       "no input",
		"GET /metrics":      "no input; Prometheus text format",
		"GET /openapi.json": "no input",
	}
	// Served by the router but not part of the documented API.
	undocumented := map[string]string{
		"GET /metrics": "Prometheus text format, for the operator's scraper",
	}

	for _, rt := range routes {
		method, path, _ := strings.Cut(rt, " ")
		if undocumented[rt] == "" {
			item := doc.Paths.Find(path)
			if item == nil || item.GetOperation(method) == nil {
				t.Errorf("%s is routed but missing from /openapi.json", rt)
			}
		}
		if notWalked[rt] == "" && !walked[rt] {
			t.Errorf("%s is routed but missing from the robustness walk (robustRoutes)", rt)
		}
	}
	// And the other way round: nothing documented or walked that is no route.
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if rt := method + " " + normRoute(path); !slices.Contains(routes, rt) {
				t.Errorf("/openapi.json documents %s, which is no route", rt)
			}
		}
	}
	for rt := range walked {
		if rt != "GET " && !slices.Contains(routes, rt) {
			t.Errorf("the robustness walk sends %s, which is no route", rt)
		}
	}
}

var routeParam = regexp.MustCompile(`\{[^}]*\}`)

// normRoute names every path parameter the same ({id} in the document,
// {pay} in the walk, {send_id} in the router) so routes compare by shape.
func normRoute(p string) string { return routeParam.ReplaceAllString(p, "{}") }
