package l10n

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/idcard"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/assets"
)

// sourceStrings returns every literal passed to l10n.L (or L inside this
// package) and every message template given to msg.New under app/: all the
// text a person can see.
func sourceStrings(t *testing.T) map[string]string {
	t.Helper()
	root := filepath.Join("..", "..")
	found := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			name := ""
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				if x, ok := fn.X.(*ast.Ident); ok {
					name = x.Name + "." + fn.Sel.Name
				}
			case *ast.Ident:
				name = f.Name.Name + "." + fn.Name
			}
			if name != "l10n.L" && name != "msg.New" {
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				found[s] = fset.Position(lit.Pos()).String()
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Names that screens pass through L as variables.
	for _, st := range cases.Statuses {
		found[cases.StatusName(st)] = "cases.StatusName"
	}
	for _, k := range []cases.Kind{cases.Accept, cases.Complete, cases.AcceptDeferred, cases.Reject} {
		found[cases.KindName(k)] = "cases.KindName"
	}
	for _, st := range []cases.MaterialState{cases.Original, cases.Copy, cases.Shared, cases.Committed, cases.Deferred, cases.NotApplicable, cases.ECopy} {
		found[cases.StateName(st)] = "cases.StateName"
	}
	for _, l := range rating.Levels {
		found[rating.LevelName(l)] = "rating.LevelName"
	}
	for _, r := range rating.Reasons {
		found[r] = "rating.Reasons"
	}
	for _, st := range rating.States {
		found[rating.StateName(st)] = "rating.StateName"
	}
	for _, s := range cases.Shelves {
		found[cases.ShelfName(s)] = "cases.ShelfName"
	}
	for _, p := range cases.Powers {
		found[cases.PowerName(p)] = "cases.PowerName"
	}
	for _, k := range cases.EventKinds {
		found[cases.EventName(k)] = "cases.EventName"
	}
	for _, n := range cases.StepNames {
		found[n] = "cases.StepNames"
	}
	for _, n := range cases.SuspensionLabels() {
		found[n] = "cases.SuspensionLabels"
	}
	for _, sec := range catalog.Sectors {
		found[sec] = "catalog.Sectors"
	}
	for _, h := range []queue.Half{queue.AM, queue.PM} {
		found[queue.HalfName(h)] = "queue.HalfName"
	}
	for _, st := range []queue.Status{queue.Waiting, queue.Called, queue.Serving, queue.Parked, queue.Done, queue.NoShow} {
		found[queue.StatusName(st)] = "queue.StatusName"
	}
	for _, k := range idcard.Kinds {
		found[idcard.KindName(k)] = "idcard.KindName"
	}
	for _, r := range []clerks.Role{clerks.Clerk, clerks.Supervisor, clerks.Agent} {
		found[clerks.RoleName(r)] = "clerks.RoleName"
	}
	if len(found) < 30 {
		t.Fatalf("found only %d UI strings; the scan is broken", len(found))
	}
	return found
}

func englishBundle(t *testing.T) map[string]string {
	t.Helper()
	b, err := assets.Translations.ReadFile("translations/en.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("en.json: %v", err)
	}
	return m
}

// TestEnglishCoversEveryString fails when a screen or message gains text
// without an English translation, or en.json keeps a string nobody uses.
func TestEnglishCoversEveryString(t *testing.T) {
	src := sourceStrings(t)
	en := englishBundle(t)
	var missing []string
	for s, where := range src {
		if _, ok := en[s]; !ok {
			missing = append(missing, where+": "+strconv.Quote(s))
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("no English for %s", m)
	}
	for k, v := range en {
		if _, ok := src[k]; !ok {
			t.Errorf("en.json has %q, which no code uses", k)
		}
		// Templates must keep their fields, or English messages lose data.
		if strings.Count(k, "{{") != strings.Count(v, "{{") {
			t.Errorf("en.json %q → %q: template fields differ", k, v)
		}
	}
	if os.Getenv("YICHUANG_DUMP_MISSING") != "" {
		out := map[string]string{}
		for s := range src {
			if _, ok := en[s]; !ok {
				out[s] = ""
			}
		}
		b, _ := json.MarshalIndent(out, "", "  ")
		os.WriteFile(os.Getenv("YICHUANG_DUMP_MISSING"), b, 0o644)
	}
}

func TestUseSwitchesLanguage(t *testing.T) {
	t.Cleanup(func() { Use(Chinese) })
	if err := Use(English); err != nil {
		t.Fatal(err)
	}
	if got := L("待同步 {{.N}} 条", map[string]any{"N": 4}); got != "4 waiting to sync" {
		t.Errorf("English L = %q", got)
	}
	if got := Error(msg.New("身份证号码应为18位，录入的是{{.Len}}位", "Len", 17)); !strings.Contains(got, "17") || strings.ContainsRune(got, '位') {
		t.Errorf("English Error = %q, want an English sentence with 17", got)
	}
	if err := Use("fr"); err != nil {
		t.Fatal(err)
	}
	if Current() != Chinese || L("待同步 {{.N}} 条", map[string]any{"N": 4}) != "待同步 4 条" {
		t.Errorf("unknown language: current %q, text %q; want Chinese", Current(), L("待同步 {{.N}} 条", map[string]any{"N": 4}))
	}
}

func TestErrorNeverShowsGoErrors(t *testing.T) {
	if got := Error(os.ErrPermission); strings.Contains(got, "permission") {
		t.Errorf("Error = %q leaks the Go error", got)
	}
	if Error(nil) != "" {
		t.Error("Error(nil) should be empty")
	}
}

// chineseInEnglish are English values that are Chinese on purpose: the
// key that switches the on-screen keyboard to Chinese input says 中 in
// every language.
var chineseInEnglish = map[string]bool{"中": true}

// englishProblem says what is wrong with an English value: Chinese
// punctuation (，。：；（）“” and the like, which an English reader sees
// as odd glyphs), or Chinese characters outside a quoted name ("代办委托").
func englishProblem(v string) string {
	if i := strings.IndexAny(v, "，。：；（）“”、！？《》【】"); i >= 0 {
		r, _ := utf8.DecodeRuneInString(v[i:])
		return "Chinese punctuation " + string(r)
	}
	for i, part := range strings.Split(v, `"`) {
		if i%2 == 1 { // inside straight quotes: a Chinese name may stand
			continue
		}
		for _, r := range part {
			if unicode.Is(unicode.Han, r) {
				return "Chinese character " + string(r) + " outside quotes"
			}
		}
	}
	return ""
}

func TestEnglishProblem(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Window {{.N}}", ""},
		{`Authorization ("代办委托")`, ""},
		{"Authorization (代办委托)", "Chinese character 代 outside quotes"},
		{"Next step：materials", "Chinese punctuation ："},
		{"the “Hall machines” page", "Chinese punctuation “"},
		{"Booking (5 left）", "Chinese punctuation ）"},
	}
	for _, tt := range tests {
		if got := englishProblem(tt.in); got != tt.want {
			t.Errorf("englishProblem(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestEnglishReadsAsEnglish: English mode shows no Chinese punctuation and
// no Chinese outside quoted names.
func TestEnglishReadsAsEnglish(t *testing.T) {
	for k, v := range englishBundle(t) {
		if chineseInEnglish[k] {
			continue
		}
		if p := englishProblem(v); p != "" {
			t.Errorf("en.json %q → %q: %s", k, v, p)
		}
	}
}
