// Package uitest reads and drives a window's widget tree for tests: what
// it shows, what lies off the screen, what to tap for a text. It works on
// Fyne's test window (headless tests) and on a real window under Xvfb
// (there, call it on the UI goroutine, inside fyne.DoAndWait), so both
// halves of a screen check judge by the same rules.
package uitest

import (
	"fmt"
	"reflect"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// Walk calls f for o and every visible object inside it, parents first.
func Walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	f(o)
	for _, c := range children(o) {
		Walk(c, f)
	}
}

// children are the objects a container holds or a widget's renderer draws.
func children(o fyne.CanvasObject) []fyne.CanvasObject {
	switch x := o.(type) {
	case *fyne.Container:
		return x.Objects
	case fyne.Widget:
		return test.WidgetRenderer(x).Objects()
	}
	return nil
}

// layers are what the window draws: its content, then the pop-ups and
// dialogs over it, the top one last.
func layers(w fyne.Window) []fyne.CanvasObject {
	return append([]fyne.CanvasObject{w.Content()}, w.Canvas().Overlays().List()...)
}

// reachable is what a user can touch: the top dialog or pop-up while one
// is open (a modal one covers everything else), else the content.
func reachable(w fyne.Window) fyne.CanvasObject {
	if top := w.Canvas().Overlays().Top(); top != nil {
		return top
	}
	return w.Content()
}

// Shown is the text of every label, button and text the window draws
// (dialogs and pop-ups included), one per line.
func Shown(w fyne.Window) string {
	var b strings.Builder
	walkAll := func(f func(fyne.CanvasObject)) {
		for _, l := range layers(w) {
			Walk(l, f)
		}
	}
	walkAll(func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			b.WriteString(x.Text + "\n")
		case *widget.Button:
			b.WriteString(x.Text + "\n")
		case *canvas.Text:
			b.WriteString(x.Text + "\n")
		}
	})
	return b.String()
}

type rect struct{ x0, y0, x1, y1 float32 }

func (r rect) and(o rect) rect {
	return rect{max(r.x0, o.x0), max(r.y0, o.y0), min(r.x1, o.x1), min(r.y1, o.y1)}
}
func (r rect) empty() bool { return r.x1 <= r.x0 || r.y1 <= r.y0 }

// OffScreen lists the visible objects of the window's content that lie,
// even partly, outside the window. What a scroll container hides is not
// visible: only the part inside every enclosing scroll counts. A scroll
// that moves only up and down with content wider than itself cuts that
// content off for good, and is listed too.
func OffScreen(w fyne.Window) []string {
	size := w.Canvas().Size()
	win := rect{0, 0, size.Width, size.Height}
	const slack = 0.5 // layouts round to half pixels
	var bad []string
	var walk func(o fyne.CanvasObject, at fyne.Position, clip rect, path string)
	walk = func(o fyne.CanvasObject, at fyne.Position, clip rect, path string) {
		if o == nil || !o.Visible() {
			return
		}
		p := at.Add(o.Position())
		s := o.Size()
		r := rect{p.X, p.Y, p.X + s.Width, p.Y + s.Height}
		shown := r.and(clip)
		if !shown.empty() && (shown.x0 < -slack || shown.y0 < -slack || shown.x1 > win.x1+slack || shown.y1 > win.y1+slack) {
			bad = append(bad, fmt.Sprintf("%s %s at %.0f,%.0f size %.0f×%.0f", path, Describe(o), p.X, p.Y, s.Width, s.Height))
			return // its children say the same
		}
		if sc, ok := o.(*container.Scroll); ok {
			if sc.Direction == container.ScrollVerticalOnly && sc.Content != nil && sc.Content.Size().Width > s.Width+slack {
				bad = append(bad, fmt.Sprintf("%s %s cut off on the right: %.0f wide in a scroll %.0f wide", path, Describe(sc.Content), sc.Content.Size().Width, s.Width))
			}
			clip = clip.and(r)
		}
		for i, c := range children(o) {
			walk(c, p, clip, fmt.Sprintf("%s/%d", path, i))
		}
	}
	for _, l := range layers(w) {
		walk(l, fyne.Position{}, rect{-1e9, -1e9, 1e9, 1e9}, "")
	}
	return bad
}

// Describe names an object by its type and the first text inside it.
func Describe(o fyne.CanvasObject) string {
	text := ""
	Walk(o, func(c fyne.CanvasObject) {
		if text != "" {
			return
		}
		switch x := c.(type) {
		case *canvas.Text:
			text = x.Text
		case *widget.Label:
			text = x.Text
		case *widget.Entry:
			text = x.Text
		}
	})
	if len([]rune(text)) > 24 {
		text = string([]rune(text)[:24]) + "…"
	}
	return fmt.Sprintf("%T %q", o, text)
}

