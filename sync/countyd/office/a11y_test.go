package office_test

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/sync/protocol"
)

// axe-core is vendored (testdata/axe, MPL-2.0) so the test needs no
// network.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// axeViolation is what the test keeps of one axe-core violation.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// runAxe injects axe-core into the loaded page and returns its
// violations of every impact. The pages forbid scripts (CSP
// default-src 'none'); the test lifts that for its own tab only, through
// DevTools, so the shipped policy stays as strict as it is.
const runAxe = `axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations.map(v => ({
	id: v.id, impact: v.impact || '', help: v.help,
	targets: v.nodes.map(n => n.target.join(' '))}))))`

// layoutProblems names what a reader at this width cannot use: a header
// whose items run off its right edge, a checkbox or radio smaller than
// 24 px square, or a page that scrolls sideways as a whole (wide tables
// scroll inside their own box instead).
const layoutProblems = `(() => {
	const out = [];
	const top = document.querySelector('header.top');
	if (top) for (const el of top.querySelectorAll('a, button, .brand, .user')) {
		const r = el.getBoundingClientRect();
		if (r.right > window.innerWidth + 1 || r.left < -1) out.push('header item off screen: ' + el.textContent.trim());
	}
	for (const el of document.querySelectorAll('input[type=checkbox], input[type=radio]')) {
		const r = el.getBoundingClientRect();
		if (r.width < 24 || r.height < 24) out.push('target under 24 px: ' + el.name + '=' + el.value + ' is ' + r.width + '×' + r.height);
	}
	if (document.documentElement.scrollWidth > window.innerWidth + 1) {
		// Name the outermost elements that stick out, to know what to fix.
		// A positioned element counts even inside a scrolling box when its
		// containing block is outside it.
		const wide = [...document.body.querySelectorAll('*')].filter(el =>
			el.getBoundingClientRect().right > window.innerWidth + 1 &&
			el.parentElement.getBoundingClientRect().right <= window.innerWidth + 1).slice(0, 3)
			.map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
		out.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' px wide in ' + window.innerWidth + ' (' + wide.join(', ') + ')');
	}
	return JSON.stringify(out);
})()`

// TestEveryPageAccessible visits every back-office page, in Chinese and
// English, on a 1366 px laptop, the same laptop at 150 % zoom (910 CSS
// px) and a 412 px phone, runs axe-core on it and fails on each serious
// or critical violation, and on a header or page that does not fit the
// width.
func TestEveryPageAccessible(t *testing.T) {
	ctx := newChrome(t)
	e, pages := a11yEnv(t)
	if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	narrowShots := map[string]string{"/office/cases": "office-cases-412.png", pages[2]: "office-case-412.png",
		"/office/followups": "office-followups-412.png"}
	wideShots := map[string]string{"/office/followups": "office-followups.png", "/office/ratings": "office-ratings.png"}
	var problems []string
	check := func(path, lang string) {
		for _, width := range []int64{1366, 910, 412} {
			ctx, cancel := browserStep(ctx)
			defer cancel()
			err := chromedp.Do(ctx,
				chromedp.EmulateViewport(width, 900),
				chromedp.Navigate(e.url+path),
				chromedp.WaitReady(`body`),
				chromedp.Evaluate[chromedp.Void](axeSource),
			)
			var res, layout string
			if err == nil {
				res, err = chromedp.Run(ctx, chromedp.Evaluate[string](runAxe, chromedp.EvalAwaitPromise))
			}
			if err == nil {
				layout, err = chromedp.Run(ctx, chromedp.Evaluate[string](layoutProblems))
			}
			if err != nil {
				t.Fatalf("%s (%s, %d px): %v", path, lang, width, err)
			}
			var vs []axeViolation
			if err := json.Unmarshal([]byte(res), &vs); err != nil {
				t.Fatalf("%s: axe result: %v", path, err)
			}
			var ls []string
			if err := json.Unmarshal([]byte(layout), &ls); err != nil {
				t.Fatalf("%s: layout result: %v", path, err)
			}
			serious := 0
			for _, v := range vs {
				if v.Impact != "serious" && v.Impact != "critical" {
					t.Logf("%s %s %d px: %s %s (%d nodes)", path, lang, width, v.Impact, v.ID, len(v.Targets))
					continue
				}
				serious += len(v.Targets)
				for _, target := range v.Targets {
					problems = append(problems, fmt.Sprintf("%s %s %d px: %s %s at %s (%s)", path, lang, width, v.Impact, v.ID, target, v.Help))
				}
			}
			for _, l := range ls {
				problems = append(problems, fmt.Sprintf("%s %s %d px: %s", path, lang, width, l))
			}
			t.Logf("%s %s %d px: %d serious or critical nodes, %d layout problems", path, lang, width, serious, len(ls))
			// The docs show the case list and a case as a phone shows them.
			if shot, ok := narrowShots[path]; ok && lang == "zh" && width == 412 {
				screenshot(t, ctx, shot)
			}
			if shot, ok := wideShots[path]; ok && lang == "zh" && width == 1366 {
				screenshot(t, ctx, shot)
			}
		}
	}
	for _, lang := range []string{"zh", "en"} {
		// Signed out: the login page.
		if err := chromedp.Do(ctx, chromedp.Navigate(e.url+"/office/lang?l="+lang+"&back=/office/login")); err != nil {
			t.Fatal(err)
		}
		check("/office/login", lang)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.url+"/office/login"),
		chromedp.WaitVisible(`input[name=login]`),
		chromedp.SendKeys(`input[name=login]`, "admin"),
		chromedp.SendKeys(`input[name=password]`, password),
		chromedp.Click(`button.primary`),
		// The menu, not main: the login page has a main too, and leaving
		// before the sign-in's answer arrives aborts it.
		chromedp.WaitVisible(`nav.main`),
	)
	if err != nil {
		t.Fatalf("log in: %v", err)
	}
	for _, lang := range []string{"zh", "en"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.url+"/office/lang?l="+lang+"&back=/office/cases")); err != nil {
			t.Fatal(err)
		}
		for _, p := range pages {
			check(p, lang)
		}
	}
	if len(problems) > 0 {
		t.Errorf("%d accessibility problems:\n%s", len(problems), strings.Join(problems, "\n"))
	}
}

