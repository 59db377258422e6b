// Package checkgrid provides a check group laid out in columns: a row of
// seven sector names is wider than a form on a 1280 px screen (issue 17:
// the 7th sector cut off), a column of them taller than it.
package checkgrid

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// Group is a widget.CheckGroup (same Options, Selected, SetSelected,
// OnChanged) whose boxes fill a grid of Columns columns, row by row.
type Group struct {
	widget.CheckGroup
	Columns int
}

// New returns a group of options in columns columns.
func New(options []string, columns int, changed func([]string)) *Group {
	g := &Group{Columns: max(columns, 1)}
	g.Options, g.OnChanged = options, changed
	// The group's own methods find this widget, and so this renderer,
	// through the base widget: extend it before CheckGroup does.
	g.ExtendBaseWidget(g)
	return g
}

// CreateRenderer wraps the check group's renderer: its boxes, laid out in
// a grid.
func (g *Group) CreateRenderer() fyne.WidgetRenderer {
	return &renderer{WidgetRenderer: g.CheckGroup.CreateRenderer(), g: g}
}

type renderer struct {
	fyne.WidgetRenderer
	g *Group
}

func (r *renderer) grid() fyne.Layout { return layout.NewGridLayoutWithColumns(r.g.Columns) }

func (r *renderer) Layout(size fyne.Size) { r.grid().Layout(r.Objects(), size) }

func (r *renderer) MinSize() fyne.Size { return r.grid().MinSize(r.Objects()) }

func (r *renderer) Refresh() {
	r.WidgetRenderer.Refresh() // makes, names and ticks the boxes, in a row
	r.Layout(r.g.Size())
}
