package office

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
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
		// The shapes a number takes in device text.
		{MaskText, "身份证正面_330522195505050017.jpg", "身份证正面_330522********0017.jpg"},
		{MaskText, "11010519491231002x", "110105********002X"},
		{MaskText, "旧证330522550505001号", "旧证330522*****5001号"},
		{MaskText, "９330522195505050017９", "933052**********0179"},
		{MaskText, "ID３３０５２２１９５５０５０５００１７", "ID330522********0017"},
		{MaskText, "138 1234 5678", "138****5678"},
		{MaskText, "+86 139-8765-4321", "+86139****4321"},
		{MaskText, "330522 19550505 0017", "330522********0017"},
		{MaskText, "33052219​5505050017", "330522********0017"},
		{MaskText, "卡号6222021234567890123", "卡号622202*********0123"},
		{MaskText, "a13812345678b", "a138****5678b"},
		// What must stay: dates, times, amounts, addresses, landlines,
		// versions, county case numbers, IP addresses.
		{MaskText, "2026-12-01 09:30 至 2026-12-05", "2026-12-01 09:30 至 2026-12-05"},
		{MaskText, "330522-2026-000001", "330522-2026-000001"},
		{MaskText, "0572-6012345", "0572-6012345"},
		{MaskText, "dial tcp 10.100.100.100:443", "dial tcp 10.100.100.100:443"},
		{MaskText, "1,234,567,890.50 元", "1,234,567,890.50 元"},
		{MaskText, "长兴县洪桥镇中心街18号 1920x1080", "长兴县洪桥镇中心街18号 1920x1080"},
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
			`o\.show\w+\(w, r, rc, (?:[^"]*)"(` + han + `)", http`, `showLogin\(w, r, login, "(` + han + `)"\)`,
			// Export columns are translated by columns(rc, …); store
			// messages shown as a 400 by serveExport.
			`Header: "(` + han + `)"`, `InvalidError\{Msg: "(` + han + `)"\}`} {
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
		for _, p := range []string{"login", "error", "cases", "case", "fleet", "revoke", "catalog", "version", "matter", "audit", "staff", "reports", "dashboard"} {
			if pages[lang][p] == nil {
				t.Errorf("%s: no page %s", lang, p)
			}
		}
	}
}

// FuzzMaskText: whatever text surrounds it, a number put in free text does
// not come out whole, and no run of 11 digits or more comes out at all.
func FuzzMaskText(f *testing.F) {
	for _, s := range []string{"", "身份证正面_", "a-", "9", "１", " ", "\u200b", "x"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, before, after string) {
		for _, n := range []string{"330522195505050017", "11010519491231002X", "330522550505001", "13812345678"} {
			got := MaskText(before + n + after)
			if strings.Contains(got, n) {
				t.Fatalf("MaskText(%q) = %q keeps %s", before+n+after, got, n)
			}
			run := 0
			for _, r := range got {
				if '0' <= r && r <= '9' || '０' <= r && r <= '９' {
					run++
				} else {
					run = 0
				}
				if run >= 11 {
					t.Fatalf("MaskText(%q) = %q keeps a run of %d digits", before+n+after, got, run)
				}
			}
		}
	})
}
