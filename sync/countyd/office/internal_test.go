package office

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/yichuang/yichuang/app/cases"
)

func TestMask(t *testing.T) {
	tests := []struct {
		fn   func(string) string
		in   string
		want string
	}{
		{MaskID, "330522199003070024", "330522********0024"},
		{MaskID, "33052219900307002X", "330522********002X"},
		{MaskID, "G12345678", "*****5678"},
		{MaskID, "1234", "****"},
		{MaskID, "", ""},
		{MaskMobile, "13812341234", "138****1234"},
		{MaskMobile, " 13812341234 ", "138****1234"},
		{MaskMobile, "0572-6012345", "********2345"},
		{MaskText, "电话13812341234，身份证330522199003070024。", "电话138****1234，身份证330522********0024。"},
		{MaskText, "早餐、面点的现场制售", "早餐、面点的现场制售"},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// uiStrings collects every string the pages translate: {{t "…"}} in the
// templates, rc.T("…") and messages handed to the page helpers in Go, and
// the domain names shown through them.
func uiStrings(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	add := func(re *regexp.Regexp, text string) {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			seen[m[1]] = true
		}
	}
	tmpl, _ := filepath.Glob("templates/*.html")
	for _, f := range tmpl {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		add(regexp.MustCompile(`\bt "([^"]+)"`), string(b))
	}
	goFiles, _ := filepath.Glob("*.go")
	han := `[^"]*\p{Han}[^"]*`
	for _, f := range goFiles {
		if filepath.Ext(f) != ".go" || regexp.MustCompile(`_test\.go$`).MatchString(f) || f == "i18n.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range []string{`\.T\("(` + han + `)"\)`, `translate\([^,]+, "(` + han + `)"\)`,
			`http\.Status\w+, "(` + han + `)"\)`, `problem = "(` + han + `)"`, `Flash = "(` + han + `)"`,
			`return "(` + han + `)"`, `\{"[a-z.]+", "(` + han + `)"\}`, `errors\.New\("(` + han + `)"\)`,
			`o\.show\w+\(w, r, rc, (?:[^"]*)"(` + han + `)", http`, `showLogin\(w, r, login, "(` + han + `)"\)`} {
			add(regexp.MustCompile(re), string(b))
		}
	}
	for _, s := range cases.Statuses {
		seen[cases.StatusName(s)] = true
	}
	for _, s := range []cases.MaterialState{cases.Pending, cases.Original, cases.Copy, cases.Shared, cases.Committed, cases.Deferred, cases.NotApplicable} {
		seen[cases.StateName(s)] = true
	}
	for _, k := range cases.EventKinds {
		seen[cases.EventName(k)] = true
	}
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func TestEveryStringHasEnglish(t *testing.T) {
	all := uiStrings(t)
	if len(all) < 200 {
		t.Fatalf("found only %d UI strings; the scan is broken", len(all))
	}
	for _, zh := range all {
		if en, ok := english[zh]; !ok || en == "" {
			t.Errorf("no English for %q", zh)
		}
	}
}

func TestTemplatesParseInBothLanguages(t *testing.T) {
	pages := mustParsePages()
	for _, lang := range []string{"zh", "en"} {
		for _, p := range []string{"login", "error", "cases", "case", "fleet", "revoke", "catalog", "version", "matter", "audit", "staff"} {
			if pages[lang][p] == nil {
				t.Errorf("%s: no page %s", lang, p)
			}
		}
	}
}
