package office

// The login form's defences against guessing and flooding. One password
// check is argon2id over 19 MiB, so the form is the cheapest way to make
// countyd spend memory and CPU, and a lockout keyed on the account alone
// is the cheapest way to keep staff out. So:
//
//   - At most loginHashes argon2id run at once (anonHashes for browsers
//     that never signed in as the account); a try that finds no room within
//     a short wait is answered 503 with Retry-After, before any account is
//     looked up.
//   - Tries from browsers without a device cookie for the login are limited
//     per client address (every try) and per login (every wrong password),
//     whether or not the login exists, and answered 429 with Retry-After.
//   - A browser that signed in as the account holds a signed device cookie
//     (OWASP's "device cookie"); its tries are counted per cookie, apart from
//     everyone else's, and skip the address limit. An attacker who spends
//     an account's budget for unknown browsers does not stop its owner at
//     their own desk.
//   - The answer to a try never depends on whether the login exists: a
//     wrong password and an unknown login both cost one argon2id and read
//     the same; a throttled login reads the same whether it exists or not.
//   - Failed tries are audited one row per login and address per window
//     with a count, not one row per try.

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/ratelimit"
)

// Limits of the login form. The budget per login (5 wrong passwords, then
// one every 3 minutes) matches the old lockout's 5 tries per 15 minutes,
// but refills steadily instead of locking, and binds only browsers that
// never signed in as the account.
const (
	// loginHashes is how many password checks run at once: 2 × 19 MiB,
	// and at most two of countyd's cores.
	loginHashes = 2
	// anonHashes of them may serve browsers without a device cookie: a
	// flood of anonymous tries takes one core at most, and always leaves
	// one check for staff at their desks.
	anonHashes = 1
	// hashWait is how long a try waits for room before it is answered 503.
	hashWait        = time.Second
	trustedHashWait = 5 * time.Second

	LoginBudget      = 5
	LoginRefill      = 3 * time.Minute
	AddressBudget    = 20
	AddressRefill    = 3 * time.Second
	DeviceCookieLife = 180 * 24 * time.Hour
	// auditWindow is how long failed tries of one login from one address
	// are counted into one audit row.
	auditWindow = 15 * time.Minute
)

// loginGuard holds the limits' state. The budgets of tries (address,
// login, device) live where Options.SharedLimits says: the database when
// several countyd instances serve it, so each instance does not add a
// budget of guesses; otherwise memory (a restart forgets the counts, which
// only gives everyone their budget back). The hash gates bound this
// process's CPU and memory, so they stay in it.
type loginGuard struct {
	key []byte // signs device cookies

	all, anon         *ratelimit.Gate
	wait, trustedWait time.Duration
	address           ratelimit.Shared // every anonymous try, by client address
	login             ratelimit.Shared // anonymous wrong passwords, by login
	device            ratelimit.Shared // wrong passwords, by device cookie

	failed failedLogins
}

func newLoginGuard(key []byte) *loginGuard {
	if len(key) == 0 {
		// Without a key from the data directory, device cookies last as
		// long as the process.
		key = make([]byte, 32)
		rand.Read(key)
	}
	return &loginGuard{
		key:  key,
		wait: hashWait, trustedWait: trustedHashWait,
		all:     ratelimit.NewGate(loginHashes),
		anon:    ratelimit.NewGate(anonHashes),
		address: ratelimit.Shared{Every: AddressRefill, Burst: AddressBudget, Prefix: "office.address:"},
		login:   ratelimit.Shared{Every: LoginRefill, Burst: LoginBudget, Prefix: "office.login:"},
		device:  ratelimit.Shared{Every: LoginRefill, Burst: LoginBudget, Prefix: "office.device:"},
		failed:  failedLogins{tallies: map[tallyKey]*tally{}},
	}
}

// share keeps the budgets of tries in st (nil: this process's memory).
func (g *loginGuard) share(st ratelimit.Store) {
	g.address.Store, g.login.Store, g.device.Store = st, st, st
}

// enterHash takes room for one password check; leave gives it back.
func (g *loginGuard) enterHash(trusted bool) (leave func(), ok bool) {
	if trusted {
		if !g.all.Enter(1, g.trustedWait) {
			return nil, false
		}
		return func() { g.all.Leave(1) }, true
	}
	if !g.anon.Enter(1, g.wait) {
		return nil, false
	}
	if !g.all.Enter(1, g.wait) {
		g.anon.Leave(1)
		return nil, false
	}
	return func() { g.all.Leave(1); g.anon.Leave(1) }, true
}

// deviceCookieName is per account, so a shared desk PC can be trusted for
// each of its staff; it is a keyed hash, so it does not name the login.
func (g *loginGuard) deviceCookieName(login string) string {
	return "yc_office_dev_" + hex.EncodeToString(g.mac("name", login)[:6])
}

