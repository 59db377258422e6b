// Package office is the county back office (县级后台) that countyd serves
// under /office/: county staff log in, review the cases the township halls
// accepted and decide on them (受理在镇、审批在县), keep the matter catalog,
// watch the kiosk fleet, and read the audit trail of every look at personal
// data.
//
// Pages are rendered on the server from embedded html/template files and
// work without JavaScript. Every form carries the session's CSRF token;
// every POST without a valid token or without the session cookie is
// refused with 403 before anything is read or written. Identity and mobile
// numbers are masked on every page, in the fields that hold them and in
// any text a kiosk sent (a file name, a form value, a host name: mask.go);
// showing one in full asks for a reason and leaves an audit row, as do
// opening a case, viewing an attachment and every decision.
package office

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/yichuang/yichuang/sync/httplog"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
	"github.com/yichuang/yichuang/sync/ratelimit"
)

// Store is what the back office needs of the county's storage;
// *county.SQLite provides it.
type Store interface {
	StaffByLogin(ctx context.Context, login string) (county.Staff, error)
	StaffMembers(ctx context.Context) ([]county.Staff, error)
	CreateStaff(ctx context.Context, st county.Staff, passwordHash string) (county.Staff, error)
	SetStaffActive(ctx context.Context, staffID int64, active bool, e county.AuditEntry) error
	CreateSession(ctx context.Context, se county.Session, idleBefore time.Time, e county.AuditEntry) error
	Session(ctx context.Context, tokenHash string) (county.Session, error)
	TouchSession(ctx context.Context, tokenHash string) error
	DeleteSession(ctx context.Context, tokenHash string, e *county.AuditEntry) error

	Audit(ctx context.Context, e county.AuditEntry) error
	AuditLog(ctx context.Context, f county.AuditFilter) ([]county.AuditEntry, int, error)

	CasePage(ctx context.Context, f county.CasePageFilter) ([]county.Case, int, error)
	CaseMatterCodes(ctx context.Context) ([]string, error)
	Case(ctx context.Context, ref string) (county.Case, error)
	CaseLog(ctx context.Context, caseID string) ([]county.LogEntry, error)
	CaseStatusLog(ctx context.Context, caseID string) ([]county.StatusLogEntry, error)
	SetCaseStatusAudited(ctx context.Context, c county.StatusChange, e county.AuditEntry) (protocol.FeedItem, error)
	Blob(ctx context.Context, sha string) (county.BlobState, error)
	OpenBlob(ctx context.Context, sha string) (*os.File, county.BlobState, error)
	HolidayDocs(ctx context.Context) ([]json.RawMessage, error)
	ServicePoints(ctx context.Context) ([]county.ServicePoint, error)

	Devices(ctx context.Context) ([]county.Device, error)
	DeviceStatuses(ctx context.Context) (map[string]county.DeviceReport, error)
	EnrollCodes(ctx context.Context) ([]county.EnrollCodeInfo, error)
	CreateEnrollCodeAudited(ctx context.Context, p county.ServicePoint, e county.AuditEntry) (county.EnrollCode, error)
	RevokeDeviceAudited(ctx context.Context, id string, e county.AuditEntry) error

	AddCatalogVersion(ctx context.Context, v county.CatalogVersion, e county.AuditEntry) (county.CatalogVersion, error)
	CatalogVersions(ctx context.Context) ([]county.CatalogVersion, error)
	CatalogVersion(ctx context.Context, version string) (county.CatalogVersion, error)
	PublishCatalogVersion(ctx context.Context, version string, points []string, by string, e county.AuditEntry) ([]protocol.FeedItem, error)
	CatalogPublications(ctx context.Context) ([]county.Publication, error)
	SetOverride(ctx context.Context, o county.OverrideRecord, effective county.CatalogVersion, e county.AuditEntry) (protocol.FeedItem, error)
	Overrides(ctx context.Context) ([]county.OverrideRecord, error)

	Notices(ctx context.Context, caseID string, limit int) ([]county.NoticeRecord, error)
	NoticeCounts(ctx context.Context) (map[string]int, error)
	SMSConfig(ctx context.Context) (county.SMSConfig, error)
	RequeueNotice(ctx context.Context, eventID string, e county.AuditEntry) error
}

var _ Store = (*county.SQLite)(nil)

