package dashboard_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"holdfast"
)

var (
	newTokenRe = regexp.MustCompile(`data-token>(hf_[A-Za-z0-9_]+)<`)
	keyRowRe   = regexp.MustCompile(`data-key="(key_[A-Za-z0-9]+)"`)
)

func TestTokensMintUseRevokeRotate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ws := e.Workspace("Acme")
		e.user(ws.ID, "ann@example.com")
		b := e.browser()
		b.login("ann@example.com")
		const page = "/dashboard/settings/api-tokens"

		t.Run("ErrNoScope", func(t *testing.T) {
			p := b.post(page, page, url.Values{"name": {"x"}, "kind": {"secret"}, "mode": {"test"}, "expiry": {"never"}})
			if p.Status != 422 || !strings.Contains(p.Body, "Tick at least one scope.") || newTokenRe.MatchString(p.Body) {
				t.Fatalf("status %d: %.300s", p.Status, p.Body)
			}
		})

		p := b.post(page, page, url.Values{"name": {"reporting"}, "kind": {"secret"}, "mode": {"test"}, "scopes": {"read", "analytics"}, "expiry": {"30d"}})
		m := newTokenRe.FindStringSubmatch(p.Body)
		if p.Status != 200 || m == nil || !strings.HasPrefix(m[1], "hf_test_") {
			t.Fatalf("mint: %d %.500s", p.Status, p.Body)
		}
		token := m[1]
		if me := e.Do("GET", "/v1/auth/me", token, nil); me.Status != 200 {
			t.Fatalf("auth/me with minted token: %d %s", me.Status, me.Body)
		}
		// Shown once: the list afterwards has only its hint.
		list := b.get(page)
		if strings.Contains(list.Body, token) || !strings.Contains(list.Body, token[len(token)-4:]) {
			t.Fatal("token shown again on the list (or its hint missing)")
		}
		if !strings.Contains(list.Body, "reporting") {
			t.Fatal("token name not listed")
		}
		keyID := keyRowRe.FindStringSubmatch(list.Body)[1]

		// Rotation with a grace period: both tokens work until it ends.
		p = b.post(page, page+"/"+keyID+"/rotate", url.Values{"grace": {"1h"}})
		m = newTokenRe.FindStringSubmatch(p.Body)
		if p.Status != 200 || m == nil || m[1] == token {
			t.Fatalf("rotate: %d %.300s", p.Status, p.Body)
		}
		successor := m[1]
		for _, tok := range []string{token, successor} {
			if me := e.Do("GET", "/v1/auth/me", tok, nil); me.Status != 200 {
				t.Fatalf("during grace %s: %d", tok[:12], me.Status)
			}
		}

		p = b.post(page, page+"/"+keyID+"/revoke", nil)
		if p.Status != 303 {
			t.Fatalf("revoke: %d %.300s", p.Status, p.Body)
		}
		if me := e.Do("GET", "/v1/auth/me", token, nil); me.Status != 401 {
			t.Fatalf("revoked token: %d", me.Status)
		}
		if me := e.Do("GET", "/v1/auth/me", successor, nil); me.Status != 200 {
			t.Fatalf("successor after revoking the old key: %d", me.Status)
		}
		if after := b.get(page); !strings.Contains(after.Body, "Token ") || !strings.Contains(after.Body, "revoked") {
			t.Fatalf("flash or state missing: %.300s", after.Body)
		}
		keys, _ := e.Store.ListKeys(context.Background(), ws.ID)
		if len(keys) != 2 {
			t.Fatalf("want the rotated pair, got %d keys", len(keys))
		}
	})
}

