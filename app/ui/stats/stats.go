// Package stats provides the supervisor's view of the hall's figures:
// today's tickets, waits, service times and no-shows per sector and per
// clerk, 好差评 per clerk and matter, and the hall's cases today and this
// month. Every figure is named, counted and rounded as sync/figures
// defines it, the definitions the county's dashboard uses, so the hall and
// the county show the same numbers for the same things.
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
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/figures"
)

// Service gives today's figures.
type Service interface {
	Stats(ctx context.Context) (queue.Stats, error)
}

// Ratings gives the 好差评 tallies since a time, per clerk and per matter.
type Ratings interface {
	RatingTallies(ctx context.Context, since time.Time) (byClerk, byMatter []rating.Tally, err error)
}

// Cases gives the hall's case figures over a span of Beijing days.
type Cases interface {
	CaseFigures(ctx context.Context, from, to time.Time) (figures.Counts, error)
}

// CaseFigureIDs are the case figures the 办件 tab shows: the county's
// dashboard shows them too, counted the same way.
var CaseFigureIDs = []figures.ID{"accepted", "immediate_rate", "at_most_once_rate", "zero_visit_rate", "deficient_rate",
	"commitment_rate", "proxy", "returned"}

// RatingDays is how far back the 好差评 table looks.
const RatingDays = 30

// Screen shows the figures.
type Screen struct {
	Sectors *widget.Table
	Clerks  *widget.Table
	// Ratings lists the 好差评 per clerk, then per matter; RatingRows is
	// what it shows (for tests).
	Ratings    *widget.Table
	RatingRows [][]string
	// CaseRows is what the 办件 tab shows (for tests): a figure, today,
	// this month.
	CaseRows [][]string
	// Full shows a selected row whole: names too long for their column
	// are cut with "…" so the counts beside them stay visible.
	Full    *widget.Label
	Tabs    *container.AppTabs
	Message *widget.Label
	stats   queue.Stats
	content fyne.CanvasObject
}

// minutes shows an average time as the figure id shows it (one decimal,
// rounded half up, — for none).
func minutes(id figures.ID, d time.Duration) string {
	if d == 0 {
		return figures.None
	}
	f, _ := figures.ByID(id)
	c := figures.Counts{Called: 1, Served: 1, WaitSecs: int64(d / time.Second), ServiceSecs: int64(d / time.Second)}
	return f.Of(c).Text()
}

// label is a figure's name in the screen's language, with its unit.
func label(id figures.ID) string {
	f, _ := figures.ByID(id)
	lang := l10n.Current()
	switch u := f.Unit(lang); {
	case u == "":
		return f.Label(lang)
	case lang == "en":
		return f.Label(lang) + " (" + u + ")"
	default:
		return f.Label(lang) + "（" + u + "）"
	}
}

// New builds the screen with the current figures; ratings and cases may
// be nil.
func New(ctx context.Context, svc Service, ratings Ratings, cases Cases, now func() time.Time, back func()) *Screen {
	s := &Screen{Message: widget.NewLabel(""), Full: widget.NewLabel("")}
	s.Full.Wrapping = fyne.TextWrapWord
	st, err := svc.Stats(ctx)
	if err != nil {
		s.Message.SetText(l10n.Error(err))
	}
	s.stats = st
	head := []string{l10n.L("板块"), label("tickets"), l10n.L("已办"), label("no_shows"), l10n.L("等候"), label("avg_wait"), label("avg_service")}
	s.Sectors = widget.NewTable(func() (int, int) { return len(st.Sectors) + 1, len(head) },
		cell,
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if id.Row == 0 {
				l.SetText(head[id.Col])
				return
			}
			r := st.Sectors[id.Row-1]
			l.SetText([]string{l10n.L(r.Sector), fmt.Sprint(r.Issued), fmt.Sprint(r.Served), fmt.Sprint(r.NoShows), fmt.Sprint(r.Waiting),
				minutes("avg_wait", r.AvgWait), minutes("avg_service", r.AvgService)}[id.Col])
		})
	for i, w := range []float32{150, 70, 70, 70, 70, 170, 170} {
		s.Sectors.SetColumnWidth(i, w)
	}
	chead := []string{l10n.L("人员"), l10n.L("已办"), label("avg_service")}
	s.Clerks = widget.NewTable(func() (int, int) { return len(st.Clerks) + 1, len(chead) },
		cell,
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if id.Row == 0 {
				l.SetText(chead[id.Col])
				return
			}
			c := st.Clerks[id.Row-1]
			l.SetText([]string{c.Name, fmt.Sprint(c.Served), minutes("avg_service", c.AvgService)}[id.Col])
		})
	for i, w := range []float32{150, 70, 170} {
		s.Clerks.SetColumnWidth(i, w)
	}
	title := widget.NewLabel(l10n.L("今日叫号统计 {{.Day}}", map[string]any{"Day": st.Day}))
	title.SizeName = theme.SizeNameHeadingText
	// One table a tab, each the full height with its header row kept on
	// top (issue 17: three tables split one screen, the sectors' squeezed
	// into three rows with the header scrolled away).
	s.Sectors.StickyRowCount, s.Clerks.StickyRowCount = 1, 1
	s.Tabs = container.NewAppTabs(container.NewTabItem(l10n.L("板块"), s.Sectors), container.NewTabItem(l10n.L("人员"), s.Clerks))
	if ratings != nil {
		s.ratingTable(ctx, ratings, now)
		s.Tabs.Append(container.NewTabItem(l10n.L("好差评"), container.NewBorder(nil, s.Full, nil, nil, s.Ratings)))
	}
	if cases != nil {
		s.Tabs.Append(container.NewTabItem(l10n.L("办件"), s.caseTable(ctx, cases, now)))
	}
	s.content = container.NewBorder(container.NewVBox(container.NewHBox(widget.NewButton(l10n.L("返回"), back)), title, s.Message), nil, nil, nil, s.Tabs)
	return s
}

