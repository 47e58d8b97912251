package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"holdfast"
	"holdfast/dashboard"
	"holdfast/store/storetest"
)

func TestLoginFailures(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ws := e.Workspace("Acme")
		e.user(ws.ID, "ann@example.com")
		noPassword := &holdfast.User{WorkspaceID: ws.ID, Email: "new@example.com"}
		if err := e.Store.CreateUser(context.Background(), noPassword, "", "h", time.Now().Add(time.Hour), time.Now()); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name     string
			email    string
			password string
			csrf     bool
			status   int
			want     string
		}{
			{"ErrWrongPassword", "ann@example.com", "wrong password!", true, 401, "Incorrect email or password."},
			{"ErrUnknownEmail", "nobody@example.com", password, true, 401, "Incorrect email or password."},
			{"ErrNoPasswordYet", "new@example.com", "", true, 401, "Incorrect email or password."},
			{"ErrNoCSRF", "ann@example.com", password, false, 403, "not sent from the dashboard"},
			{"OKAnyCase", "ANN@Example.com", password, true, 303, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				b := e.browser()
				from := "/dashboard/login"
				if !c.csrf {
					from = ""
				}
				p := b.post(from, "/dashboard/login", url.Values{"email": {c.email}, "password": {c.password}})
				if p.Status != c.status || !strings.Contains(p.Body, c.want) {
					t.Fatalf("status %d, want %d with %q: %.400s", p.Status, c.status, c.want, p.Body)
				}
				// Only the successful sign-in opens the dashboard.
				ov := b.get("/dashboard/overview")
				if signedIn := ov.Status == 200; signedIn != (c.status == 303) {
					t.Fatalf("overview after login: %d", ov.Status)
				}
			})
		}
	})
}

func TestLoginRedirects(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ws := e.Workspace("Acme")
		e.user(ws.ID, "ann@example.com")
		b := e.browser()
		if p := b.get("/"); p.Status != 303 || p.Location != "/dashboard/login" {
			t.Fatalf("root signed out: %d %s", p.Status, p.Location)
		}
		p := b.get("/dashboard/recoveries?status=lost")
		if p.Status != 303 || p.Location != "/dashboard/login?next=%2Fdashboard%2Frecoveries%3Fstatus%3Dlost" {
			t.Fatalf("protected page: %d %s", p.Status, p.Location)
		}
		cases := []struct{ name, next, want string }{
			{"OKBackToPage", "/dashboard/recoveries?status=lost", "/dashboard/recoveries?status=lost"},
			{"ErrOffsite", "https://evil.example/", "/dashboard/overview"},
			{"ErrSchemeRelative", "//evil.example/dashboard/", "/dashboard/overview"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				b := e.browser()
				p := b.post("/dashboard/login", "/dashboard/login", url.Values{"email": {"ann@example.com"}, "password": {password}, "next": {c.next}})
				if p.Status != 303 || p.Location != c.want {
					t.Fatalf("got %d %q, want %q", p.Status, p.Location, c.want)
				}
			})
		}
		b.login("ann@example.com")
		if p := b.get("/"); p.Status != 303 || p.Location != "/dashboard/overview" {
			t.Fatalf("root signed in: %d %s", p.Status, p.Location)
		}
	})
}

// TestLoginLockout checks the backoff: after five failures the account is
// locked even for the right password, the lock grows with more failures,
// expires on the clock, and a success clears the streak.
func TestLoginLockout(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ws := e.Workspace("Acme")
		e.user(ws.ID, "ann@example.com")
		b := e.browser()
		attempt := func(pw string) *page {
			return b.post("/dashboard/login", "/dashboard/login", url.Values{"email": {"ann@example.com"}, "password": {pw}})
		}
		for i := 1; i <= 4; i++ {
			if p := attempt("wrong-" + string(rune('a'+i))); p.Status != 401 {
				t.Fatalf("failure %d: %d", i, p.Status)
			}
		}
		if p := attempt("wrong-5"); p.Status != 429 || !strings.Contains(p.Body, "Try again in 1 minute") {
			t.Fatalf("fifth failure should lock: %d %.300s", p.Status, p.Body)
		}
		if p := attempt(password); p.Status != 429 {
			t.Fatalf("right password during lock: %d", p.Status)
		}
		e.clock.Add(61 * time.Second)
		if p := attempt("wrong-6"); p.Status != 429 || !strings.Contains(p.Body, "Try again in 2 minutes") {
			t.Fatalf("sixth failure should double the lock: %d %.300s", p.Status, p.Body)
		}
		e.clock.Add(119 * time.Second)
		if p := attempt(password); p.Status != 429 {
			t.Fatalf("still locked one second before the end: %d", p.Status)
		}
		e.clock.Add(2 * time.Second)
		if p := attempt(password); p.Status != 303 {
			t.Fatalf("after the lock: %d %.300s", p.Status, p.Body)
		}
		// Success cleared the streak: one new failure is a plain failure.
		b2 := e.browser()
		p := b2.post("/dashboard/login", "/dashboard/login", url.Values{"email": {"ann@example.com"}, "password": {"nope-nope-nope"}})
		if p.Status != 401 {
			t.Fatalf("after success, a failure should not lock: %d", p.Status)
		}
	})
}

