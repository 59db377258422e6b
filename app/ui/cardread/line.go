package cardread

import (
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/idcard"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// Line is a screen's line about the reader: its state, or the card read
// (name and number masked, as everywhere) with the card's photo, small.
type Line struct {
	Status *widget.Label
	Photo  *canvas.Image
	now    func() time.Time
	box    *fyne.Container
}

// NewLine returns an empty line; now judges a card's validity.
func NewLine(now func() time.Time) *Line {
	l := &Line{Status: widget.NewLabel(""), Photo: canvas.NewImageFromImage(nil), now: now}
	l.Status.Wrapping = fyne.TextWrapWord
	l.Photo.FillMode = canvas.ImageFillContain
	l.Photo.SetMinSize(fyne.NewSize(51, 63)) // half the card's 102×126
	l.Photo.Hide()
	l.box = container.NewBorder(nil, nil, l.Photo, nil, l.Status)
	l.box.Hide() // until the reader reports: a kiosk without one shows nothing
	return l
}

// Content returns the line's root object.
func (l *Line) Content() fyne.CanvasObject { return l.box }

// Show puts an event on the line.
func (l *Line) Show(e idcard.Event) {
	text, imp := Describe(e, l.now())
	l.box.Show()
	l.Status.Importance = imp
	l.Status.SetText(text)
	if e.Err == nil && e.Card.Photo != nil {
		l.Photo.Image = e.Card.Photo
		l.Photo.Show()
		l.Photo.Refresh()
	} else {
		l.Photo.Image = nil
		l.Photo.Hide()
	}
}

// Take shows e and returns its card when a terminal page may use it: read,
// and not expired. An expired card is refused in message with the page's
// own words (refused); a usable card clears an earlier refusal. The
// terminal takes no expired card; the counter and the agent decide
// themselves (they read Show's line).
func (l *Line) Take(e idcard.Event, message *widget.Label, refused string) (idcard.Card, bool) {
	l.Show(e)
	if e.Err != nil {
		return idcard.Card{}, false
	}
	if e.Card.Expired(l.now()) {
		message.SetText(refused)
		return idcard.Card{}, false
	}
	message.SetText("")
	return e.Card, true
}

// Clear empties the line when the citizen's errand ends.
func (l *Line) Clear() {
	l.Status.SetText("")
	l.Photo.Image = nil
	l.Photo.Hide()
}

// Describe says what an event means to whoever stands at the reader.
func Describe(e idcard.Event, now time.Time) (string, widget.Importance) {
	switch {
	case e.Err == nil && e.Card.Expired(now):
		return l10n.L("证件已过期（有效期{{.Valid}}）：{{.Name}}，{{.ID}}。过期证件不能作为有效身份证明，请核对", map[string]any{
			"Valid": e.Card.ValidText(), "Name": ids.MaskName(e.Card.Name), "ID": ids.MaskIDNumber(e.Card.IDNumber)}), widget.DangerImportance
	case e.Err == nil:
		return l10n.L("已读取{{.Kind}}：{{.Name}}，{{.ID}}，有效期{{.Valid}}", map[string]any{"Kind": l10n.L(idcard.KindName(e.Card.Kind)),
			"Name": ids.MaskName(e.Card.Name), "ID": ids.MaskIDNumber(e.Card.IDNumber), "Valid": e.Card.ValidText()}), widget.SuccessImportance
	case errors.Is(e.Err, idcard.ErrNoCard):
		return l10n.L("可刷身份证：将证件放在阅读器上"), widget.MediumImportance
	case errors.Is(e.Err, idcard.ErrNoReader):
		return l10n.L("未找到身份证阅读器，请手工录入"), widget.WarningImportance
	}
	return l10n.Error(e.Err), widget.WarningImportance
}