// Options configure the back office.
type Options struct {
	// Now is the clock (sessions, lockouts, due dates); nil means time.Now.
	Now func() time.Time
	// Log gets one line per request (method, path, status, staff login)
	// and internal errors; nil means slog.Default(). Paths hold no
	// personal data by design, and form values are never logged.
	Log *slog.Logger
	// SecureCookies sets the Secure flag on cookies even when a request
	// came over plain HTTP: for countyd behind a TLS-terminating proxy.
	// Requests that arrive over TLS always get Secure cookies.
	SecureCookies bool
	// IdleTimeout ends a session unused this long; 0 means 30 minutes.
	IdleTimeout time.Duration
	// MaxSessionAge ends a session this long after sign-in, however busy
	// it is; 0 means 12 hours (a working day and its overtime).
	MaxSessionAge time.Duration
	// DeviceKey signs the device cookies of browsers that signed in
	// (throttle.go); countyd keeps it in its data directory. Empty: a
	// random key, so the cookies last until the process stops.
	DeviceKey []byte
	// SMSGateway says countyd sends notices (-sms-gateway); without it the
	// notices page says they stay queued.
	SMSGateway bool
	// SharedLimits keeps the budgets of login tries where every countyd
	// instance counts them (county.SharedRateLimits); nil keeps them in
	// this process.
	SharedLimits ratelimit.Store
}

// Office is the back office's HTTP handler for /office/.
type Office struct {
	st      Store
	now     func() time.Time
	log     *slog.Logger
	secure  bool
	sms     bool // countyd runs an SMS sender
	idle    time.Duration
	maxAge  time.Duration
	guard   *loginGuard
	pages   map[string]map[string]*template.Template // lang → page → template
	mux     *http.ServeMux
	catMu   sync.Mutex
	catalog map[string]*catalog.Catalog // parsed versions (immutable once stored)
	calMu   sync.Mutex
	calKey  string
	cal     *workday.Calendar
}

// Prefix is where the back office is mounted.
const Prefix = "/office/"

//go:embed templates/*.html static/*
var files embed.FS

// New returns the back office over st.
func New(st Store, opts Options) *Office {
	o := &Office{st: st, now: opts.Now, log: opts.Log, secure: opts.SecureCookies, sms: opts.SMSGateway, idle: opts.IdleTimeout,
		maxAge: opts.MaxSessionAge, guard: newLoginGuard(opts.DeviceKey), mux: http.NewServeMux(), catalog: map[string]*catalog.Catalog{}}
	o.guard.share(opts.SharedLimits)
	if o.now == nil {
		o.now = time.Now
	}
	if o.log == nil {
		o.log = slog.Default()
	}
	if o.idle == 0 {
		o.idle = 30 * time.Minute
	}
	if o.maxAge == 0 {
		o.maxAge = 12 * time.Hour
	}
	o.pages = mustParsePages()
	o.routes()
	return o
}

// Mount serves the back office under /office/ and everything else with
// api (countyd's /api/v1), on one listener. "/" leads a browser to the
// back office.
//
// Over TLS every answer, the API's too, carries Strict-Transport-Security:
// the host is then reached over HTTPS only, so a staff member's first
// request of the day cannot be downgraded to plain HTTP on the county
// network and their session cookie read.
func Mount(api http.Handler, off *Office) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(Prefix, off)
	mux.Handle("GET /{$}", http.RedirectHandler(Prefix, http.StatusSeeOther))
	// Browsers ask for /favicon.ico on their own (a page without a link,
	// a bookmark, a download); a 404 there is an error in every console.
	mux.Handle("GET /favicon.ico", http.RedirectHandler(Prefix+"static/favicon.svg", http.StatusMovedPermanently))
	mux.Handle("/", api)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		off.hsts(w.Header(), r)
		mux.ServeHTTP(w, r)
	})
}

// HSTSValue is the Strict-Transport-Security answer: a year, the usual
// length for a host that is HTTPS for good. No includeSubDomains: the
// county's other hosts under the same name are not ours to decide.
const HSTSValue = "max-age=31536000"

// hsts sets Strict-Transport-Security when the request came over TLS or
// countyd was told a TLS proxy is in front (-secure-cookies). A header
// from the client saying so is not believed; browsers ignore the header
// over plain HTTP anyway.
func (o *Office) hsts(h http.Header, r *http.Request) {
	if r.TLS != nil || o.secure {
		h.Set("Strict-Transport-Security", HSTSValue)
	}
}

