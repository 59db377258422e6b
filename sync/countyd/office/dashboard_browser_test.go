package office_test

import (
	"encoding/json"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestDashboardInBrowser is the dashboard over the generated county as a
// reviewer sees it in Chromium: no serious axe-core violation with every
// chart drawn, the docs' screenshot, and on paper no menu, no form and
// the charts whole.
func TestDashboardInBrowser(t *testing.T) {
	ctx := newChrome(t)
	e, _, _, _ := newGeneratedCounty(t)
	if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1366, 900),
		chromedp.Navigate(e.url+"/office/login"),
		chromedp.WaitVisible(`input[name=login]`),
		chromedp.SendKeys(`input[name=login]`, "lishen"),
		chromedp.SendKeys(`input[name=password]`, password),
		chromedp.Click(`button.primary`),
		chromedp.WaitVisible(`nav.main`),
		chromedp.Navigate(e.url+"/office/dashboard?from=2026-09-01&to=2026-11-30&by=sector"),
		chromedp.WaitVisible(`svg.chart`),
		chromedp.Evaluate[chromedp.Void](axeSource),
	)
	if err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](runAxe, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(res), &vs); err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("%s %s at %v (%s)", v.Impact, v.ID, v.Targets, v.Help)
		}
	}
	screenshot(t, ctx, "office-dashboard.png")

	// On paper: the menu and the form are gone, each chart keeps its
	// title and description, and the page is no wider than the sheet.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		nav: getComputedStyle(document.querySelector('nav.main')).display,
		form: getComputedStyle(document.querySelector('form.filters')).display,
		titles: [...document.querySelectorAll('svg.chart')].filter(s => s.querySelector('title') && s.querySelector('desc')).length,
		charts: document.querySelectorAll('svg.chart').length,
		wide: document.documentElement.scrollWidth > window.innerWidth})`))
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Nav, Form      string
		Titles, Charts int
		Wide           bool
	}
	if err := json.Unmarshal([]byte(got), &p); err != nil {
		t.Fatal(err)
	}
	if p.Nav != "none" || p.Form != "none" || p.Charts != 2 || p.Titles != 2 || p.Wide {
		t.Errorf("printed page: got %+v, want no menu or form, 2 charts each with title and desc, nothing wider than the page", p)
	}
}
