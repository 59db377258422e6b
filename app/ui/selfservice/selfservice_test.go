package selfservice

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/ui/kiosktheme"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
)

// fake is a terminal service over the demo catalog, with the catalog
// package's own ranking standing in for the store's search.
type fake struct {
	cat     *catalog.Catalog
	code    string
	printed []string
	queries int
	// holder is the ID number whose cases ProgressByCard knows; byCard
	// counts its calls.
	holder string
	byCard int
}

func (f *fake) ProgressByCard(_ context.Context, id string) ([]cases.Progress, error) {
	f.byCard++
	if id != f.holder {
		return nil, nil
	}
	at := time.Date(2026, 11, 26, 10, 40, 0, 0, workday.China)
	return []cases.Progress{
		cases.ProgressOf(cases.Case{Tracking: "47U8BPC821Y100HJ", Status: cases.StatusCompleted, Draft: cases.Draft{Matters: []string{"330000-SS-0001"}}}, at, true),
		cases.ProgressOf(cases.Case{Tracking: "47U8BPC821Y100XX", Status: cases.StatusReviewing, Draft: cases.Draft{Matters: []string{"330000-SS-0001"}}}, at, true),
	}, nil
}

func (f *fake) Catalog(context.Context) (*catalog.Catalog, error) { return f.cat, nil }
func (f *fake) Search(_ context.Context, q string) ([]catalog.Hit, error) {
	nq := catalog.NormalizeQuery(q)
	var hits []catalog.Hit
	for _, m := range f.cat.Matters {
		best := catalog.RankNone
		for _, term := range catalog.Terms(m.Name, m.Aliases) {
			best = min(best, catalog.RankTerm(nq, term))
		}
		if best != catalog.RankNone {
			hits = append(hits, catalog.Hit{Code: m.Code, Name: m.Name, Sector: m.Sector, Rank: best})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Rank < hits[j].Rank })
	return hits, nil
}
func (f *fake) PrintGuide(_ context.Context, code string) error {
	f.printed = append(f.printed, code)
	return nil
}
func (f *fake) Progress(_ context.Context, code, last4 string) (cases.Progress, error) {
	f.queries++
	if code != f.code || last4 != "0024" {
		return cases.Progress{}, cases.ErrVerify
	}
	return cases.ProgressOf(cases.Case{Tracking: code, Status: cases.StatusDeferred, Decision: cases.AcceptDeferred,
		Draft:        cases.Draft{Matters: []string{"330000-SS-0001"}, Materials: []cases.MaterialEntry{{Matter: "330000-SS-0001", Material: "premises_proof", State: cases.Deferred}}},
		SupplementBy: time.Date(2026, 12, 3, 0, 0, 0, 0, workday.China), Due: time.Date(2026, 12, 3, 0, 0, 0, 0, workday.China)},
		time.Date(2026, 11, 26, 10, 40, 0, 0, workday.China), true), nil
}
func (f *fake) SupervisorCheck(_ context.Context, login, pin string) error {
	if login == "zhuguan" && pin == "hq-2026-chen" {
		return nil
	}
	return clerks.ErrBadSecret
}

// timers lets a test fire the idle timers by hand.
type timers struct{ pending []func() }

func (tm *timers) after(_ time.Duration, f func()) func() {
	i := len(tm.pending)
	tm.pending = append(tm.pending, f)
	return func() { tm.pending[i] = nil }
}

// fire runs the live timers until none is left or limit is reached.
func (tm *timers) fire(limit int) {
	for n := 0; n < limit; n++ {
		var next func()
		for i, f := range tm.pending {
			if f != nil {
				next, tm.pending[i] = f, nil
				break
			}
		}
		if next == nil {
			return
		}
		next()
	}
}

func newTerminal(t *testing.T) (*Terminal, *fake, *timers) {
	t.Helper()
	test.NewTempApp(t)
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	code, err := tracking.Encode(tracking.Parts{ServicePoint: "330522101000", Device: 1, Day: time.Date(2026, 11, 26, 10, 0, 0, 0, workday.China), Seq: 3})
	if err != nil {
		t.Fatal(err)
	}
	f := &fake{cat: cat, code: code}
	tm := &timers{}
	term := New(context.Background(), f, Options{After: tm.after, SetElderly: func(bool) {}, Ticket: func(func(), string) fyne.CanvasObject { return widget.NewLabel("取号") }})
	w := test.NewTempWindow(t, term.Content())
	w.Resize(fyne.NewSize(1280, 800))
	return term, f, tm
}