// TestLoginConcurrentGuesses: 30 wrong passwords for one email sent at once
// hash at most the email's allowance of them (the attempt is counted before
// hashing, atomically), the rest are refused with 429 without hashing; the
// right password is then refused too until the lock ends.
func TestLoginConcurrentGuesses(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ws := e.Workspace("Acme")
		e.user(ws.ID, "ann@example.com")
		var checks atomic.Int32
		dashboard.SetOnVerify(e.dash, func() { checks.Add(1) })
		const n = 30
		browsers, forms := make([]*browser, n), make([]url.Values, n)
		for i := range n {
			browsers[i] = e.browser()
			forms[i] = url.Values{"email": {"ann@example.com"}, "password": {fmt.Sprintf("wrong-guess-%02d", i)},
				"csrf_token": {browsers[i].get("/dashboard/login").csrf(t)}}
		}
		statuses := make([]int, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[i] = browsers[i].do("POST", "/dashboard/login", forms[i]).Status
			}()
		}
		close(start)
		wg.Wait()
		counts := map[int]int{}
		for _, s := range statuses {
			counts[s]++
		}
		allowance := int32(dashboard.DefaultThrottle.EmailFailures)
		if got := checks.Load(); got > allowance || got == 0 {
			t.Fatalf("%d passwords hashed for %d concurrent guesses, want 1..%d (statuses %v)", got, n, allowance, counts)
		}
		if counts[401]+counts[429] != n || counts[401] >= int(allowance) {
			t.Fatalf("statuses %v: want at most %d plain failures, the rest 429", counts, allowance-1)
		}
		before := checks.Load()
		if p := e.browser().post("/dashboard/login", "/dashboard/login", url.Values{"email": {"ann@example.com"}, "password": {password}}); p.Status != 429 {
			t.Fatalf("right password while locked: %d", p.Status)
		}
		if checks.Load() != before {
			t.Fatal("a locked sign-in hashed the password")
		}
	})
}

// TestPasswordHashingCapped: however many hashes are asked for at once, at
// most MaxConcurrentHashes run together (each holds 19 MiB).
func TestPasswordHashingCapped(t *testing.T) {
	hash, err := dashboard.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 3 * dashboard.MaxConcurrentHashes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dashboard.VerifyPassword(hash, "not the password")
		}()
	}
	wg.Wait()
	if peak := dashboard.HashPeak(); peak < 1 || peak > dashboard.MaxConcurrentHashes {
		t.Fatalf("peak of %d concurrent hashes, want 1..%d", peak, dashboard.MaxConcurrentHashes)
	}
}

// TestLoginIPLockout: one address guessing across many accounts is locked
// out for all of them, including an account it never tried.
func TestLoginIPLockout(t *testing.T) {
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend, func(c *dashboard.Config) {
				c.Throttle = dashboard.ThrottlePolicy{EmailFailures: 5, IPFailures: 6, BaseLock: time.Minute, MaxLock: time.Hour, ResetAfter: time.Hour}
			})
			ws := e.Workspace("Acme")
			e.user(ws.ID, "ann@example.com")
			b := e.browser()
			for i := range 6 {
				email := strings.Repeat("x", i+1) + "@example.com"
				p := b.post("/dashboard/login", "/dashboard/login", url.Values{"email": {email}, "password": {"guess-guess-guess"}})
				want := 401
				if i == 5 {
					want = 429
				}
				if p.Status != want {
					t.Fatalf("attempt %d: %d, want %d", i, p.Status, want)
				}
			}
			p := b.post("/dashboard/login", "/dashboard/login", url.Values{"email": {"ann@example.com"}, "password": {password}})
			if p.Status != 429 {
				t.Fatalf("other account from the locked address: %d", p.Status)
			}
		})
	}
}