// ratingTable adds up the last RatingDays days of 好差评: each clerk's and
// each matter's counts per level and the share satisfied, the figure a
// clerk's assessment uses.
func (s *Screen) ratingTable(ctx context.Context, src Ratings, now func() time.Time) {
	byClerk, byMatter, err := src.RatingTallies(ctx, now().AddDate(0, 0, -RatingDays))
	if err != nil {
		s.Message.SetText(l10n.Error(err))
	}
	head := []string{l10n.L("好差评（近30天）"), label("ratings")}
	for _, lv := range rating.Levels {
		head = append(head, l10n.L(rating.LevelName(lv)))
	}
	head = append(head, label("satisfied_rate"))
	satisfied, _ := figures.ByID("satisfied_rate")
	s.RatingRows = [][]string{head}
	add := func(kind string, ts []rating.Tally) {
		for _, t := range ts {
			what := kind
			if t.Sector {
				what = l10n.L("板块")
			}
			row := []string{what + "：" + t.Key, fmt.Sprint(t.Total)}
			for _, lv := range rating.Levels {
				row = append(row, fmt.Sprint(t.Counts[lv]))
			}
			var c figures.Counts
			for lv, n := range t.Counts {
				c.Ratings[lv] = int64(n)
			}
			s.RatingRows = append(s.RatingRows, append(row, satisfied.Of(c).Text()))
		}
	}
	add(l10n.L("人员"), byClerk)
	add(l10n.L("事项"), byMatter)
	s.Ratings = widget.NewTable(func() (int, int) { return len(s.RatingRows), len(head) },
		cell,
		func(id widget.TableCellID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(s.RatingRows[id.Row][id.Col])
		})
	s.Ratings.StickyRowCount = 1
	s.Ratings.OnSelected = func(id widget.TableCellID) {
		if id.Row > 0 {
			s.Full.SetText(s.RatingRows[id.Row][0])
		}
	}
	s.Ratings.SetColumnWidth(0, 260)
	for i := 1; i < len(head); i++ {
		s.Ratings.SetColumnWidth(i, 90)
	}
}

// caseTable is the hall's cases today and this month (from its first
// day), each figure as the county's dashboard counts it.
func (s *Screen) caseTable(ctx context.Context, src Cases, now func() time.Time) fyne.CanvasObject {
	today := now()
	bj := today.In(workday.China)
	monthStart := time.Date(bj.Year(), bj.Month(), 1, 0, 0, 0, 0, workday.China)
	day, err := src.CaseFigures(ctx, today, today)
	if err != nil {
		s.Message.SetText(l10n.Error(err))
	}
	month, err := src.CaseFigures(ctx, monthStart, today)
	if err != nil {
		s.Message.SetText(l10n.Error(err))
	}
	s.CaseRows = [][]string{{l10n.L("指标"), l10n.L("今日"), l10n.L("本月")}}
	for _, id := range CaseFigureIDs {
		f, _ := figures.ByID(id)
		s.CaseRows = append(s.CaseRows, []string{label(id), f.Of(day).Text(), f.Of(month).Text()})
	}
	t := widget.NewTable(func() (int, int) { return len(s.CaseRows), 3 },
		cell,
		func(id widget.TableCellID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(s.CaseRows[id.Row][id.Col])
		})
	t.StickyRowCount = 1
	t.SetColumnWidth(0, 260)
	t.SetColumnWidth(1, 120)
	t.SetColumnWidth(2, 120)
	return t
}

// cell is a table cell: text longer than its column ends in "…" instead
// of running under the next column.
func cell() fyne.CanvasObject {
	l := widget.NewLabel("")
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

// Content returns the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

// Figures returns what the screen shows (for tests).
func (s *Screen) Figures() queue.Stats { return s.stats }