func (o *Office) routes() {
	static, _ := fs.Sub(files, "static")
	o.mux.Handle("GET /office/static/", http.StripPrefix("/office/static/", staticHandler(static)))
	o.mux.HandleFunc("GET /office/login", o.loginPage)
	o.mux.HandleFunc("POST /office/login", o.login)
	o.mux.HandleFunc("GET /office/lang", o.setLang)
	o.mux.HandleFunc("POST /office/logout", o.page("", o.logout))
	o.mux.HandleFunc("GET /office/{$}", o.page("", o.home))

	o.mux.HandleFunc("GET /office/cases", o.page(county.RoleReviewer, o.caseList))
	o.mux.HandleFunc("GET /office/cases/{ref}", o.page(county.RoleReviewer, o.casePage))
	o.mux.HandleFunc("POST /office/cases/{ref}/reveal", o.page(county.RoleReviewer, o.reveal))
	o.mux.HandleFunc("POST /office/cases/{ref}/status", o.page(county.RoleReviewer, o.setStatus))
	o.mux.HandleFunc("GET /office/cases/{ref}/attachments/{sha}", o.page(county.RoleReviewer, o.attachment))

	o.mux.HandleFunc("GET /office/notices", o.page(county.RoleReviewer, o.noticesPage))
	o.mux.HandleFunc("POST /office/notices/requeue", o.page(county.RoleReviewer, o.requeueNotice))
	o.mux.HandleFunc("GET /office/fleet", o.page(county.RoleAdmin, o.fleet))
	o.mux.HandleFunc("POST /office/fleet/codes", o.page(county.RoleAdmin, o.createCode))
	o.mux.HandleFunc("GET /office/fleet/devices/{id}/revoke", o.page(county.RoleAdmin, o.revokeConfirm))
	o.mux.HandleFunc("POST /office/fleet/devices/{id}/revoke", o.page(county.RoleAdmin, o.revoke))

	o.mux.HandleFunc("GET /office/catalog", o.page(county.RoleCatalogEditor, o.catalogPage))
	o.mux.HandleFunc("GET /office/catalog/versions/{version}", o.page(county.RoleCatalogEditor, o.versionPage))
	o.mux.HandleFunc("GET /office/catalog/versions/{version}/matters/{code}", o.page(county.RoleCatalogEditor, o.matterPage))
	o.mux.HandleFunc("POST /office/catalog/versions/{version}/matters/{code}", o.page(county.RoleCatalogEditor, o.editMatter))
	o.mux.HandleFunc("POST /office/catalog/import", o.page(county.RoleCatalogEditor, o.importCatalog))
	o.mux.HandleFunc("POST /office/catalog/publish", o.page(county.RoleCatalogEditor, o.publish))
	o.mux.HandleFunc("POST /office/catalog/override", o.page(county.RoleCatalogEditor, o.override))

	o.mux.HandleFunc("GET /office/audit", o.page(county.RoleAdmin, o.auditPage))
	o.mux.HandleFunc("GET /office/staff", o.page(county.RoleAdmin, o.staffPage))
	o.mux.HandleFunc("POST /office/staff", o.page(county.RoleAdmin, o.addStaff))
	o.mux.HandleFunc("POST /office/staff/{id}/active", o.page(county.RoleAdmin, o.staffActive))
	o.mux.HandleFunc("/office/", func(w http.ResponseWriter, r *http.Request) {
		o.fail(w, r, nil, http.StatusNotFound, "页面不存在")
	})
}

// staticHandler serves the embedded stylesheet; it may be cached, since
// it holds nothing personal.
func staticHandler(fsys fs.FS) http.Handler {
	h := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

type logInfo struct{ staff string }

type logKey struct{}

// ServeHTTP serves /office/ with the headers every page needs and one log
// line per request.
func (o *Office) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Pages show personal data (masked, sometimes revealed): never cached,
	// never framed, no scripts at all, forms only to ourselves, no window
	// of another site holding a handle on ours, nothing of ours embedded
	// elsewhere, no device features.
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
	o.hsts(h, r)
	li := &logInfo{}
	httplog.Serve(o.log, "office", w, r.WithContext(context.WithValue(r.Context(), logKey{}, li)), o.mux,
		func(w http.ResponseWriter) { http.Error(w, "internal error", http.StatusInternalServerError) },
		func() []any { return []any{"staff", li.staff} })
}

