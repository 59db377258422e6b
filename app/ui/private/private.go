// Package private provides the entry for a person's number (an ID number,
// a mobile) at a counter: it shows the number only while it is typed or
// checked, and dots once the clerk moves on, so the person across the
// counter — or the next in line — cannot read it. Intake and the
// supervisor's account form share it.
package private

import "fyne.io/fyne/v2/widget"

// Entry is a widget.Entry that hides its text when it loses focus and
// shows it again when focused. The value itself is kept as typed.
//
// It checks what is typed on every change: fyne's entry keeps the last
// verdict while focused, so a number with a wrong check digit would show
// the green ✓ of the empty field until the clerk moved on. And it hides
// only a valid number: a number marked wrong stays readable next to its
// error, or the clerk could not check it digit by digit.
type Entry struct {
	widget.Entry
	// OnFocus, if set, is called when the entry gets the focus: the
	// self-service terminal shows its on-screen keypad then.
	OnFocus func()
}

// NewEntry returns an empty private entry.
func NewEntry() *Entry {
	e := &Entry{}
	// Record every verdict, focused or not (see the type's comment); the
	// error icon still waits until the clerk leaves the field.
	e.AlwaysShowValidationError = true
	e.ExtendBaseWidget(e)
	return e
}

// valid says whether the entry's text passes its validator (if any).
func (e *Entry) valid() bool {
	return e.Validator == nil || e.Validator(e.Text) == nil
}

// FocusGained implements fyne.Focusable: the clerk is typing or checking.
func (e *Entry) FocusGained() {
	if e.Password {
		e.Password = false
		e.Refresh()
	}
	e.Entry.FocusGained()
	if e.OnFocus != nil {
		e.OnFocus()
	}
}

// FocusLost implements fyne.Focusable: the clerk moved on.
func (e *Entry) FocusLost() {
	e.Entry.FocusLost()
	e.Conceal()
}

// Conceal shows dots instead of a filled-in, valid number (a screen that
// fills it in itself, from a card reader or a look-up, calls it at once);
// a number that fails its check stays shown. Not named Hide: that is
// fyne's, and hides the whole widget.
func (e *Entry) Conceal() {
	if e.Text != "" && !e.Password && e.valid() {
		e.Password = true
		e.Refresh()
	}
}