// dashboardPage is the dashboard over the a11y county's two months.
const dashboardPage = "/office/dashboard?from=2026-11-01&to=2026-12-31"

// a11yEnv is a county with something on every page: cases (one overdue,
// one due tomorrow), a decision and its notice, an imported catalog and
// the enrolled kiosk. It returns the signed-in pages to visit.
func a11yEnv(t *testing.T) (*env, []string) {
	t.Helper()
	e := newEnv(t)
	loc := t0.Location()
	cc := e.push(t, newSeed("林小明", time.Date(2026, 11, 20, 0, 0, 0, 0, loc)))
	soon := newSeed("钱小红", time.Date(2026, 11, 27, 0, 0, 0, 0, loc))
	e.push(t, soon)
	e.push(t, newSeed("陈建国", time.Date(2026, 12, 9, 0, 0, 0, 0, loc)))

	// The catalog pages need a version, the notices page a notice: both
	// are made as staff make them.
	b := e.client(t)
	b.mustLogin("admin")
	token := b.csrf("/office/catalog")
	if status, body := b.upload("/office/catalog/import", token, assets.DemoCatalog()); status != http.StatusSeeOther {
		t.Fatalf("import catalog: %d %.300s", status, body)
	}
	if status, body := b.post("/office/cases/"+cc+"/status", url.Values{"csrf": {b.csrf("/office/cases/" + cc)},
		"status": {"denied"}, "reason": {"经营场所不符合要求"}}); status != http.StatusSeeOther {
		t.Fatalf("decide: %d %.300s", status, body)
	}
	// The kiosk's report gives the fleet page its warning chips.
	report, _ := json.Marshal(protocol.DeviceStatus{AppVersion: "0.6.1", Pending: 2, Quarantined: 1, Uploads: 1,
		LastError: "上传附件超时，稍后重试", At: t0,
		Printer: protocol.PrinterStatus{Queue: "hall-a4", State: "error", Problem: protocol.PrinterNotAccepting,
			Detail: "lp: printer is stopped", At: t0.Add(-time.Hour)}})
	if status, body := e.signed(t, "POST", "/api/v1/status", report); status != http.StatusNoContent {
		t.Fatalf("status report: %d %s", status, body)
	}

	// The 好差评 pages need ratings and follow-ups (ratings_test.go).
	e.pushRatings(t)

	pages := []string{
		"/office/cases",
		"/office/cases?status=overdue",
		"/office/cases/" + cc,
		"/office/cases/" + cc + "?done=status",
		"/office/notices",
		"/office/followups",
		"/office/followups?state=overdue",
		"/office/ratings",
		dashboardPage,
		"/office/catalog",
		"/office/catalog/versions/2026.11-demo",
		"/office/catalog/versions/2026.11-demo/matters/330000-SS-0012",
		"/office/fleet",
		"/office/fleet/devices/" + e.dev + "/revoke",
		"/office/audit",
		"/office/staff",
		"/office/reports",
		"/office/no-such-page",
	}
	return e, pages
}