func TestGuideSearchOnScreenKeyboard(t *testing.T) {
	term, _, _ := newTerminal(t)
	test.Tap(term.Tiles["guide"])
	g := term.Guide
	for _, k := range []string{"b", "d", "c"} {
		g.Keyboard.Press(k)
	}
	hits := g.Hits()
	if len(hits) < 3 {
		t.Fatalf("bdc found %d matters", len(hits))
	}
	for _, h := range hits[:3] {
		if !strings.Contains(h.Name, "不动产") {
			t.Errorf("bdc: top hits %v; want 不动产 matters first", hits[:3])
		}
	}
	// Chinese candidates for typed pinyin; tapping one searches by it.
	g.Keyboard.Press(KeyClear)
	g.Keyboard.Press("h")
	g.Keyboard.Press("y")
	var found bool
	for _, c := range g.Candidates {
		if c.Text == "婚姻" {
			found = true
			test.Tap(c)
		}
	}
	if !found || g.Query.Text != "婚姻" || len(g.Hits()) == 0 || !strings.Contains(g.Hits()[0].Name, "婚姻") {
		t.Fatalf("candidate 婚姻: found %v, query %q, hits %v", found, g.Query.Text, g.Hits())
	}
	test.Tap(g.Results[0])
	if g.Matter == nil || !strings.Contains(g.Detail.Text, "需要的材料") {
		t.Fatalf("matter page: %+v", g.Matter)
	}
	test.Tap(g.Print)
	settle(t, term)
	if len(term.svc.(*fake).printed) != 1 {
		t.Error("guide not printed")
	}
	// Browse by sector with paging.
	g.Reset()
	test.Tap(g.Sectors[3]) // 社会事务
	if len(g.Results) != g.pageSize() || len(g.Results) < 4 || g.Next.Disabled() {
		t.Errorf("社会事务 first page: %d results, next disabled %v", len(g.Results), g.Next.Disabled())
	}
}

func TestProgressByScannerAndLast4(t *testing.T) {
	term, f, _ := newTerminal(t)
	// The scanner types the QR's content and Enter, with no field focused.
	for _, r := range f.code {
		term.Type(r)
	}
	term.Enter()
	p := term.Progress
	if p.Code() != f.code {
		t.Fatalf("scanned code = %q, want %q", p.Code(), f.code)
	}
	for _, k := range []string{"1", "2", "3", "4"} {
		p.Keypad.Press(k)
	}
	test.Tap(p.Query)
	if p.Message.Text != cases.ErrVerify.Key || p.Timeline.Text != "" || p.Details.Text != "" {
		t.Fatalf("wrong last-4 shows: %q %q %q", p.Message.Text, p.Timeline.Text, p.Details.Text)
	}
	if p.Last4() != "" {
		t.Error("the check stays on screen after a query")
	}
	for _, k := range []string{"0", "0", "2", "4"} {
		p.Keypad.Press(k)
	}
	test.Tap(p.Query)
	if !strings.Contains(p.Timeline.Text, "✓ 受理") || !strings.Contains(p.Timeline.Text, "● 补正") {
		t.Errorf("timeline = %q", p.Timeline.Text)
	}
	for _, want := range []string{"2026-12-03前补交", "经营场所", "状态更新于 2026-11-26 10:40"} {
		if !strings.Contains(p.Details.Text, want) {
			t.Errorf("details lack %q:\n%s", want, p.Details.Text)
		}
	}
	// A mistyped code (one character changed) never reaches a case.
	term.Wipe()
	bad := []rune(f.code)
	bad[5] = map[bool]rune{true: 'A', false: 'B'}[bad[5] != 'A']
	for _, r := range string(bad) {
		term.Type(r)
	}
	term.Enter()
	if p.Code() != "" {
		t.Errorf("a code with a wrong check character was taken: %q", p.Code())
	}
}

func TestIdleWipeClearsEverything(t *testing.T) {
	term, f, tm := newTerminal(t)
	term.SetElderly(true)
	test.Tap(term.Tiles["guide"])
	term.Guide.Keyboard.Press("b")
	for _, r := range f.code {
		term.Type(r)
	}
	term.Enter()
	term.Progress.Keypad.Press("0")
	tm.fire(1) // idle: the countdown starts
	if !term.overlay.Visible() || term.Countdown.Text != "15秒后返回首页，点击屏幕继续" {
		t.Fatalf("countdown: visible %v, %q", term.overlay.Visible(), term.Countdown.Text)
	}
	tm.fire(1)
	if got, want := term.Countdown.Text, "14秒后返回首页，点击屏幕继续"; got != want {
		t.Errorf("countdown after a second: got %q, want %q", got, want)
	}
	tm.fire(14) // the countdown runs out: thirteen more seconds, then the wipe
	if term.Guide.Query.Text != "" || len(term.Guide.Hits()) != 0 || term.Progress.Code() != "" || term.Progress.Last4() != "" ||
		term.ElderlyOn() || term.overlay.Visible() || term.body.Objects[0] != term.home {
		t.Errorf("after the wipe: query %q, %d hits, code %q, last4 %q, elderly %v, overlay %v",
			term.Guide.Query.Text, len(term.Guide.Hits()), term.Progress.Code(), term.Progress.Last4(), term.ElderlyOn(), term.overlay.Visible())
	}
	// A touch during the countdown keeps the session.
	term.Guide.Keyboard.Press("b")
	tm.fire(1)
	test.Tap(term.overlay.(*fyne.Container).Objects[0].(*shield)) // a touch anywhere on the shade
	if term.overlay.Visible() {
		t.Error("a touch did not cancel the countdown")
	}
	tm.fire(3)
	if term.Guide.Query.Text != "b" {
		t.Error("a touch during the countdown did not keep the entry")
	}
}

func TestElderlyThemeAndTouchTargets(t *testing.T) {
	normal, big := kiosktheme.New(), ElderlyTheme()
	if got, want := big.Size(theme.SizeNameText), normal.Size(theme.SizeNameText)*1.5; got != want {
		t.Errorf("elderly text size %v, want %v", got, want)
	}
	if big.Color(theme.ColorNameForeground, theme.VariantLight) != normal.Color(theme.ColorNameForeground, theme.VariantLight) &&
		big.Color(theme.ColorNameBackground, theme.VariantLight) == normal.Color(theme.ColorNameBackground, theme.VariantLight) {
		t.Error("elderly theme is not higher contrast")
	}
	term, _, _ := newTerminal(t)
	for key, b := range term.Guide.Keyboard.Keys {
		if sz := b.Size(); sz.Height < MinTouch || sz.Width < MinTouch {
			t.Errorf("key %q is %v, under %d px", key, sz, MinTouch)
		}
	}
	if sz := term.Tiles["progress"].Size(); sz.Height < MinTouch {
		t.Errorf("tile %v", sz)
	}

	// The 长辈模式 switch must grow with the larger theme, not clip its label.
	term.opts.SetElderly = func(on bool) {
		if on {
			fyne.CurrentApp().Settings().SetTheme(ElderlyTheme())
		}
	}
	test.Tap(term.Elderly)
	term.Content().Refresh()
	if got, want := term.Elderly.Size(), term.Elderly.MinSize(); got.Width < want.Width || got.Height < want.Height {
		t.Errorf("elderly switch is %v in 长辈模式, its label needs %v", got, want)
	}
}

func TestExitNeedsSupervisor(t *testing.T) {
	test.NewTempApp(t)
	cat, _ := catalog.Parse(assets.DemoCatalog())
	exited := false
	term := New(context.Background(), &fake{cat: cat}, Options{After: (&timers{}).after, Exit: func() { exited = true }})
	test.NewTempWindow(t, term.Content())
	term.show(term.exitScreen())
	test.Type(term.ExitLogin, "zhuguan")
	test.Type(term.ExitPIN, "wrong-pin")
	test.Tap(term.ExitConfirm)
	if exited || term.ExitMessage.Text == "" {
		t.Fatal("exit without the supervisor's PIN")
	}
	term.ExitPIN.SetText("hq-2026-chen")
	test.Tap(term.ExitConfirm)
	if !exited {
		t.Error("supervisor could not exit")
	}
}

// TestHomeShowsHallClockAndHotline: the terminal's home says which hall it
// is, the Beijing date and time on a UTC machine, and the hall's hotline
// only when the county configured one.
func TestHomeShowsHallClockAndHotline(t *testing.T) {
	test.NewTempApp(t)
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 12, 3, 0, 35, 0, 0, time.UTC) } // 08:35 Thursday in Beijing
	for _, tt := range []struct {
		hotline, want string
		shown         bool
	}{
		{"0572-6021234", "服务热线 0572-6021234", true},
		{"", "", false},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		term := New(ctx, &fake{cat: cat}, Options{After: (&timers{}).after, Now: now, Hall: "洪桥镇便民服务中心", Hotline: tt.hotline})
		w := test.NewTempWindow(t, term.Content())
		w.Resize(fyne.NewSize(1280, 800))
		if got, want := term.HallName.Text, "洪桥镇便民服务中心"; got != want {
			t.Errorf("hall: got %q, want %q", got, want)
		}
		if got, want := term.Clock.Text, "12月3日 星期四 08:35"; got != want {
			t.Errorf("clock: got %q, want %q", got, want)
		}
		if got := term.Hotline.Text; got != tt.want || term.Hotline.Visible() != tt.shown {
			t.Errorf("hotline %q: got %q shown %v, want %q shown %v", tt.hotline, got, term.Hotline.Visible(), tt.want, tt.shown)
		}
		if got := term.Content().MinSize(); got.Width > 1280 || got.Height > 800 {
			t.Errorf("home needs %v, more than 1280×800", got)
		}
		cancel()
	}
}
