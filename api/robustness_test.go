package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
	"holdfast/cancelflow"
	"holdfast/engine"
	"holdfast/experiment"
	"holdfast/store"
	"holdfast/stripe"
	"holdfast/stripe/stripetest"
	"holdfast/webhook"
)

// The robustness walk sends hostile input to every route of api/routes.go
// and asserts the project's non-negotiable: every input is answered with the
// dialect's documented error (never a 5xx, never a panic), and the server
// keeps answering afterwards.

const robustHookSecret = "whsec_robust"

// robustRoute is one route of routes.go. Path segments {name} are filled
// from the fixture's real ids or from hostile ids; sample is a valid body
// whose every field the walk mutates; destructive routes get hostile ids only.
type robustRoute struct {
	method, path string
	sample       func(fx *robustFixture) any
	destructive  bool
}

// robustFixture holds the seeded objects of one workspace (test mode).
type robustFixture struct {
	e        *apitest.Env
	ws       *holdfast.Workspace
	admin    string // test key: admin, write, webhooks, analytics
	live     string // live key with the same scopes
	pub      string // publishable test key (widget calls)
	ids      map[string]string
	customer string // Stripe customer id (cancel sessions)
}

// hostileValues replace a JSON field: wrong types, extremes, odd strings.
func hostileValues() map[string]json.RawMessage {
	nested := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	big, _ := json.Marshal(strings.Repeat("é", 50_000)) // 100 KB
	return map[string]json.RawMessage{
		"NumberAsString": json.RawMessage(`"12"`), "Number": json.RawMessage(`7`),
		"Negative": json.RawMessage(`-1`), "Zero": json.RawMessage(`0`), "Fraction": json.RawMessage(`1.5`),
		"Huge1e400": json.RawMessage(`1e400`), "HugeInt": json.RawMessage(`9999999999999999999`),
		"HugeNegative": json.RawMessage(`-9999999999999999999`), "Bool": json.RawMessage(`true`),
		"Null": json.RawMessage(`null`), "EmptyArray": json.RawMessage(`[]`), "EmptyObject": json.RawMessage(`{}`),
		"Array": json.RawMessage(`[1,"a",null]`), "EmptyString": json.RawMessage(`""`),
		"Unicode": json.RawMessage(`"ünïcødé 🙂 \u0000 \u202e"`), "LoneSurrogate": json.RawMessage(`"\ud800"`),
		"String100KB": json.RawMessage(big), "DeepArrays": json.RawMessage(nested),
	}
}

// rawBodies are whole bodies no route may choke on.
func rawBodies() map[string]string {
	return map[string]string{
		"Empty": "", "Spaces": "  \n ", "Malformed": "{", "Garbage": "not json", "Array": "[]", "Null": "null",
		"Number": "123", "String": `"x"`, "Trailing": `{"a":1}}`, "TwoValues": `{} {}`, "TrailingGarbage": `{}xyz`,
		"InvalidUTF8": "{\"name\":\"\xff\xfe\"}", "BOM": "\ufeff{}", "UnknownField": `{"zzz_unknown":1}`,
		"DeepArrays": strings.Repeat("[", 100_000), "DeepObjects": strings.Repeat(`{"a":`, 20_000),
		"OverOneMiB": `{"name":"` + strings.Repeat("x", 1<<20+10) + `"}`,
	}
}

// hostileIDs replace an {id} path segment.
var hostileIDs = map[string]string{
	"Unknown": "x_doesnotexist", "EncodedSlash": "%2F", "Traversal": "..%2F..%2Fetc", "NUL": "%00",
	"InvalidUTF8": "%FF%FE", "Unicode": "%E2%98%83", "Long": strings.Repeat("a", 5000),
	"SQL": "'%20OR%201=1--", "Percent": "%25", "Space": "%20",
}

