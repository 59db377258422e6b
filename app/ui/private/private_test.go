package private

import (
	"testing"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// A number shows while typed and checked, dots once the clerk moves on;
// concealing it never hides the entry itself (fyne's Hide).
func TestEntryShowsOnlyWhileFocused(t *testing.T) {
	test.NewTempApp(t)
	e := NewEntry()
	other := widget.NewEntry()
	w := test.NewTempWindow(t, container.NewVBox(e, other))
	w.Canvas().Focus(e)
	test.Type(e, "330522198512030042")
	if e.Password {
		t.Fatal("hidden while typing")
	}
	w.Canvas().Focus(other)
	if !e.Password || e.Text != "330522198512030042" || !e.Visible() {
		t.Errorf("after leaving: password %v, text %q, visible %v; want dots, the number kept, the entry shown", e.Password, e.Text, e.Visible())
	}
	w.Canvas().Focus(e)
	if e.Password {
		t.Error("still hidden when the clerk comes back to check it")
	}
}
