package office_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/office"
)

// answer is what a login try gets back, as a client sees it.
type answer struct {
	status int
	retry  string // Retry-After
	body   string
}

// try posts the login form once (with a fresh form token) and returns
// the answer.
func (b *browser) try(login, pw string) answer {
	b.t.Helper()
	token := b.csrf("/office/login")
	resp, err := b.c.PostForm(b.base+"/office/login", url.Values{"csrf": {token}, "login": {login}, "password": {pw}})
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Retry-After"), string(body)}
}

func (b *browser) logout() {
	b.t.Helper()
	token := b.csrf("/office/cases")
	if status, _ := b.post("/office/logout", url.Values{"csrf": {token}}); status != http.StatusSeeOther {
		b.t.Fatalf("logout: %d", status)
	}
}

var tokenRE = regexp.MustCompile(`name="csrf" value="[^"]*"`)

// TestLoginAnswersDoNotTellWhoExists: the same tries against a real
// account and a login nobody has get the same answers, status for status
// and word for word, through wrong passwords into throttling (where the
// real account's right password is refused like any other), so neither
// the answers nor their throttling enumerate accounts.
func TestLoginAnswersDoNotTellWhoExists(t *testing.T) {
	e := newEnv(t)
	var seqs [2][]answer
	for i, login := range []string{"lishen", "nobody"} {
		b := e.client(t)
		for range office.LoginBudget {
			seqs[i] = append(seqs[i], b.try(login, "wrong-password"))
		}
		seqs[i] = append(seqs[i], b.try(login, password), b.try(login, "wrong-password"))
		for j := range seqs[i] {
			a := &seqs[i][j]
			a.body = strings.ReplaceAll(tokenRE.ReplaceAllString(a.body, ""), `value="`+login+`"`, `value="LOGIN"`)
		}
	}
	for j := range seqs[0] {
		got, want := seqs[0][j], seqs[1][j]
		if got.status != want.status || got.retry != want.retry || got.body != want.body {
			t.Errorf("try %d: real account %d %q, unknown login %d %q: the answers differ", j+1, got.status, got.retry, want.status, want.retry)
		}
	}
	for j, a := range seqs[0] {
		want := http.StatusUnauthorized
		if j >= office.LoginBudget {
			want = http.StatusTooManyRequests
		}
		if a.status != want {
			t.Errorf("try %d: got %d, want %d", j+1, a.status, want)
		}
	}
	if a := seqs[0][office.LoginBudget]; a.retry != "180" || !strings.Contains(a.body, "尝试次数过多，请3分钟后再试") {
		t.Errorf("throttled: Retry-After %q, want 180 and a page that says when", a.retry)
	}
}

// TestAttackerCannotLockOutStaff: a staff member signed in once from their
// browser; an attacker then spends the account's budget and the address's
// on wrong passwords. The staff member still signs in from that browser;
// a browser that never signed in, or a forged device cookie, is held back
// until the budget refills.
func TestAttackerCannotLockOutStaff(t *testing.T) {
	e := newEnv(t)
	desk := e.client(t)
	desk.mustLogin("lishen")
	desk.logout()
	attacker := e.client(t)
	for range 3 * office.AddressBudget {
		attacker.try("lishen", "guess-"+strconv.Itoa(e.clock.Now().Nanosecond()))
	}
	if a := attacker.try("lishen", password); a.status != http.StatusTooManyRequests {
		t.Errorf("the attacker, now with the right password: got %d, want 429", a.status)
	}
	if a := desk.try("lishen", password); a.status != http.StatusSeeOther {
		t.Fatalf("staff at their own browser after the attack: got %d %q, want 303", a.status, a.retry)
	}

	// The device cookie is the account's and the server's own.
	u, _ := url.Parse(e.url + "/office/")
	var devCookie *http.Cookie
	for _, c := range desk.c.Jar.Cookies(u) {
		if strings.HasPrefix(c.Name, "yc_office_dev_") {
			devCookie = c
		}
	}
	if devCookie == nil {
		t.Fatal("no device cookie after signing in")
	}
	forged := e.client(t)
	forged.c.Jar.SetCookies(u, []*http.Cookie{{Name: devCookie.Name, Value: devCookie.Value[:len(devCookie.Value)-2] + "AA", Path: "/office/"}})
	if a := forged.try("lishen", password); a.status != http.StatusTooManyRequests {
		t.Errorf("a forged device cookie: got %d, want 429", a.status)
	}
	other := e.client(t)
	other.c.Jar.SetCookies(u, []*http.Cookie{devCookie})
	if a := other.try("admin", password); a.status != http.StatusTooManyRequests {
		t.Errorf("lishen's device cookie used for admin: got %d, want 429 (this address is over its budget)", a.status)
	}

	// The budget refills for everyone else.
	fresh := e.client(t)
	e.clock.Add(office.LoginRefill)
	if a := fresh.try("lishen", password); a.status != http.StatusSeeOther {
		t.Errorf("a new browser after %v: got %d, want 303", office.LoginRefill, a.status)
	}
}

