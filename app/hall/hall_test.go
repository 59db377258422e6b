package hall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/hallnet"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/workday"
)

// 2026-09-29, a Tuesday morning.
var morning = time.Date(2026, 9, 29, 9, 0, 0, 0, workday.China)

func newLocal(t testing.TB) (*Local, *clock.Manual) {
	t.Helper()
	clk := clock.NewManual(morning)
	db, err := openHubDB(context.Background(), filepath.Join(t.TempDir(), "hub.db"), store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return NewLocal(db, clk, "请保管好随身物品"), clk
}

// openHubDB opens a hub's database and its data, as its supervisor's
// sign-in does (the first one sets the machine up).
func openHubDB(ctx context.Context, path string, opts store.Options) (*store.DB, error) {
	db, err := store.Open(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	if has, _ := db.HasSupervisor(ctx); !has {
		_, err = db.CreateFirstSupervisor(ctx, clerks.Account{Login: "zhuguan", Name: "陈主管", Window: 1}, "hq-2026-chen")
	} else {
		_, err = db.Authenticate(ctx, "zhuguan", "hq-2026-chen")
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func TestTicketsCallsAndBoard(t *testing.T) {
	l, clk := newLocal(t)
	ctx := context.Background()
	if err := l.OpenCounter(ctx, Counter{Window: 3, ClerkID: 7, ClerkName: "王丽", Sectors: []string{"商事登记", "民生服务"}}); err != nil {
		t.Fatal(err)
	}
	events, _ := l.Subscribe(ctx)
	if first := <-events; first.Kind != EventChanged || first.Board.Waiting == nil {
		t.Fatalf("first event %+v, want the current board", first)
	}
	s1, err := l.IssueTicket(ctx, TicketRequest{RequestID: "r1", Sector: "商事登记"})
	if err != nil || s1.Ticket.Number != "B001" || s1.Ahead != 0 {
		t.Fatalf("first ticket: %+v, %v", s1, err)
	}
	again, err := l.IssueTicket(ctx, TicketRequest{RequestID: "r1", Sector: "商事登记"})
	if err != nil || again.Ticket.ID != s1.Ticket.ID {
		t.Fatalf("repeated request gave %+v, %v; want the same ticket", again.Ticket, err)
	}
	clk.Advance(time.Minute)
	s2, _ := l.IssueTicket(ctx, TicketRequest{RequestID: "r2", Sector: "商事登记"})
	if s2.Ticket.Number != "B002" || s2.Ahead != 1 || s2.Wait != 16*time.Minute {
		t.Errorf("second ticket: %s, %d ahead, wait %v; want B002, 1, 16m", s2.Ticket.Number, s2.Ahead, s2.Wait)
	}
	clk.Advance(time.Minute)
	green, _ := l.IssueTicket(ctx, TicketRequest{RequestID: "r3", Sector: "民生服务", Green: true})
	if _, err := l.IssueTicket(ctx, TicketRequest{RequestID: "r4", Sector: "民生服务", ResidentID: "330522199003150020"}); !errors.Is(err, ids.ErrIDChecksum) {
		t.Errorf("invalid ID: %v", err)
	}
	if _, err := l.IssueTicket(ctx, TicketRequest{RequestID: "r5", Sector: "税务"}); !errors.Is(err, queue.ErrNoSector) {
		t.Errorf("unknown sector: %v", err)
	}

	called, err := l.CallNext(ctx, "", 3)
	if err != nil || called.ID != green.Ticket.ID {
		t.Fatalf("first call = %s, %v; want the green-channel ticket %s", called.Number, err, green.Ticket.Number)
	}
	if _, err := l.CallNext(ctx, "", 3); !errors.Is(err, queue.ErrBusy) {
		t.Errorf("calling while busy: %v", err)
	}
	var ev Event
	for ev.Kind != EventCalled {
		select {
		case ev = <-events:
		case <-time.After(time.Second):
			t.Fatal("no called event")
		}
	}
	if ev.Call.Number != green.Ticket.Number || ev.Call.Window != 3 || ev.Board.Waiting["商事登记"] != 2 {
		t.Errorf("event = %+v", ev)
	}
	for _, a := range []Action{Recall, Start, Finish} {
		if _, err := l.Act(ctx, ActRequest{Window: 3, TicketID: called.ID, Action: a}); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		clk.Advance(5 * time.Minute)
	}
	next, _ := l.CallNext(ctx, "", 3)
	if next.Number != "B001" {
		t.Errorf("after the green ticket: %s, want B001", next.Number)
	}
	if _, err := l.Act(ctx, ActRequest{Window: 4, TicketID: next.ID, Action: Finish}); !errors.Is(err, queue.ErrNotYours) {
		t.Errorf("another window finishing: %v", err)
	}
	if _, err := l.Act(ctx, ActRequest{Window: 3, TicketID: next.ID, Action: NoShow}); err != nil {
		t.Fatal(err)
	}
	b, _ := l.Board(ctx)
	if b.Notice == "" || b.Waiting["商事登记"] != 1 {
		t.Errorf("board = %+v", b)
	}
	// Both calls are over (办结, 过号): they leave the current calls for
	// 最近叫号, newest first.
	var recent []string
	for _, c := range b.Recent {
		recent = append(recent, fmt.Sprintf("%s@%d", c.Number, c.Window))
	}
	if got, want := recent, []string{"B001@3", green.Ticket.Number + "@3"}; !slices.Equal(got, want) || len(b.Calls) != 0 {
		t.Errorf("recent calls: got %v (current %v), want %v (none current)", got, b.Calls, want)
	}
	st, _ := l.Stats(ctx)
	var biz, life SectorStats
	for _, s := range st.Sectors {
		switch s.Sector {
		case "商事登记":
			biz = s
		case "民生服务":
			life = s
		}
	}
	if biz.Issued != 2 || biz.NoShows != 1 || biz.Waiting != 1 || life.Served != 1 || life.AvgService != 5*time.Minute {
		t.Errorf("stats: %+v %+v", biz, life)
	}
	if len(st.Clerks) != 1 || st.Clerks[0].Name != "王丽" || st.Clerks[0].Served != 1 {
		t.Errorf("clerk stats: %+v", st.Clerks)
	}
}

func TestBookingsAndCheckIn(t *testing.T) {
	l, clk := newLocal(t)
	ctx := context.Background()
	cfg := queue.DefaultHallConfig()
	cfg.Sectors[0].CapacityAM, cfg.Sectors[0].CapacityPM = 2, 2 // 不动产登记
	l.Config = &cfg
	id := "330522199003150024"
	b, err := l.Book(ctx, BookRequest{RequestID: "b1", Sector: "不动产登记", Day: "2026-10-10", Half: queue.AM, ResidentID: id, Mobile: "13857201234"})
	if err != nil || b.Code != "1010A001" {
		t.Fatalf("book: %+v, %v", b, err)
	}
	tests := []struct {
		name string
		req  BookRequest
		want error
	}{
		{"same day twice", BookRequest{Sector: "不动产登记", Day: "2026-10-10", Half: queue.PM, ResidentID: id, Mobile: "13857201234"}, queue.ErrDuplicate},
		{"holiday", BookRequest{Sector: "不动产登记", Day: "2026-10-05", Half: queue.AM, ResidentID: id, Mobile: "13857201234"}, queue.ErrClosedOn},
		{"too far", BookRequest{Sector: "不动产登记", Day: "2026-10-16", Half: queue.AM, ResidentID: id, Mobile: "13857201234"}, queue.ErrTooFar},
		{"bad ID", BookRequest{Sector: "不动产登记", Day: "2026-10-09", Half: queue.AM, ResidentID: "330522199003150020", Mobile: "13857201234"}, ids.ErrIDChecksum},
		{"bad mobile", BookRequest{Sector: "不动产登记", Day: "2026-10-09", Half: queue.AM, ResidentID: id, Mobile: "1385720"}, ids.ErrMobileLength},
	}
	for i, tt := range tests {
		tt.req.RequestID = "bx" + string(rune('a'+i))
		if _, err := l.Book(ctx, tt.req); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	other := "11010519491231002X"
	if _, err := l.Book(ctx, BookRequest{RequestID: "b2", Sector: "不动产登记", Day: "2026-10-10", Half: queue.AM, ResidentID: other, Mobile: "13900000000"}); err != nil {
		t.Fatal(err)
	}
	third := "440524188001010014"
	_, err = l.Book(ctx, BookRequest{RequestID: "b3", Sector: "不动产登记", Day: "2026-10-10", Half: queue.AM, ResidentID: third, Mobile: "13900000001"})
	if !errors.Is(err, queue.ErrSlotFull) || !strings.Contains(err.Error(), "还可预约：2026-09-29 上午、2026-09-29 下午、2026-09-30 上午") {
		t.Errorf("third booking in a slot of 2: %v, want the next free half-days", err)
	}
	slots, _ := l.FreeSlots(ctx, "不动产登记")
	for _, s := range slots {
		if s.Day == "2026-10-10" && s.Half == queue.AM && s.Free != 0 {
			t.Errorf("slot %s AM shows %d free, want 0", s.Day, s.Free)
		}
	}

	// Check-in on the day: too early, then in time (priority).
	clk.Set(time.Date(2026, 10, 10, 7, 30, 0, 0, workday.China))
	if _, err := l.CheckIn(ctx, "c1", b.Code); !errors.Is(err, queue.ErrTooEarly) {
		t.Errorf("check-in at 07:30: %v", err)
	}
	clk.Set(time.Date(2026, 10, 10, 8, 10, 0, 0, workday.China))
	slip, err := l.CheckIn(ctx, "c2", strings.ToLower(b.Code))
	if err != nil || slip.Ticket.Priority != queue.PriorityBooking || slip.Ticket.ResidentID != id {
		t.Fatalf("check-in: %+v, %v", slip.Ticket, err)
	}
	if _, err := l.CheckIn(ctx, "c3", b.Code); !errors.Is(err, queue.ErrBookingGone) {
		t.Errorf("second check-in: %v", err)
	}
	// Cancel the other booking; the wrong ID cannot.
	if _, err := l.CancelBooking(ctx, "1010A002", id); !errors.Is(err, queue.ErrNoSuchBooking) {
		t.Errorf("cancel with another's ID: %v", err)
	}
	if c, err := l.CancelBooking(ctx, "1010A002", other); err != nil || c.Status != queue.BookingCancelled {
		t.Errorf("cancel: %+v %v", c, err)
	}
}

func TestHTTPTokenAndIdempotency(t *testing.T) {
	l, _ := newLocal(t)
	srv, conn := serveHub(t, Handler(l))
	ctx := context.Background()
	bad := NewClient(srv.URL, Conn{Transport: conn.Transport, Token: "wrong"})
	if _, err := bad.IssueTicket(ctx, TicketRequest{RequestID: "x", Sector: "商事登记"}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong token: %v, want refused", err)
	}
	resp, err := (&http.Client{Transport: conn.Transport}).Get(srv.URL + "/api/board")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: %s", resp.Status)
	}
	// Plain HTTP gets nothing: the hall speaks TLS only.
	if resp, err := http.Get(strings.Replace(srv.URL, "https://", "http://", 1) + "/api/board"); err == nil {
		if resp.StatusCode == http.StatusOK {
			t.Error("the queue answered over plain HTTP")
		}
		resp.Body.Close()
	}
	c := NewClient(srv.URL, conn)
	a, err := c.IssueTicket(ctx, TicketRequest{RequestID: "same", Sector: "商事登记"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.IssueTicket(ctx, TicketRequest{RequestID: "same", Sector: "商事登记"})
	if err != nil || b.Ticket.ID != a.Ticket.ID {
		t.Errorf("repeat over HTTP gave %s, want %s", b.Ticket.Number, a.Ticket.Number)
	}
	_, err = c.IssueTicket(ctx, TicketRequest{RequestID: "id", Sector: "商事登记", ResidentID: "123"})
	if m, ok := msg.As(err); !ok || m.Key != ids.ErrIDLength.Key {
		t.Errorf("remote validation error = %v, want the ID message as a translatable *msg.Error", err)
	}
	if err := c.OpenCounter(ctx, Counter{Window: 1, ClerkID: 1, ClerkName: "王丽", Sectors: []string{"商事登记"}}); err != nil {
		t.Fatal(err)
	}
	t1, err := c.CallNext(ctx, "call-1", 1)
	if err != nil {
		t.Fatal(err)
	}
	t2, err := c.CallNext(ctx, "call-1", 1) // a retry of the same call
	if err != nil || t2.ID != t1.ID {
		t.Errorf("retried call gave %s, %v; want the same %s and no second call", t2.Number, err, t1.Number)
	}
}

func TestClientSeesHubGoAndComeBack(t *testing.T) {
	l, _ := newLocal(t)
	srv, conn := serveHub(t, Handler(l))
	c := NewClient(srv.URL, conn)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, _ := c.Subscribe(ctx)
	first := <-ch
	if first.Kind != EventChanged {
		t.Fatalf("first event %s", first.Kind)
	}
	addr := srv.Listener.Addr().String()
	srv.CloseClientConnections()
	srv.Close()
	if ev := <-ch; ev.Kind != EventOffline {
		t.Fatalf("after the hub went away: %s", ev.Kind)
	}
	if _, err := c.Board(ctx); !errors.Is(err, ErrHubDown) {
		t.Errorf("request while the hub is down: %v", err)
	}
	// The hub comes back on the same address.
	srv2 := httptest.NewUnstartedServer(hubHandler(Handler(l)))
	ln, err := netListen(addr)
	if err != nil {
		t.Skipf("cannot rebind %s: %v", addr, err)
	}
	srv2.Listener = ln
	srv2.TLS = srv.TLS
	srv2.StartTLS()
	defer func() {
		cancel() // stop following first: Close waits for open streams
		srv2.CloseClientConnections()
		srv2.Close()
	}()
	select {
	case ev := <-ch:
		if ev.Kind != EventOnline {
			t.Errorf("after the hub came back: %s", ev.Kind)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no online event within 10 s")
	}
}

// testToken is the one machine token the test hubs know.
const testToken = "token-of-a-paired-machine"

// hubHandler serves h to paired machines only, as the hub does.
func hubHandler(h http.Handler) http.Handler {
	return hallnet.Authorize(func(_ context.Context, tok string) (string, string) {
		if tok != testToken {
			return "", hallnet.CodeUnauthorized
		}
		return "machine-1", ""
	}, h)
}

// serveHub serves h over TLS with a hub certificate of its own and returns
// the connection a paired machine has (pinned to it, with its token).
func serveHub(t testing.TB, h http.Handler) (*httptest.Server, Conn) {
	t.Helper()
	id, err := hallnet.NewIdentity("测试", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := hallnet.ServerConfig(id)
	if err != nil {
		t.Fatal(err)
	}
	fp, _ := id.Fingerprint()
	srv := httptest.NewUnstartedServer(hubHandler(h))
	srv.TLS = cfg
	srv.StartTLS()
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	return srv, Conn{Transport: &http.Transport{TLSClientConfig: hallnet.PinnedConfig(fp)}, Token: testToken}
}

// TestFindBookingThenCancel: the terminal's 取消预约 over the hall's LAN —
// the booking is found only with its code and the ID it was made with
// (another ID is told it as an unknown code), cancelling frees the place
// (the slot's count goes up), and a cancelled booking is not found again.
func TestFindBookingThenCancel(t *testing.T) {
	l, _ := newLocal(t)
	srv, conn := serveHub(t, Handler(l))
	c := NewClient(srv.URL, conn)
	ctx := context.Background()
	id, other := "330522199003150024", "11010519491231002X"
	b, err := c.Book(ctx, BookRequest{RequestID: "b1", Sector: "不动产登记", Day: "2026-10-10", Half: queue.AM, ResidentID: id, Mobile: "13857201234"})
	if err != nil {
		t.Fatal(err)
	}
	free := func() int {
		slots, err := c.FreeSlots(ctx, "不动产登记")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range slots {
			if s.Day == "2026-10-10" && s.Half == queue.AM {
				return s.Free
			}
		}
		t.Fatal("no 2026-10-10 AM slot")
		return 0
	}
	booked := free()
	for _, tc := range []struct {
		name, code, id string
		want           error
	}{
		{"another's ID", b.Code, other, queue.ErrNoSuchBooking},
		{"unknown code", "1010A099", id, queue.ErrNoSuchBooking},
	} {
		if _, err := c.FindBooking(ctx, tc.code, tc.id); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	got, err := c.FindBooking(ctx, strings.ToLower(b.Code), id)
	if err != nil || got.Code != b.Code || got.Day != "2026-10-10" || got.Mobile != "13857201234" {
		t.Fatalf("find: got %+v, %v; want booking %s", got, err, b.Code)
	}
	if _, err := c.CancelBooking(ctx, b.Code, id); err != nil {
		t.Fatal(err)
	}
	if got, want := free(), booked+1; got != want {
		t.Errorf("free places after the cancellation: got %d, want %d", got, want)
	}
	if _, err := c.FindBooking(ctx, b.Code, id); !errors.Is(err, queue.ErrBookingGone) {
		t.Errorf("find a cancelled booking: got %v, want %v", err, queue.ErrBookingGone)
	}
}

// TestCounterStateLocalAndClientAgree: a window's state — open, its
// sectors, the ticket at it — reads the same on the hub (Local) and from
// another machine over the LAN (Client), at every step of a window's day,
// and is the hall's truth, not what one panel did.
func TestCounterStateLocalAndClientAgree(t *testing.T) {
	l, clk := newLocal(t)
	srv, conn := serveHub(t, Handler(l))
	c := NewClient(srv.URL, conn)
	ctx := context.Background()
	for i := range 3 {
		if _, err := l.IssueTicket(ctx, TicketRequest{RequestID: fmt.Sprint("r", i), Sector: "商事登记"}); err != nil {
			t.Fatal(err)
		}
	}
	var cur queue.Ticket
	act := func(a Action) func() error {
		return func() error {
			var err error
			cur, err = l.Act(ctx, ActRequest{RequestID: string(a) + cur.Number, Window: 4, TicketID: cur.ID, Action: a})
			return err
		}
	}
	call := func() error {
		var err error
		cur, err = l.CallNext(ctx, "", 4)
		return err
	}
	type want struct {
		open   bool
		ticket string // number and status; "" for none
	}
	steps := []struct {
		name string
		do   func() error
		want want
	}{
		{"never opened", func() error { return nil }, want{}},
		{"opened", func() error {
			return l.OpenCounter(ctx, Counter{Window: 4, ClerkID: 7, ClerkName: "王丽", Sectors: []string{"商事登记", "民生服务"}})
		}, want{true, ""}},
		{"called", call, want{true, "B001 called"}},
		{"serving", act(Start), want{true, "B001 serving"}},
		{"parked", act(Park), want{true, "B001 parked"}},
		// A parked ticket does not hold the window: the next one called
		// is the window's ticket, the parked one waits to resume.
		{"called while one is parked", call, want{true, "B002 called"}},
		{"finished", act(Finish), want{true, "B001 parked"}},
		{"closed with a parked ticket", func() error { return l.CloseCounter(ctx, 4) }, want{false, "B001 parked"}},
	}
	for _, st := range steps {
		clk.Advance(time.Minute)
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		local, err := l.CounterState(ctx, 4)
		if err != nil {
			t.Fatalf("%s: local: %v", st.name, err)
		}
		remote, err := c.CounterState(ctx, 4)
		if err != nil {
			t.Fatalf("%s: client: %v", st.name, err)
		}
		lj, _ := json.Marshal(local)
		rj, _ := json.Marshal(remote)
		if string(lj) != string(rj) {
			t.Errorf("%s: client got %s, want the hub's %s", st.name, rj, lj)
		}
		got := want{open: local.Open}
		if local.Ticket != nil {
			got.ticket = local.Ticket.Number + " " + string(local.Ticket.Status)
		}
		if got != st.want {
			t.Errorf("%s: got %+v, want %+v", st.name, got, st.want)
		}
		if local.Window != 4 || (local.Open && !slices.Equal(local.Sectors, []string{"商事登记", "民生服务"})) {
			t.Errorf("%s: got window %d sectors %v, want 4 with 商事登记、民生服务", st.name, local.Window, local.Sectors)
		}
	}
	if _, err := c.CounterState(ctx, 5); err != nil {
		t.Errorf("a window never opened: got %v, want its closed state", err)
	}
}

// TestWindowEventsNameTheWindow: opening, closing, calling and acting tell
// subscribers which window changed, so another machine signed in as that
// window reads its state again.
func TestWindowEventsNameTheWindow(t *testing.T) {
	l, _ := newLocal(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := l.IssueTicket(ctx, TicketRequest{RequestID: "r", Sector: "商事登记"}); err != nil {
		t.Fatal(err)
	}
	events, _ := l.Subscribe(ctx)
	<-events // the board as it stands
	var tk queue.Ticket
	steps := []struct {
		name string
		do   func() error
	}{
		{"open", func() error {
			return l.OpenCounter(ctx, Counter{Window: 6, ClerkID: 1, Sectors: []string{"商事登记"}})
		}},
		{"call", func() (err error) { tk, err = l.CallNext(ctx, "", 6); return err }},
		{"start", func() (err error) {
			tk, err = l.Act(ctx, ActRequest{RequestID: "s", Window: 6, TicketID: tk.ID, Action: Start})
			return err
		}},
		{"close", func() error { return l.CloseCounter(ctx, 6) }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		select {
		case ev := <-events:
			if ev.Window != 6 {
				t.Errorf("%s: got an event for window %d, want 6", st.name, ev.Window)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no event", st.name)
		}
	}
}

// TestStatsWaitAsTheCountyCounts: a ticket's wait (issue to first call)
// counts once the ticket has ended, done or 过号, as sync/figures defines it
// for the county, which learns a ticket's times when it closes.
func TestStatsWaitAsTheCountyCounts(t *testing.T) {
	l, clk := newLocal(t)
	ctx := context.Background()
	if err := l.OpenCounter(ctx, Counter{Window: 3, ClerkID: 7, ClerkName: "王丽", Sectors: []string{"商事登记"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.IssueTicket(ctx, TicketRequest{RequestID: "r1", Sector: "商事登记"}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(4 * time.Minute)
	called, err := l.CallNext(ctx, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	wait := func() time.Duration {
		st, err := l.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range st.Sectors {
			if s.Sector == "商事登记" {
				return s.AvgWait
			}
		}
		return -1
	}
	if got := wait(); got != 0 {
		t.Errorf("wait while the ticket is at the window: got %v, want none yet", got)
	}
	for _, a := range []Action{Start, Finish} {
		clk.Advance(3 * time.Minute)
		if _, err := l.Act(ctx, ActRequest{Window: 3, TicketID: called.ID, Action: a}); err != nil {
			t.Fatal(err)
		}
	}
	if got := wait(); got != 4*time.Minute {
		t.Errorf("wait once done: got %v, want 4m", got)
	}
}
