package intake

import (
	"io"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/workday"
)

// MandateForm is the 代办委托 a village agent records with the applicant:
// where they met, what the resident lets the agent do, until when, and the
// evidence (the signed letter's photo, or the resident's commitment).
type MandateForm struct {
	Village, Group, ValidUntil *widget.Entry
	Powers                     *widget.CheckGroup
	Evidence                   *widget.RadioGroup
	LetterBtn                  *widget.Button
	LetterNote                 *widget.Label
	// PrintBtn prints the 代办委托书 for the resident to sign.
	PrintBtn  *widget.Button
	PrintNote *widget.Label
	letter    string
	content   fyne.CanvasObject
}

func (s *Screen) mandateForm() *MandateForm {
	m := &MandateForm{Village: widget.NewEntry(), Group: widget.NewEntry(), ValidUntil: widget.NewEntry()}
	m.Village.SetPlaceHolder(l10n.L("如：大钱村"))
	m.Group.SetPlaceHolder(l10n.L("如：3组"))
	m.ValidUntil.SetText(s.now().In(workday.China).AddDate(0, 3, 0).Format("2006-01-02"))
	m.ValidUntil.Validator = func(v string) error {
		if _, err := time.Parse("2006-01-02", strings.TrimSpace(v)); err != nil {
			return l10nErr(cases.ErrDate)
		}
		return nil
	}
	var powers []string
	for _, p := range cases.Powers {
		powers = append(powers, l10n.L(cases.PowerName(p)))
	}
	m.Powers = widget.NewCheckGroup(powers, nil)
	m.Powers.Horizontal = true
	m.Powers.SetSelected(powers[:1])
	letter, commitment := l10n.L("委托书照片"), l10n.L("村民书面承诺")
	m.LetterNote = widget.NewLabel(l10n.L("尚未附上委托书照片"))
	m.LetterBtn = widget.NewButtonWithIcon(l10n.L("附上签字的委托书照片"), theme.FileImageIcon(), func() { s.pickLetter() })
	m.PrintNote = widget.NewLabel("")
	m.PrintBtn = widget.NewButtonWithIcon(l10n.L("打印代办委托书"), theme.DocumentPrintIcon(), func() { s.printMandate() })
	m.Evidence = widget.NewRadioGroup([]string{letter, commitment}, func(v string) {
		if v == letter {
			m.LetterBtn.Enable()
		} else {
			m.LetterBtn.Disable()
		}
	})
	m.Evidence.Horizontal = true
	m.Evidence.SetSelected(letter)
	title := widget.NewLabel(l10n.L("代办委托"))
	title.SizeName = theme.SizeNameSubHeadingText
	note := widget.NewLabel(l10n.L("申请人本人（企业为法定代表人）委托代办员办理；请打印代办委托书请村民签字后拍照附上。"))
	note.Wrapping = fyne.TextWrapWord
	m.content = container.NewVBox(widget.NewSeparator(), title, note, widget.NewForm(
		widget.NewFormItem(l10n.L("行政村"), m.Village),
		widget.NewFormItem(l10n.L("村民小组"), m.Group),
		widget.NewFormItem(l10n.L("委托事项"), m.Powers),
		widget.NewFormItem(l10n.L("有效期至"), m.ValidUntil),
		widget.NewFormItem(l10n.L("委托凭证"), m.Evidence),
	), container.NewHBox(m.PrintBtn, m.PrintNote), container.NewHBox(m.LetterBtn, m.LetterNote))
	return m
}

// printMandate prints the letter from what is filled in, off the UI
// goroutine (the agent's portable printer can be slow to answer).
func (s *Screen) printMandate() {
	d := s.Draft()
	note := s.Mandate.PrintNote
	busy.Run(&s.guard, func() {
		s.setBusy(true)
		note.SetText(l10n.L("正在打印…"))
	}, func() (Paper, error) { return s.svc.PrintMandate(s.ctx, s.actor, d) }, func(p Paper, err error) {
		s.setBusy(false)
		switch {
		case err != nil:
			note.SetText(l10n.Error(err))
		case p.Err != nil:
			note.SetText(l10n.Error(p.Err))
		default:
			note.SetText(l10n.L("已打印，请村民签字"))
		}
	})
}

func (s *Screen) pickLetter() {
	s.openFile(s.letterAttached, func(err error) { s.Mandate.LetterNote.SetText(l10n.Error(err)) })
}

// AddMandateLetter attaches the photo or scan of the signed 代办委托书 to
// the errand and makes it the mandate's evidence.
func (s *Screen) AddMandateLetter(r io.Reader, name string) error {
	a, err := s.svc.Attach(r, name)
	if err != nil {
		return err
	}
	s.letterAttached(a)
	return nil
}

// letterAttached lists the stored letter with the errand as the
// mandate's evidence.
func (s *Screen) letterAttached(a cases.Attachment) {
	s.attached(a)
	s.Mandate.letter = a.SHA256
	s.Mandate.LetterNote.SetText(l10n.L("已附上：{{.Name}}", map[string]any{"Name": a.Name}))
}

// proxy is the mandate as the draft carries it; nil for a clerk.
func (s *Screen) proxy(d cases.Draft) *cases.Proxy {
	m := s.Mandate
	if m == nil {
		return nil
	}
	p := &cases.Proxy{Village: strings.TrimSpace(m.Village.Text), Group: strings.TrimSpace(m.Group.Text)}
	p.Mandate.Resident = cases.Person{Name: d.Applicant.Name, IDNumber: d.Applicant.IDNumber}
	if d.Applicant.Kind == cases.Enterprise {
		p.Mandate.Resident = cases.Person{Name: d.Applicant.LegalRepName, IDNumber: d.Applicant.LegalRepID}
	}
	for _, p2 := range cases.Powers {
		if slices.Contains(m.Powers.Selected, l10n.L(cases.PowerName(p2))) {
			p.Mandate.Powers = append(p.Mandate.Powers, p2)
		}
	}
	// An unreadable date (the field says so) is left zero and refused.
	p.Mandate.ValidUntil, _ = time.ParseInLocation("2006-01-02", strings.TrimSpace(m.ValidUntil.Text), workday.China)
	if m.Evidence.Selected == l10n.L("村民书面承诺") {
		p.Mandate.Evidence = cases.EvidenceCommitment
	} else {
		p.Mandate.Evidence, p.Mandate.Letter = cases.EvidenceLetter, m.letter
	}
	return p
}
