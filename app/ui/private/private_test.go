package private

import (
	"errors"
	"testing"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/ids"
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

// A wrong check digit is never shown as valid while typed, and a number
// marked wrong is never hidden behind dots next to its error; a valid one
// still is.
func TestEntryNeverHidesOrPassesAWrongNumber(t *testing.T) {
	test.NewTempApp(t)
	for _, tc := range []struct {
		name, typed string
		wantErr     bool
	}{
		{"wrong check digit", "330522198512030041", true},
		{"valid", "330522198512030042", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := NewEntry()
			e.Validator = func(v string) error {
				if ids.ValidateResidentID(v) != nil {
					return errors.New("请逐位核对")
				}
				return nil
			}
			var last error
			e.SetOnValidationChanged(func(err error) { last = err })
			other := widget.NewEntry()
			w := test.NewTempWindow(t, container.NewVBox(e, other))
			w.Canvas().Focus(e)
			test.Type(e, tc.typed)
			if got := last != nil; got != tc.wantErr {
				t.Errorf("while typing: got error %v, want error %v", last, tc.wantErr)
			}
			w.Canvas().Focus(other)
			if got := e.Password; got == tc.wantErr {
				t.Errorf("after leaving: got dots %v, want dots %v", got, !tc.wantErr)
			}
		})
	}
}
