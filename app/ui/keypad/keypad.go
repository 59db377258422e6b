// Package keypad provides the on-screen keys of a touch screen with no
// keyboard: the self-service terminal's search, query code and ID number
// entry, and the booking screen it shows. A key press is handed to the
// screen, which decides where the key goes; Edit applies it to a text.
package keypad

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/ui/l10n"
)

// MinTouch is the smallest touch target: 48 px at 1080p.
const MinTouch = 48

// Special keys.
const (
	Backspace = "⌫"
	Clear     = "清空"
)

// Digits are the rows for an ID number or a mobile: digits and the ID's
// check character X.
var Digits = []string{"123", "456", "789", "X0"}

// Pad is a set of on-screen keys.
type Pad struct {
	Keys  map[string]*widget.Button
	press func(key string)
	box   *fyne.Container
}

// New builds a pad with one row of keys per string, and a row with
// 退格 and 清空 below.
func New(rows []string, press func(key string)) *Pad {
	k := &Pad{Keys: map[string]*widget.Button{}, press: press, box: container.NewVBox()}
	for _, row := range rows {
		line := container.NewHBox()
		for _, r := range row {
			key := string(r)
			line.Add(k.key(key, key))
		}
		k.box.Add(container.NewCenter(line))
	}
	k.box.Add(container.NewCenter(container.NewHBox(k.key(Backspace, l10n.L("退格")), k.key(Clear, l10n.L("清空")))))
	return k
}

func (k *Pad) key(key, label string) fyne.CanvasObject {
	b := widget.NewButton(label, func() { k.press(key) })
	k.Keys[key] = b
	w := float32(MinTouch + 6)
	if len([]rune(label)) > 1 {
		w = 120
	}
	return container.NewGridWrap(fyne.NewSize(w, MinTouch+8), b)
}

// Content returns the keys' object.
func (k *Pad) Content() fyne.CanvasObject { return k.box }

// Press taps a key (for tests and hardware keys that map to it).
func (k *Pad) Press(key string) { k.Keys[key].OnTapped() }

// Edit applies a key to a text.
func Edit(text, key string) string {
	switch key {
	case Backspace:
		r := []rune(text)
		if len(r) > 0 {
			return string(r[:len(r)-1])
		}
		return text
	case Clear:
		return ""
	}
	return text + key
}
