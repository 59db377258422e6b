package office

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/sync/countyd/county"
)

// Cookie names. The session cookie is limited to /office/ so the API never
// sees it.
const (
	sessionCookie = "yc_office"
	loginCookie   = "yc_office_login" // pre-login CSRF token (double submit)
	langCookie    = "yc_lang"
)

// maxForm bounds a POST body: the largest is a catalog import (the
// protocol's 8 MiB body limit, plus the form around it).
const maxForm = protocol8MiB + 1<<20

const protocol8MiB = 8 << 20

// reqCtx is what a page knows about its request: language, the staff
// member and session, and the client address for the audit trail.
type reqCtx struct {
	lang    string
	Session county.Session
	IP      string
	// Flash is a one-line notice at the top of the page.
	Flash string
}

// Staff is the logged-in staff member.
func (rc *reqCtx) Staff() county.Staff { return rc.Session.Staff }

// CSRF is the token every form of the page carries.
func (rc *reqCtx) CSRF() string { return rc.Session.CSRF }

// Lang is "zh" or "en".
func (rc *reqCtx) Lang() string { return rc.lang }

// T translates a UI string (written in Chinese) to the page's language.
func (rc *reqCtx) T(zh string) string { return translate(rc.lang, zh) }

// Can says whether the staff member may use pages of role; admins may use
// every page.
func (rc *reqCtx) Can(role string) bool {
	r := rc.Session.Staff.Role
	return r == county.RoleAdmin || (r != "" && r == role)
}

// audit is an audit row for this request's staff member.
func (rc *reqCtx) audit(action, subject string) county.AuditEntry {
	st := rc.Session.Staff
	return county.AuditEntry{StaffID: st.ID, StaffLogin: st.Login, StaffName: st.Name, Action: action, Subject: subject, ClientIP: rc.IP}
}

func randomToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func sameToken(a, b string) bool {
	return a != "" && len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func (o *Office) cookie(r *http.Request, name, value string) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		// Secure only over TLS (or when told a proxy terminates it): a
		// Secure cookie set over plain HTTP is dropped by browsers on
		// addresses other than localhost, which would make the loopback
		// and LAN-without-TLS setups impossible to log in to.
		Secure: r.TLS != nil || o.secure}
}

func langOf(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && c.Value == "en" {
		return "en"
	}
	return "zh"
}

// session returns the request's live session, ending it when it has been
// idle too long or has lasted its whole lifetime since sign-in: a cookie
// taken from a browser left open works for hours at most, not for as long
// as someone keeps using it.
func (o *Office) session(r *http.Request) (county.Session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return county.Session{}, false
	}
	hash := county.HashToken(c.Value)
	se, err := o.st.Session(r.Context(), hash)
	if err != nil {
		if !errors.Is(err, county.ErrNotFound) {
			o.log.ErrorContext(r.Context(), "read session", "err", err)
		}
		return county.Session{}, false
	}
	if now := o.now(); now.Sub(se.LastSeen) > o.idle || now.Sub(se.Created) > o.maxAge {
		if err := o.st.DeleteSession(r.Context(), hash, nil); err != nil {
			o.log.ErrorContext(r.Context(), "end expired session", "err", err)
		}
		return county.Session{}, false
	}
	return se, true
}

