// Package stats provides the supervisor's view of today's queue: tickets,
// average wait and service time per sector and per clerk, and no-shows.
package stats

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// Service gives today's figures.
type Service interface {
	Stats(ctx context.Context) (queue.Stats, error)
}

// Screen shows the figures.
type Screen struct {
	Sectors *widget.Table
	Clerks  *widget.Table
	Message *widget.Label
	stats   queue.Stats
	content fyne.CanvasObject
}

func minutes(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f", d.Minutes())
}

// New builds the screen with the current figures.
func New(ctx context.Context, svc Service, back func()) *Screen {
	s := &Screen{Message: widget.NewLabel("")}
	st, err := svc.Stats(ctx)
	if err != nil {
		s.Message.SetText(l10n.Error(err))
	}
	s.stats = st
	head := []string{l10n.L("板块"), l10n.L("取号"), l10n.L("已办"), l10n.L("过号"), l10n.L("等候"), l10n.L("平均等候（分钟）"), l10n.L("平均办理（分钟）")}
	s.Sectors = widget.NewTable(func() (int, int) { return len(st.Sectors) + 1, len(head) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if id.Row == 0 {
				l.SetText(head[id.Col])
				return
			}
			r := st.Sectors[id.Row-1]
			l.SetText([]string{l10n.L(r.Sector), fmt.Sprint(r.Issued), fmt.Sprint(r.Served), fmt.Sprint(r.NoShows), fmt.Sprint(r.Waiting),
				minutes(r.AvgWait), minutes(r.AvgService)}[id.Col])
		})
	for i, w := range []float32{150, 70, 70, 70, 70, 170, 170} {
		s.Sectors.SetColumnWidth(i, w)
	}
	chead := []string{l10n.L("人员"), l10n.L("已办"), l10n.L("平均办理（分钟）")}
	s.Clerks = widget.NewTable(func() (int, int) { return len(st.Clerks) + 1, len(chead) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if id.Row == 0 {
				l.SetText(chead[id.Col])
				return
			}
			c := st.Clerks[id.Row-1]
			l.SetText([]string{c.Name, fmt.Sprint(c.Served), minutes(c.AvgService)}[id.Col])
		})
	for i, w := range []float32{150, 70, 170} {
		s.Clerks.SetColumnWidth(i, w)
	}
	title := widget.NewLabel(l10n.L("今日叫号统计 {{.Day}}", map[string]any{"Day": st.Day}))
	title.SizeName = theme.SizeNameHeadingText
	s.content = container.NewBorder(container.NewVBox(container.NewHBox(widget.NewButton(l10n.L("返回"), back)), title, s.Message), nil, nil, nil,
		container.NewVSplit(s.Sectors, s.Clerks))
	return s
}

// Content returns the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

// Figures returns what the screen shows (for tests).
func (s *Screen) Figures() queue.Stats { return s.stats }