func (g *loginGuard) mac(parts ...string) []byte {
	m := hmac.New(sha256.New, g.key)
	for _, p := range parts {
		fmt.Fprintf(m, "%d:%s;", len(p), p)
	}
	return m.Sum(nil)
}

// newDeviceCookie is the value of a device cookie for login issued at now:
// issued time, a random id, and a MAC over both and the login.
func (g *loginGuard) newDeviceCookie(login string, now time.Time) string {
	var b [16]byte
	rand.Read(b[:])
	issued := strconv.FormatInt(now.Unix(), 10)
	id := base64.RawURLEncoding.EncodeToString(b[:])
	return "v1." + issued + "." + id + "." + base64.RawURLEncoding.EncodeToString(g.mac("device", login, issued, id))
}

// deviceID returns the id of the request's valid device cookie for login,
// or "" when it has none.
func (g *loginGuard) deviceID(r *http.Request, login string, now time.Time) string {
	c, err := r.Cookie(g.deviceCookieName(login))
	if err != nil {
		return ""
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 4 || parts[0] != "v1" {
		return ""
	}
	mac, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil || !hmac.Equal(mac, g.mac("device", login, parts[1], parts[2])) {
		return ""
	}
	issued, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || now.Sub(time.Unix(issued, 0)) > DeviceCookieLife {
		return ""
	}
	return parts[2]
}

// failedLogins counts failed and throttled tries per login and address,
// so the audit trail gets one row when a window opens and one with the
// count when it closes, however many tries came in between.
type failedLogins struct {
	mu        sync.Mutex
	tallies   map[tallyKey]*tally
	nextFlush time.Time
}

type tallyKey struct{ login, ip string }

type tally struct {
	entry           county.AuditEntry // of the window's first try
	first, last     time.Time
	more, throttled int // tries after the first; how many of all were throttled
}

// maxTallies bounds the counts in memory; past it, tries count under one
// catch-all row.
const maxTallies = 10000

// record counts a try of e.StaffLogin from e.ClientIP and returns the
// audit rows to write now (at most one for the window it opens and one for
// the window it closes). A throttled try never opens a window of its own
// login: it counts under the address's catch-all ("*"), so inventing
// logins does not add rows.
func (f *failedLogins) record(e county.AuditEntry, throttled bool, now time.Time) []county.AuditEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := tallyKey{e.StaffLogin, e.ClientIP}
	t, ok := f.tallies[k]
	var out []county.AuditEntry
	if ok && now.Sub(t.first) >= auditWindow {
		out = append(out, t.summary()...)
		delete(f.tallies, k)
		ok = false
	}
	if !ok && throttled {
		k = tallyKey{"*", e.ClientIP}
		t, ok = f.tallies[k]
		e = county.AuditEntry{StaffLogin: "*", Subject: "*", Action: e.Action, ClientIP: e.ClientIP}
	}
	if !ok && len(f.tallies) >= maxTallies {
		k = tallyKey{"*", "*"}
		t, ok = f.tallies[k]
		e = county.AuditEntry{StaffLogin: "*", Subject: "*", Action: e.Action, ClientIP: "*"}
	}
	if ok {
		t.more++
		t.last = now
		if throttled {
			t.throttled++
		}
		return out
	}
	t = &tally{entry: e, first: now, last: now}
	if throttled {
		t.throttled = 1
		t.entry.Detail = "被限流"
	}
	f.tallies[k] = t
	return append(out, t.entry)
}

// due returns the rows of windows closed by now; with force, of all of
// them (countyd stopping).
func (f *failedLogins) due(now time.Time, force bool) []county.AuditEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !force && now.Before(f.nextFlush) {
		return nil
	}
	f.nextFlush = now.Add(time.Minute)
	var out []county.AuditEntry
	for k, t := range f.tallies {
		if force || now.Sub(t.first) >= auditWindow {
			out = append(out, t.summary()...)
			delete(f.tallies, k)
		}
	}
	return out
}

// summary is the row of a closed window: how many more tries came after
// the first, and when.
func (t *tally) summary() []county.AuditEntry {
	if t.more == 0 {
		return nil
	}
	e := t.entry
	e.At = t.last
	e.Detail = fmt.Sprintf("此后同一地址又尝试%d次（共%d次被限流），%s–%s", t.more, t.throttled,
		t.first.In(workday.China).Format("15:04:05"), t.last.In(workday.China).Format("15:04:05"))
	return []county.AuditEntry{e}
}

// flushFailedLogins writes the audit rows of closed windows (checked at
// most once a minute, from login tries and the audit page).
func (o *Office) flushFailedLogins(ctx context.Context, force bool) {
	for _, e := range o.guard.failed.due(o.now(), force) {
		if err := o.st.Audit(ctx, e); err != nil {
			o.log.ErrorContext(ctx, "audit failed logins", "err", err)
		}
	}
}

// Close writes the counts of failed logins still open to the audit trail;
// countyd calls it when it stops.
func (o *Office) Close(ctx context.Context) {
	o.flushFailedLogins(ctx, true)
}
