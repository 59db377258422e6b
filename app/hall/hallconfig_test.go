package hall

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
)

// TestCountyHallConfigTakesEffectAtOnce: the hub issues tickets only in
// the hall's hours; a config the county sends (10 sectors, 延时 Tuesday,
// Saturday 错时) is used by the next ticket, booking and board, without a
// restart; a retry of a ticket issued just before closing gets it again.
func TestCountyHallConfigTakesEffectAtOnce(t *testing.T) {
	l, clk := newLocal(t)
	ctx := context.Background()
	s, err := l.IssueTicket(ctx, TicketRequest{RequestID: "r1", Sector: "商事登记"})
	if err != nil || s.Ticket.Number != "B001" {
		t.Fatalf("default hall at 09:00: got %+v, %v; want B001", s.Ticket, err)
	}
	clk.Set(time.Date(2026, 9, 29, 12, 15, 0, 0, workday.China))
	if _, err := l.IssueTicket(ctx, TicketRequest{RequestID: "r2", Sector: "商事登记"}); !errors.Is(err, queue.ErrLunch) {
		t.Errorf("12:15: got %v, want %v", err, queue.ErrLunch)
	}
	if again, err := l.IssueTicket(ctx, TicketRequest{RequestID: "r1", Sector: "商事登记"}); err != nil || again.Ticket.ID != s.Ticket.ID {
		t.Errorf("retry of the morning's request at lunch: got %+v, %v; want the same ticket", again.Ticket, err)
	}
	b, err := l.Board(ctx)
	if err != nil || b.Closed == nil || b.Closed.Key != queue.ErrLunch.Key {
		t.Errorf("board at lunch: got closed %+v, %v; want the lunch notice", b.Closed, err)
	}

	doc, err := os.ReadFile("../queue/testdata/changxing-hall.json")
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(protocol.DocumentPayload{Version: "2026-12-hongqiao", Document: doc})
	if err := l.DB.ApplyFeed(ctx, []protocol.FeedItem{{Cursor: 1, Kind: protocol.FeedHallConfig, Payload: payload}}); err != nil {
		t.Fatal(err)
	}
	// Tuesday 18:30: open under the county's 延时, closed under the default.
	clk.Set(time.Date(2026, 9, 29, 18, 30, 0, 0, workday.China))
	s, err = l.IssueTicket(ctx, TicketRequest{RequestID: "r3", Sector: "公积金"})
	if err != nil || s.Ticket.Number != "J001" {
		t.Fatalf("公积金 at 18:30 on a 延时 Tuesday: got %+v, %v; want J001", s.Ticket, err)
	}
	b, err = l.Board(ctx)
	if err != nil || len(b.Sectors) != 10 || b.Closed != nil {
		t.Errorf("board: got %d sectors, closed %+v, %v; want 10, open", len(b.Sectors), b.Closed, err)
	}
	// A broken config from a newer county is skipped: the hall keeps its own.
	bad, _ := json.Marshal(protocol.DocumentPayload{Version: "x", Document: json.RawMessage(`{"version":"x","sectors":[]}`)})
	if err := l.DB.ApplyFeed(ctx, []protocol.FeedItem{{Cursor: 2, Kind: protocol.FeedHallConfig, Payload: bad}}); err != nil {
		t.Fatal(err)
	}
	if cfg, err := l.DB.HallConfig(ctx); err != nil || cfg.Version != "2026-12-hongqiao" {
		t.Errorf("after an unreadable config: got %q, %v; want the county's last good one", cfg.Version, err)
	}
	// Bookings: 投资项目 takes none in the afternoon; Saturday morning 错时 is bookable.
	if _, err := l.Book(ctx, BookRequest{RequestID: "b1", Sector: "投资项目", Day: "2026-09-30", Half: queue.PM,
		ResidentID: "330522199003150024", Mobile: "13857201234"}); !errors.Is(err, queue.ErrNoBooking) {
		t.Errorf("投资项目 afternoon: got %v, want %v", err, queue.ErrNoBooking)
	}
	bk, err := l.Book(ctx, BookRequest{RequestID: "b2", Sector: "公积金", Day: "2026-10-10", Half: queue.AM,
		ResidentID: "330522199003150024", Mobile: "13857201234"})
	if err != nil || bk.Code != "1010J001" {
		t.Errorf("公积金 on 调休 Saturday: got %+v, %v; want code 1010J001", bk, err)
	}
}