// hostileQueries are added to every GET route.
func hostileQueries() []string {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	return []string{
		"page=abc", "page=-1", "page=0", "page=99999999999999999999", "page=1e3", "page=1&page=abc",
		"per_page=1e9", "per_page=-5", "per_page=%00",
		"limit=%00", "limit=abc", "limit=-1", "limit=1e9", "limit=99999999999999999999",
		"cursor=garbage!!", "cursor=" + strings.Repeat("A", 10_000), "cursor=" + b64("nonsense"),
		"cursor=" + b64("-9223372036854775808:%00"), "cursor=" + b64("9223372036854775807:\xff"),
		"cursor=" + b64(":"), "cursor=%00", "cursor=", "cursor=9999-12-31T23:59:59Z", "cursor=0001-01-01T00:00:00Z",
		"created_after=not-a-date", "created_after=2026-13-45T99:99:99Z", "created_after=%00",
		"created_after=0001-01-01T00:00:00Z&created_before=9999-12-31T23:59:59Z",
		"created_after=9999-12-31T23:59:59Z&created_before=0001-01-01T00:00:00Z",
		"from=garbage", "to=garbage", "from=9999-12-31T23:59:59Z&to=0001-01-01T00:00:00Z",
		"from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z",
		"status=bogus", "status=%00", "outcome=bogus", "type=bogus", "type=%FF", "event=%00", "event=%FF",
		"period=bogus", "period=day&created_after=0001-01-01T00:00:00Z&created_before=9999-12-31T23:59:59Z",
		"period=week&created_after=1970-01-01T00:00:00Z",
		"email=%00", "email=%FF%FE", "email=" + strings.Repeat("e", 100_000), "tag=%00", "tag=%FF",
		"customer=%00", "customer=%FF", "unknown_param=1", "t=%00",
	}
}

// robustRoutes is routes.go, route by route.
func robustRoutes() []robustRoute {
	empty := func(*robustFixture) any { return map[string]any{} }
	return []robustRoute{
		{method: "GET", path: "/v1/auth/me"},
		{method: "GET", path: "/v1/payments"},
		{method: "GET", path: "/v1/payments/{pay}"},
		{method: "POST", path: "/v1/payments/{pay}/retry", sample: empty},
		{method: "GET", path: "/v1/customers"},
		{method: "GET", path: "/v1/customers/{cus}"},
		{method: "DELETE", path: "/v1/customers/{cus}", destructive: true},
		{method: "GET", path: "/v1/campaigns"},
		{method: "POST", path: "/v1/campaigns", sample: func(*robustFixture) any { return campaignJSON(nil) }},
		{method: "GET", path: "/v1/campaigns/{cmp}"},
		{method: "PUT", path: "/v1/campaigns/{cmp}", sample: func(*robustFixture) any { return campaignJSON(nil) }},
		{method: "DELETE", path: "/v1/campaigns/{cmp}"},
		{method: "GET", path: "/v1/experiments"},
		{method: "POST", path: "/v1/experiments", sample: func(fx *robustFixture) any {
			return map[string]any{"name": "walk", "arms": []any{map[string]any{"campaign": fx.ids["cmp"], "weight": 1}, map[string]any{"campaign": fx.ids["cmp2"], "weight": 2}}}
		}},
		{method: "GET", path: "/v1/experiments/{exp}"},
		{method: "POST", path: "/v1/experiments/{exp}/stop", sample: empty},
		{method: "POST", path: "/v1/simulations", sample: func(*robustFixture) any {
			return map[string]any{"n": 3, "days": 2, "strategies": []any{"emails-only"}}
		}},
		{method: "GET", path: "/v1/analytics/recovery"},
		{method: "GET", path: "/v1/analytics/campaigns"},
		{method: "GET", path: "/v1/stats"},
		{method: "GET", path: "/v1/cancel_flow"},
		{method: "PUT", path: "/v1/cancel_flow", sample: func(*robustFixture) any { return robustFlow() }},
		{method: "GET", path: "/v1/cancel_sessions"},
		{method: "POST", path: "/v1/cancel_sessions", sample: robustSession},
		{method: "GET", path: "/v1/cancel_sessions/{cs}"},
		{method: "POST", path: "/v1/cancel_sessions/{cs}/respond", sample: func(*robustFixture) any {
			return map[string]any{"reason": "price", "feedback": "too much"}
		}},
		{method: "POST", path: "/v1/cancel_sessions/{cs}/accept", sample: func(*robustFixture) any { return map[string]any{"months": 1} }},
		{method: "POST", path: "/v1/cancel_sessions/{cs}/cancel", sample: empty},
		{method: "GET", path: "/v1/card_expiry_notices"},
		{method: "PUT", path: "/v1/card_expiry_notices", sample: func(*robustFixture) any {
			return map[string]any{"enabled": true, "days_before": []any{30, 7}}
		}},
		{method: "GET", path: "/v1/customer_notice"},
		{method: "POST", path: "/v1/customer_notice/view", sample: robustNotice},
		{method: "POST", path: "/v1/customer_notice/click", sample: robustNotice},
		{method: "GET", path: "/v1/webhooks"},
		{method: "POST", path: "/v1/webhooks", sample: robustWebhook},
		{method: "GET", path: "/v1/webhooks/{wh}"},
		{method: "PUT", path: "/v1/webhooks/{wh}", sample: robustWebhook},
		{method: "DELETE", path: "/v1/webhooks/{wh}", destructive: true},
		{method: "GET", path: "/v1/webhooks/{wh}/deliveries"},
		{method: "POST", path: "/v1/webhooks/{wh}/deliveries/{dlv}/retry", sample: empty},
		{method: "POST", path: "/v1/webhooks/{wh}/test", sample: empty},
		{method: "GET", path: "/v1/events"},
		{method: "GET", path: "/v1/events/{evt}"},
		{method: "POST", path: "/v1/test_helpers/advance_clock", sample: func(*robustFixture) any { return map[string]any{"seconds": 60} }},
		{method: "GET", path: "/api/v1/customers"},
		{method: "GET", path: "/api/v1/customers/{cus}"},
		{method: "GET", path: "/api/v1/campaigns"},
		{method: "GET", path: "/api/v1/campaigns/{rec}"},
		{method: "GET", path: "/api/v1/cancel_sessions"},
		{method: "GET", path: "/api/v1/stats"},
		{method: "GET", path: "/r/{send}"},
		{method: "GET", path: "/r/{send}/portal"},
		{method: "POST", path: "/hooks/stripe/{ws}"},
		{method: "GET", path: ""}, // paths that are no route
	}
}

