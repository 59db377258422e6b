package selfservice

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/ui/l10n"
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
type Keyboard struct {
	Keys  map[string]*widget.Button
	press func(key string)
	box   *fyne.Container
}

// Special keys.
const (
	KeyBackspace = "⌫"
	KeyClear     = "清空"
)

func newKeyboard(rows []string, press func(key string)) *Keyboard {
	k := &Keyboard{Keys: map[string]*widget.Button{}, press: press, box: container.NewVBox()}
	for _, row := range rows {
		line := container.NewHBox()
		for _, r := range row {
			key := string(r)
			line.Add(k.key(key, key))
		}
		k.box.Add(container.NewCenter(line))
	}
	k.box.Add(container.NewCenter(container.NewHBox(k.key(KeyBackspace, l10n.L("退格")), k.key(KeyClear, l10n.L("清空")))))
	return k
}

func (k *Keyboard) key(key, label string) fyne.CanvasObject {
	b := widget.NewButton(label, func() { k.press(key) })
	k.Keys[key] = b
	w := float32(MinTouch + 6)
	if len([]rune(label)) > 1 {
		w = 120
	}
	return container.NewGridWrap(fyne.NewSize(w, MinTouch+8), b)
}

// Press taps a key (for tests and hardware keys that map to it).
func (k *Keyboard) Press(key string) { k.Keys[key].OnTapped() }

// edit applies a key to a text.
func edit(text, key string) string {
	switch key {
	case KeyBackspace:
		r := []rune(text)
		if len(r) > 0 {
			return string(r[:len(r)-1])
		}
		return text
	case KeyClear:
		return ""
	}
	return text + key
}