// TestFaviconServed: the page's icon and the /favicon.ico browsers ask
// for on their own are both found, so no page load logs a 404.
func TestFaviconServed(t *testing.T) {
	e := newEnv(t)
	b := e.client(t)
	_, body := b.get("/office/login")
	m := regexp.MustCompile(`<link rel="icon" href="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("login page has no icon link")
	}
	for _, path := range []string{m[1], "/favicon.ico"} {
		resp, err := http.Get(e.url + path) // follows the redirect
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || got != "image/svg+xml" {
			t.Errorf("GET %s: got %d %s, want 200 image/svg+xml", path, resp.StatusCode, got)
		}
	}
}

// TestRequiredSelectsHavePlaceholder: a required single select is valid
// HTML only when its first option is an empty placeholder; without it the
// first real choice is silently preselected and submitted.
func TestRequiredSelectsHavePlaceholder(t *testing.T) {
	names, err := filepath.Glob("templates/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("templates: %v %v", names, err)
	}
	selectRE := regexp.MustCompile(`<select\b[^>]*>`)
	required := 0
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		for _, loc := range selectRE.FindAllStringIndex(s, -1) {
			tag := s[loc[0]:loc[1]]
			if !regexp.MustCompile(`\srequired\b`).MatchString(tag) {
				continue
			}
			required++
			if rest := s[loc[1]:]; !strings.HasPrefix(rest, `<option value="">`) {
				t.Errorf("%s: %s is required but its first option is not an empty placeholder: %.60s", n, tag, rest)
			}
		}
	}
	if required == 0 {
		t.Errorf("no required select found: the test looks at nothing")
	}
}

// TestLighthouseAccessibility runs Lighthouse's accessibility audit on
// every page, as a phone (412 px) and as a desktop (1350 px), and fails
// below 95. Lighthouse is not vendored (it is a large npm tree): the test
// runs only when $LIGHTHOUSE names its binary, e.g.
//
//	npm install --prefix /tmp/lh lighthouse
//	LIGHTHOUSE=/tmp/lh/node_modules/.bin/lighthouse go test -run TestLighthouse ./sync/countyd/office/
//
// LIGHTHOUSE_PAGES limits it to some pages (lighthousePicks).
func TestLighthouseAccessibility(t *testing.T) {
	bin := os.Getenv("LIGHTHOUSE")
	if bin == "" || testing.Short() {
		t.Skip("set LIGHTHOUSE to the lighthouse binary to run")
	}
	e, pages := a11yEnv(t)
	b := e.client(t)
	b.mustLogin("admin")
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) { lighthouse(t, bin, e.url, b, lang, pages) })
	}
}

// lighthouse audits every page in one language, signed in as b.
// lighthousePicks says whether page p is audited: every page, or with
// LIGHTHOUSE_PAGES (comma-separated prefixes, e.g.
// "/office/dashboard,/office/ratings") the pages it names — a page's own
// check after a change takes minutes, not the whole list's half hour.
func lighthousePicks(p string) bool {
	only := os.Getenv("LIGHTHOUSE_PAGES")
	if only == "" {
		return true
	}
	for _, prefix := range strings.Split(only, ",") {
		if prefix = strings.TrimSpace(prefix); prefix != "" && strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

func lighthouse(t *testing.T, bin, base string, b *browser, lang string, pages []string) {
	// The session cookie's path is the office's, so the jar gives it for an
	// office URL only (asked for the bare base it gave none, and every audit
	// was of the login page the pages redirected to).
	u, _ := url.Parse(base + "/office/")
	cookies := []string{"yc_lang=" + lang}
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name != "yc_lang" {
			cookies = append(cookies, c.Name+"="+c.Value)
		}
	}
	headers, _ := json.Marshal(map[string]string{"Cookie": strings.Join(cookies, "; ")})
	// The login form is audited as a visitor sees it: signed in, it sends
	// the reader on.
	visitor, _ := json.Marshal(map[string]string{"Cookie": "yc_lang=" + lang})
	for _, p := range append([]string{"/office/login"}, pages...) {
		if strings.HasPrefix(p, "/office/no-such-page") {
			continue // Lighthouse refuses to audit a 404; axe covers it
		}
		if !lighthousePicks(p) {
			continue
		}
		for _, preset := range []string{"mobile", "desktop"} {
			sent := headers
			if p == "/office/login" {
				sent = visitor
			}
			args := []string{base + p, "--quiet", "--only-categories=accessibility", "--output=json",
				"--chrome-flags=--headless=new --no-sandbox --disable-gpu", "--extra-headers=" + string(sent)}
			if preset == "desktop" {
				args = append(args, "--preset=desktop")
			}
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), "CHROME_PATH="+chromium)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("lighthouse %s: %v", p, err)
			}
			var r struct {
				FinalURL   string                             `json:"finalDisplayedUrl"`
				Categories map[string]struct{ Score float64 } `json:"categories"`
				Audits     map[string]struct {
					Score *float64 `json:"score"`
					Title string   `json:"title"`
				} `json:"audits"`
			}
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatalf("lighthouse %s: %v", p, err)
			}
			// An audit of another page (a redirect to the login form) says
			// nothing of this one.
			if r.FinalURL != base+p {
				t.Fatalf("lighthouse %s audited %s instead", p, r.FinalURL)
			}
			score := int(r.Categories["accessibility"].Score*100 + 0.5)
			var failed []string
			for id, a := range r.Audits {
				if a.Score != nil && *a.Score < 1 {
					failed = append(failed, id)
				}
			}
			t.Logf("%s %s %s: %d %v", p, lang, preset, score, failed)
			if score < 95 {
				t.Errorf("%s %s %s: accessibility %d, want ≥ 95; failing audits %v", p, lang, preset, score, failed)
			}
		}
	}
}
