package intake

import "fyne.io/fyne/v2/widget"

// privateEntry shows an ID number or a mobile only while the clerk types
// it; once the clerk moves on, the screen shows dots, so the person across
// the counter — or the next in line — cannot read it. Focusing it again
// shows it for checking.
type privateEntry struct {
	widget.Entry
}

func newPrivateEntry() *privateEntry {
	e := &privateEntry{}
	e.ExtendBaseWidget(e)
	return e
}

// FocusGained implements fyne.Focusable: the clerk is typing or checking.
func (e *privateEntry) FocusGained() {
	if e.Password {
		e.Password = false
		e.Refresh()
	}
	e.Entry.FocusGained()
}

// FocusLost implements fyne.Focusable: the clerk moved on.
func (e *privateEntry) FocusLost() {
	e.Entry.FocusLost()
	e.hide()
}

// hide shows dots instead of a filled-in number.
func (e *privateEntry) hide() {
	if e.Text != "" && !e.Password {
		e.Password = true
		e.Refresh()
	}
}