func robustFlow() map[string]any {
	return map[string]any{
		"reasons": []any{
			map[string]any{"id": "price", "label": "Too expensive", "offer": map[string]any{"type": "discount", "coupon": "SAVE20", "percent_off": 20, "duration_months": 3}},
			map[string]any{"id": "break", "label": "Need a break", "offer": map[string]any{"type": "pause", "max_months": 3}},
		},
		"session_timeout_minutes": 30, "discount_cooldown_days": 90,
	}
}

func robustSession(fx *robustFixture) any {
	return map[string]any{"customer": fx.customer, "subscription": "sub_robust",
		"auth_hash": cancelflow.AuthHash(fx.ws.WidgetSecret, fx.customer)}
}

func robustNotice(fx *robustFixture) any {
	return map[string]any{"customer": fx.customer, "auth_hash": cancelflow.AuthHash(fx.ws.WidgetSecret, fx.customer), "style": "wall"}
}

func robustWebhook(fx *robustFixture) any {
	return map[string]any{"url": fx.ids["hookurl"], "events": []any{"recovery.started", "dunning.sent"}, "description": "robust", "enabled": true}
}

// withRobustServices wires every service the routes use: engine, Stripe
// ingester, cancel flow (against a fake Stripe) and the webhook worker.
func withRobustServices(eng **engine.Engine, fake *stripetest.Server) []func(*api.Config) {
	zero := int64(0)
	return []func(*api.Config){
		func(c *api.Config) {
			withEngine(eng, nil)(c)
			c.Services.Stripe = stripe.NewIngester(stripe.Config{Store: c.Store, Events: *eng, Logger: slog.New(slog.DiscardHandler)})
			c.Services.Cancel = cancelflow.New(cancelflow.Config{Store: c.Store, Live: stripe.NewProvider(stripe.ProviderConfig{Store: c.Store, APIBase: fake.URL, MaxNetworkRetries: &zero, Logger: slog.New(slog.DiscardHandler)}), Test: stripe.SimulatedApplier{}, Logger: slog.New(slog.DiscardHandler)})
			c.Services.Webhooks = webhook.NewWorker(webhook.Config{Store: c.Store, UserAgent: "Holdfast-Webhooks/test", Logger: slog.New(slog.DiscardHandler),
				AllowLoopback: true})
			c.Services.Experiments = experiment.New(c.Store)
			c.AllowLoopbackWebhooks = true // the routes' receivers are on 127.0.0.1
		},
	}
}

