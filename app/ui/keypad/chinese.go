package keypad

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/pinyinime"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// Apostrophe splits syllables in 中 mode ("xi'an" is 西安, not 先).
const Apostrophe = "'"

// Chinese is a keyboard that types Chinese by pinyin: in 中 mode the
// letters go to a composition line and the candidates of the pinyin
// typed so far are offered as big keys; tapping one types it into the
// field. In 英 mode, and for fields that take no Chinese (ID number,
// mobile), every key types itself. Digits always type themselves.
type Chinese struct {
	*Pad
	// Zh and En are the 中/英 switch; the one in use is highlighted.
	Zh, En *widget.Button
	// Composition shows the pinyin not yet turned into characters.
	Composition *widget.Label
	// Candidates are the keys of the candidates' page; Prev and Next turn
	// the page (上一页/下一页).
	Candidates []*widget.Button
	Prev, Next *widget.Button

	comp *pinyinime.Composer
	// zh is the citizen's choice; latinOnly is the focused field's need.
	zh, latinOnly bool
	insert        func(text string)
	key           func(key string)
	box           *fyne.Container
}

// NewChinese builds the keyboard with one row of keys per string (letters
// in any case, digits, X, the apostrophe). insert types text into the
// focused field; key applies Backspace or Clear to it. It starts in 中
// mode. The pinyin table is read on first use; if it cannot be, the
// keyboard stays in 英 mode and says so.
func NewChinese(rows []string, insert func(text string), key func(key string)) *Chinese {
	c := &Chinese{insert: insert, key: key, zh: true}
	c.Pad = New(rows, c.press)
	if d, err := pinyinime.Builtin(); err == nil {
		c.comp = pinyinime.NewComposer(d)
	}
	c.Zh = widget.NewButton(l10n.L("中"), func() { c.setZh(true) })
	c.En = widget.NewButton(l10n.L("英"), func() { c.setZh(false) })
	c.Composition = widget.NewLabel("")
	c.Composition.Truncation = fyne.TextTruncateEllipsis
	row := container.NewHBox()
	c.Prev = widget.NewButton(l10n.L("上一页"), func() { c.comp.Prev(); c.refresh() })
	row.Add(c.sized(c.Prev, 100))
	for i := 0; i < pinyinime.PageSize; i++ {
		b := widget.NewButton("", func() { c.pick(i) })
		c.Candidates = append(c.Candidates, b)
		row.Add(c.sized(b, 112))
	}
	c.Next = widget.NewButton(l10n.L("下一页"), func() { c.comp.Next(); c.refresh() })
	row.Add(c.sized(c.Next, 100))
	// The composition line and the candidate row keep their place when
	// empty, so the keys below never move under a finger.
	top := container.NewBorder(nil, nil, container.NewHBox(c.sized(c.Zh, MinTouch+6), c.sized(c.En, MinTouch+6)), nil, c.Composition)
	c.box = container.NewVBox(top, container.NewCenter(row), c.Pad.Content())
	c.refresh()
	return c
}

func (c *Chinese) sized(b *widget.Button, w float32) fyne.CanvasObject {
	return container.NewGridWrap(fyne.NewSize(w, MinTouch+8), b)
}

// Content returns the keyboard's object.
func (c *Chinese) Content() fyne.CanvasObject { return c.box }

// ZhMode says whether letters now compose Chinese.
func (c *Chinese) ZhMode() bool { return c.zh && !c.latinOnly && c.comp != nil }

// LatinOnly is told when a field gains focus whether it takes Chinese: an
// ID number's X must be an X. The citizen's 中/英 choice comes back with
// the next field that takes Chinese. A composition is dropped either way:
// it belonged to the field left.
func (c *Chinese) LatinOnly(on bool) {
	c.latinOnly = on
	c.reset()
}

// Reset drops the composition (a new field, a new citizen).
func (c *Chinese) Reset() { c.reset() }

func (c *Chinese) reset() {
	if c.comp != nil {
		c.comp.Reset()
	}
	c.refresh()
}

func (c *Chinese) setZh(on bool) {
	if !on && c.comp != nil && c.comp.Input() != "" {
		c.insert(c.comp.Commit()) // the letters typed are what was meant
	}
	c.zh = on
	c.refresh()
}

func (c *Chinese) press(key string) {
	if !c.ZhMode() {
		c.direct(key)
		return
	}
	switch {
	case key == Backspace:
		if !c.comp.Backspace() {
			c.key(key)
		}
	case key == Clear:
		if c.comp.Input() != "" {
			c.comp.Reset()
		} else {
			c.key(key)
		}
	case key == Apostrophe || isLetter(key):
		c.comp.Type(key)
	default:
		c.insert(key)
	}
	c.refresh()
}

// direct types a key as it is.
func (c *Chinese) direct(key string) {
	switch key {
	case Backspace, Clear:
		c.key(key)
	case Apostrophe:
		if !c.latinOnly {
			c.insert(key)
		}
	default:
		c.insert(key)
	}
}

func isLetter(key string) bool {
	return len(key) == 1 && strings.ContainsAny(strings.ToLower(key), "abcdefghijklmnopqrstuvwxyz")
}

func (c *Chinese) pick(i int) {
	if c.comp == nil {
		return
	}
	if t := c.comp.Pick(i); t != "" {
		c.insert(t)
	}
	c.refresh()
}

// refresh shows the mode, the composition and the page of candidates.
func (c *Chinese) refresh() {
	zh := c.ZhMode()
	c.Zh.Importance, c.En.Importance = widget.MediumImportance, widget.MediumImportance
	if zh {
		c.Zh.Importance = widget.HighImportance
	} else {
		c.En.Importance = widget.HighImportance
	}
	if c.latinOnly || c.comp == nil {
		c.Zh.Disable()
	} else {
		c.Zh.Enable()
	}
	c.Zh.Refresh()
	c.En.Refresh()
	var page []pinyinime.Candidate
	switch {
	case c.comp == nil:
		c.Composition.SetText(l10n.L("拼音输入不可用，请用字母或到窗口办理"))
	case zh && c.comp.Input() != "":
		c.Composition.SetText(c.comp.Composition())
		page = c.comp.Candidates()
	case zh:
		c.Composition.SetText(l10n.L("中文：点字母拼音，再点要的字"))
	default:
		c.Composition.SetText("")
	}
	for i, b := range c.Candidates {
		if i < len(page) {
			b.SetText(page[i].Text)
			b.Enable()
		} else {
			b.SetText("")
			b.Disable()
		}
	}
	if zh && c.comp.HasPrev() {
		c.Prev.Enable()
	} else {
		c.Prev.Disable()
	}
	if zh && c.comp.HasNext() {
		c.Next.Enable()
	} else {
		c.Next.Disable()
	}
}

// Pick taps the candidate with this text on the page shown; it says
// false when there is none (for tests and scripted walk-throughs).
func (c *Chinese) Pick(text string) bool {
	for _, b := range c.Candidates {
		if b.Text == text && !b.Disabled() {
			b.OnTapped()
			return true
		}
	}
	return false
}
