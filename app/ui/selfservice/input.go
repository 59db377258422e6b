package selfservice

import (
	"strings"

	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/ui/keypad"
)

// wedge collects keys that reach the window with no field focused: a USB
// QR scanner types the code as fast keystrokes and ends with Enter.
type wedge struct{ b strings.Builder }

func (w *wedge) add(r rune) {
	if w.b.Len() < 256 {
		w.b.WriteRune(r)
	}
}

func (w *wedge) take() string {
	s := w.b.String()
	w.b.Reset()
	return s
}

func (w *wedge) reset() { w.b.Reset() }

// scannedCode returns the tracking code in a scanned line: the QR holds
// exactly the code, a hand-typed line may have spaces or dashes.
func scannedCode(line string) (string, bool) {
	c, err := tracking.Normalize(line)
	return c, err == nil
}

// Keyboard is an on-screen keyboard for a touch screen with no keyboard.
type Keyboard = keypad.Pad

// ChineseKeyboard is the on-screen keyboard with pinyin input, for the
// fields where a citizen writes Chinese.
type ChineseKeyboard = keypad.Chinese

// Special keys.
const (
	KeyBackspace = keypad.Backspace
	KeyClear     = keypad.Clear
)

func newKeyboard(rows []string, press func(key string)) *Keyboard { return keypad.New(rows, press) }

// edit applies a key to a text.
func edit(text, key string) string { return keypad.Edit(text, key) }
