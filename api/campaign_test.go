package api_test

import (
	"encoding/json"
	"testing"

	"holdfast"
	"holdfast/api/apitest"
)

// campaignJSON builds a campaign body from a base with overrides.
func campaignJSON(over map[string]any) map[string]any {
	b := map[string]any{
		"name": "High value", "priority": 10, "max_retries": 4, "smart_retries": false,
		"steps": []any{
			map[string]any{"after_hours": 0, "action": "retry"},
			map[string]any{"after_hours": 24, "action": "email", "template": map[string]any{
				"name": "first", "subject": "Payment failed for {{.CustomerName}}", "body": "Pay {{.Amount}} at {{.UpdateURL}}",
			}},
			map[string]any{"after_hours": 72, "action": "retry"},
		},
		"filters": map[string]any{"currency": "USD", "min_amount": 10000},
	}
	for k, v := range over {
		if v == nil {
			delete(b, k)
			continue
		}
		b[k] = v
	}
	return b
}

func steps(s ...map[string]any) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func retryStep(h any) map[string]any { return map[string]any{"after_hours": h, "action": "retry"} }

func emailStep(h any, tmpl any) map[string]any {
	m := map[string]any{"after_hours": h, "action": "email"}
	if tmpl != nil {
		m["template"] = tmpl
	}
	return m
}