// TestOwnBrowserIsLimitedToo: a browser's own wrong passwords are limited
// under its device cookie, and a right one clears them.
func TestOwnBrowserIsLimitedToo(t *testing.T) {
	e := newEnv(t)
	desk := e.client(t)
	desk.mustLogin("lishen")
	desk.logout()
	for i := range office.LoginBudget {
		if a := desk.try("lishen", "wrong-password"); a.status != http.StatusUnauthorized {
			t.Fatalf("own wrong password %d: got %d, want 401", i+1, a.status)
		}
	}
	if a := desk.try("lishen", password); a.status != http.StatusTooManyRequests {
		t.Fatalf("after %d wrong passwords: got %d, want 429", office.LoginBudget, a.status)
	}
	e.clock.Add(office.LoginRefill)
	if a := desk.try("lishen", password); a.status != http.StatusSeeOther {
		t.Fatalf("after %v: got %d, want 303", office.LoginRefill, a.status)
	}
	desk.logout()
	for i := range office.LoginBudget {
		if a := desk.try("lishen", "wrong-password"); a.status != http.StatusUnauthorized {
			t.Fatalf("after a good sign-in, wrong password %d: got %d, want 401", i+1, a.status)
		}
	}
}

// TestFailedLoginsAreAuditedByCount: a flood of tries from one address
// adds a row when it starts and one with the count when its window ends,
// not a row per try; inventing logins does not add a row per login past
// the address's budget.
func TestFailedLoginsAreAuditedByCount(t *testing.T) {
	e := newEnv(t)
	attacker := e.client(t)
	const tries = 40
	for range tries {
		attacker.try("admin", "wrong-password")
	}
	if got := e.audit(t, county.AuditFilter{Staff: "admin", Action: "login.failed"}); len(got) != 1 {
		t.Fatalf("during the flood: %d rows, want 1", len(got))
	}
	e.clock.Add(16 * time.Minute)
	attacker.try("someone", "wrong-password") // any try closes finished windows
	rows := e.audit(t, county.AuditFilter{Staff: "admin", Action: "login.failed"})
	if len(rows) != 2 || !strings.Contains(rows[0].Detail, "又尝试39次") || rows[0].ClientIP != "127.0.0.1" {
		t.Fatalf("after the window: %+v; want 2 rows, the newest counting the other 39 tries", rows)
	}

	spray := e.client(t)
	e.clock.Add(time.Hour)
	before := len(e.audit(t, county.AuditFilter{Action: "login.failed", Limit: 500}))
	for i := range 100 {
		spray.try("user"+strconv.Itoa(i), "wrong-password")
	}
	if got := len(e.audit(t, county.AuditFilter{Action: "login.failed", Limit: 500})) - before; got > office.AddressBudget+2 {
		t.Errorf("100 tries on 100 invented logins added %d rows, want at most %d", got, office.AddressBudget+2)
	}
}

// TestThrottledInThePagesLanguage: the 429 page says when to try again in
// the language the browser chose, and Retry-After says it in seconds.
func TestThrottledInThePagesLanguage(t *testing.T) {
	e := newEnv(t)
	b := e.client(t)
	b.get("/office/lang?l=en")
	var a answer
	for range office.LoginBudget + 1 {
		a = b.try("admin", "wrong-password")
	}
	if a.status != http.StatusTooManyRequests || a.retry != "180" || !strings.Contains(a.body, "Too many tries; try again in 3 minutes") {
		t.Errorf("English page over the budget: %d, Retry-After %q; want 429, 180 and the English words", a.status, a.retry)
	}
}
