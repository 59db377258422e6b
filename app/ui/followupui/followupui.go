// Package followupui provides the kiosk's 好差评 follow-up screens: the
// supervisor's list of bad ratings to call back and rectify (差评回访整改),
// with overdue warnings and the two records, and a clerk's own ratings
// (我的评价): their counts per level and how their follow-ups ended,
// nothing of the citizen.
package followupui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/workday"
)

// Service is what the supervisor's list needs: the follow-ups (texts
// masked, due days worked out) and recording a step.
type Service interface {
	FollowUps(ctx context.Context) ([]rating.FollowUp, error)
	RecordFollowUp(ctx context.Context, id string, s rating.Step) (rating.Step, error)
}

// Screen is the supervisor's 差评回访整改 list: open ones first, overdue
// marked, the selected one's rating and records beside the list, with the
// forms for a 回访 and a 整改.
type Screen struct {
	List    *widget.List
	Summary *widget.Label
	Detail  *widget.Label
	// The 回访 form: was the citizen reached, and what they said.
	Reached    *widget.Check
	CallText   *widget.Entry
	RecordCall *widget.Button
	// The 整改 form: what was changed.
	FixText   *widget.Entry
	RecordFix *widget.Button
	Message   *widget.Label
	// Items is what the list shows, in its order (for tests).
	Items    []rating.FollowUp
	selected int

	ctx   context.Context
	svc   Service
	actor clerks.Account
	now   func() time.Time
	g     busy.Guard
	// forms hold the 回访 and 整改 forms, hidden for an item done.
	forms   *fyne.Container
	content fyne.CanvasObject
}

// New builds the list for a supervisor.
func New(ctx context.Context, svc Service, actor clerks.Account, now func() time.Time, back func()) *Screen {
	s := &Screen{ctx: ctx, svc: svc, actor: actor, now: now, selected: -1,
		Summary: widget.NewLabel(""), Detail: widget.NewLabel(""), Message: widget.NewLabel(""),
		Reached: widget.NewCheck(l10n.L("已联系上群众"), nil), CallText: widget.NewMultiLineEntry(), FixText: widget.NewMultiLineEntry()}
	s.Detail.Wrapping, s.Message.Wrapping, s.Summary.Wrapping = fyne.TextWrapWord, fyne.TextWrapWord, fyne.TextWrapWord
	s.CallText.SetPlaceHolder(l10n.L("回访情况：群众的意见、对处理的看法"))
	s.FixText.SetPlaceHolder(l10n.L("整改情况：改了什么、谁负责"))
	s.CallText.Wrapping, s.FixText.Wrapping = fyne.TextWrapWord, fyne.TextWrapWord
	s.RecordCall = widget.NewButtonWithIcon(l10n.L("登记回访"), theme.ConfirmIcon(), func() { s.record(rating.Called) })
	s.RecordFix = widget.NewButtonWithIcon(l10n.L("登记整改"), theme.ConfirmIcon(), func() { s.record(rating.Rectified) })
	s.List = widget.NewList(func() int { return len(s.Items) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(s.line(s.Items[i])) })
	s.List.OnSelected = func(i widget.ListItemID) { s.show(i) }
	s.load()

	title := widget.NewLabel(l10n.L("差评回访整改"))
	title.SizeName = theme.SizeNameHeadingText
	rule := widget.NewLabel(l10n.L("“不满意”“非常不满意”的评价，由主管在{{.N}}个工作日内回访群众并登记整改。", map[string]any{"N": rating.DueWorkdays}))
	rule.Wrapping = fyne.TextWrapWord
	s.forms = container.NewVBox(widget.NewSeparator(), widget.NewLabel(l10n.L("回访")), s.Reached, s.CallText, s.RecordCall,
		widget.NewSeparator(), widget.NewLabel(l10n.L("整改")), s.FixText, s.RecordFix)
	right := container.NewBorder(nil, container.NewVBox(s.forms, s.Message), nil, nil, container.NewVScroll(s.Detail))
	split := container.NewHSplit(s.List, right)
	split.Offset = 0.45
	top := container.NewVBox(container.NewHBox(widget.NewButton(l10n.L("返回"), back)), title, rule, s.Summary)
	s.content = container.NewBorder(top, nil, nil, nil, split)
	s.enableForms()
	return s
}

// load reads the list again: the ones not done first (overdue before
// open, the oldest first: the most pressing on top), then the done ones,
// newest first.
func (s *Screen) load() {
	fs, err := s.svc.FollowUps(s.ctx)
	if err != nil {
		s.Message.SetText(l10n.Error(err))
	}
	now := s.now()
	rank := func(f rating.FollowUp) int {
		switch f.State(now) {
		case rating.Overdue:
			return 0
		case rating.Open:
			return 1
		}
		return 2
	}
	var ordered []rating.FollowUp
	for r := 0; r < 3; r++ {
		var part []rating.FollowUp
		for _, f := range fs { // fs is newest first
			if rank(f) == r {
				part = append(part, f)
			}
		}
		if r < 2 {
			for i, j := 0, len(part)-1; i < j; i, j = i+1, j-1 {
				part[i], part[j] = part[j], part[i]
			}
		}
		ordered = append(ordered, part...)
	}
	s.Items = ordered
	open, overdue := rating.Count(fs, now)
	s.Summary.SetText(Badge(open, overdue))
	if s.Summary.Text == "" {
		s.Summary.SetText(l10n.L("没有待处理的差评"))
	}
	s.Summary.Importance = widget.MediumImportance
	if overdue > 0 {
		s.Summary.Importance = widget.DangerImportance
	}
	s.Summary.Refresh()
	s.List.Refresh()
}