// Target is what a user would touch to act on a text: the object showing
// it (where a real pointer clicks) and the action a tap there runs.
type Target struct {
	// Shown draws the text; nil for a tab chosen through its container.
	Shown fyne.CanvasObject
	// Tap acts as a tap on it would (Fyne's test tap).
	Tap func()
}

// Find is the first enabled tappable thing showing exactly text that a
// user can reach (only inside the top dialog while one is open): a button
// with that text, a tab with that title, or a label or text drawn inside a
// tappable object (a tile, a list row drawn as a blank button under its
// labels). ok is false when there is no such thing.
func Find(w fyne.Window, text string) (t Target, ok bool) {
	return FindFunc(w, func(s string) bool { return s == text })
}

// FindFunc is Find for the first text that match accepts.
func FindFunc(w fyne.Window, match func(string) bool) (t Target, ok bool) {
	var walk func(o fyne.CanvasObject, owner fyne.Tappable)
	walk = func(o fyne.CanvasObject, owner fyne.Tappable) {
		if ok || o == nil || !o.Visible() {
			return
		}
		if tp, is := o.(fyne.Tappable); is {
			if d, is := o.(fyne.Disableable); !is || !d.Disabled() {
				owner = tp
			}
		}
		if tabs, is := o.(*container.AppTabs); is {
			for i, item := range tabs.Items {
				if match(item.Text) {
					t, ok = Target{Tap: func() { tabs.SelectIndex(i) }}, true
					return
				}
			}
		}
		found := func(shown fyne.CanvasObject, tp fyne.Tappable) {
			t, ok = Target{Shown: shown, Tap: func() { test.Tap(tp) }}, true
		}
		switch x := o.(type) {
		case *widget.Button:
			if match(x.Text) && !x.Disabled() {
				found(x, x)
				return
			}
		case *canvas.Text:
			if match(x.Text) && owner != nil {
				found(x, owner)
				return
			}
		case *widget.Label:
			if match(x.Text) && owner != nil {
				found(x, owner)
				return
			}
		}
		if c, is := o.(*fyne.Container); is {
			// A row drawn as a blank button under its labels (a stack)
			// is tapped through the button.
			for _, b := range c.Objects {
				if b, is := b.(*widget.Button); is && b.Text == "" && !b.Disabled() && b.Visible() {
					owner = b
				}
			}
		}
		for _, c := range children(o) {
			walk(c, owner)
		}
	}
	walk(reachable(w), nil)
	return t, ok
}

// Entry is the text field inside o: o itself, or the widget.Entry a
// custom field (an ID-number field, a masked field) extends.
func Entry(o fyne.CanvasObject) (*widget.Entry, bool) {
	if e, ok := o.(*widget.Entry); ok {
		return e, true
	}
	v := reflect.ValueOf(o)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, false
	}
	f := v.Elem().FieldByName("Entry")
	if !f.IsValid() || f.Type() != reflect.TypeOf(widget.Entry{}) || !f.CanAddr() {
		return nil, false
	}
	return f.Addr().Interface().(*widget.Entry), true
}

// FindEntry is the first visible text field whose placeholder is
// placeholder.
func FindEntry(w fyne.Window, placeholder string) (entry *widget.Entry, ok bool) {
	Walk(w.Content(), func(o fyne.CanvasObject) {
		if e, is := Entry(o); is && !ok && e.PlaceHolder == placeholder {
			entry, ok = e, true
		}
	})
	return entry, ok
}

// InView is the part of o that the window shows, in canvas coordinates:
// o's area cut to every scroll that holds it and to the window. ok is false
// when none of o shows (scrolled away, not in the window at all, or under
// an open dialog).
func InView(w fyne.Window, o fyne.CanvasObject) (pos fyne.Position, size fyne.Size, ok bool) {
	canvas := w.Canvas().Size()
	var found rect
	var walk func(c fyne.CanvasObject, at fyne.Position, clip rect) bool
	walk = func(c fyne.CanvasObject, at fyne.Position, clip rect) bool {
		if c == nil || !c.Visible() {
			return false
		}
		p := at.Add(c.Position())
		s := c.Size()
		r := rect{p.X, p.Y, p.X + s.Width, p.Y + s.Height}
		if c == o {
			found = r.and(clip)
			return true
		}
		if _, is := c.(*container.Scroll); is {
			clip = clip.and(r)
		}
		for _, k := range children(c) {
			if walk(k, p, clip) {
				return true
			}
		}
		return false
	}
	if !walk(reachable(w), fyne.Position{}, rect{0, 0, canvas.Width, canvas.Height}) || found.empty() {
		return fyne.Position{}, fyne.Size{}, false
	}
	return fyne.NewPos(found.x0, found.y0), fyne.NewSize(found.x1-found.x0, found.y1-found.y0), true
}