func TestCampaignWrites(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws, other := e.Workspace("Acme"), e.Workspace("Other")
		k := mintKeys(e, ws, other)
		c := newClient(t, e)
		sd := newSeeder(t, e, ws, holdfast.ModeTest)
		def := sd.campaign
		post := func(name string, body any, status int, code, param string) scenario {
			return scenario{name: name, method: "POST", path: "/v1/campaigns", token: k.write, body: body, status: status, code: code, param: param}
		}
		v422 := func(name string, body any, param string) scenario {
			return post(name, body, 422, "validation_error", param)
		}
		v400 := func(name string, body any, param string) scenario {
			return post(name, body, 400, "invalid_request", param)
		}
		tmpl := func(subject, body string) map[string]any { return map[string]any{"subject": subject, "body": body} }

		var created, minimal string
		c.run(t, []scenario{
			{name: "CreateOK", method: "POST", path: "/v1/campaigns", token: k.write, body: campaignJSON(nil), check: func(t *testing.T, res *apitest.Response) {
				var got holdfast.Campaign
				if err := json.Unmarshal(res.Body, &got); err != nil {
					t.Fatal(err)
				}
				created = got.ID
				if got.Object != "campaign" || got.Livemode || got.IsDefault || got.Name != "High value" || got.Priority != 10 ||
					got.MaxRetries != 4 || got.SmartRetries || len(got.Steps) != 3 || got.Steps[1].Template == nil ||
					got.Steps[1].Template.Name != "first" || got.Filters.Currency != "usd" || got.Filters.MinAmount == nil ||
					*got.Filters.MinAmount != 10000 || got.Filters.MaxAmount != nil || got.CreatedAt.IsZero() {
					t.Fatalf("campaign = %s", res.Body)
				}
			}},
			{name: "CreateOKDefaults", method: "POST", path: "/v1/campaigns", token: k.admin,
				body: map[string]any{"name": "Minimal", "steps": steps(retryStep(0))}, check: func(t *testing.T, res *apitest.Response) {
					minimal, _ = res.JSON["id"].(string)
					f, _ := res.JSON["filters"].(map[string]any)
					if res.JSON["max_retries"] != 8.0 || res.JSON["smart_retries"] != true || res.JSON["priority"] != 0.0 || len(f) != 0 {
						t.Fatalf("campaign = %s", res.Body)
					}
				}},
			v400("ErrMissingName", campaignJSON(map[string]any{"name": nil}), "name"),
			v400("ErrMissingSteps", campaignJSON(map[string]any{"steps": nil}), "steps"),
			v422("ErrBlankName", campaignJSON(map[string]any{"name": "   "}), "name"),
			v422("ErrNameType", campaignJSON(map[string]any{"name": 5}), "name"),
			v400("ErrNameNull", campaignJSON(map[string]any{"name": json.RawMessage("null")}), "name"),
			v422("ErrStepsEmpty", campaignJSON(map[string]any{"steps": []any{}}), "steps"),
			v422("ErrStepsNotArray", campaignJSON(map[string]any{"steps": map[string]any{}}), "steps"),
			v422("ErrStepNotObject", campaignJSON(map[string]any{"steps": []any{"retry"}}), "steps[0]"),
			v422("ErrAfterHoursNegative", campaignJSON(map[string]any{"steps": steps(retryStep(-1))}), "steps[0].after_hours"),
			v422("ErrAfterHoursTooLarge", campaignJSON(map[string]any{"steps": steps(retryStep(24 * 366))}), "steps[0].after_hours"),
			v422("ErrAfterHoursOrder", campaignJSON(map[string]any{"steps": steps(retryStep(0), retryStep(48), retryStep(24))}), "steps[2].after_hours"),
			v422("ErrAfterHoursFraction", campaignJSON(map[string]any{"steps": steps(retryStep(1.5))}), "steps[0].after_hours"),
			v422("ErrAfterHoursString", campaignJSON(map[string]any{"steps": steps(retryStep("5"))}), "steps[0].after_hours"),
			v400("ErrAfterHoursMissing", campaignJSON(map[string]any{"steps": steps(retryStep(0), map[string]any{"action": "retry"})}), "steps[1].after_hours"),
			v400("ErrActionMissing", campaignJSON(map[string]any{"steps": steps(map[string]any{"after_hours": 1})}), "steps[0].action"),
			v422("ErrAction", campaignJSON(map[string]any{"steps": steps(retryStep(0), map[string]any{"after_hours": 5, "action": "sms"})}), "steps[1].action"),
			v400("ErrEmailWithoutTemplate", campaignJSON(map[string]any{"steps": steps(emailStep(0, nil))}), "steps[0].template"),
			v422("ErrRetryWithTemplate", campaignJSON(map[string]any{"steps": steps(map[string]any{"after_hours": 0, "action": "retry", "template": tmpl("s", "b")})}), "steps[0].template"),
			v422("ErrTemplateNotObject", campaignJSON(map[string]any{"steps": steps(emailStep(0, "hello"))}), "steps[0].template"),
			v400("ErrTemplateSubjectMissing", campaignJSON(map[string]any{"steps": steps(emailStep(0, map[string]any{"body": "b"}))}), "steps[0].template.subject"),
			v422("ErrTemplateSubjectBlank", campaignJSON(map[string]any{"steps": steps(emailStep(0, tmpl(" ", "b")))}), "steps[0].template.subject"),
			v422("ErrTemplateBodySyntax", campaignJSON(map[string]any{"steps": steps(retryStep(0), emailStep(2, tmpl("s", "Hi {{.CustomerName")))}), "steps[1].template.body"),
			v422("ErrTemplateIntegerRange", campaignJSON(map[string]any{"steps": steps(emailStep(0, tmpl("s", "{{range 30000000}}{{end}}")))}), "steps[0].template.body"),
			v422("ErrTemplateSubjectRange", campaignJSON(map[string]any{"steps": steps(emailStep(0, tmpl("{{range 30000000}}{{end}}", "b")))}), "steps[0].template.subject"),
			v422("ErrTemplateRecursion", campaignJSON(map[string]any{"steps": steps(emailStep(0, tmpl("s", `{{define "a"}}{{template "a"}}{{template "a"}}{{end}}{{template "a"}}`)))}), "steps[0].template.body"),
			v422("ErrTemplateUnknownVariable", campaignJSON(map[string]any{"steps": steps(emailStep(0, tmpl("s", "Your password is {{.Password}}")))}), "steps[0].template.body"),
			v422("ErrTemplateUnknownField", campaignJSON(map[string]any{"steps": steps(emailStep(0, map[string]any{"subject": "s", "body": "b", "html": "x"}))}), "steps[0].template.html"),
			v422("ErrStepUnknownField", campaignJSON(map[string]any{"steps": steps(map[string]any{"after_hours": 0, "action": "retry", "delay": 3})}), "steps[0].delay"),
			v422("ErrUnknownField", campaignJSON(map[string]any{"colour": "red"}), "colour"),
			v422("ErrMaxRetriesRange", campaignJSON(map[string]any{"max_retries": 99}), "max_retries"),
			v422("ErrMaxRetriesNegative", campaignJSON(map[string]any{"max_retries": -1}), "max_retries"),
			v422("ErrPriorityType", campaignJSON(map[string]any{"priority": "high"}), "priority"),
			v422("ErrSmartRetriesType", campaignJSON(map[string]any{"smart_retries": "yes"}), "smart_retries"),
			v422("ErrIsDefaultType", campaignJSON(map[string]any{"is_default": 1}), "is_default"),
			v422("ErrFiltersCurrency", campaignJSON(map[string]any{"filters": map[string]any{"currency": "dollars"}}), "filters.currency"),
			v422("ErrFiltersMinNegative", campaignJSON(map[string]any{"filters": map[string]any{"min_amount": -5}}), "filters.min_amount"),
			v422("ErrFiltersMaxBelowMin", campaignJSON(map[string]any{"filters": map[string]any{"min_amount": 500, "max_amount": 100}}), "filters.max_amount"),
			v422("ErrFiltersUnknown", campaignJSON(map[string]any{"filters": map[string]any{"country": "US"}}), "filters.country"),
			v422("ErrFiltersNotObject", campaignJSON(map[string]any{"filters": []any{}}), "filters"),
			post("ErrMalformedJSON", `{"name":`, 400, "invalid_request", ""),
			post("ErrTrailingData", `{"name":"x","steps":[{"after_hours":0,"action":"retry"}]}}`, 400, "invalid_request", ""),
			post("ErrNoBody", nil, 400, "invalid_request", ""),
			post("ErrBodyNotObject", `[1,2]`, 400, "invalid_request", ""),
			{name: "ErrScopeRead", method: "POST", path: "/v1/campaigns", token: k.read, body: campaignJSON(nil), status: 403, code: "insufficient_scope"},
			{name: "ErrScopeAnalytics", method: "POST", path: "/v1/campaigns", token: k.analytics, body: campaignJSON(nil), status: 403, code: "insufficient_scope"},
		})

		// Reads.
		live := c.do("POST", "/v1/campaigns", k.live, campaignJSON(map[string]any{"name": "Live one"}))
		wantOK(t, live)
		liveID := live.JSON["id"].(string)
		c.run(t, []scenario{
			{name: "ListOK", path: "/v1/campaigns", token: k.read, check: wantPage(3, 1, 20, 1, minimal, created, def)},
			{name: "ListOKPaged", path: "/v1/campaigns?per_page=2&page=2", token: k.read, check: wantPage(3, 2, 2, 2, def)},
			{name: "ListOKLive", path: "/v1/campaigns?per_page=1", token: k.live, check: wantPage(2, 1, 1, 2, liveID)},
			{name: "ListErrScope", path: "/v1/campaigns", token: k.write, status: 403, code: "insufficient_scope"},
			{name: "GetOK", path: "/v1/campaigns/" + created, token: k.read, check: func(t *testing.T, res *apitest.Response) {
				if res.JSON["name"] != "High value" {
					t.Fatalf("campaign = %s", res.Body)
				}
			}},
			{name: "GetOKDefault", path: "/v1/campaigns/" + def, token: k.read, check: func(t *testing.T, res *apitest.Response) {
				if res.JSON["is_default"] != true {
					t.Fatalf("campaign = %s", res.Body)
				}
			}},
			{name: "GetErrUnknown", path: "/v1/campaigns/cmp_nope", token: k.read, status: 404, code: "resource_not_found"},
			{name: "GetErrOtherMode", path: "/v1/campaigns/" + liveID, token: k.read, status: 404, code: "resource_not_found"},
			{name: "GetErrOtherWorkspace", path: "/v1/campaigns/" + created, token: k.other, status: 404, code: "resource_not_found"},
		})
		c.run(t, pageErrors("/v1/campaigns", k.read))

		// Updates.
		roundTrip := c.get("/v1/campaigns/"+created, k.read).JSON
		roundTrip["name"] = "Renamed by round trip"
		c.run(t, []scenario{
			{name: "PutOKPartial", method: "PUT", path: "/v1/campaigns/" + created, token: k.write, body: map[string]any{"name": "Renamed"},
				check: func(t *testing.T, res *apitest.Response) {
					st, _ := res.JSON["steps"].([]any)
					if res.JSON["name"] != "Renamed" || len(st) != 3 || res.JSON["priority"] != 10.0 {
						t.Fatalf("campaign = %s", res.Body)
					}
				}},
			{name: "PutOKRoundTrip", method: "PUT", path: "/v1/campaigns/" + created, token: k.write, body: roundTrip,
				check: func(t *testing.T, res *apitest.Response) {
					if res.JSON["name"] != "Renamed by round trip" {
						t.Fatalf("campaign = %s", res.Body)
					}
				}},
			{name: "PutOKFiltersReplaced", method: "PUT", path: "/v1/campaigns/" + created, token: k.write,
				body: map[string]any{"filters": map[string]any{"customer_tag": "vip"}}, check: func(t *testing.T, res *apitest.Response) {
					f, _ := res.JSON["filters"].(map[string]any)
					if len(f) != 1 || f["customer_tag"] != "vip" {
						t.Fatalf("filters = %v", f)
					}
				}},
			{name: "PutOKMakeDefault", method: "PUT", path: "/v1/campaigns/" + created, token: k.write, body: map[string]any{"is_default": true},
				check: func(t *testing.T, res *apitest.Response) {
					if res.JSON["is_default"] != true {
						t.Fatalf("campaign = %s", res.Body)
					}
				}},
			{name: "PutOKOldDefaultCleared", path: "/v1/campaigns/" + def, token: k.read, check: func(t *testing.T, res *apitest.Response) {
				if res.JSON["is_default"] != false {
					t.Fatalf("old default = %s", res.Body)
				}
			}},
			{name: "PutErrUnsetDefault", method: "PUT", path: "/v1/campaigns/" + created, token: k.write, body: map[string]any{"is_default": false}, status: 409, code: "state_conflict"},
			{name: "PutOKDefaultBack", method: "PUT", path: "/v1/campaigns/" + def, token: k.write, body: map[string]any{"is_default": true}},
			{name: "PutErrValidation", method: "PUT", path: "/v1/campaigns/" + created, token: k.write,
				body: map[string]any{"steps": steps(retryStep(0), map[string]any{"after_hours": 1, "action": "call"})}, status: 422, code: "validation_error", param: "steps[1].action"},
			{name: "PutErrUnknownField", method: "PUT", path: "/v1/campaigns/" + created, token: k.write, body: map[string]any{"speed": 1}, status: 422, code: "validation_error", param: "speed"},
			{name: "PutErrEmptyBody", method: "PUT", path: "/v1/campaigns/" + created, token: k.write, status: 400, code: "invalid_request"},
			{name: "PutErrUnknown", method: "PUT", path: "/v1/campaigns/cmp_nope", token: k.write, body: map[string]any{"name": "x"}, status: 404, code: "resource_not_found"},
			{name: "PutErrOtherMode", method: "PUT", path: "/v1/campaigns/" + liveID, token: k.write, body: map[string]any{"name": "x"}, status: 404, code: "resource_not_found"},
			{name: "PutErrScope", method: "PUT", path: "/v1/campaigns/" + created, token: k.read, body: map[string]any{"name": "x"}, status: 403, code: "insufficient_scope"},
		})

		// Deletes: the default and a campaign with in-flight recoveries are kept.
		busy := c.do("POST", "/v1/campaigns", k.write, campaignJSON(map[string]any{"name": "Busy"})).JSON["id"].(string)
		sd.payment(nil, 100, "usd", holdfast.PaymentPending, busy, t0)
		sd.payment(nil, 100, "usd", holdfast.PaymentRecovered, created, t0)
		c.run(t, []scenario{
			{name: "DeleteErrDefault", method: "DELETE", path: "/v1/campaigns/" + def, token: k.write, status: 409, code: "state_conflict"},
			{name: "DeleteErrInFlight", method: "DELETE", path: "/v1/campaigns/" + busy, token: k.write, status: 409, code: "state_conflict"},
			{name: "DeleteErrScope", method: "DELETE", path: "/v1/campaigns/" + created, token: k.read, status: 403, code: "insufficient_scope"},
			{name: "DeleteErrOtherWorkspace", method: "DELETE", path: "/v1/campaigns/" + created, token: k.other, status: 404, code: "resource_not_found"},
			{name: "DeleteErrOtherMode", method: "DELETE", path: "/v1/campaigns/" + created, token: k.live, status: 404, code: "resource_not_found"},
			{name: "DeleteOK", method: "DELETE", path: "/v1/campaigns/" + created, token: k.write, check: func(t *testing.T, res *apitest.Response) {
				if res.JSON["id"] != created || res.JSON["object"] != "campaign" || res.JSON["deleted"] != true {
					t.Fatalf("delete = %s", res.Body)
				}
			}},
			{name: "DeleteErrAgain", method: "DELETE", path: "/v1/campaigns/" + created, token: k.write, status: 404, code: "resource_not_found"},
			{name: "GetErrDeleted", path: "/v1/campaigns/" + created, token: k.read, status: 404, code: "resource_not_found"},
			{name: "AnalyticsKeepsDeletedCampaign", path: "/v1/analytics/campaigns", token: k.analytics, check: func(t *testing.T, res *apitest.Response) {
				for _, row := range res.Data() {
					if row["campaign"] == created {
						if row["name"] != nil || row["recovered"] != 1.0 {
							t.Fatalf("row = %v", row)
						}
						return
					}
				}
				t.Fatalf("deleted campaign's recoveries missing: %s", res.Body)
			}},
		})
	})
}
