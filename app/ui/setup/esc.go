package setup

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
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

// EscRadioGroup is a radio group whose options hand Esc to the screen.
// Fyne's RadioGroup cannot: a tap gives the focus to one of its internal
// items, whose TypedKey drops every key, so the window never sees Esc
// again until the user clicks beside the form. The options here are our
// own focusable items, which keep Space (choose) and hand Esc up.
type EscRadioGroup struct {
	widget.BaseWidget
	Options    []string
	Selected   string
	Horizontal bool
	// Required: tapping the chosen option does not clear it.
	Required  bool
	OnChanged func(string)

	esc   func()
	items []*escRadioItem
	box   *fyne.Container
}

func newEscRadioGroup(options []string, changed func(string), esc func()) *EscRadioGroup {
	g := &EscRadioGroup{Options: options, OnChanged: changed, esc: esc}
	for _, o := range options {
		g.items = append(g.items, newEscRadioItem(o, g))
	}
	g.ExtendBaseWidget(g)
	return g
}

// SetSelected chooses an option (or none with ""), calling OnChanged when
// the choice changes, as widget.RadioGroup does.
func (g *EscRadioGroup) SetSelected(option string) {
	if g.Selected == option {
		return
	}
	g.Selected = option
	g.Refresh()
	if g.OnChanged != nil {
		g.OnChanged(option)
	}
}

func (g *EscRadioGroup) tapped(option string) {
	if g.Selected == option {
		if g.Required {
			return
		}
		option = ""
	}
	g.SetSelected(option)
}

// Refresh redraws the options' marks.
func (g *EscRadioGroup) Refresh() {
	for _, it := range g.items {
		it.Refresh()
	}
	g.BaseWidget.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (g *EscRadioGroup) CreateRenderer() fyne.WidgetRenderer {
	objs := make([]fyne.CanvasObject, len(g.items))
	for i, it := range g.items {
		objs[i] = it
	}
	if g.Horizontal {
		g.box = container.NewHBox(objs...)
	} else {
		g.box = container.NewVBox(objs...)
	}
	return widget.NewSimpleRenderer(g.box)
}

// escRadioItem is one option: tap or Space chooses it, Esc leaves.
type escRadioItem struct {
	widget.BaseWidget
	label   string
	group   *EscRadioGroup
	focused bool
}

func newEscRadioItem(label string, g *EscRadioGroup) *escRadioItem {
	it := &escRadioItem{label: label, group: g}
	it.ExtendBaseWidget(it)
	return it
}

// Tapped takes the focus (so the keyboard can go on from here) and chooses.
func (it *escRadioItem) Tapped(*fyne.PointEvent) {
	if c := fyne.CurrentApp().Driver().CanvasForObject(it); c != nil && !fyne.CurrentDevice().IsMobile() {
		c.Focus(it)
	}
	it.group.tapped(it.label)
}

// FocusGained implements fyne.Focusable.
func (it *escRadioItem) FocusGained() { it.focused = true; it.Refresh() }

// FocusLost implements fyne.Focusable.
func (it *escRadioItem) FocusLost() { it.focused = false; it.Refresh() }

// TypedRune implements fyne.Focusable: Space chooses, as in Fyne's group.
func (it *escRadioItem) TypedRune(r rune) {
	if r == ' ' {
		it.group.tapped(it.label)
	}
}

// TypedKey implements fyne.Focusable: Esc goes to the screen.
func (it *escRadioItem) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && it.group.esc != nil {
		it.group.esc()
	}
}

// CreateRenderer implements fyne.Widget.
func (it *escRadioItem) CreateRenderer() fyne.WidgetRenderer {
	focus := canvas.NewCircle(color.Transparent)
	icon := widget.NewIcon(theme.RadioButtonIcon())
	label := widget.NewLabel(it.label)
	r := &escRadioRenderer{item: it, focus: focus, icon: icon}
	r.refresh()
	mark := container.NewStack(focus, icon)
	r.WidgetRenderer = widget.NewSimpleRenderer(container.NewBorder(nil, nil, container.NewCenter(mark), nil, label))
	return r
}

type escRadioRenderer struct {
	fyne.WidgetRenderer
	item  *escRadioItem
	focus *canvas.Circle
	icon  *widget.Icon
}

func (r *escRadioRenderer) refresh() {
	if r.item.group.Selected == r.item.label {
		r.icon.SetResource(theme.NewPrimaryThemedResource(theme.RadioButtonCheckedIcon()))
	} else {
		r.icon.SetResource(theme.RadioButtonIcon())
	}
	r.focus.FillColor = color.Transparent
	if r.item.focused {
		r.focus.FillColor = theme.Color(theme.ColorNameFocus)
	}
	r.focus.Refresh()
}

func (r *escRadioRenderer) Refresh() {
	r.refresh()
	r.WidgetRenderer.Refresh()
}

// EscButton is a button that hands Esc to the screen: Tab gives a button
// the focus, and Fyne's button drops every key but Space and Return.
type EscButton struct {
	widget.Button
	esc func()
}

func newEscButton(label string, icon fyne.Resource, tapped func(), esc func()) *EscButton {
	b := &EscButton{esc: esc}
	b.Text, b.Icon, b.OnTapped = label, icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

// TypedKey implements fyne.Focusable: Esc goes to the screen, every
// other key to the button.
func (b *EscButton) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && b.esc != nil {
		b.esc()
		return
	}
	b.Button.TypedKey(ev)
}