// seedRobust creates one object of every kind in test mode.
func seedRobust(t *testing.T, e *apitest.Env) *robustFixture {
	ctx := context.Background()
	ws := e.Workspace("Robust")
	all := []holdfast.Scope{holdfast.ScopeAdmin, holdfast.ScopeWrite, holdfast.ScopeWebhooks, holdfast.ScopeAnalytics}
	fx := &robustFixture{e: e, ws: ws, admin: bigKey(e, ws.ID, holdfast.ModeTest, all...), live: bigKey(e, ws.ID, holdfast.ModeLive, all...),
		ids: map[string]string{"ws": ws.ID}, customer: stripetest.ID("cus_")}
	limit := 1_000_000
	fx.pub = e.KeyWith(ws.ID, holdfast.ModeTest, func(k *holdfast.APIKey) { k.Kind, k.Scopes, k.RateLimit = holdfast.KindPublishable, nil, &limit }).Token
	if err := e.Store.SetWorkspaceSecret(ctx, ws.ID, holdfast.ModeTest, store.SecretStripeWebhook, robustHookSecret, time.Now()); err != nil {
		t.Fatal(err)
	}
	cus := fx.customer
	pm := stripetest.PaymentMethod(stripetest.ID("pm_"), cus, "visa", "credit", "fp_robust")
	inv, pi, ch := stripetest.ID("in_"), stripetest.ID("pi_"), stripetest.ID("ch_")
	robustHook(t, e, ws.ID, "customer.created", stripetest.Customer(cus, "rob@example.com", "Rob", time.Now(), nil))
	robustHook(t, e, ws.ID, "charge.failed", stripetest.Charge(ch, pi, "stolen_card", pm))
	robustHook(t, e, ws.ID, "payment_intent.payment_failed", stripetest.PaymentIntent(pi, cus, ch, "stolen_card", pm))
	robustHook(t, e, ws.ID, "invoice.payment_failed", stripetest.Invoice(inv, cus, stripetest.ID("sub_"), pi, 1999, "usd"))

	pay := e.Do("GET", "/v1/payments", fx.admin, nil).Data()
	if len(pay) != 1 {
		t.Fatalf("seed: %d payments", len(pay))
	}
	fx.ids["pay"], fx.ids["rec"] = pay[0]["id"].(string), pay[0]["recovery"].(string)
	fx.ids["cus"], _ = pay[0]["customer"].(string)
	rec := e.Do("GET", "/api/v1/campaigns/"+fx.ids["rec"], fx.admin, nil)
	if sends, _ := rec.JSON["dunning_sends"].([]any); len(sends) > 0 {
		fx.ids["send"], _ = sends[0].(map[string]any)["id"].(string)
	}
	fx.ids["send"] = cmpOr(fx.ids["send"], "ds_none")
	fx.ids["cmp"], _ = rec.JSON["campaign"].(string)
	fx.ids["cmp2"], _ = robustFx(t, fx, "POST", "/v1/campaigns", campaignJSON(nil))["id"].(string)
	fx.ids["exp"], _ = robustFx(t, fx, "POST", "/v1/experiments", map[string]any{"name": "robust",
		"arms": []any{map[string]any{"campaign": fx.ids["cmp"]}, map[string]any{"campaign": fx.ids["cmp2"]}}})["id"].(string)
	fx.ids["hookurl"] = newHookReceiver(t, nil).URL
	fx.ids["wh"], _ = robustFx(t, fx, "POST", "/v1/webhooks", robustWebhook(fx))["id"].(string)
	fx.ids["dlv"], _ = robustFx(t, fx, "POST", "/v1/webhooks/"+fx.ids["wh"]+"/test", nil)["id"].(string)
	robustFx(t, fx, "PUT", "/v1/cancel_flow", robustFlow())
	fx.ids["cs"], _ = robustFx(t, fx, "POST", "/v1/cancel_sessions", robustSession(fx))["id"].(string)
	if evs := e.Do("GET", "/v1/events", fx.admin, nil).Data(); len(evs) > 0 {
		fx.ids["evt"], _ = evs[0]["id"].(string)
	}
	for k, v := range fx.ids {
		if v == "" {
			t.Fatalf("seed: no %s", k)
		}
	}
	return fx
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// robustFx sends a seeding request that must succeed.
func robustFx(t *testing.T, fx *robustFixture, method, path string, body any) map[string]any {
	t.Helper()
	res := fx.e.Do(method, path, fx.admin, body)
	if res.Status != http.StatusOK {
		t.Fatalf("seed %s %s: %d %s", method, path, res.Status, res.Body)
	}
	return res.JSON
}

// robustHook posts a signed test-mode Stripe event that must be accepted.
func robustHook(t *testing.T, e *apitest.Env, wsID, typ string, obj map[string]any) {
	t.Helper()
	payload := stripetest.Event(stripetest.ID("evt_"), typ, false, time.Now(), obj, nil)
	res := e.Do("POST", "/hooks/stripe/"+wsID, "", payload, "Stripe-Signature", stripetest.Sign(payload, robustHookSecret, time.Now()))
	if res.Status != http.StatusOK {
		t.Fatalf("%s: %d %s", typ, res.Status, res.Body)
	}
}

// mutations returns sample re-encoded with each field (object keys and the
// first element of each array, recursively) replaced by each hostile value
// or removed, keyed "path=Value".
func mutations(sample any, values map[string]json.RawMessage) map[string][]byte {
	raw, err := json.Marshal(sample)
	if err != nil {
		panic(err)
	}
	fresh := func() any {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			panic(err)
		}
		return v
	}
	var paths [][]any
	var walk func(v any, path []any)
	walk = func(v any, path []any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				p := append(append([]any{}, path...), k)
				paths = append(paths, p)
				walk(c, p)
			}
		case []any:
			if len(x) > 0 {
				p := append(append([]any{}, path...), 0)
				paths = append(paths, p)
				walk(x[0], p)
			}
		}
	}
	walk(fresh(), nil)
	out := map[string][]byte{}
	for _, p := range paths {
		name := fmt.Sprint(p...)
		for vn, val := range values {
			out[name+"="+vn] = setPath(fresh(), p, val)
		}
		out[name+"=Removed"] = setPath(fresh(), p, nil)
	}
	return out
}

