package setup

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// The window sees a key only when no widget has the focus (fyne hands
// every key to the focused widget first, and its Entry drops Esc), so the
// screen's text fields hand Esc up themselves: 取消 by keyboard must work
// from wherever the cursor is, not only after clicking beside the form.

// EscEntry is a text field that hands Esc to the screen.
type EscEntry struct {
	widget.Entry
	esc func()
}

func newEscEntry(esc func()) *EscEntry {
	e := &EscEntry{esc: esc}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey implements fyne.Focusable: Esc goes to the screen, every
// other key to the entry.
func (e *EscEntry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && e.esc != nil {
		e.esc()
		return
	}
	e.Entry.TypedKey(ev)
}

// EscSelectEntry is the printer picker, handing Esc to the screen.
type EscSelectEntry struct {
	widget.SelectEntry
	esc func()
}

func newEscSelectEntry(esc func()) *EscSelectEntry {
	e := &EscSelectEntry{esc: esc}
	e.ExtendBaseWidget(e)
	// As widget.NewSelectEntry: a long queue name is clipped, not wrapped.
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	return e
}

// TypedKey implements fyne.Focusable: Esc goes to the screen, every
// other key to the entry.
func (e *EscSelectEntry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && e.esc != nil {
		e.esc()
		return
	}
	e.SelectEntry.TypedKey(ev)
}
