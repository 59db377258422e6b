package office

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/sync/countyd/county"
)

// Lockout policy of the back office: five wrong passwords in a row lock
// the account for 15 minutes. Stricter than the kiosk's (5 minutes): the
// back office is reachable from the county network, not one hall counter,
// and its accounts see every township's cases.
const (
	MaxFailures = 5
	LockFor     = 15 * time.Minute
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
// idle too long.
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
	if o.now().Sub(se.LastSeen) > o.idle {
		if err := o.st.DeleteSession(r.Context(), hash, nil); err != nil {
			o.log.ErrorContext(r.Context(), "end idle session", "err", err)
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
	token := randomToken()
	http.SetCookie(w, o.cookie(r, loginCookie, token))
	rc := &reqCtx{lang: langOf(r), IP: clientIP(r)}
	rc.Session.CSRF = token
	status := http.StatusOK
	if problem != "" {
		status = http.StatusUnauthorized
	}
	o.renderStatus(w, r, rc, status, "login", map[string]any{"Login": login, "Problem": translate(rc.lang, problem), "Next": localPath(r.FormValue("next"))})
}

var (
	dummyOnce sync.Once
	dummyHash string
)

// login checks a password. An unknown login costs the same argon2id work
// as a known one, so timing does not tell which logins exist.
func (o *Office) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf"), c.Value) {
		o.fail(w, r, nil, http.StatusForbidden, "请求被拒绝：登录表单已失效，请刷新页面后重试")
		return
	}
	ctx := r.Context()
	login := strings.ToLower(strings.TrimSpace(r.PostFormValue("login")))
	password := r.PostFormValue("password")
	now := o.now()
	e := county.AuditEntry{StaffLogin: login, Action: "login.failed", Subject: login, ClientIP: clientIP(r)}
	if len(login) > 64 {
		login, e.StaffLogin, e.Subject = login[:64], login[:64], login[:64]
	}
	st, err := o.st.StaffByLogin(ctx, login)
	if errors.Is(err, county.ErrNotFound) {
		dummyOnce.Do(func() { dummyHash, _ = clerks.Hash(randomToken()) })
		clerks.Verify(dummyHash, password)
		if err := o.st.SetLoginState(ctx, 0, 0, time.Time{}, &e); err != nil {
			o.internal(w, r, nil, "audit failed login", err)
			return
		}
		o.showLogin(w, r, login, "登录名或密码不对")
		return
	}
	if err != nil {
		o.internal(w, r, nil, "read staff", err)
		return
	}
	e.StaffID, e.StaffName = st.ID, st.Name
	if now.Before(st.LockedUntil) {
		e.Action = "login.locked"
		if err := o.st.SetLoginState(ctx, st.ID, st.Failures, st.LockedUntil, &e); err != nil {
			o.internal(w, r, nil, "audit locked login", err)
			return
		}
		o.showLogin(w, r, login, fmt.Sprintf(translate(langOf(r), "连续输错%d次，账号已锁定，请在%s之后再试"),
			MaxFailures, st.LockedUntil.In(china).Format("15:04")))
		return
	}
	ok, err := clerks.Verify(st.PasswordHash, password)
	if err != nil {
		o.internal(w, r, nil, "verify password", err)
		return
	}
	if !ok {
		failures := st.Failures
		if !st.LockedUntil.IsZero() {
			failures = 0 // a served lock starts a fresh count
		}
		failures++
		var until time.Time
		if failures >= MaxFailures {
			until = now.Add(LockFor)
		}
		if err := o.st.SetLoginState(ctx, st.ID, failures, until, &e); err != nil {
			o.internal(w, r, nil, "record failed login", err)
			return
		}
		problem := "登录名或密码不对"
		if !until.IsZero() {
			problem = fmt.Sprintf(translate(langOf(r), "连续输错%d次，账号已锁定，请在%s之后再试"), MaxFailures, until.In(china).Format("15:04"))
		}
		o.showLogin(w, r, login, problem)
		return
	}
	if !st.Active {
		o.showLogin(w, r, login, "该账号已停用，请联系系统管理员")
		return
	}
	token := randomToken()
	se := county.Session{TokenHash: county.HashToken(token), Staff: st, CSRF: randomToken()}
	e.Action = "login"
	if err := o.st.CreateSession(ctx, se, now.Add(-o.idle), e); err != nil {
		o.internal(w, r, nil, "create session", err)
		return
	}
	http.SetCookie(w, o.cookie(r, sessionCookie, token))
	gone := o.cookie(r, loginCookie, "")
	gone.MaxAge = -1
	http.SetCookie(w, gone)
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
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

// china is Beijing time, as the county's staff read it.
var china = time.FixedZone("CST", 8*3600)