func TestAllowlistChanges(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ws := e.Workspace("Acme")
		e.user(ws.ID, "ann@example.com")
		b := e.browser()
		b.login("ann@example.com")
		const page = "/dashboard/settings/api-keys/ip-allowlist"
		steps := []struct {
			name   string
			form   url.Values
			status int
			want   string
			list   []string // the stored allowlist afterwards
		}{
			{"ErrInvalid", url.Values{"action": {"add"}, "entry": {"10.0.0.300"}}, 422, "invalid IP address or CIDR", nil},
			{"ErrEmpty", url.Values{"action": {"add"}, "entry": {""}}, 422, "Enter an IPv4 or IPv6 address", nil},
			{"WarnLockout", url.Values{"action": {"add"}, "entry": {"203.0.113.0/24"}}, 409, "would lock out your current IP address (127.0.0.1)", nil},
			{"OKConfirmed", url.Values{"action": {"add"}, "entry": {"203.0.113.0/24"}, "confirm": {"yes"}}, 303, "", []string{"203.0.113.0/24"}},
			{"OKOwnAddress", url.Values{"action": {"add"}, "entry": {"127.0.0.1"}}, 303, "", []string{"203.0.113.0/24", "127.0.0.1"}},
			{"ErrDuplicate", url.Values{"action": {"add"}, "entry": {"127.0.0.1/32"}}, 422, "already in the allowlist", []string{"203.0.113.0/24", "127.0.0.1"}},
			{"WarnRemoveOwn", url.Values{"action": {"remove"}, "entry": {"127.0.0.1"}}, 409, "would lock out", []string{"203.0.113.0/24", "127.0.0.1"}},
			{"OKRemoveOther", url.Values{"action": {"remove"}, "entry": {"203.0.113.0/24"}}, 303, "", []string{"127.0.0.1"}},
			{"OKRemoveLastNoWarning", url.Values{"action": {"remove"}, "entry": {"127.0.0.1"}}, 303, "", nil},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				p := b.post(page, page, s.form)
				if p.Status != s.status || !strings.Contains(p.Body, s.want) {
					t.Fatalf("status %d, want %d with %q: %.400s", p.Status, s.status, s.want, p.Body)
				}
				w, _ := e.Store.GetWorkspace(context.Background(), ws.ID)
				if got := w.AllowlistStrings(); strings.Join(got, ",") != strings.Join(s.list, ",") {
					t.Fatalf("allowlist %v, want %v", got, s.list)
				}
			})
		}
		// An entry made here is enforced by the API.
		tok := e.Key(ws.ID, "test")
		b.post(page, page, url.Values{"action": {"add"}, "entry": {"198.51.100.7"}, "confirm": {"yes"}})
		if me := e.Do("GET", "/v1/auth/me", tok, nil); me.Status != 403 || me.ErrorCode() != "ip_not_allowed" {
			t.Fatalf("API after allowlisting another address: %d %s", me.Status, me.Body)
		}
	})
}

