// Package ratingui provides the 好差评 screen: the counter screen turned
// to the citizen (or the terminal facing them) after a service, five big
// buttons from 非常满意 to 非常不满意, and for the two lowest the reasons to
// choose and a line to write.
package ratingui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// Service stores a rating.
type Service interface {
	Rate(ctx context.Context, r rating.Rating) (rating.Rating, error)
}

// Screen is the rating screen for one service.
type Screen struct {
	ctx  context.Context
	svc  Service
	r    rating.Rating
	done func()

	Levels  map[rating.Level]*widget.Button
	Reasons *widget.CheckGroup
	Note    *widget.Entry
	Submit  *widget.Button
	Message *widget.Label
	// Rated is set once the rating is stored.
	Rated   bool
	reasons *fyne.Container
	level   rating.Level
	content fyne.CanvasObject
}

// New builds the screen for a service (kind, ref, clerk, window and matter
// filled in by the caller); done returns to the clerk's screen.
func New(ctx context.Context, svc Service, r rating.Rating, done func()) *Screen {
	s := &Screen{ctx: ctx, svc: svc, r: r, done: done, Levels: map[rating.Level]*widget.Button{}}
	title := widget.NewLabel(l10n.L("请您对本次服务进行评价"))
	title.SizeName = theme.SizeNameHeadingText
	title.Alignment = fyne.TextAlignCenter
	who := widget.NewLabel(l10n.L("{{.N}}号窗口 {{.Name}}", map[string]any{"N": r.Window, "Name": r.ClerkName}))
	if r.Window == 0 {
		who.SetText(r.ClerkName)
	}
	who.Alignment = fyne.TextAlignCenter
	row := container.NewGridWithColumns(len(rating.Levels))
	for _, lv := range rating.Levels {
		lv := lv
		// Every level starts alike: a coloured 满意 looks already chosen,
		// and steers the citizen. Only the level tapped is marked.
		b := widget.NewButton(l10n.L(rating.LevelName(lv)), func() { s.choose(lv) })
		s.Levels[lv] = b
		row.Add(container.NewGridWrap(fyne.NewSize(170, 90), b))
	}
	var reasons []string
	for _, reason := range rating.Reasons {
		reasons = append(reasons, l10n.L(reason))
	}
	s.Reasons = widget.NewCheckGroup(reasons, nil)
	s.Reasons.Horizontal = true
	s.Note = widget.NewEntry()
	s.Note.SetPlaceHolder(l10n.L("您的意见（可选）"))
	s.Submit = widget.NewButtonWithIcon(l10n.L("提交评价"), theme.ConfirmIcon(), func() { s.send() })
	s.Submit.Importance = widget.HighImportance
	s.reasons = container.NewVBox(widget.NewLabel(l10n.L("请选择不满意的原因：")), s.Reasons, s.Note, container.NewHBox(layout.NewSpacer(), s.Submit))
	s.reasons.Hide()
	s.Message = widget.NewLabel("")
	s.Message.Alignment = fyne.TextAlignCenter
	s.Message.Wrapping = fyne.TextWrapWord
	back := widget.NewButtonWithIcon(l10n.L("返回"), theme.NavigateBackIcon(), done)
	back.Importance = widget.LowImportance
	s.content = container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), back), nil, nil,
		container.NewCenter(container.NewVBox(title, who, container.NewCenter(row), s.reasons, s.Message)))
	return s
}

// Content returns the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

func (s *Screen) choose(lv rating.Level) {
	if s.Rated {
		return
	}
	s.level = lv
	s.mark()
	if lv <= 2 {
		s.reasons.Show() // a complaint says what went wrong before it is sent
		s.Message.SetText(l10n.L("您选择了“{{.Level}}”", map[string]any{"Level": l10n.L(rating.LevelName(lv))}))
		return
	}
	s.reasons.Hide()
	s.send()
}

func (s *Screen) send() {
	r := s.r
	r.Level = s.level
	r.Note = s.Note.Text
	r.Reasons = nil
	for _, reason := range rating.Reasons {
		for _, sel := range s.Reasons.Selected {
			if sel == l10n.L(reason) {
				r.Reasons = append(r.Reasons, reason)
			}
		}
	}
	if _, err := s.svc.Rate(s.ctx, r); err != nil {
		s.Message.SetText(l10n.Error(err))
		return
	}
	s.Rated = true
	s.reasons.Hide()
	for _, b := range s.Levels {
		b.Disable()
	}
	s.Message.SetText(l10n.L("谢谢您的评价！"))
}

// mark shows the chosen level as chosen and the others as not.
func (s *Screen) mark() {
	for lv, b := range s.Levels {
		imp := widget.MediumImportance
		if lv == s.level {
			imp = widget.HighImportance
		}
		if b.Importance != imp {
			b.Importance = imp
			b.Refresh()
		}
	}
}
