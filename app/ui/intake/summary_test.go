package intake

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/internal/shot"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
)

// summaryText is the card as the clerk sees it.
func summaryText(s *Screen) string {
	var b strings.Builder
	for _, o := range s.summaryBox.Objects {
		b.WriteString(o.(*widget.Label).Text + "\n")
	}
	return b.String()
}

// TestDecideStepShowsWhatIsAccepted: the decide step shows who (masked ID),
// which matter with its time limit, and every material with its state, 容缺
// and 告知承诺 marked; going back and changing the applicant or a material
// changes the card; it fits 1280×800.
func TestDecideStepShowsWhatIsAccepted(t *testing.T) {
	busytest.NewApp(t)
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 10, 30, 0, 0, time.FixedZone("CST", 8*3600))
	s := New(context.Background(), &fakeService{cat: cat}, clerks.Account{ID: 2, Name: "王丽", Role: clerks.Clerk, Window: 3}, func() time.Time { return now }, nil)
	w := test.NewTempWindow(t, s.Content())
	w.Resize(fyne.NewSize(1280, 800))
	s.choose(catalog.Hit{Code: "330000-GA-0005", Name: "出生登记（新生儿入户）"})
	m, _ := cat.Matter("330000-GA-0005")
	s.ApplicantName.SetText("王芳")
	s.ApplicantID.SetText("330522198512030042")
	s.Mobile.SetText("13857201234")

	var marked *MaterialRow
	for _, r := range s.Materials {
		switch {
		case marked == nil && slices.Contains(r.States, cases.Deferred):
			r.SetState(cases.Deferred)
			marked = r
		case marked == nil && slices.Contains(r.States, cases.Committed):
			r.SetState(cases.Committed)
			marked = r
		case slices.Contains(r.States, cases.Original):
			r.SetState(cases.Original)
		default:
			r.SetState(r.States[0])
		}
	}
	if marked == nil {
		t.Fatal("出生登记 has no material that may be 容缺 or 告知承诺")
	}
	s.tabs.SelectIndex(3)
	test.Tap(nextButton(t, s.materialBox, "下一步：作出决定"))
	if got := s.tabs.SelectedIndex(); got != 4 {
		t.Fatalf("got step %d, want 4", got)
	}
	shot.Take(t, w, "intake-summary.png", 1280, 800)
	got := summaryText(s)
	if strings.Contains(got, "330522198512030042") {
		t.Errorf("card %q shows the full ID number", got)
	}
	for _, want := range []string{"王芳", ids.MaskIDNumber("330522198512030042"), m.Name, "承诺", "材料：" + marked.Name + " — " + cases.StateName(marked.state())} {
		if !strings.Contains(got, want) {
			t.Errorf("card %q lacks %q", got, want)
		}
	}
	for _, r := range s.Materials {
		if !strings.Contains(got, r.Name) {
			t.Errorf("card %q lacks material %s", got, r.Name)
		}
	}
	for _, o := range s.summaryBox.Objects {
		l := o.(*widget.Label)
		wantMarked := strings.Contains(l.Text, marked.Name)
		if gotMarked := l.Importance == widget.WarningImportance; strings.HasPrefix(l.Text, "材料：") && gotMarked != wantMarked && strings.Contains(l.Text, cases.StateName(cases.Original)) {
			t.Errorf("%q: got marked %v, want %v", l.Text, gotMarked, wantMarked)
		}
		if wantMarked && l.Importance != widget.WarningImportance {
			t.Errorf("%q: not marked", l.Text)
		}
	}

	// Back to the applicant and the materials: the card follows.
	s.tabs.SelectIndex(1)
	s.ApplicantName.SetText("李强")
	s.tabs.SelectIndex(3)
	marked.SetState(cases.Original)
	s.tabs.SelectIndex(4)
	got = summaryText(s)
	if !strings.Contains(got, "李强") || strings.Contains(got, "王芳") {
		t.Errorf("card %q: got the old applicant, want 李强", got)
	}
	if !strings.Contains(got, marked.Name+" — "+cases.StateName(cases.Original)) {
		t.Errorf("card %q: material %s not shown as 已收原件", got, marked.Name)
	}

	if size := s.Content().MinSize(); size.Width > 1280 || size.Height > 800 {
		t.Errorf("decide step needs %v, want within 1280×800", size)
	}
}

// TestDecideStepPromisesADate: the card before 受理 names the date the
// receipt will promise, counted by the service's working-day calendar
// (here across the 国庆 holiday), not only the number of working days.
func TestDecideStepPromisesADate(t *testing.T) {
	busytest.NewApp(t)
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 9, 28, 10, 0, 0, 0, workday.China)
	f := &fakeService{cat: cat, now: now}
	s := New(context.Background(), f, clerks.Account{ID: 2, Name: "王丽", Role: clerks.Clerk, Window: 3}, func() time.Time { return now }, nil)
	test.NewTempWindow(t, s.Content())
	const code = "330000-BDC-0015" // 土地承包经营权、土地经营权登记: 10 working days
	m, ok := cat.Matter(code)
	if !ok || m.PromisedDays != 10 {
		t.Fatalf("demo catalog: %s not a 10-day matter", code)
	}
	s.choose(catalog.Hit{Code: code, Name: m.Name})
	s.refreshSummary() // what entering 5 决定 does
	got := summaryText(s)
	if want := "承诺办结：2026年10月16日（10个工作日）"; !strings.Contains(got, want) {
		t.Errorf("card %q lacks %q", got, want)
	}
	// The same date the decision gives the case (and its receipt).
	for _, r := range s.Materials {
		r.SetState(r.States[0])
	}
	out, err := cases.Decide(cat, workday.Default(), s.Draft(), cases.Decision{Kind: cases.Accept}, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := out.Due.In(workday.China).Format("2006年1月2日"); !strings.Contains(got, want) {
		t.Errorf("card %q lacks the receipt's date %s", got, want)
	}
}