// page wraps a handler that needs a logged-in staff member with role (""
// for any role). GETs without a session go to the login page; POSTs
// without a session cookie or without the session's CSRF token are
// refused with 403 before the handler runs.
func (o *Office) page(role string, h func(w http.ResponseWriter, r *http.Request, rc *reqCtx)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rc := &reqCtx{lang: langOf(r), IP: clientIP(r)}
		se, ok := o.session(r)
		post := r.Method != http.MethodGet && r.Method != http.MethodHead
		if !ok {
			if post {
				o.fail(w, r, rc, http.StatusForbidden, "请求被拒绝：未登录或登录已过期，请重新登录")
				return
			}
			http.Redirect(w, r, "/office/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		rc.Session = se
		if li, ok := r.Context().Value(logKey{}).(*logInfo); ok {
			li.staff = se.Staff.Login
		}
		if post {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			// PostFormValue reads the body only (also multipart), never
			// the URL: a token in a link would leak through history.
			if !sameToken(r.PostFormValue("csrf"), se.CSRF) {
				o.fail(w, r, rc, http.StatusForbidden, "请求被拒绝：表单已失效（缺少或错误的安全令牌），请刷新页面后重试")
				return
			}
		}
		if role != "" && !rc.Can(role) {
			o.fail(w, r, rc, http.StatusForbidden, "您的角色无权使用此页面")
			return
		}
		// One write a minute at most per session keeps idle expiry honest
		// without a database write on every page.
		if o.now().Sub(se.LastSeen) > time.Minute {
			if err := o.st.TouchSession(r.Context(), se.TokenHash); err != nil {
				o.log.ErrorContext(r.Context(), "touch session", "err", err)
			}
		}
		h(w, r, rc)
	}
}

// localPath returns p when it is a path inside the back office, else the
// home page: redirects never leave the site.
func localPath(p string) string {
	if strings.HasPrefix(p, Prefix) && !strings.HasPrefix(p, "//") && !strings.ContainsAny(p, "\\\r\n") {
		return p
	}
	return Prefix
}

func (o *Office) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := o.session(r); ok {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	o.showLogin(w, r, "", "")
}

func (o *Office) showLogin(w http.ResponseWriter, r *http.Request, login, problem string) {
	status := http.StatusOK
	if problem != "" {
		status = http.StatusUnauthorized
	}
	o.showLoginStatus(w, r, login, status, translate(langOf(r), problem))
}

// showLoginStatus renders the login form again with a problem (already
// in the page's language) and a fresh pre-login token.
func (o *Office) showLoginStatus(w http.ResponseWriter, r *http.Request, login string, status int, problem string) {
	token := randomToken()
	http.SetCookie(w, o.cookie(r, loginCookie, token))
	rc := &reqCtx{lang: langOf(r), IP: clientIP(r)}
	rc.Session.CSRF = token
	o.renderStatus(w, r, rc, status, "login", map[string]any{"Login": login, "Problem": problem, "Next": localPath(r.FormValue("next"))})
}

var (
	dummyOnce sync.Once
	dummyHash string
)

// login checks a password, within the limits of throttle.go: limits are
// looked at before anything is spent, the check runs only inside the
// hash gate, and nothing in the answer (text, status, work done) depends
// on whether the login exists.
func (o *Office) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf"), c.Value) {
		o.fail(w, r, nil, http.StatusForbidden, "请求被拒绝：登录表单已失效，请刷新页面后重试")
		return
	}
	ctx := r.Context()
	login := strings.ToLower(strings.TrimSpace(r.PostFormValue("login")))
	if r := []rune(login); len(r) > 64 {
		login = string(r[:64])
	}
	password := r.PostFormValue("password")
	now := o.now()
	g := o.guard
	o.flushFailedLogins(ctx, false)
	e := county.AuditEntry{StaffLogin: login, Action: "login.failed", Subject: login, ClientIP: clientIP(r)}
	device := g.deviceID(r, login, now)
	trusted := device != ""
	// check says whether the try is within its budget: a browser that
	// signed in as the login before by its own, any other by its address
	// (every try) and by the login (wrong passwords).
	check := func(take bool) (bool, time.Duration, error) {
		if trusted {
			return g.device.Check(ctx, device, now)
		}
		if take {
			if ok, retry, err := g.address.Allow(ctx, e.ClientIP, now); !ok || err != nil {
				return false, retry, err
			}
		}
		return g.login.Check(ctx, login, now)
	}
	ok, retry, err := check(true)
	if err != nil {
		// Without its budget a try is not checked: a password unchecked
		// is not guessed.
		o.internal(w, r, nil, "check login budget", err)
		return
	}
	if !ok {
		o.throttled(w, r, e, login, retry)
		return
	}
	leave, ok := g.enterHash(trusted)
	if !ok {
		// The gate is full: countyd is busy, whoever asks. 503 rather than
		// 429, which would say this client asked too often.
		w.Header().Set("Retry-After", "5")
		o.showLoginStatus(w, r, login, http.StatusServiceUnavailable, translate(langOf(r), "登录的人太多，请几秒钟后再试"))
		return
	}
	// Again inside the gate: tries that waited together must not all be
	// checked against a budget none of them has charged yet.
	if ok, retry, err := check(false); err != nil || !ok {
		leave()
		if err != nil {
			o.internal(w, r, nil, "check login budget", err)
			return
		}
		o.throttled(w, r, e, login, retry)
		return
	}
	st, err := o.st.StaffByLogin(ctx, login)
	known := err == nil
	hash := st.PasswordHash
	if errors.Is(err, county.ErrNotFound) {
		// An unknown login costs the same argon2id as a known one.
		dummyOnce.Do(func() { dummyHash, _ = clerks.Hash(randomToken()) })
		hash, err = dummyHash, nil
	}
	if err != nil {
		leave()
		o.internal(w, r, nil, "read staff", err)
		return
	}
	good, err := clerks.Verify(hash, password)
	leave()
	if err != nil {
		o.internal(w, r, nil, "verify password", err)
		return
	}
	if !good || !known {
		var err error
		if trusted {
			err = g.device.Penalty(ctx, device, LoginRefill, now)
		} else {
			err = g.login.Penalty(ctx, login, LoginRefill, now)
		}
		if err != nil {
			o.log.ErrorContext(ctx, "charge a wrong password", "err", err)
		}
		e.StaffID, e.StaffName = st.ID, st.Name
		o.auditTry(ctx, e, false)
		o.showLogin(w, r, login, "登录名或密码不对")
		return
	}
	if !st.Active {
		o.showLogin(w, r, login, "该账号已停用，请联系系统管理员")
		return
	}
	if trusted {
		if err := g.device.Forget(ctx, device); err != nil {
			o.log.ErrorContext(ctx, "forget a device's wrong passwords", "err", err)
		}
	}
	token := randomToken()
	se := county.Session{TokenHash: county.HashToken(token), Staff: st, CSRF: randomToken()}
	e.StaffID, e.StaffName, e.Action = st.ID, st.Name, "login"
	if err := o.st.CreateSession(ctx, se, now.Add(-o.idle), e); err != nil {
		o.internal(w, r, nil, "create session", err)
		return
	}
	http.SetCookie(w, o.cookie(r, sessionCookie, token))
	// This browser is now known for the login; a fresh cookie each time,
	// so one copied from it ages out.
	dc := o.cookie(r, g.deviceCookieName(login), g.newDeviceCookie(login, now))
	dc.MaxAge = int(DeviceCookieLife / time.Second)
	http.SetCookie(w, dc)
	gone := o.cookie(r, loginCookie, "")
	gone.MaxAge = -1
	http.SetCookie(w, gone)
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