// setPath replaces (val != nil) or removes the value at path and encodes the result.
func setPath(root any, path []any, val json.RawMessage) []byte {
	parent := root
	for _, k := range path[:len(path)-1] {
		switch x := parent.(type) {
		case map[string]any:
			parent = x[k.(string)]
		case []any:
			parent = x[k.(int)]
		}
	}
	last := path[len(path)-1]
	switch x := parent.(type) {
	case map[string]any:
		if val == nil {
			delete(x, last.(string))
		} else {
			x[last.(string)] = val
		}
	case []any:
		if val == nil {
			x[last.(int)] = json.RawMessage(`{}`)
		} else {
			x[last.(int)] = val
		}
	}
	b, err := json.Marshal(root)
	if err != nil {
		panic(err)
	}
	return b
}

// robustWalker sends one route's hostile requests and checks each answer.
type robustWalker struct {
	t  *testing.T
	fx *robustFixture
	n  int
}

// send sends a request and asserts the answer is not a 5xx and, for a 4xx,
// is the dialect's error envelope.
func (w *robustWalker) send(label, method, path, token string, body any, headers ...string) *apitest.Response {
	w.t.Helper()
	w.n++
	res := w.fx.e.Do(method, path, token, body, headers...)
	short := path
	if len(short) > 120 {
		short = short[:120] + "…"
	}
	if res.Status >= 500 {
		w.t.Errorf("%s: %s %s → %d %.300s", label, method, short, res.Status, res.Body)
		return res
	}
	if res.Status < 400 {
		return res
	}
	e, _ := res.JSON["error"].(map[string]any)
	msg, _ := e["message"].(string)
	if strings.HasPrefix(path, "/api/v1/") {
		if typ, _ := e["type"].(string); typ == "" || msg == "" || e["code"] != nil {
			w.t.Errorf("%s: %s %s → %d without the /api/v1 envelope: %.300s", label, method, short, res.Status, res.Body)
		}
		return res
	}
	code, _ := e["code"].(string)
	rid, _ := e["request_id"].(string)
	if code == "" || msg == "" || !strings.HasPrefix(rid, "req_") || rid != res.Header.Get("X-Request-Id") {
		w.t.Errorf("%s: %s %s → %d without the /v1 envelope: %.300s", label, method, short, res.Status, res.Body)
	}
	return res
}