// TestClerkOfAConfiguredSector: under 长兴's 10 sectors a clerk of 公积金
// (a sector the default hall lacks) can be created, open a counter and
// call a 公积金 ticket; before the config came the same clerk is refused,
// and a counter asking for a sector the hall dropped is told which one.
func TestClerkOfAConfiguredSector(t *testing.T) {
	l, _ := newLocal(t)
	ctx := context.Background()
	sup, err := l.DB.Authenticate(ctx, "zhuguan", "hq-2026-chen")
	if err != nil {
		t.Fatal(err)
	}
	gjj := clerks.Account{Login: "gjj", Name: "沈公积", Role: clerks.Clerk, Window: 9, Sectors: []string{"公积金"}}
	if _, err := l.DB.CreateAccount(ctx, sup, gjj, "gjj-2026-shen"); !errors.Is(err, clerks.ErrSector) {
		t.Fatalf("公积金 clerk in the default hall: got %v, want %v", err, clerks.ErrSector)
	}
	if err := l.OpenCounter(ctx, Counter{Window: 9, ClerkID: 9, ClerkName: "沈公积", Sectors: []string{"公积金"}}); !errors.Is(err, queue.ErrSectorGone) {
		t.Errorf("公积金 counter in the default hall: got %v, want %v", err, queue.ErrSectorGone)
	}

	doc, err := os.ReadFile("../queue/testdata/changxing-hall.json")
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(protocol.DocumentPayload{Version: "2026-12-hongqiao", Document: doc})
	if err := l.DB.ApplyFeed(ctx, []protocol.FeedItem{{Cursor: 1, Kind: protocol.FeedHallConfig, Payload: payload}}); err != nil {
		t.Fatal(err)
	}
	acc, err := l.DB.CreateAccount(ctx, sup, gjj, "gjj-2026-shen")
	if err != nil {
		t.Fatalf("公积金 clerk in 长兴's hall: %v", err)
	}
	if _, err := l.IssueTicket(ctx, TicketRequest{RequestID: "r1", Sector: "商事登记"}); err != nil {
		t.Fatal(err)
	}
	s, err := l.IssueTicket(ctx, TicketRequest{RequestID: "r2", Sector: "公积金"})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.OpenCounter(ctx, Counter{Window: acc.Window, ClerkID: acc.ID, ClerkName: acc.Name, Sectors: acc.Sectors}); err != nil {
		t.Fatalf("open the 公积金 counter: %v", err)
	}
	got, err := l.CallNext(ctx, "c1", acc.Window)
	if err != nil || got.ID != s.Ticket.ID || got.Number != "J001" {
		t.Errorf("call at the 公积金 counter: got %s (%s), %v; want J001", got.Number, got.Sector, err)
	}
	err = l.OpenCounter(ctx, Counter{Window: 4, ClerkID: 4, ClerkName: "李华", Sectors: []string{"商事登记", "便民代办"}})
	if !errors.Is(err, queue.ErrSectorGone) || !strings.Contains(err.Error(), "便民代办") {
		t.Errorf("counter with a sector the hall lacks: got %v, want %v naming 便民代办", err, queue.ErrSectorGone)
	}
	// The county drops 公积金 (renamed 住房公积金): its clerk still signs
	// in, keeps the sector on record, and opening for it names it.
	renamed := strings.Replace(string(doc), `"name": "公积金"`, `"name": "住房公积金"`, 1)
	payload, _ = json.Marshal(protocol.DocumentPayload{Version: "2026-12-renamed", Document: json.RawMessage(renamed)})
	if err := l.DB.ApplyFeed(ctx, []protocol.FeedItem{{Cursor: 2, Kind: protocol.FeedHallConfig, Payload: payload}}); err != nil {
		t.Fatal(err)
	}
	if err := l.CloseCounter(ctx, acc.Window); err != nil {
		t.Fatal(err)
	}
	again, err := l.DB.Authenticate(ctx, "gjj", "gjj-2026-shen")
	if err != nil || !slices.Equal(again.Sectors, []string{"公积金"}) {
		t.Fatalf("sign-in after the sector was dropped: got %+v, %v; want the clerk with 公积金 on record", again, err)
	}
	err = l.OpenCounter(ctx, Counter{Window: again.Window, ClerkID: again.ID, ClerkName: again.Name, Sectors: again.Sectors})
	if !errors.Is(err, queue.ErrSectorGone) || !strings.Contains(err.Error(), "公积金") {
		t.Errorf("open for the dropped sector: got %v, want %v naming 公积金", err, queue.ErrSectorGone)
	}
}