// throttled answers a try over its budget: 429 with Retry-After, the same
// words whether the login exists or not, and no password check.
func (o *Office) throttled(w http.ResponseWriter, r *http.Request, e county.AuditEntry, login string, retry time.Duration) {
	o.auditTry(r.Context(), e, true)
	secs := int((retry + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	lang := langOf(r)
	problem := fmt.Sprintf(translate(lang, "尝试次数过多，请%d秒后再试"), secs)
	if secs > 90 {
		problem = fmt.Sprintf(translate(lang, "尝试次数过多，请%d分钟后再试"), (secs+59)/60)
	}
	o.showLoginStatus(w, r, login, http.StatusTooManyRequests, problem)
}

// auditTry counts a failed or throttled try; rows are written only when a
// count's window opens or closes (throttle.go).
func (o *Office) auditTry(ctx context.Context, e county.AuditEntry, throttled bool) {
	for _, row := range o.guard.failed.record(e, throttled, o.now()) {
		if err := o.st.Audit(ctx, row); err != nil {
			o.log.ErrorContext(ctx, "audit failed login", "err", err)
		}
	}
}

func (o *Office) logout(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	e := rc.audit("logout", rc.Session.Staff.Login)
	if err := o.st.DeleteSession(r.Context(), rc.Session.TokenHash, &e); err != nil {
		o.internal(w, r, rc, "logout", err)
		return
	}
	gone := o.cookie(r, sessionCookie, "")
	gone.MaxAge = -1
	http.SetCookie(w, gone)
	http.Redirect(w, r, "/office/login", http.StatusSeeOther)
}

// setLang switches the page language (a display preference: a GET is
// enough, and it needs no session, so the login page has it too).
func (o *Office) setLang(w http.ResponseWriter, r *http.Request) {
	l := "zh"
	if r.URL.Query().Get("l") == "en" {
		l = "en"
	}
	c := o.cookie(r, langCookie, l)
	c.MaxAge = 365 * 24 * 3600
	c.SameSite = http.SameSiteLaxMode
	http.SetCookie(w, c)
	http.Redirect(w, r, localPath(r.URL.Query().Get("back")), http.StatusSeeOther)
}

// home sends each role to its first page.
func (o *Office) home(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	to := "/office/cases"
	if rc.Session.Staff.Role == county.RoleCatalogEditor {
		to = "/office/catalog"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
