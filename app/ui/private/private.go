// Package private provides the entry for a person's number (an ID number,
// a mobile) at a counter: it shows the number only while it is typed or
// checked, and dots once the clerk moves on, so the person across the
// counter — or the next in line — cannot read it. Intake and the
// supervisor's account form share it.
package private

import "fyne.io/fyne/v2/widget"

// Entry is a widget.Entry that hides its text when it loses focus and
// shows it again when focused. The value itself is kept as typed.
type Entry struct {
	widget.Entry
}

// NewEntry returns an empty private entry.
func NewEntry() *Entry {
	e := &Entry{}
	e.ExtendBaseWidget(e)
	return e
}

// FocusGained implements fyne.Focusable: the clerk is typing or checking.
func (e *Entry) FocusGained() {
	if e.Password {
		e.Password = false
		e.Refresh()
	}
	e.Entry.FocusGained()
}

// FocusLost implements fyne.Focusable: the clerk moved on.
func (e *Entry) FocusLost() {
	e.Entry.FocusLost()
	e.Conceal()
}

// Conceal shows dots instead of a filled-in number (a screen that fills it
// in itself, from a card reader or a look-up, calls it at once). Not named
// Hide: that is fyne's, and hides the whole widget.
func (e *Entry) Conceal() {
	if e.Text != "" && !e.Password {
		e.Password = true
		e.Refresh()
	}
}