// Badge is the count a supervisor sees where they land: "" when nothing
// waits.
func Badge(open, overdue int) string {
	switch {
	case overdue > 0:
		return l10n.L("差评待回访整改 {{.Open}} 条，其中 {{.Overdue}} 条已超期", map[string]any{"Open": open, "Overdue": overdue})
	case open > 0:
		return l10n.L("差评待回访整改 {{.Open}} 条", map[string]any{"Open": open})
	}
	return ""
}

func day(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(workday.China).Format("2006-01-02")
}

// line is an item's row in the list.
func (s *Screen) line(f rating.FollowUp) string {
	st := f.State(s.now())
	mark := ""
	if st == rating.Overdue {
		mark = "⚠ "
	}
	return fmt.Sprintf("%s%s · %s · %s · %s", mark, l10n.L(rating.StateName(st)), f.Rating.At.In(workday.China).Format("01-02 15:04"),
		l10n.L(rating.LevelName(f.Rating.Level)), f.Rating.ClerkName)
}

// show puts an item's rating and records beside the list.
func (s *Screen) show(i int) {
	if i < 0 || i >= len(s.Items) {
		return
	}
	s.selected = i
	f := s.Items[i]
	var b strings.Builder
	st := f.State(s.now())
	fmt.Fprintf(&b, "%s\n", l10n.L("{{.Level}}（{{.At}}）", map[string]any{"Level": l10n.L(rating.LevelName(f.Rating.Level)),
		"At": f.Rating.At.In(workday.China).Format("2006-01-02 15:04")}))
	who := f.Rating.ClerkName
	if f.Rating.Window > 0 {
		who = l10n.L("{{.Name}} · {{.N}}号窗口", map[string]any{"Name": f.Rating.ClerkName, "N": f.Rating.Window})
	}
	fmt.Fprintf(&b, "%s：%s\n", l10n.L("人员"), who)
	if f.Rating.Matter != "" {
		fmt.Fprintf(&b, "%s：%s\n", l10n.L("事项"), f.Rating.Matter)
	}
	if len(f.Rating.Reasons) > 0 {
		var rs []string
		for _, r := range f.Rating.Reasons {
			rs = append(rs, l10n.L(r))
		}
		fmt.Fprintf(&b, "%s：%s\n", l10n.L("原因"), strings.Join(rs, "、"))
	}
	if f.Rating.Note != "" {
		fmt.Fprintf(&b, "%s：%s\n", l10n.L("群众意见"), f.Rating.Note)
	}
	fmt.Fprintf(&b, "%s：%s · %s\n", l10n.L("期限"), day(f.Due), l10n.L(rating.StateName(st)))
	if len(f.Steps) == 0 {
		fmt.Fprintf(&b, "\n%s\n", l10n.L("尚未回访"))
	}
	for _, st := range f.Steps {
		what := l10n.L(rating.StepName(st.Kind))
		if st.Kind == rating.Called {
			if st.Reached {
				what += l10n.L("（已联系上）")
			} else {
				what += l10n.L("（未联系上）")
			}
		}
		fmt.Fprintf(&b, "\n%s %s %s：%s\n", st.At.In(workday.China).Format("01-02 15:04"), st.ByName, what, st.Text)
	}
	s.Detail.SetText(b.String())
	s.enableForms()
}

// enableForms offers the forms for an item not yet done, and only while
// no record is on its way.
func (s *Screen) enableForms() {
	chosen := s.selected >= 0 && s.selected < len(s.Items)
	if chosen && !s.Items[s.selected].DoneAt().IsZero() {
		s.forms.Hide()
	} else {
		s.forms.Show()
	}
	ok := chosen && s.Items[s.selected].DoneAt().IsZero() && !s.g.Busy()
	for _, w := range []fyne.Disableable{s.RecordCall, s.RecordFix, s.CallText, s.FixText, s.Reached} {
		if ok {
			w.Enable()
		} else {
			w.Disable()
		}
	}
	if ok && !s.Items[s.selected].Called() {
		s.RecordFix.Disable() // the citizen is heard first
	}
}

// record stores a 回访 or 整改 (one transaction with its event, off the
// UI goroutine) and shows the list as it now stands.
func (s *Screen) record(kind rating.StepKind) {
	if s.selected < 0 || s.selected >= len(s.Items) {
		return
	}
	id := s.Items[s.selected].ID
	st := rating.Step{Kind: kind, ByID: s.actor.ID, ByName: s.actor.Name, Reached: s.Reached.Checked, Text: s.CallText.Text}
	if kind == rating.Rectified {
		st.Text, st.Reached = s.FixText.Text, false
	}
	busy.RunErr(&s.g, func() {
		s.Message.SetText(l10n.L("正在保存…"))
		s.enableForms()
	}, func() error {
		_, err := s.svc.RecordFollowUp(s.ctx, id, st)
		return err
	}, func(err error) {
		if err != nil {
			s.Message.SetText(l10n.Error(err))
			s.enableForms()
			return
		}
		if kind == rating.Called {
			s.CallText.SetText("")
			s.Reached.SetChecked(false)
		} else {
			s.FixText.SetText("")
		}
		s.Message.SetText(l10n.L("已登记{{.Step}}", map[string]any{"Step": l10n.L(rating.StepName(kind))}))
		s.load()
		for i, f := range s.Items {
			if f.ID == id {
				s.List.Select(i)
				s.show(i)
			}
		}
	})
}

// Wait waits for a record on its way (tests).
func (s *Screen) Wait(ctx context.Context) error { return s.g.Wait(ctx) }

// Content returns the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }
