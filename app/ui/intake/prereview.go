package intake

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/workday"
)

// Prereview is the counter's list of filings made by citizens at the
// terminal (自助申报), oldest first: open one, look at what was filed and
// the scans, then accept it into the normal flow (受理 / 容缺受理) or return
// it with the reasons (退回补正).
type Prereview struct {
	ctx   context.Context
	svc   Service
	actor clerks.Account
	cat   *catalog.Catalog

	Items   []cases.Case
	Open    map[string]*widget.Button
	Message *widget.Label
	// While one filing is open:
	Current               *cases.Case
	Accept, Defer, Return *widget.Button
	ReturnReason          *widget.Entry
	// Working says the accepted filing is being saved and its receipt
	// printed; the buttons are disabled meanwhile.
	Working *widget.Label
	Papers  []Paper
	// Gallery shows the open filing's photos and files.
	Gallery      *Gallery
	page         fyne.CanvasObject
	guard        busy.Guard
	list, detail *fyne.Container
	content      *fyne.Container
}

// NewPrereview builds the pre-review list.
func NewPrereview(ctx context.Context, svc Service, actor clerks.Account) *Prereview {
	p := &Prereview{ctx: ctx, svc: svc, actor: actor, Open: map[string]*widget.Button{}}
	p.cat, _ = svc.Catalog(ctx)
	p.Message = widget.NewLabel("")
	p.Message.Wrapping = fyne.TextWrapWord
	p.list, p.detail = container.NewVBox(), container.NewVBox()
	p.content = container.NewStack()
	p.Reload()
	return p
}

// Content returns the screen's root object.
func (p *Prereview) Content() fyne.CanvasObject { return p.content }

// Wait blocks until an acceptance in flight, if any, has shown its result,
// or ctx ends.
func (p *Prereview) Wait(ctx context.Context) error {
	if g := p.Gallery; g != nil {
		if err := g.Wait(ctx); err != nil {
			return err
		}
	}
	return p.guard.Wait(ctx)
}

// Reload reads the waiting filings again and shows the list.
func (p *Prereview) Reload() {
	items, err := p.svc.Prereview(p.ctx)
	if err != nil {
		p.Message.SetText(l10n.Error(err))
	}
	p.Items, p.Current, p.Gallery = items, nil, nil // the last filing's photos leave memory with it
	p.Open = map[string]*widget.Button{}
	p.list.RemoveAll()
	title := widget.NewLabel(l10n.L("自助申报待预审：{{.N}}件（先交先审）", map[string]any{"N": len(items)}))
	title.SizeName = theme.SizeNameSubHeadingText
	p.list.Add(title)
	// By sector, in the hall's order, oldest first within each; a clerk's
	// own sectors come first.
	for _, sector := range p.sectorOrder() {
		first := true
		for _, cs := range items {
			if p.sector(cs) != sector {
				continue
			}
			if first {
				h := widget.NewLabel(l10n.L(sector))
				h.SizeName = theme.SizeNameSubHeadingText
				p.list.Add(h)
				first = false
			}
			cs := cs
			btn := widget.NewButtonWithIcon(l10n.L("预审"), theme.SearchIcon(), func() { p.show(cs) })
			p.Open[cs.Tracking] = btn
			p.list.Add(container.NewBorder(nil, nil, nil, btn, widget.NewLabel(p.line(cs))))
		}
	}
	p.content.Objects = []fyne.CanvasObject{container.NewBorder(p.Message, nil, nil, nil, container.NewVScroll(p.list))}
	p.content.Refresh()
}

// sector is the sector of a filing's first matter ("" when unknown).
func (p *Prereview) sector(cs cases.Case) string {
	for _, code := range cs.Matters {
		if m, ok := p.cat.Matter(code); ok {
			return m.Sector
		}
	}
	return ""
}

