package checkgrid

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

var sectors = []string{"不动产登记", "商事登记", "投资项目", "社会事务", "其他综合事务", "公安服务", "民生服务"}

// TestSevenSectorsInThreeColumns: seven sectors take three rows of at most
// three boxes, every box inside the group, and a tap still selects.
func TestSevenSectorsInThreeColumns(t *testing.T) {
	test.NewTempApp(t)
	var changed []string
	g := New(sectors, 3, func(s []string) { changed = s })
	w := test.NewTempWindow(t, g)
	w.Resize(g.MinSize().Add(fyne.NewSize(20, 20)))
	boxes := test.WidgetRenderer(g).Objects()
	if got := len(boxes); got != len(sectors) {
		t.Fatalf("got %d boxes, want %d", got, len(sectors))
	}
	var one fyne.Size
	for _, b := range boxes {
		one = one.Max(b.MinSize())
	}
	if got, want := g.MinSize().Height, 3*one.Height; got < want || got > want+3*20 {
		t.Errorf("group height %v, want three rows of %v", got, one.Height)
	}
	if got, want := g.MinSize().Width, 3*one.Width; got > want+2*20+1 {
		t.Errorf("group width %v, want at most three boxes wide (%v)", got, want)
	}
	rows := map[float32]int{}
	for _, b := range boxes {
		rows[b.Position().Y]++
		if p := b.Position(); p.X+b.Size().Width > g.Size().Width+0.5 {
			t.Errorf("box %v at %v is outside the group %v", b, p, g.Size())
		}
	}
	if len(rows) != 3 {
		t.Errorf("boxes on %d rows, want 3: %v", len(rows), rows)
	}
	seventh := boxes[6].(*widget.Check)
	test.TapAt(seventh, fyne.NewPos(5, seventh.Size().Height/2))
	if !slices.Equal(changed, []string{"民生服务"}) || !slices.Equal(g.Selected, changed) {
		t.Errorf("after tapping the 7th: changed %v, selected %v, want [民生服务]", changed, g.Selected)
	}
	g.SetSelected([]string{"商事登记"})
	if !boxes[1].(*widget.Check).Checked {
		t.Error("SetSelected did not tick the box")
	}
}
