package selfservice

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/assets"
)

// TestGuidePageOpensTicketAndBookingWithItsSector: a matter's guide page
// has 取号 and 预约, which open those screens with the hall sector that
// takes the matter; in a hall with no such sector the buttons are there
// and open the screens with nothing chosen.
func TestGuidePageOpensTicketAndBookingWithItsSector(t *testing.T) {
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	const code = "330000-GA-0005"
	m, ok := cat.Matter(code)
	if !ok {
		t.Fatalf("demo catalog lacks %s", code)
	}
	full := queue.DefaultHallConfig()
	without := full
	without.Sectors = nil
	for _, s := range full.Sectors {
		if s.Name != m.Sector {
			without.Sectors = append(without.Sectors, s)
		}
	}
	for _, tt := range []struct {
		name string
		hall queue.HallConfig
		want string
	}{
		{"hall has the sector", full, m.Sector},
		{"hall lacks the sector", without, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			var gotTicket, gotBooking []string
			f := &fake{cat: cat}
			term := New(context.Background(), f, Options{After: (&timers{}).after, SetElderly: func(bool) {}, SectorFor: tt.hall.SectorFor,
				Ticket: func(_ func(), sector string) fyne.CanvasObject {
					gotTicket = append(gotTicket, sector)
					return widget.NewLabel("取号")
				},
				Booking: func(_ func(), sector string) fyne.CanvasObject {
					gotBooking = append(gotBooking, sector)
					return widget.NewLabel("预约")
				}})
			w := test.NewTempWindow(t, term.Content())
			w.Resize(fyne.NewSize(1280, 800))

			test.Tap(term.Tiles["guide"])
			term.Guide.open(code)
			if term.Guide.Ticket == nil || term.Guide.Book == nil {
				t.Fatal("guide page has no 取号 or 预约")
			}
			test.Tap(term.Guide.Ticket)
			term.Home()
			test.Tap(term.Tiles["guide"])
			term.Guide.open(code)
			test.Tap(term.Guide.Book)
			if len(gotTicket) != 1 || gotTicket[0] != tt.want {
				t.Errorf("取号: got sectors %q, want [%q]", gotTicket, tt.want)
			}
			if len(gotBooking) != 1 || gotBooking[0] != tt.want {
				t.Errorf("预约: got sectors %q, want [%q]", gotBooking, tt.want)
			}
			// The home tiles open the screens with nothing chosen.
			term.Home()
			test.Tap(term.Tiles["ticket"])
			if got := gotTicket[len(gotTicket)-1]; got != "" {
				t.Errorf("home 取号: got sector %q, want none", got)
			}
			if size := term.Content().MinSize(); size.Width > 1280 {
				t.Errorf("guide page needs %v, want within 1280 wide", size)
			}
		})
	}
}