func TestCSRFRejected(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ws := e.Workspace("Acme")
		e.user(ws.ID, "ann@example.com")
		e.user(ws.ID, "bob@example.com")
		b := e.browser()
		b.login("ann@example.com")
		other := e.browser()
		other.login("bob@example.com")
		otherToken := other.get("/dashboard/settings/api-tokens").csrf(t)
		form := func(token string) url.Values {
			v := url.Values{"name": {"x"}, "kind": {"secret"}, "mode": {"test"}, "scopes": {"read"}, "expiry": {"never"}}
			if token != "" {
				v.Set("csrf_token", token)
			}
			return v
		}
		cases := []struct {
			name    string
			token   string
			headers map[string]string
		}{
			{"ErrMissing", "", nil},
			{"ErrWrong", "not-the-token-not-the-token-not-the-token", nil},
			{"ErrOtherSession", otherToken, nil},
			{"ErrCrossSite", b.get("/dashboard/settings/api-tokens").csrf(t), map[string]string{"Sec-Fetch-Site": "cross-site"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				b.headers = c.headers
				defer func() { b.headers = map[string]string{} }()
				p := b.do("POST", "/dashboard/settings/api-tokens", form(c.token))
				if p.Status != http.StatusForbidden {
					t.Fatalf("status %d: %.300s", p.Status, p.Body)
				}
			})
		}
		keys, _ := e.Store.ListKeys(context.Background(), ws.ID)
		if len(keys) != 0 {
			t.Fatalf("a rejected form created %d keys", len(keys))
		}
		// The same form with the session's token works.
		if p := b.post("/dashboard/settings/api-tokens", "/dashboard/settings/api-tokens", form("")); p.Status != 200 || !strings.Contains(p.Body, "hf_test_") {
			t.Fatalf("valid form: %d", p.Status)
		}
		// Logout is a form too.
		if p := b.do("POST", "/dashboard/logout", url.Values{}); p.Status != http.StatusForbidden {
			t.Fatalf("logout without token: %d", p.Status)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend, func(c *dashboard.Config) { c.SessionIdle, c.SessionMax = time.Hour, 3*time.Hour })
			ws := e.Workspace("Acme")
			e.user(ws.ID, "ann@example.com")
			signedIn := func(b *browser) bool {
				p := b.get("/dashboard/overview")
				if p.Status != 200 && (p.Status != 303 || !strings.HasPrefix(p.Location, "/dashboard/login")) {
					t.Fatalf("overview: %d %s", p.Status, p.Location)
				}
				return p.Status == 200
			}
			t.Run("ErrIdle", func(t *testing.T) {
				b := e.browser()
				b.login("ann@example.com")
				e.clock.Add(59 * time.Minute)
				if !signedIn(b) {
					t.Fatal("signed out before the idle limit")
				}
				e.clock.Add(59 * time.Minute) // activity above pushed the deadline
				if !signedIn(b) {
					t.Fatal("activity did not extend the session")
				}
				e.clock.Add(61 * time.Minute)
				if signedIn(b) {
					t.Fatal("idle session still valid")
				}
			})
			t.Run("ErrAbsolute", func(t *testing.T) {
				b := e.browser()
				b.login("ann@example.com")
				for range 5 {
					e.clock.Add(50 * time.Minute)
					signedIn(b)
				}
				if signedIn(b) {
					t.Fatal("session outlived its absolute limit")
				}
			})
			t.Run("ErrLoggedOut", func(t *testing.T) {
				b := e.browser()
				b.login("ann@example.com")
				cookies := b.c.Jar.Cookies(mustURL(t, e.Server.URL))
				if p := b.post("/dashboard/overview", "/dashboard/logout", nil); p.Status != 303 {
					t.Fatalf("logout: %d", p.Status)
				}
				// Replaying the old cookie after logout does not work.
				replay := e.browser()
				replay.c.Jar.SetCookies(mustURL(t, e.Server.URL), cookies)
				if signedIn(replay) {
					t.Fatal("session survived logout")
				}
			})
		})
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
