package ticket

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
)

// TestTicketStartsWithTheGuidesSector: from a guide page the machine marks
// the matter's sector and only that one, without issuing anything before
// the citizen's tap; a sector the hall lacks leaves every button alike.
func TestTicketStartsWithTheGuidesSector(t *testing.T) {
	busytest.NewApp(t)
	for _, tt := range []struct {
		sector, want string
	}{
		{"商事登记", "商事登记"},
		{"没有的业务", ""},
		{"", ""},
	} {
		f := &fakeHall{byReq: map[string]queue.Slip{}}
		s := New(context.Background(), f, now, nil, WithSector(tt.sector))
		test.NewTempWindow(t, s.Content())
		settle(t, s)
		if s.Suggested != tt.want {
			t.Errorf("%q: got suggested %q, want %q", tt.sector, s.Suggested, tt.want)
		}
		high := 0
		for i, btn := range s.Sectors {
			if btn.Importance == widget.HighImportance {
				high++
				if tt.want != "" && s.names[i] != tt.want {
					t.Errorf("%q: got %s marked, want %s", tt.sector, s.names[i], tt.want)
				}
			}
		}
		want := 1
		if tt.want == "" {
			want = len(s.Sectors)
		}
		if high != want {
			t.Errorf("%q: got %d marked buttons, want %d", tt.sector, high, want)
		}
		if f.issued != 0 {
			t.Errorf("%q: got %d tickets before a tap, want 0", tt.sector, f.issued)
		}
	}
}

// TestBookerStartsWithTheGuidesSector: the booking screen opens with the
// matter's sector chosen and its slots listed; an unknown sector opens it
// with nothing chosen.
func TestBookerStartsWithTheGuidesSector(t *testing.T) {
	busytest.NewApp(t)
	for _, touch := range []bool{false, true} {
		for _, tt := range []struct{ sector, want string }{
			{"商事登记", "商事登记"},
			{"没有的业务", ""},
		} {
			f := &fakeHall{byReq: map[string]queue.Slip{}}
			build := NewBooker
			if touch {
				build = NewTouchBooker
			}
			b := build(context.Background(), f, now, nil, WithSector(tt.sector))
			test.NewTempWindow(t, b.Content())
			if got := b.Sector.Selected; got != tt.want {
				t.Errorf("touch %v, %q: got sector %q, want %q", touch, tt.sector, got, tt.want)
			}
			if tt.want != "" && len(b.Slot.Options) == 0 {
				t.Errorf("touch %v, %q: no slots listed", touch, tt.sector)
			}
		}
	}
}