func TestCampaignFormValidation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ws := e.Workspace("Acme")
		e.user(ws.ID, "ann@example.com")
		b := e.browser()
		b.login("ann@example.com")
		base := url.Values{
			"name": {"High value"}, "priority": {"10"}, "max_retries": {"4"}, "smart_retries": {"on"},
			"filters.currency": {"usd"}, "filters.min_amount": {"10000"},
			"steps[0].after_hours": {"0"}, "steps[0].action": {"retry"},
			"steps[1].after_hours": {"2"}, "steps[1].action": {"email"}, "steps[1].subject": {"Payment failed"}, "steps[1].body": {"Hi {{.CustomerName}}, update at {{.UpdateURL}}"},
			"steps[2].after_hours": {""}, "steps[2].action": {""},
		}
		with := func(kv ...string) url.Values {
			v := url.Values{}
			for k, vs := range base {
				v[k] = append([]string(nil), vs...)
			}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		cases := []struct {
			name  string
			form  url.Values
			field string
			msg   string
		}{
			// The rules and messages are the API's (package campaign).
			{"ErrName", with("name", " "), "name-err", "name must be 1 to 200 characters."},
			{"ErrCurrency", with("filters.currency", "dollars"), "f-currency-err", "three-letter ISO currency"},
			{"ErrAmountRange", with("filters.max_amount", "5"), "f-max-err", "filters.max_amount must not be less than filters.min_amount."},
			{"ErrStepOrder", with("steps[1].after_hours", "0", "steps[0].after_hours", "5"), "s1-after-err", "must not be less than the previous step"},
			{"ErrAfterHoursRange", with("steps[1].after_hours", "8761"), "s1-after-err", "steps[1].after_hours must be between 0 and 8760."},
			{"ErrAction", with("steps[0].action", "call"), "s0-action-err", "steps[0].action must be one of: retry, email."},
			{"ErrTemplate", with("steps[1].body", "Hi {{.Nope}}"), "s1-body-err", "Nope"},
			{"ErrTemplateIntegerRange", with("steps[1].body", "{{range 30000000}}{{end}}"), "s1-body-err", "is not supported in dunning templates"},
			{"ErrSubjectIntegerRange", with("steps[1].subject", "{{range 30000000}}{{end}}Hi"), "s1-subject-err", "is not supported in dunning templates"},
			{"ErrTemplateRecursion", with("steps[1].body", `{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`), "s1-body-err", "may not call itself"},
			{"ErrSubject", with("steps[1].subject", " "), "s1-subject-err", "subject is required"},
			{"ErrMaxRetries", with("max_retries", "99"), "max_retries-err", "max_retries must be between 0 and 20."},
			{"ErrPriority", with("priority", "1001"), "priority-err", "priority must be between -1000 and 1000."},
			// A field that does not parse says so rather than quoting a rule.
			{"ErrNotANumber", with("steps[0].after_hours", "soon"), "s0-after-err", "Enter a whole number."},
			{"ErrAmountNotANumber", with("filters.min_amount", "ten"), "f-min-err", "Enter an amount in minor units"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				p := b.post("/dashboard/campaigns/new", "/dashboard/campaigns", c.form)
				if p.Status != 422 {
					t.Fatalf("status %d: %.300s", p.Status, p.Body)
				}
				re := regexp.MustCompile(`id="` + regexp.QuoteMeta(c.field) + `"[^>]*>([^<]*)<`)
				m := re.FindStringSubmatch(p.Body)
				if m == nil || !strings.Contains(m[1], c.msg) {
					t.Fatalf("field %s: got %v, want %q", c.field, m, c.msg)
				}
				// What was typed comes back.
				if !strings.Contains(p.Body, `value="High value"`) && c.name != "ErrName" {
					t.Fatal("form values lost")
				}
			})
		}
		p := b.post("/dashboard/campaigns/new", "/dashboard/campaigns", base)
		if p.Status != 303 {
			t.Fatalf("valid campaign: %d %.400s", p.Status, p.Body)
		}
		list := b.get("/dashboard/campaigns")
		if !strings.Contains(list.Body, "High value") || !strings.Contains(list.Body, "Default") {
			t.Fatalf("list: %.300s", list.Body)
		}
		camps, _ := e.Store.Campaigns(context.Background(), ws.ID, "live")
		var id string
		for _, c := range camps {
			if c.Name == "High value" {
				id = c.ID
				if len(c.Steps) != 2 || c.Steps[1].Template == nil || *c.Filters.MinAmount != 10000 || c.IsDefault {
					t.Fatalf("stored %+v", c)
				}
			}
		}
		// Editing keeps validation and saves.
		if p := b.post("/dashboard/campaigns/"+id, "/dashboard/campaigns/"+id, with("name", "")); p.Status != 422 {
			t.Fatalf("edit invalid: %d", p.Status)
		}
		if p := b.post("/dashboard/campaigns/"+id, "/dashboard/campaigns/"+id, with("name", "Renamed")); p.Status != 303 {
			t.Fatalf("edit: %d", p.Status)
		}
		if c, _ := e.Store.GetCampaign(context.Background(), ws.ID, "live", id); c.Name != "Renamed" {
			t.Fatalf("not renamed: %s", c.Name)
		}
	})
}

// TestTokenTimesIgnoreTheTestClock: after the test clock moves a day ahead,
// a token used just now still reads "just now" on the test-mode tokens
// page: last use, creation and expiry are real-time facts.
func TestTokenTimesIgnoreTheTestClock(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	ctx := context.Background()
	ws := e.Workspace("Acme")
	e.user(ws.ID, "ann@example.com")
	b := e.browser()
	b.login("ann@example.com")
	b.toTest()
	key := e.KeyWith(ws.ID, holdfast.ModeTest, nil)
	if _, err := e.Store.AdvanceTestClock(ctx, ws.ID, 36*time.Hour, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.Store.TouchKey(ctx, key.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	p := b.get("/dashboard/settings/api-tokens")
	row := p.Body[strings.Index(p.Body, `data-key="`+key.ID+`"`):]
	row = row[:strings.Index(row, "</tr>")]
	// 36 hours of test clock would read "1 day ago"; real time is minutes at most.
	times := regexp.MustCompile(`<time[^>]*>([^<]*)</time>`).FindAllStringSubmatch(row, -1)
	if len(times) != 2 || strings.Contains(times[0][1]+times[1][1], "day") {
		t.Fatalf("token row after a test-clock advance:\n%s", row)
	}
}
