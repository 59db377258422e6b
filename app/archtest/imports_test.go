package archtest

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/yichuang/yichuang"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// rule forbids packages matching From from depending on anything matching
// one of Deny. Direct forbids only direct imports (for packages such as
// net/http that Fyne itself uses internally).
type rule struct {
	From   string
	Deny   []string
	Direct bool
	Why    string
}

var rules = []rule{
	{From: module + "/app/ui", Deny: []string{"database/sql", "github.com/mattn/go-sqlite3", "github.com/jung-kurt/gofpdf",
		"github.com/hashicorp/go-retryablehttp", module + "/app/store", module + "/printing", module + "/sync/client"},
		Why: "screens get small interfaces; SQL, PDF bytes and HTTP stay out of the UI"},
	{From: module + "/app/ui", Deny: []string{"net/http"}, Direct: true, Why: "the UI never talks to the network"},
	{From: module + "/app/ui", Deny: []string{"fyne.io/fyne/v2/app"}, Why: "only app/ (main) starts a Fyne app, so screens test headless"},
	{From: module + "/app/kiosk", Deny: []string{"fyne.io/fyne/v2/app"}, Why: "only app/ (main) starts a Fyne app, so the controller runs headless"},
	{From: module + "/app/services", Deny: []string{"fyne.io/fyne/v2/app", module + "/app/kiosk"},
		Why: "services adapt the store to the screens; the controller uses them, not the other way round"},
	{From: module + "/app/countylink", Deny: []string{"fyne.io/fyne/v2", module + "/app/ui"},
		Why: "sync runs in the background and never touches a screen; app/services adapts it"},
	{From: module + "/printing", Deny: []string{"fyne.io/fyne/v2", "database/sql"}, Why: "documents are data in, bytes out"},
	{From: module + "/sync/protocol", Deny: []string{module, "github.com/", "fyne.io/", "database/sql"}, Why: "wire types are stdlib only"},
	{From: module + "/sync/figures", Deny: []string{module, "github.com/", "fyne.io/", "database/sql"},
		Why: "one definition of each figure for the kiosk and the county alike: stdlib only"},
	{From: module + "/assets", Deny: []string{module + "/", "github.com/", "fyne.io/"}, Why: "assets are data, stdlib only"},
	{From: module + "/app/catalog", Deny: []string{"fyne.io/fyne/v2", "database/sql"}, Why: "domain rules run anywhere"},
	{From: module + "/app/ids", Deny: []string{"fyne.io/fyne/v2", "database/sql"}, Why: "domain rules run anywhere"},
	{From: module + "/app/workday", Deny: []string{"fyne.io/fyne/v2", "database/sql"}, Why: "domain rules run anywhere"},
	{From: module + "/app/servicepoint", Deny: []string{"fyne.io/fyne/v2", "database/sql"}, Why: "domain rules run anywhere"},
	{From: module + "/app/photo", Deny: []string{"fyne.io/fyne/v2", "database/sql", "net/http", module + "/app/store", module + "/app/blobs"},
		Why: "a photo is normalised from bytes to bytes: the counter stores it, the screens show it"},
}

func matches(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, strings.TrimSuffix(prefix, "/")+"/")
}

// violations applies the rules to a package list.
func violations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		for _, r := range rules {
			if !matches(p.ImportPath, r.From) {
				continue
			}
			deps := p.Deps
			if r.Direct {
				deps = p.Imports
			}
			for _, d := range deps {
				for _, deny := range r.Deny {
					if matches(d, deny) && d != p.ImportPath && !matches(d, r.From) {
						out = append(out, p.ImportPath+" depends on "+d+": "+r.Why)
					}
				}
			}
		}
	}
	return out
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-tags", "sqlite_fts5,no_emoji", "-json=ImportPath,Imports,Deps", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []pkg
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestImportRules(t *testing.T) {
	pkgs := listPackages(t)
	seen := map[string]bool{}
	for _, p := range pkgs {
		seen[p.ImportPath] = true
	}
	for _, must := range []string{module + "/app/ui/home", module + "/printing", module + "/app/store",
		module + "/app/kiosk", module + "/app/services", module + "/app/countylink"} {
		if !seen[must] {
			t.Fatalf("go list did not report %s; the rule check would pass vacuously", must)
		}
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// TestRulesCatchViolations proves the check can fail: a UI package that
// imports database/sql, printing importing Fyne, the controller starting
// its own Fyne app, and the county link drawing a screen are reported.
func TestRulesCatchViolations(t *testing.T) {
	bad := []pkg{
		{ImportPath: module + "/app/ui/home", Imports: []string{"database/sql"}, Deps: []string{"database/sql", "fmt"}},
		{ImportPath: module + "/printing", Imports: []string{"fyne.io/fyne/v2/widget"}, Deps: []string{"fyne.io/fyne/v2/widget"}},
		{ImportPath: module + "/app/ui/setup", Imports: []string{"net/http"}, Deps: []string{"net/http"}},
		{ImportPath: module + "/app/kiosk", Imports: []string{"fyne.io/fyne/v2/app"}, Deps: []string{"fyne.io/fyne/v2/app"}},
		{ImportPath: module + "/app/countylink", Imports: []string{module + "/app/ui/l10n"}, Deps: []string{module + "/app/ui/l10n"}},
	}
	got := violations(bad)
	if len(got) != 5 {
		t.Fatalf("violations = %q, want 5 (ui→database/sql, printing→fyne, ui→net/http, kiosk→fyne app, countylink→ui)", got)
	}
	ok := []pkg{
		{ImportPath: module + "/app/ui/home", Imports: []string{"fyne.io/fyne/v2/widget"}, Deps: []string{"net/http"}},
		{ImportPath: module + "/app/kiosk", Imports: []string{"fyne.io/fyne/v2/widget", module + "/app/services"}, Deps: []string{"fyne.io/fyne/v2", module + "/app/store"}},
	}
	if got := violations(ok); len(got) != 0 {
		t.Errorf("violations for clean packages = %q, want none (net/http only through Fyne; the controller may use widgets and the store)", got)
	}
}
