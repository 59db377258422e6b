package intake

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/internal/shot"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/ui/private"
	"github.com/yichuang/yichuang/assets"
)

// nextButton finds a step's 下一步 button by its label.
func nextButton(t *testing.T, root fyne.CanvasObject, label string) *widget.Button {
	t.Helper()
	var found *widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Button:
			if w.Text == label {
				found = w
			}
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case *widget.Form:
			for _, it := range w.Items {
				walk(it.Widget)
			}
		}
	}
	walk(root)
	if found == nil {
		t.Fatalf("no button %q", label)
	}
	return found
}

// TestNextStaysUntilTheStepIsComplete: 下一步 with the required fields
// empty (出生登记: 10 required, the parents' ID numbers among them) stays on
// the step, names every missing field and marks it; a parent's ID number
// with a wrong check digit holds the step too, and is typed in a private
// entry. With every field right, 下一步 goes on.
func TestNextStaysUntilTheStepIsComplete(t *testing.T) {
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

	// The applicant step.
	applicantNext := nextButton(t, s.tabs.Items[1].Content.(*container.Scroll).Content, "下一步：填写表单")
	test.Tap(applicantNext)
	if got := s.tabs.SelectedIndex(); got != 1 {
		t.Fatalf("empty applicant: got step %d, want 1", got)
	}
	for _, name := range []string{"姓名", "证件号码", "手机号"} {
		if !strings.Contains(s.ApplicantProblems.Text, name) {
			t.Errorf("applicant summary %q does not name %s", s.ApplicantProblems.Text, name)
		}
	}
	s.ApplicantName.SetText("王芳")
	s.ApplicantID.SetText("330522198512030042")
	s.Mobile.SetText("13857201234")
	test.Tap(applicantNext)
	if got := s.tabs.SelectedIndex(); got != 2 {
		t.Fatalf("complete applicant: got step %d (%q), want 2", got, s.ApplicantProblems.Text)
	}

	// The form step.
	formNext := nextButton(t, s.formBox, "下一步：核验材料")
	test.Tap(formNext)
	if got := s.tabs.SelectedIndex(); got != 2 {
		t.Fatalf("empty form: got step %d, want 2", got)
	}
	shot.Take(t, w, "intake-required.png", 1280, 800)
	fields, err := cat.CombinedForm("330000-GA-0005")
	if err != nil {
		t.Fatal(err)
	}
	required := 0
	for _, f := range fields {
		if _, asked := s.FieldEntries[f.Key]; !asked {
			if _, asked := s.FieldChoices[f.Key]; !asked {
				continue
			}
		}
		if f.Required {
			required++
			if !strings.Contains(s.FormProblems.Text, f.Label) {
				t.Errorf("form summary %q does not name %s", s.FormProblems.Text, f.Label)
			}
		}
		if e, ok := s.FieldEntries[f.Key]; ok && f.Required && e.Validate() == nil {
			t.Errorf("%s: empty and required, yet valid", f.Label)
		}
	}
	if required == 0 {
		t.Fatal("出生登记 asks nothing required here")
	}
	// The drop-downs say so beside them (they have no error mark).
	choices := 0
	for _, it := range s.formBox.Objects[0].(*widget.Form).Items {
		if row, ok := it.Widget.(*fyne.Container); ok {
			for _, o := range row.Objects {
				if l, ok := o.(*widget.Label); ok && l.Text == "必填，请选择" {
					choices++
				}
			}
		}
	}
	if choices == 0 {
		t.Error("no required drop-down is marked")
	}
	var parents int
	for _, it := range s.formBox.Objects[0].(*widget.Form).Items {
		if _, ok := it.Widget.(*private.Entry); ok {
			parents++
		}
	}
	if parents < 2 {
		t.Errorf("got %d private entries in the form, want the mother's and father's ID numbers at least", parents)
	}

	fill := func(f catalog.Field) string {
		switch f.Type {
		case catalog.ResidentID:
			return "330522198512030042"
		case catalog.Mobile:
			return "13857201234"
		case catalog.Date:
			return "2026-11-20"
		case catalog.Number:
			return "1"
		case catalog.PersonName:
			return "王小明"
		}
		return "洪桥镇洪桥路18号"
	}
	for _, f := range fields {
		if e, ok := s.FieldEntries[f.Key]; ok {
			e.SetText(fill(f))
		}
		if sel, ok := s.FieldChoices[f.Key]; ok {
			sel.SetSelectedIndex(0)
		}
	}
	s.FieldEntries["mother_id"].SetText("330522198512030041") // a wrong check digit
	test.Tap(formNext)
	if got := s.tabs.SelectedIndex(); got != 2 || !strings.Contains(s.FormProblems.Text, "母亲") {
		t.Fatalf("wrong mother's ID: got step %d, summary %q; want step 2 naming the mother's ID", got, s.FormProblems.Text)
	}
	s.FieldEntries["mother_id"].SetText("330522198512030042")
	test.Tap(formNext)
	if got := s.tabs.SelectedIndex(); got != 3 {
		t.Fatalf("complete form: got step %d (%q), want 3", got, s.FormProblems.Text)
	}
}
