package holdfast_test

import (
	"fmt"
	"go/build"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// layers are Holdfast's packages from the bottom up (docs/architecture.md
// draws the same picture). A package may import only packages of a lower
// layer: the domain imports nothing of ours, the store no service, one
// service no other service (the engine does not import stripe; both speak in
// root-package types and cmd/holdfast wires them). A package not listed here
// counts as the top layer (wiring and tools): it may import anything, and
// nothing listed may import it.
var layers = []struct {
	name string
	pkgs []string
}{
	{"domain: types, error codes, service interfaces, clock", []string{"holdfast"}},
	{"pure helpers", []string{"holdfast/secretbox", "holdfast/clientip", "holdfast/engine/policy", "holdfast/api/dialect", "holdfast/widget"}},
	{"adapters: database, SMTP, rate-limit counters", []string{"holdfast/store", "holdfast/mail", "holdfast/ratelimit"}},
	{"services", []string{"holdfast/engine", "holdfast/stripe", "holdfast/cancelflow", "holdfast/webhook", "holdfast/campaign"}},
	{"recovery lab: the simulator and live experiments, above the engine and campaigns", []string{"holdfast/sim", "holdfast/experiment"}},
	{"front: HTTP, dashboard, demo data", []string{"holdfast/api", "holdfast/dashboard", "holdfast/demo"}},
	{"wiring", []string{"holdfast/cmd/holdfast"}},
}

// allowedUpward lists imports that break the layering today, each with the
// change that removes it. Keep it empty.
var allowedUpward = map[string]string{}

// TestLayers reads the imports of every production package (build
// constraints applied, test files left out) and fails on any import from a
// package to one of the same or a higher layer, and on any production import
// of a test-support package.
func TestLayers(t *testing.T) {
	imports := productionImports(t)
	for _, want := range []string{"holdfast", "holdfast/store", "holdfast/engine", "holdfast/api"} {
		if _, ok := imports[want]; !ok {
			t.Fatalf("package %s not found: the walk of the module is broken", want)
		}
	}
	for edge, why := range allowedUpward {
		t.Logf("allowed until %s: %s", why, edge)
	}
	for _, v := range layerViolations(imports, allowedUpward) {
		t.Error(v)
	}
}

// TestLayerViolations makes sure the check fails where it must.
func TestLayerViolations(t *testing.T) {
	for _, c := range []struct {
		name    string
		imports map[string][]string
		want    int
	}{
		{"OK", map[string][]string{"holdfast/api": {"holdfast/store", "holdfast"}, "holdfast/engine": {"holdfast/mail"}, "holdfast/sim": {"holdfast/engine"}}, 0},
		{"StoreImportsService", map[string][]string{"holdfast/store": {"holdfast/engine"}}, 1},
		{"ServiceImportsService", map[string][]string{"holdfast/engine": {"holdfast/stripe"}}, 1},
		{"DomainImportsStore", map[string][]string{"holdfast": {"holdfast/store"}}, 1},
		{"ImportsUnlistedPackage", map[string][]string{"holdfast/webhook": {"holdfast/sim"}}, 1},
		{"ImportsTestSupport", map[string][]string{"holdfast/api": {"holdfast/store/storetest"}}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := layerViolations(c.imports, nil); len(got) != c.want {
				t.Errorf("got %d violations %q, want %d", len(got), got, c.want)
			}
		})
	}
}

// layerViolations lists the imports that break the layering.
func layerViolations(imports map[string][]string, allowed map[string]string) []string {
	rank := map[string]int{}
	for i, l := range layers {
		for _, p := range l.pkgs {
			rank[p] = i
		}
	}
	rankOf := func(p string) int {
		if r, ok := rank[p]; ok {
			return r
		}
		return len(layers)
	}
	var out []string
	for pkg, deps := range imports {
		for _, dep := range deps {
			switch {
			case testSupport(dep):
				out = append(out, pkg+" imports test-support package "+dep)
			case rankOf(dep) < rankOf(pkg):
			case allowed[pkg+" -> "+dep] != "":
			default:
				out = append(out, fmt.Sprintf("%s (layer %q) imports %s (layer %q): a package may only import lower layers",
					pkg, layerName(rankOf(pkg)), dep, layerName(rankOf(dep))))
			}
		}
	}
	slices.Sort(out)
	return out
}

func layerName(i int) string {
	if i < len(layers) {
		return layers[i].name
	}
	return "top (unlisted)"
}

// testSupport reports whether a package exists for tests only (fakes,
// fixtures, browser drivers).
func testSupport(p string) bool {
	last := p[strings.LastIndexByte(p, '/')+1:]
	return strings.HasSuffix(last, "test") || strings.HasSuffix(last, "fake") || strings.HasPrefix(p, "holdfast/e2e")
}

// productionImports maps every production package of the module to the
// module packages its non-test files import.
func productionImports(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
			return filepath.SkipDir
		}
		pkgPath := "holdfast"
		if path != "." {
			pkgPath += "/" + filepath.ToSlash(path)
		}
		if testSupport(pkgPath) {
			return nil
		}
		bp, err := build.Default.ImportDir(path, 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			return err
		}
		var deps []string
		for _, imp := range bp.Imports {
			if imp == "holdfast" || strings.HasPrefix(imp, "holdfast/") {
				deps = append(deps, imp)
			}
		}
		out[pkgPath] = deps
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