// clientIP is the address the request came from. X-Forwarded-For is not
// trusted: anyone could write it, and the audit trail must not be forged.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// internal logs err and shows a generic error page.
func (o *Office) internal(w http.ResponseWriter, r *http.Request, rc *reqCtx, what string, err error) {
	o.log.ErrorContext(r.Context(), what, "path", r.URL.Path, "err", err)
	o.fail(w, r, rc, http.StatusInternalServerError, "服务器内部错误，请稍后重试")
}

// fail renders an error page with a status.
func (o *Office) fail(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, message string) {
	if rc == nil {
		rc = &reqCtx{lang: langOf(r)}
	}
	o.renderStatus(w, r, rc, status, "error", map[string]any{"Status": status, "Message": rc.T(message)})
}

// render executes a page template with the common data.
func (o *Office) render(w http.ResponseWriter, r *http.Request, rc *reqCtx, page string, data map[string]any) {
	o.renderStatus(w, r, rc, http.StatusOK, page, data)
}

// renderStatus executes a page into memory first and sends it with its
// status only when it rendered whole: a template that fails half-way is a
// 500 that says so, never a cut-off page answered 200.
func (o *Office) renderStatus(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, page string, data map[string]any) {
	t := o.pages[rc.lang][page]
	if t == nil {
		o.log.Error("no such page template", "page", page)
		http.Error(w, "page missing", http.StatusInternalServerError)
		return
	}
	if data == nil {
		data = map[string]any{}
	}
	data["Ctx"] = rc
	data["Path"] = r.URL.Path
	data["Query"] = r.URL.RawQuery
	// The language switch comes back to this page; after a POST it goes
	// home, since the page was an answer to a form.
	data["Back"] = Prefix
	if r.Method == http.MethodGet {
		data["Back"] = r.URL.RequestURI()
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", data); err != nil {
		o.log.Error("render page", "page", page, "err", err)
		http.Error(w, "页面生成失败 the page could not be made; the error is logged", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// calendar is the working-day calendar: the embedded holiday notices with
// those the county published since (a published year replaces the
// embedded one). It is rebuilt only when the published set changes.
func (o *Office) calendar(ctx context.Context) *workday.Calendar {
	docs, err := o.st.HolidayDocs(ctx)
	if err != nil {
		o.log.Error("read published holiday calendars", "err", err)
		return workday.Default()
	}
	key := fmt.Sprint(len(docs))
	for _, d := range docs {
		key += fmt.Sprintf("/%d", len(d))
	}
	o.calMu.Lock()
	defer o.calMu.Unlock()
	if o.cal != nil && o.calKey == key {
		return o.cal
	}
	cal, err := county.MergeCalendars(docs)
	if err != nil {
		o.log.Error("published holiday calendars do not load; using the embedded ones", "err", err)
		cal = workday.Default()
	}
	o.cal, o.calKey = cal, key
	return cal
}

// catalogFor returns the catalog a case was accepted under: a stored
// version, or the embedded demo catalog the kiosks start with, or failing
// both the newest stored version (names only; materials may differ).
func (o *Office) catalogFor(ctx context.Context, version string) *catalog.Catalog {
	o.catMu.Lock()
	c, ok := o.catalog[version]
	o.catMu.Unlock()
	if ok {
		return c
	}
	if v, err := o.st.CatalogVersion(ctx, version); err == nil {
		if c, err = catalog.Parse(v.Doc); err == nil {
			o.catMu.Lock()
			o.catalog[version] = c
			o.catMu.Unlock()
			return c
		}
	}
	demo, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		o.log.Error("embedded demo catalog", "err", err)
		return &catalog.Catalog{}
	}
	if demo.Version != version {
		if vs, err := o.st.CatalogVersions(ctx); err == nil && len(vs) > 0 {
			if v, err := o.st.CatalogVersion(ctx, vs[0].Version); err == nil {
				if c, err := catalog.Parse(v.Doc); err == nil {
					return c
				}
			}
		}
	}
	return demo
}

var errForbidden = errors.New("forbidden")

// splitLines returns the non-empty trimmed lines of a textarea.
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