// sectorOrder puts the clerk's sectors first, then the hall's others.
func (p *Prereview) sectorOrder() []string {
	out := append([]string(nil), p.actor.Sectors...)
	for _, s := range append(append([]string(nil), catalog.Sectors...), "") {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func (p *Prereview) line(cs cases.Case) string {
	var names []string
	sector := ""
	for _, code := range cs.Matters {
		if m, ok := p.cat.Matter(code); ok {
			names = append(names, m.Name)
			sector = m.Sector
		}
	}
	return fmt.Sprintf("%s  %s  %s（%s）  %s · %s", cs.Accepted.In(workday.China).Format("01-02 15:04"), tracking.Format(cs.Tracking),
		cs.Applicant.Name, ids.MaskIDNumber(cs.Applicant.IDNumber), l10n.L(sector), strings.Join(names, "、"))
}

func (p *Prereview) show(cs cases.Case) {
	p.Current = &cs
	if cat, err := p.svc.CaseCatalog(p.ctx, cs); err == nil {
		p.cat = cat
	}
	var lines []string
	lines = append(lines, p.line(cs), "")
	lines = append(lines, p.fieldLines(cs)...)
	lines = append(lines, "", l10n.L("材料："))
	for _, e := range cs.Materials {
		lines = append(lines, fmt.Sprintf("· %s — %s", cases.MaterialName(p.cat, e.Matter, e.Material), l10n.L(cases.StateName(e.State))))
	}
	opener, canOpen := p.svc.(ScanOpener)
	if len(cs.Attachments) > 0 && !canOpen {
		lines = append(lines, "", l10n.L("上传的照片和扫描件："))
		for _, a := range cs.Attachments {
			lines = append(lines, fmt.Sprintf("· %s（%dKB）", maskNumbers(a.Name), (a.Size+1023)/1024))
		}
	}
	details := widget.NewLabel(strings.Join(lines, "\n"))
	details.Wrapping = fyne.TextWrapWord
	// The photos themselves, not their names: the clerk judges whether a
	// lease is legible before accepting it.
	p.Gallery = nil
	scans := fyne.CanvasObject(layout.NewSpacer())
	if len(cs.Attachments) > 0 && canOpen {
		p.Gallery = newGallery(p.ctx, opener, cs.Attachments, func(v fyne.CanvasObject) {
			p.content.Objects = []fyne.CanvasObject{v}
			p.content.Refresh()
		}, func() {
			p.content.Objects = []fyne.CanvasObject{p.page}
			p.content.Refresh()
		})
		scans = container.NewVBox(widget.NewLabel(l10n.L("上传的照片和扫描件：")), p.Gallery.Content())
	}
	p.Accept = widget.NewButtonWithIcon(l10n.L("预审通过，受理"), theme.ConfirmIcon(), func() { p.decide(cases.Accept) })
	p.Accept.Importance = widget.HighImportance
	p.Defer = widget.NewButton(l10n.L("容缺受理"), func() { p.decide(cases.AcceptDeferred) })
	p.ReturnReason = widget.NewMultiLineEntry()
	p.ReturnReason.SetPlaceHolder(l10n.L("退回原因，申请人在进度查询中看到，如：租赁协议照片不清楚，请重新拍照"))
	p.ReturnReason.SetMinRowsVisible(2)
	p.Return = widget.NewButton(l10n.L("退回补正"), p.sendBack)
	p.Return.Importance = widget.DangerImportance
	back := widget.NewButtonWithIcon(l10n.L("返回列表"), theme.NavigateBackIcon(), p.Reload)
	p.Working = widget.NewLabel(l10n.L("正在保存并打印…"))
	p.Working.Hide()
	p.Message.SetText("")
	p.detail = container.NewVBox(container.NewHBox(back), details, scans, widget.NewSeparator(),
		container.NewHBox(p.Accept, p.Defer, p.Working), p.ReturnReason, container.NewHBox(layout.NewSpacer(), p.Return))
	p.page = container.NewBorder(p.Message, nil, nil, nil, container.NewVScroll(p.detail))
	p.content.Objects = []fyne.CanvasObject{p.page}
	p.content.Refresh()
}

// fieldLines lists the form's answers in the catalog's order, with ID
// numbers and mobiles masked as on every screen.
func (p *Prereview) fieldLines(cs cases.Case) []string {
	var out []string
	seen := map[string]bool{}
	for _, code := range cs.Matters {
		m, ok := p.cat.Matter(code)
		if !ok {
			continue
		}
		for _, f := range m.Fields {
			v, ok := cs.Fields[f.Key]
			if !ok || seen[f.Key] {
				continue
			}
			seen[f.Key] = true
			switch f.Type {
			case catalog.ResidentID:
				v = ids.MaskIDNumber(v)
			case catalog.Mobile:
				v = ids.MaskMobile(v)
			}
			out = append(out, fmt.Sprintf("%s：%s", f.Label, v))
		}
	}
	return out
}

// decide accepts the open filing and prints its receipt as one action, off
// the UI goroutine; the buttons stay disabled until the list comes back.
func (p *Prereview) decide(kind cases.Kind) {
	cs := *p.Current
	buttons := []*widget.Button{p.Accept, p.Defer, p.Return}
	busy.Run(&p.guard, func() {
		for _, b := range buttons {
			b.Disable()
		}
		p.Message.SetText("")
		p.Working.Show()
	}, func() (Outcome, error) {
		return p.svc.AcceptSubmission(p.ctx, p.actor, cs, cs.Draft, cases.Decision{Kind: kind})
	}, func(o Outcome, err error) {
		for _, b := range buttons {
			b.Enable()
		}
		p.Working.Hide()
		if err != nil {
			p.Message.SetText(l10n.Error(err))
			return
		}
		p.Papers = o.Papers
		got := o.Case
		msg := l10n.L("{{.Code}} 已受理：{{.Status}}", map[string]any{"Code": tracking.Format(got.Tracking), "Status": l10n.L(cases.StatusName(got.Status))})
		if o.PrintErr != nil {
			msg += "；" + l10n.Error(o.PrintErr)
		}
		p.Reload()
		p.Message.SetText(msg)
	})
}

func (p *Prereview) sendBack() {
	got, err := p.svc.ReturnSubmission(p.ctx, p.actor, *p.Current, p.ReturnReason.Text)
	if err != nil {
		p.Message.SetText(l10n.Error(err))
		return
	}
	p.Reload()
	p.Message.SetText(l10n.L("{{.Code}} 已退回补正", map[string]any{"Code": tracking.Format(got.Tracking)}))
}
