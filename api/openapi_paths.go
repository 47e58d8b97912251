package api

import (
	"net/http"
	"sort"
	"strings"
)

// Paths of the OpenAPI document: every route of routes.go.

func openAPIParameters() map[string]any {
	q := func(name, desc string, s schema) map[string]any {
		return map[string]any{"name": name, "in": "query", "description": desc, "schema": s}
	}
	return map[string]any{
		"page":           q("page", "Page number, 1..10000 (default 1). Out of range or not an integer: 422 validation_error.", schema{"type": "integer", "minimum": 1, "maximum": 10000, "default": 1}),
		"per_page":       q("per_page", "Objects per page, 1..100 (default 20). Out of range or not an integer: 422 validation_error.", schema{"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
		"created_after":  q("created_after", "Only objects created strictly after this RFC 3339 time.", timestamp()),
		"created_before": q("created_before", "Only objects created strictly before this RFC 3339 time.", timestamp()),
		"cursor":         q("cursor", "Opaque cursor from next_cursor; objects strictly older than it are returned. Malformed: 400 invalid_param.", str()),
		"limit":          q("limit", "Objects per page, 1..100 (default 20). Out of range: 400 invalid_param.", schema{"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
		"id":             map[string]any{"name": "id", "in": "path", "required": true, "schema": str()},
		"Idempotency-Key": map[string]any{"name": "Idempotency-Key", "in": "header", "schema": schema{"type": "string", "maxLength": maxIdempotencyKey},
			"description": "Stripe semantics: the first response is stored for 24 h per workspace and mode and replayed byte for byte " +
				"(with Idempotent-Replayed: true); the same key with a different request is a 422 validation_error with " +
				"param Idempotency-Key; a repeat while the first is still running is a 409 state_conflict."},
	}
}

// op describes one operation.
type op struct {
	method, path string
	summary      string
	tag          string
	access       string   // who may call it, for the description
	params       []any    // parameter objects or $refs
	body         schema   // request body schema (nil: none)
	ok           schema   // 200 body
	errors       []int    // error statuses besides the common ones
	public       bool     // no authentication
	okStatus     int      // default 200
	okType       string   // default application/json
	extraHeaders []string // success response headers
}

func pref(name string) map[string]any {
	return map[string]any{"$ref": "#/components/parameters/" + name}
}

func query(name, desc string, s schema) map[string]any {
	return map[string]any{"name": name, "in": "query", "description": desc, "schema": s}
}

var (
	pageParams   = []any{pref("page"), pref("per_page"), pref("created_after"), pref("created_before")}
	cursorParams = []any{pref("cursor"), pref("limit")}
	idParam      = []any{pref("id")}
)

func openAPIOps() []op {
	statsParams := []any{
		query("from", "Inclusive lower bound (RFC 3339) on recovery start and cancel-session/customer creation.", timestamp()),
		query("to", "Exclusive upper bound (RFC 3339).", timestamp()),
	}
	analyticsRange := []any{pref("created_after"), pref("created_before")}
	write := []int{400, 404, 409, 413, 422}
	return []op{
		{method: "GET", path: "/v1/auth/me", summary: "The calling key, its workspace and rate limit", access: "any secret key", ok: ref("AuthMe")},

		{method: "GET", path: "/v1/payments", summary: "List failed payments under recovery", access: "read",
			params: append(append([]any{}, pageParams...), query("status", "Filter by status.", enum(paymentStatusEnum...)),
				query("customer", "Filter by our customer id (cus_…).", str())),
			ok: ref("PaymentPage"), errors: []int{422}},
		{method: "GET", path: "/v1/payments/{id}", summary: "A payment with its attempts", access: "read", params: idParam, ok: ref("PaymentDetail"), errors: []int{404}},
		{method: "POST", path: "/v1/payments/{id}/retry", summary: "Retry a pending payment now", access: "write", params: idParam,
			ok: ref("PaymentDetail"), errors: write},

		{method: "GET", path: "/v1/customers", summary: "List customers", access: "read",
			params: append(append([]any{}, pageParams...), query("email", "Exact email, case-insensitive.", str()), query("tag", "Customers with this tag.", str())),
			ok:     ref("CustomerPage"), errors: []int{422}},
		{method: "GET", path: "/v1/customers/{id}", summary: "A customer (our id or Stripe's)", access: "read", params: idParam, ok: ref("Customer"), errors: []int{404}},
		{method: "DELETE", path: "/v1/customers/{id}", summary: "Erase a customer's personal data", access: "admin", params: idParam,
			ok: ref("DeletedObject"), errors: []int{404, 409, 422}},

		{method: "GET", path: "/v1/campaigns", summary: "List campaigns (recovery playbooks)", access: "read", params: pageParams, ok: ref("CampaignPage"), errors: []int{422}},
		{method: "POST", path: "/v1/campaigns", summary: "Create a campaign", access: "write", body: ref("CampaignInput"), ok: ref("Campaign"), errors: write},
		{method: "GET", path: "/v1/campaigns/{id}", summary: "A campaign", access: "read", params: idParam, ok: ref("Campaign"), errors: []int{404}},
		{method: "PUT", path: "/v1/campaigns/{id}", summary: "Update a campaign (fields present replace the stored ones)", access: "write",
			params: idParam, body: ref("CampaignInput"), ok: ref("Campaign"), errors: write},
		{method: "DELETE", path: "/v1/campaigns/{id}", summary: "Delete a campaign (409 for the default or one with in-flight recoveries)",
			access: "write", params: idParam, ok: ref("DeletedObject"), errors: []int{404, 409, 422}},

		{method: "GET", path: "/v1/analytics/recovery", summary: "Failed and recovered payments per UTC period and currency", access: "read or analytics",
			params: append([]any{query("period", "Bucket size (default day); weeks start on Monday.", enum("day", "week", "month"))}, analyticsRange...),
			ok:     ref("RecoveryAnalytics"), errors: []int{422}},
		{method: "POST", path: "/v1/simulations", summary: "Simulate campaigns with the real engine on a simulated population (the report of holdfast simulate --json; 409 while another runs for the workspace)",
			access: "analytics", body: ref("SimulationInput"), ok: ref("Simulation"), errors: write},
		{method: "GET", path: "/v1/experiments", summary: "List experiments (live A/B tests of campaigns)", access: "read", params: pageParams, ok: ref("ExperimentPage"), errors: []int{422}},
		{method: "POST", path: "/v1/experiments", summary: "Start an experiment: recoveries that open and match its filters get an arm at random by weight, sticky per customer (409 while another runs)",
			access: "write", body: ref("ExperimentInput"), ok: ref("Experiment"), errors: write},
		{method: "GET", path: "/v1/experiments/{id}", summary: "An experiment with per-arm results", access: "read", params: idParam, ok: ref("Experiment"), errors: []int{404}},
		{method: "POST", path: "/v1/experiments/{id}/stop", summary: "Stop an experiment (409 when already stopped)", access: "write", params: idParam,
			ok: ref("Experiment"), errors: []int{404, 409}},
		{method: "GET", path: "/v1/analytics/campaigns", summary: "Per campaign and currency: outcomes, amounts, retries, emails", access: "read or analytics",
			params: analyticsRange, ok: ref("CampaignAnalytics"), errors: []int{422}},
		{method: "GET", path: "/v1/stats", summary: "The stats object (same as /api/v1/stats)", access: "read or analytics", params: statsParams, ok: ref("Stats"), errors: []int{422}},

		{method: "GET", path: "/v1/cancel_flow", summary: "The cancel-flow configuration", access: "read", ok: ref("CancelFlow")},
		{method: "PUT", path: "/v1/cancel_flow", summary: "Replace the cancel-flow configuration", access: "write",
			body: ref("CancelFlow"), ok: ref("CancelFlow"), errors: write},
		{method: "GET", path: "/v1/cancel_sessions", summary: "List cancel sessions", access: "read",
			params: append(append([]any{}, pageParams...), query("outcome", "Filter by outcome.", enum(outcomeEnum...))), ok: ref("CancelSessionPage"), errors: []int{422}},
		{method: "POST", path: "/v1/cancel_sessions", summary: "Start a cancel session", tag: "widget", access: "publishable key, or secret key with write",
			body: object(map[string]schema{"customer": str(), "subscription": str(), "auth_hash": str()}, "customer", "subscription"),
			ok:   ref("CancelSession"), errors: write},
		{method: "GET", path: "/v1/cancel_sessions/{id}", summary: "A cancel session", access: "read", params: idParam, ok: ref("CancelSession"), errors: []int{404}},
		{method: "POST", path: "/v1/cancel_sessions/{id}/respond", summary: "Answer the survey; returns the offer", tag: "widget",
			access: "publishable key, or secret key with write", params: idParam,
			body: object(map[string]schema{"reason": str(), "feedback": str()}, "reason"), ok: ref("CancelSession"), errors: write},
		{method: "POST", path: "/v1/cancel_sessions/{id}/accept", summary: "Accept the offer", tag: "widget",
			access: "publishable key, or secret key with write", params: idParam, ok: ref("CancelSession"), errors: write},
		{method: "POST", path: "/v1/cancel_sessions/{id}/cancel", summary: "Cancel at period end", tag: "widget",
			access: "publishable key, or secret key with write", params: idParam, ok: ref("CancelSession"), errors: write},

		{method: "GET", path: "/v1/card_expiry_notices", summary: "The expiring-card notice configuration of this mode", access: "read", ok: ref("CardExpiryNotices")},
		{method: "PUT", path: "/v1/card_expiry_notices", summary: "Change the expiring-card notice configuration (fields present replace)", access: "write",
			body: ref("CardExpiryNoticesInput"), ok: ref("CardExpiryNotices"), errors: write},
		{method: "GET", path: "/v1/customer_notice", summary: "The in-app payment notice of a customer (Holdfast.paymentNotice)", tag: "widget",
			access: "publishable key, or secret key with write",
			params: []any{query("customer", "Stripe customer id (cus_…). Missing: 400.", str()),
				query("auth_hash", "Hex HMAC-SHA256 of the customer id keyed with the widget secret. Missing or wrong: 403 invalid_auth_hash.", str())},
			ok: ref("CustomerNotice"), errors: []int{400, 422}},
		{method: "POST", path: "/v1/customer_notice/view", summary: "Record a view of the in-app payment notice", tag: "widget",
			access: "publishable key, or secret key with write", body: ref("CustomerNoticeActionInput"), ok: ref("CustomerNoticeAction"), errors: write},
		{method: "POST", path: "/v1/customer_notice/click", summary: "Record a click on the in-app payment notice", tag: "widget",
			access: "publishable key, or secret key with write", body: ref("CustomerNoticeActionInput"), ok: ref("CustomerNoticeAction"), errors: write},

		{method: "GET", path: "/v1/webhooks", summary: "List webhook endpoints", access: "webhooks", params: pageParams, ok: ref("WebhookEndpointPage"), errors: []int{422}},
		{method: "POST", path: "/v1/webhooks", summary: "Create a webhook endpoint (the signing secret is shown once)", access: "webhooks",
			body: object(map[string]schema{"url": str(), "events": arr(str()), "description": str(), "enabled": boolean()}, "url"),
			ok:   ref("WebhookEndpoint"), errors: write},
		{method: "GET", path: "/v1/webhooks/{id}", summary: "A webhook endpoint", access: "webhooks", params: idParam, ok: ref("WebhookEndpoint"), errors: []int{404}},
		{method: "PUT", path: "/v1/webhooks/{id}", summary: "Update a webhook endpoint", access: "webhooks", params: idParam,
			body: object(map[string]schema{"url": str(), "events": arr(str()), "description": str(), "enabled": boolean()}),
			ok:   ref("WebhookEndpoint"), errors: write},
		{method: "DELETE", path: "/v1/webhooks/{id}", summary: "Delete a webhook endpoint", access: "webhooks", params: idParam, ok: ref("DeletedObject"), errors: []int{404, 422}},
		{method: "GET", path: "/v1/webhooks/{id}/deliveries", summary: "Delivery log of an endpoint", access: "webhooks",
			params: append(append([]any{}, idParam...), pageParams...), ok: ref("WebhookDeliveryPage"), errors: []int{404, 422}},
		{method: "POST", path: "/v1/webhooks/{id}/deliveries/{delivery_id}/retry", summary: "Redeliver now", access: "webhooks",
			params: append(append([]any{}, idParam...), map[string]any{"name": "delivery_id", "in": "path", "required": true, "schema": str()}),
			ok:     ref("WebhookDelivery"), errors: write},
		{method: "POST", path: "/v1/webhooks/{id}/test", summary: "Send a ping event", access: "webhooks", params: idParam, ok: ref("WebhookDelivery"), errors: write},

		{method: "GET", path: "/v1/events", summary: "The event log", access: "read",
			params: append(append([]any{}, pageParams...), query("type", "Filter by event type.", str())), ok: ref("EventPage"), errors: []int{422}},
		{method: "GET", path: "/v1/events/{id}", summary: "An event", access: "read", params: idParam, ok: ref("Event"), errors: []int{404}},

		{method: "POST", path: "/v1/test_helpers/advance_clock", summary: "Advance the workspace's test clock and run due work", access: "write, test keys only",
			body: object(map[string]schema{"seconds": schema{"type": "integer", "minimum": 1}}, "seconds"), ok: ref("TestClock"), errors: write},

		{method: "GET", path: "/api/v1/customers", summary: "List customers", tag: "read", access: "read",
			params: append(append([]any{}, cursorParams...), query("email", "Exact email, case-insensitive.", str()), query("tag", "Customers with this tag.", str())),
			ok:     ref("CustomerCursorPage")},
		{method: "GET", path: "/api/v1/customers/{id}", summary: "A customer with subscriptions and its last 10 recoveries", tag: "read", access: "read",
			params: idParam, ok: ref("CustomerDetail")},
		{method: "GET", path: "/api/v1/campaigns", summary: "List recovery campaigns (recovery runs)", tag: "read", access: "read",
			params: append(append([]any{}, cursorParams...), query("status", "Filter by status.", enum(recoveryStatusEnum...))), ok: ref("RecoveryCursorPage")},
		{method: "GET", path: "/api/v1/campaigns/{id}", summary: "A recovery campaign with its dunning sends and payment attempts", tag: "read", access: "read",
			params: idParam, ok: ref("RecoveryDetail")},
		{method: "GET", path: "/api/v1/cancel_sessions", summary: "List cancel sessions (cursor = RFC 3339 timestamp)", tag: "read", access: "read",
			params: []any{query("cursor", "RFC 3339 timestamp: sessions strictly older are returned (next_cursor, or written by hand).", str()), pref("limit"),
				query("outcome", "Filter by outcome.", enum(outcomeEnum...))},
			ok: ref("CancelSessionCursorPage")},
		{method: "GET", path: "/api/v1/stats", summary: "The stats object", tag: "read", access: "read or analytics", params: statsParams, ok: ref("Stats")},

		{method: "GET", path: "/healthz", summary: "Liveness", tag: "system", public: true, ok: schema{"type": "object"}, errors: []int{}},
		{method: "GET", path: "/readyz", summary: "Readiness (database reachable)", tag: "system", public: true, ok: schema{"type": "object"}},
		{method: "GET", path: "/metrics", summary: "Prometheus metrics", tag: "system", public: true, okType: "text/plain", ok: str()},
		{method: "GET", path: "/openapi.json", summary: "This document", tag: "system", public: true, ok: schema{"type": "object"}},
		{method: "POST", path: "/hooks/stripe/{workspace_id}", summary: "Stripe webhook receiver (Stripe-Signature verified)", tag: "system", public: true,
			params: []any{map[string]any{"name": "workspace_id", "in": "path", "required": true, "schema": str()}}, ok: schema{"type": "object"}},
		{method: "GET", path: "/r/{send_id}", summary: "Link click tracking: a dunning link redirects to the invoice; a card-update link (cen_…, cus_…) to a Stripe customer-portal session (live) or the simulated portal (test)", tag: "system", public: true,
			params: []any{map[string]any{"name": "send_id", "in": "path", "required": true, "schema": str()}}, okStatus: http.StatusFound},
		{method: "GET", path: "/r/{send_id}/portal", summary: "The simulated customer portal of a test-mode card-update link", tag: "system", public: true,
			params: []any{map[string]any{"name": "send_id", "in": "path", "required": true, "schema": str()}}, okType: "text/html", ok: str()},
	}
}

func openAPIPaths() map[string]any {
	paths := map[string]any{}
	ops := openAPIOps()
	sort.SliceStable(ops, func(i, j int) bool { return ops[i].path < ops[j].path })
	for _, o := range ops {
		item, _ := paths[o.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[o.path] = item
		}
		item[strings.ToLower(o.method)] = o.operation()
	}
	return paths
}

// operation renders one operation with its responses per dialect.
func (o op) operation() map[string]any {
	read := strings.HasPrefix(o.path, "/api/v1/")
	tag := o.tag
	if tag == "" {
		tag = "v1"
	}
	desc := o.summary + "."
	if o.access != "" {
		desc += " Requires: " + o.access + "."
	}
	out := map[string]any{
		"summary":     o.summary,
		"description": desc,
		"operationId": operationID(o.method, o.path),
		"tags":        []any{tag},
	}
	params := append([]any{}, o.params...)
	if !read && !o.public && o.method != "GET" {
		params = append(params, pref("Idempotency-Key"))
	}
	if len(params) > 0 {
		out["parameters"] = params
	}
	if o.public {
		out["security"] = []any{}
	}
	if o.body != nil {
		out["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": o.body}}}
	}
	out["responses"] = o.responses(read)
	return out
}

func (o op) responses(read bool) map[string]any {
	rateHeaders := func(extra ...string) map[string]any {
		h := map[string]any{
			"X-Request-Id":          hdr("X-Request-Id"),
			"X-RateLimit-Limit":     hdr("X-RateLimit-Limit"),
			"X-RateLimit-Remaining": hdr("X-RateLimit-Remaining"),
		}
		if read {
			h["X-RateLimit-Reset"] = hdr("X-RateLimit-Reset-Read")
		} else {
			h["X-RateLimit-Reset"] = hdr("X-RateLimit-Reset-V1")
		}
		for _, e := range extra {
			h[e] = hdr(e)
		}
		return h
	}
	res := map[string]any{}
	okStatus, okType := o.okStatus, o.okType
	if okStatus == 0 {
		okStatus = http.StatusOK
	}
	if okType == "" {
		okType = "application/json"
	}
	ok := map[string]any{"description": http.StatusText(okStatus)}
	if o.ok != nil {
		ok["content"] = map[string]any{okType: map[string]any{"schema": o.ok}}
	}
	if !o.public {
		extra := o.extraHeaders
		if !read && o.method != "GET" {
			extra = append(extra, "Idempotent-Replayed")
		}
		ok["headers"] = rateHeaders(extra...)
	}
	res[itoa(okStatus)] = ok
	if o.public {
		if o.path == "/hooks/stripe/{workspace_id}" {
			res["400"] = errResponse(false, 400, nil)
			res["404"] = errResponse(false, 404, nil)
		}
		if o.path == "/r/{send_id}" || o.path == "/r/{send_id}/portal" {
			res["404"] = errResponse(false, 404, nil)
		}
		if o.path == "/r/{send_id}" {
			res["409"] = errResponse(false, 409, nil) // Stripe could not open a customer-portal session
		}
		return res
	}
	statuses := map[int]bool{401: true, 403: true, 404: true, 429: true, 500: true}
	if read {
		statuses[400] = true // malformed cursor, bad limit or filter
	}
	for _, st := range o.errors {
		if read && st == 422 {
			st = 400
		}
		statuses[st] = true
	}
	if !read && o.method != "GET" {
		statuses[409], statuses[422] = true, true // Idempotency-Key conflicts
	}
	if !read {
		statuses[400] = true // test helpers with a live key, malformed input
	}
	for st := range statuses {
		var headers map[string]any
		switch st {
		case 401:
			headers = map[string]any{"X-Request-Id": hdr("X-Request-Id")}
		case 429:
			headers = rateHeaders("Retry-After")
		default:
			headers = rateHeaders()
			// ip_not_allowed answers carry the rate headers only when the
			// limiter could be read: keep them optional there.
			if st == 403 {
				headers = optionalHeaders(headers)
			}
		}
		res[itoa(st)] = errResponse(read, st, headers)
	}
	return res
}

func hdr(name string) map[string]any { return map[string]any{"$ref": "#/components/headers/" + name} }

// optionalHeaders keeps only X-Request-Id required.
func optionalHeaders(h map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range h {
		if k == "X-Request-Id" {
			out[k] = v
			continue
		}
		out[k] = map[string]any{"schema": schema{"type": "integer"}, "required": false}
	}
	return out
}

func errResponse(read bool, status int, headers map[string]any) map[string]any {
	name := v1ErrorName(status)
	if read {
		name = readErrorName(status)
	}
	r := map[string]any{
		"description": http.StatusText(status),
		"content":     map[string]any{"application/json": map[string]any{"schema": ref(name)}},
	}
	if headers != nil {
		r["headers"] = headers
	}
	return r
}

// operationID renders "GET /v1/payments/{id}" as "v1GetPaymentsId".
func operationID(method, path string) string {
	var b strings.Builder
	parts := strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '{' || r == '}' || r == '_' || r == '.' })
	first := true
	for i, p := range parts {
		if i == 0 {
			b.WriteString(strings.ToLower(p))
			b.WriteString(strings.ToUpper(method[:1]) + strings.ToLower(method[1:]))
			first = false
			continue
		}
		if p == "v1" && !first {
			continue
		}
		b.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	return b.String()
}
