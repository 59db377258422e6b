package intake

import (
	"context"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// PaperList is one row per paper — its title, what became of it, 详情
// while it did not print, 重新打印 — the same after a decision and after
// 查询办件's reprint: a failed print reads the same wherever it happens, in
// one short line with the print system's words behind 详情, so a long
// error can never widen the window past the screen (issue 17).
type PaperList struct {
	Papers   []Paper
	Statuses []*widget.Label
	Reprints []*widget.Button
	// Details opens what the print system said about a failed paper; shown
	// only while that paper is not printed.
	Details []*widget.Button
	// DetailText is what the last 详情 showed.
	DetailText string

	ctx     context.Context
	svc     Service
	guard   *busy.Guard
	setBusy func(bool)
	win     fyne.Window
	box     *fyne.Container
}

// newPaperList lays out papers; reprints run off the UI goroutine under
// guard, with setBusy around them (nil: nothing else to mark busy).
func newPaperList(ctx context.Context, svc Service, guard *busy.Guard, setBusy func(bool), win fyne.Window, papers []Paper) *PaperList {
	pl := &PaperList{Papers: papers, ctx: ctx, svc: svc, guard: guard, setBusy: setBusy, win: win, box: container.NewVBox()}
	if pl.setBusy == nil {
		pl.setBusy = func(bool) {}
	}
	for i := range papers {
		status := widget.NewLabel("")
		status.Truncation = fyne.TextTruncateEllipsis
		idx := i
		reprint := widget.NewButtonWithIcon(l10n.L("重新打印"), theme.DocumentPrintIcon(), func() { pl.reprint(idx) })
		details := widget.NewButtonWithIcon(l10n.L("详情"), theme.InfoIcon(), func() { pl.details(idx) })
		pl.Statuses = append(pl.Statuses, status)
		pl.Reprints = append(pl.Reprints, reprint)
		pl.Details = append(pl.Details, details)
		pl.box.Add(container.NewBorder(nil, nil, widget.NewLabel(papers[i].Title), container.NewHBox(details, reprint), status))
		pl.show(idx)
	}
	return pl
}

// Content is the rows.
func (pl *PaperList) Content() fyne.CanvasObject { return pl.box }

// Failed reports whether some paper did not print.
func (pl *PaperList) Failed() bool {
	for _, p := range pl.Papers {
		if p.Err != nil {
			return true
		}
	}
	return false
}

// reprint sends one archived paper to the printer again, off the UI
// goroutine; its status says so meanwhile.
func (pl *PaperList) reprint(i int) {
	p := pl.Papers[i]
	busy.Run(pl.guard, func() {
		pl.setBusy(true)
		pl.Statuses[i].Importance = widget.MediumImportance
		pl.Statuses[i].SetText(l10n.L("正在打印…"))
	}, func() (Paper, error) { return pl.svc.Reprint(pl.ctx, p), nil }, func(p Paper, _ error) {
		pl.setBusy(false)
		pl.Papers[i] = p
		pl.show(i)
	})
}

func (pl *PaperList) show(i int) {
	p := pl.Papers[i]
	if p.Err == nil {
		pl.Details[i].Hide()
		pl.Statuses[i].Importance = widget.SuccessImportance
		pl.Statuses[i].SetText(l10n.L("已送打印机"))
		return
	}
	pl.Details[i].Show()
	pl.Statuses[i].Importance = widget.DangerImportance
	pl.Statuses[i].SetText(l10n.L("未打印（已存档）：{{.Why}}", map[string]any{"Why": l10n.Error(p.Err)}))
}

// details shows the whole story of a paper that did not print: the short
// message and what the print system itself said, for county IT.
func (pl *PaperList) details(i int) {
	p := pl.Papers[i]
	if p.Err == nil {
		return
	}
	pl.DetailText = l10n.Error(p.Err)
	if p.Detail != "" {
		pl.DetailText += "\n\n" + l10n.L("打印系统的原话：") + "\n" + p.Detail
	}
	win := pl.win
	if win == nil {
		win = windowOf(pl.box)
	}
	if win == nil {
		return // headless: DetailText is what the dialog would show
	}
	text := widget.NewLabel(pl.DetailText)
	text.Wrapping = fyne.TextWrapBreak
	esc := &escCloses{}
	esc.ExtendBaseWidget(esc)
	d := dialog.NewCustom(l10n.L("打印失败详情"), l10n.L("关闭"), container.NewStack(esc, container.NewVScroll(text)), win)
	esc.close = d.Hide
	d.Resize(fyne.NewSize(min(640, win.Canvas().Size().Width*0.9), min(360, win.Canvas().Size().Height*0.8)))
	d.Show()
	win.Canvas().Focus(esc)
}

// escCloses takes the focus in a dialog that only informs, so Esc closes
// it as a user expects (Fyne's dialogs take no keys).
type escCloses struct {
	widget.BaseWidget
	close func()
}

func (e *escCloses) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}
func (e *escCloses) FocusGained()   {}
func (e *escCloses) FocusLost()     {}
func (e *escCloses) TypedRune(rune) {}
func (e *escCloses) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && e.close != nil {
		e.close()
	}
}

// windowOf is the window showing o, or nil.
func windowOf(o fyne.CanvasObject) fyne.Window {
	a := fyne.CurrentApp()
	if a == nil {
		return nil
	}
	c := a.Driver().CanvasForObject(o)
	for _, w := range a.Driver().AllWindows() {
		if c != nil && w.Canvas() == c {
			return w
		}
	}
	return nil
}
