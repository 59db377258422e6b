package followupui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/figures"
)

// OwnDays is how far back a clerk's own view looks, as the supervisor's
// 好差评 table does.
const OwnDays = 30

// OwnService gives a clerk's own ratings since a time: their counts per
// level, and the follow-ups of their bad ratings without the citizen's
// words or the service's reference.
type OwnService interface {
	OwnRatings(ctx context.Context, clerkID int64, since time.Time) (rating.Tally, []rating.FollowUp, error)
}

// Own is 我的评价: a clerk's own counts per level over OwnDays days, the
// share satisfied, and what became of each bad rating (回访, 整改), so a
// clerk learns from them; never anyone else's, never the citizen's data.
type Own struct {
	// Counts is the table of levels; Rows is what it shows (for tests).
	Counts  *widget.Table
	Rows    [][]string
	Outcome *widget.Label
	Message *widget.Label
	content fyne.CanvasObject
}

// NewOwn builds a clerk's own view.
func NewOwn(ctx context.Context, svc OwnService, actor clerks.Account, now func() time.Time, back func()) *Own {
	o := &Own{Outcome: widget.NewLabel(""), Message: widget.NewLabel("")}
	o.Outcome.Wrapping = fyne.TextWrapWord
	t, fs, err := svc.OwnRatings(ctx, actor.ID, now().AddDate(0, 0, -OwnDays))
	if err != nil {
		o.Message.SetText(l10n.Error(err))
	}
	o.Rows = [][]string{{l10n.L("评价"), l10n.L("数量")}}
	for _, l := range rating.Levels {
		o.Rows = append(o.Rows, []string{l10n.L(rating.LevelName(l)), fmt.Sprint(t.Counts[l])})
	}
	satisfied, _ := figures.ByID("satisfied_rate")
	o.Rows = append(o.Rows, []string{l10n.L("合计"), fmt.Sprint(t.Total)},
		[]string{satisfied.Label(l10n.Current()), t.Satisfied().Text()})
	o.Counts = widget.NewTable(func() (int, int) { return len(o.Rows), 2 },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, c fyne.CanvasObject) { c.(*widget.Label).SetText(o.Rows[id.Row][id.Col]) })
	o.Counts.SetColumnWidth(0, 160)
	o.Counts.SetColumnWidth(1, 90)
	o.Counts.StickyRowCount = 1

	text := ""
	for _, f := range fs {
		st := f.State(now())
		text += l10n.L("{{.At}} {{.Level}}：{{.State}}", map[string]any{"At": f.Rating.At.In(workday.China).Format("01-02 15:04"),
			"Level": l10n.L(rating.LevelName(f.Rating.Level)), "State": l10n.L(rating.StateName(st))}) + "\n"
		if len(f.Rating.Reasons) > 0 {
			for i, r := range f.Rating.Reasons {
				if i > 0 {
					text += "、"
				}
				text += l10n.L(r)
			}
			text += "\n"
		}
		for _, s := range f.Steps {
			if s.Kind == rating.Rectified {
				text += l10n.L("整改") + "：" + s.Text + "\n"
			}
		}
		text += "\n"
	}
	if text == "" {
		text = l10n.L("近30天没有差评")
	}
	o.Outcome.SetText(text)
	title := widget.NewLabel(l10n.L("我的评价（近30天）"))
	title.SizeName = theme.SizeNameHeadingText
	top := container.NewVBox(container.NewHBox(widget.NewButton(l10n.L("返回"), back)), title, o.Message)
	outcome := container.NewBorder(widget.NewLabel(l10n.L("差评回访整改结果")), nil, nil, nil, container.NewVScroll(o.Outcome))
	split := container.NewHSplit(o.Counts, outcome)
	split.Offset = 0.3
	o.content = container.NewBorder(top, nil, nil, nil, split)
	return o
}

// Content returns the screen's root object.
func (o *Own) Content() fyne.CanvasObject { return o.content }