// alive asserts the server still answers after the walk.
func (w *robustWalker) alive() {
	w.t.Helper()
	if res := w.fx.e.Do("GET", "/healthz", "", nil); res.Status != http.StatusOK {
		w.t.Fatalf("healthz after the walk: %d %s", res.Status, res.Body)
	}
	if res := w.fx.e.Do("GET", "/v1/auth/me", w.fx.admin, nil); res.Status != http.StatusOK {
		w.t.Fatalf("auth/me after the walk: %d %s", res.Status, res.Body)
	}
}

// fill replaces the {name} segments of pattern with real ids, except the one
// named hostile, which gets id.
func (w *robustWalker) fill(pattern, hostile, id string) string {
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") {
			name := strings.Trim(p, "{}")
			parts[i] = w.fx.ids[name]
			if name == hostile {
				parts[i] = id
			}
		}
	}
	return strings.Join(parts, "/")
}

// params lists the {name} segments of a pattern.
func params(pattern string) []string {
	var out []string
	for _, p := range strings.Split(pattern, "/") {
		if strings.HasPrefix(p, "{") {
			out = append(out, strings.Trim(p, "{}"))
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// walk sends every hostile variant for one API route.
func (w *robustWalker) walk(rt robustRoute) {
	var sample any
	if rt.sample != nil {
		sample = rt.sample(w.fx)
	}
	tokens := []struct{ name, token string }{{"TestKey", w.fx.admin}, {"LiveKey", w.fx.live}}
	if strings.HasPrefix(rt.path, "/v1/cancel_sessions") && rt.method == "POST" || strings.HasPrefix(rt.path, "/v1/customer_notice") {
		tokens = append(tokens, struct{ name, token string }{"PublishableKey", w.fx.pub})
	}
	for _, tok := range tokens {
		for _, name := range params(rt.path) {
			for _, idName := range sortedKeys(hostileIDs) {
				w.send(tok.name+"/id "+name+"="+idName, rt.method, w.fill(rt.path, name, hostileIDs[idName]), tok.token, sample)
			}
		}
		if rt.destructive {
			continue
		}
		path := w.fill(rt.path, "", "")
		w.send(tok.name+"/Valid", rt.method, path, tok.token, sample)
		w.send(tok.name+"/UnsupportedMethod", "PATCH", path, tok.token, nil)
		if tok.token == w.fx.admin {
			w.walkHeaders(rt.method, path, sample)
		}
		if rt.method == "GET" {
			for _, q := range hostileQueries() {
				w.send(tok.name+"/query "+q, rt.method, path+"?"+q, tok.token, nil)
			}
			continue
		}
		for _, name := range sortedKeys(rawBodies()) {
			w.send(tok.name+"/body "+name, rt.method, path, tok.token, rawBodies()[name])
		}
		w.send(tok.name+"/IdempotencyKeyLong", rt.method, path, tok.token, sample, "Idempotency-Key", strings.Repeat("k", 10_000))
		w.send(tok.name+"/IdempotencyKeyOdd", rt.method, path, tok.token, sample, "Idempotency-Key", "ünïcødé 🙂")
		if sample == nil || tok.token == w.fx.live {
			continue
		}
		muts := mutations(sample, hostileValues())
		for _, name := range sortedKeys(muts) {
			w.send(tok.name+"/field "+name, rt.method, path, tok.token, muts[name])
		}
	}
}

// walkHeaders sends odd Authorization, X-Forwarded-For and Idempotency-Key headers.
func (w *robustWalker) walkHeaders(method, path string, body any) {
	for name, h := range map[string][]string{
		"AuthLong":        {"Authorization", "Bearer hf_test_" + strings.Repeat("A", 10_000)},
		"AuthBasic":       {"Authorization", "Basic dXNlcjpwYXNz"},
		"AuthEmptyBearer": {"Authorization", "Bearer "},
		"AuthOddToken":    {"Authorization", "Bearer hf_test_ünï🙂"},
		"AuthLowercase":   {"Authorization", "bearer " + w.fx.admin},
		"XFFGarbage":      {"Authorization", "Bearer " + w.fx.admin, "X-Forwarded-For", "garbage, , 999.1.1.1, ::zz"},
		"IdemOnGET":       {"Authorization", "Bearer " + w.fx.admin, "Idempotency-Key", "k1"},
		"ContentTypeText": {"Authorization", "Bearer " + w.fx.admin, "Content-Type", "text/plain; charset=utf-16"},
	} {
		w.send("header "+name, method, path, "", body, h...)
	}
}

// walkUnknown sends paths under both dialects that match no route.
func (w *robustWalker) walkUnknown() {
	for _, p := range []string{"/v1/nope", "/v1/payments/x/y/z", "/v1/%00", "/v1/" + strings.Repeat("a", 5000), "/v1/cancel_sessions/x/nope",
		"/api/v1/nope", "/api/v1/customers/x/y", "/api/v1/%FF", "/v1//payments", "/api/v1/stats/"} {
		for _, m := range []string{"GET", "POST", "DELETE"} {
			w.send("TestKey", m, p, w.fx.admin, nil)
			w.send("PublishableKey", m, p, w.fx.pub, nil)
		}
	}
}

// walkClick sends hostile send ids and tokens to the click redirect.
func (w *robustWalker) walkClick(rt robustRoute) {
	for _, idName := range sortedKeys(hostileIDs) {
		w.send("id "+idName, "GET", "/r/"+hostileIDs[idName], "", nil)
	}
	path := w.fill(rt.path, "", "")
	for _, q := range append(hostileQueries(), "t=garbage", "t="+strings.Repeat("t", 10_000), "t=%FF") {
		w.send("query "+q, "GET", path+"?"+q, "", nil)
	}
	w.send("UnsupportedMethod", "POST", path, "", "{}")
}

// robustEvents are valid Stripe events of the handled types, each with a
// fresh event id, for the webhook receiver's mutations.
func (w *robustWalker) robustEvents() map[string]func() map[string]any {
	cus := w.fx.customer
	pm := stripetest.PaymentMethod("pm_robust", cus, "visa", "credit", "fp_robust2")
	event := func(typ string, obj func() map[string]any, prev map[string]any) func() map[string]any {
		return func() map[string]any {
			var v map[string]any
			if err := json.Unmarshal(stripetest.Event(stripetest.ID("evt_"), typ, false, time.Now(), obj(), prev), &v); err != nil {
				panic(err)
			}
			return v
		}
	}
	return map[string]func() map[string]any{
		"customer.updated": event("customer.updated", func() map[string]any {
			return stripetest.Customer(cus, "rob@example.com", "Rob", time.Now(), map[string]any{"holdfast_test_outcomes": "succeeded"})
		}, map[string]any{"invoice_settings": map[string]any{"default_payment_method": "pm_old"}}),
		"customer.subscription.updated": event("customer.subscription.updated", func() map[string]any {
			return stripetest.Subscription("sub_robust", cus, "past_due", 1999, "usd", "month", time.Now().Add(720*time.Hour))
		}, nil),
		"invoice.payment_failed": event("invoice.payment_failed", func() map[string]any {
			return stripetest.Invoice(stripetest.ID("in_"), cus, "sub_robust", "pi_robust", 2500, "eur")
		}, nil),
		"charge.failed": event("charge.failed", func() map[string]any {
			return stripetest.Charge("ch_robust", "pi_robust", "insufficient_funds", pm)
		}, nil),
		"payment_method.attached": event("payment_method.attached", func() map[string]any { return pm }, nil),
	}
}

// walkStripeHook sends hostile Stripe webhooks: bad workspaces, bad
// signatures, garbage bodies (signed and not), and every field of each
// handled event type mutated and validly signed.
func (w *robustWalker) walkStripeHook() {
	sign := func(b []byte) string { return stripetest.Sign(b, robustHookSecret, time.Now()) }
	valid, _ := json.Marshal(w.robustEvents()["customer.updated"]())
	for _, idName := range sortedKeys(hostileIDs) {
		w.send("ws "+idName, "POST", "/hooks/stripe/"+hostileIDs[idName], "", valid, "Stripe-Signature", sign(valid))
	}
	path := "/hooks/stripe/" + w.fx.ws.ID
	for name, sig := range map[string]string{"None": "", "Garbage": "garbage", "BadTime": "t=abc,v1=00", "HugeTime": "t=99999999999999999999,v1=00",
		"NegativeTime": "t=-1,v1=00", "NoV1": "t=1", "Long": "t=1,v1=" + strings.Repeat("a", 100_000), "Stale": stripetest.Sign(valid, robustHookSecret, time.Now().Add(-time.Hour))} {
		w.send("signature "+name, "POST", path, "", valid, "Stripe-Signature", sig)
	}
	w.send("UnsupportedMethod", "GET", path, "", nil)
	for _, name := range sortedKeys(rawBodies()) {
		b := []byte(rawBodies()[name])
		w.send("unsigned body "+name, "POST", path, "", b)
		w.send("signed body "+name, "POST", path, "", b, "Stripe-Signature", sign(b))
	}
	live := w.robustEvents()["invoice.payment_failed"]()
	live["livemode"] = true
	lb, _ := json.Marshal(live)
	w.send("LiveEventWithoutSecret", "POST", path, "", lb, "Stripe-Signature", sign(lb))
	// Stripe events are large: a subset of the values keeps the walk short.
	values := map[string]json.RawMessage{}
	for name, v := range hostileValues() {
		switch name {
		case "NumberAsString", "Huge1e400", "HugeInt", "Null", "EmptyObject", "Unicode", "String100KB":
			values[name] = v
		}
	}
	events := w.robustEvents()
	for _, typ := range sortedKeys(events) {
		muts := mutations(events[typ](), values)
		for _, name := range sortedKeys(muts) {
			b := muts[name]
			if !strings.HasPrefix(name, "id=") {
				// A fresh event id, so no mutation is a duplicate of another.
				var v map[string]any
				if json.Unmarshal(b, &v) == nil {
					v["id"] = stripetest.ID("evt_")
					b, _ = json.Marshal(v)
				}
			}
			w.send(typ+" "+name, "POST", path, "", b, "Stripe-Signature", sign(b))
		}
	}
}

// TestRobustnessEveryRoute walks every route of routes.go (both dialects,
// the Stripe receiver and the click redirect) with hostile ids, query
// parameters and bodies, with a test key holding every scope and a live key.
func TestRobustnessEveryRoute(t *testing.T) {
	var eng *engine.Engine
	fake := stripetest.NewWithKey(t, fakeStripeKey)
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		// The backends walk side by side: PostgreSQL mostly waits on round trips.
		t.Parallel()
		fx := seedRobust(t, e)
		total := 0
		for _, rt := range robustRoutes() {
			name := rt.method + " " + rt.path
			if rt.path == "" {
				name = "UnknownRoutes"
			}
			t.Run(name, func(t *testing.T) {
				w := &robustWalker{t: t, fx: fx}
				switch {
				case strings.HasPrefix(rt.path, "/hooks/"):
					w.walkStripeHook()
				case rt.path == "":
					w.walkUnknown()
				case strings.HasPrefix(rt.path, "/r/"):
					w.walkClick(rt)
				default:
					w.walk(rt)
				}
				w.alive()
				total += w.n
			})
		}
		t.Logf("%d hostile requests", total)
	}, withRobustServices(&eng, fake)...)
}
