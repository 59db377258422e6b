package intake

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/workday"
)

// SummaryLine is one line of the card the clerk reads before deciding.
// Marked lines (容缺待补, 告知承诺, and materials not yet checked) are the
// ones a clerk must not pass over: they change what the citizen is told.
type SummaryLine struct {
	Text   string
	Marked bool
}

// summaryLines is what the decide step shows: who, which matters (or the
// bundle), every material with its state, and the promised time limit.
// It is built from the draft as it stands, so going back to an earlier
// step and changing something changes the card.
//
// due gives the date each matter is promised for if accepted now, by the
// service's calendar — the date the receipt will print (cases.PromisedDue).
// When it cannot (a calendar that does not cover the year), the card says
// the working days alone rather than guess a date.
func summaryLines(cat *catalog.Catalog, d cases.Draft, materials []*MaterialRow, due func(catalog.Matter) (time.Time, error)) []SummaryLine {
	var lines []SummaryLine
	name := strings.TrimSpace(d.Applicant.Name)
	if name == "" {
		name = l10n.L("（未填写）")
	}
	who := l10n.L("申请人：{{.Name}}", map[string]any{"Name": name})
	if id := ids.MaskIDNumber(strings.TrimSpace(d.Applicant.IDNumber)); id != "" {
		who += "  " + l10n.L("证件号码：{{.ID}}", map[string]any{"ID": id})
	}
	lines = append(lines, SummaryLine{Text: who})
	if cat != nil && d.Bundle != "" {
		if b, ok := cat.Bundle(d.Bundle); ok {
			lines = append(lines, SummaryLine{Text: l10n.L("一件事：{{.Name}}", map[string]any{"Name": b.Name})})
		}
	}
	for _, code := range d.Matters {
		if cat == nil {
			break
		}
		m, ok := cat.Matter(code)
		if !ok {
			continue
		}
		limit := l10n.L("即办件，当场办结")
		if m.Kind != catalog.Immediate {
			limit = l10n.L("承诺{{.N}}个工作日办结", map[string]any{"N": m.PromisedDays})
			if due != nil {
				if by, err := due(*m); err == nil {
					limit = l10n.L("承诺办结：{{.Date}}（{{.N}}个工作日）", map[string]any{
						"Date": by.In(workday.China).Format(l10n.L("2006年1月2日")), "N": m.PromisedDays})
				}
			}
		}
		lines = append(lines, SummaryLine{Text: l10n.L("事项：{{.Name}}（{{.Limit}}）", map[string]any{"Name": m.Name, "Limit": limit})})
	}
	if len(materials) == 0 {
		lines = append(lines, SummaryLine{Text: l10n.L("材料：无")})
	}
	for _, r := range materials {
		st := r.state()
		lines = append(lines, SummaryLine{
			Text:   l10n.L("材料：{{.Name}} — {{.State}}", map[string]any{"Name": r.Name, "State": l10n.L(cases.StateName(st))}),
			Marked: st == cases.Deferred || st == cases.Committed || st == cases.Pending,
		})
	}
	return lines
}

// refreshSummary rebuilds the decide step's card from the screen's fields.
func (s *Screen) refreshSummary() {
	if s.summaryBox == nil || s.ApplicantName == nil {
		return
	}
	s.SummaryLines = summaryLines(s.cat, s.Draft(), s.Materials, func(m catalog.Matter) (time.Time, error) {
		return s.svc.PromisedDue(s.ctx, m)
	})
	s.summaryBox.Objects = nil
	for _, l := range s.SummaryLines {
		lbl := widget.NewLabel(l.Text)
		lbl.Wrapping = fyne.TextWrapWord
		if l.Marked {
			// The colour marks it: the CJK font has no bold (archtest).
			lbl.Importance = widget.WarningImportance
		}
		s.summaryBox.Add(lbl)
	}
	s.summaryBox.Refresh()
}

// summaryCard is the card's frame; it scrolls so that a bundle with many
// materials never pushes the decision buttons off a 1280×800 screen.
func (s *Screen) summaryCard() fyne.CanvasObject {
	s.summaryBox = container.NewVBox()
	card := widget.NewCard(l10n.L("受理前核对"), l10n.L("请向申请人复述以下内容，确认无误后再作决定"), s.summaryBox)
	return container.NewVScroll(card)
}
