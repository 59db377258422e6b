package ticket

import (
	"context"
	"github.com/yichuang/yichuang/app/internal/shot"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/ui/keypad"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// fakeHall issues numbers like the hub: by request id, at most once.
type fakeHall struct {
	mu       sync.Mutex
	byReq    map[string]queue.Slip
	issued   int
	printed  []string
	failNext error
	lastReq  []queue.TicketRequest
	booked   []queue.BookRequest
	// jam, when set, holds every slip at the printer until closed.
	jam chan struct{}
	// board is what Board answers: the hall's sectors and hours.
	board queue.Board
	// cancelled counts bookings cancelled (their places free again).
	cancelled int
}

func (f *fakeHall) Board(context.Context) (queue.Board, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.board.Sectors == nil {
		for _, s := range queue.DefaultHallConfig().Sectors {
			f.board.Sectors = append(f.board.Sectors, queue.BoardSector{Name: s.Name, Letter: s.Letter})
		}
	}
	return f.board, nil
}

func (f *fakeHall) IssueTicket(_ context.Context, req queue.TicketRequest) (queue.Slip, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastReq = append(f.lastReq, req)
	if f.failNext != nil {
		err := f.failNext
		f.failNext = nil
		return queue.Slip{}, err
	}
	if s, ok := f.byReq[req.RequestID]; ok {
		return s, nil
	}
	f.issued++
	prio := ""
	if req.Green {
		prio = queue.PriorityGreen
	}
	s := queue.Slip{Ticket: queue.Ticket{ID: req.RequestID, Number: queue.Number(queue.DefaultHallConfig().Letter(req.Sector), f.issued), Sector: req.Sector, Priority: prio}, Ahead: 2, Wait: 20 * time.Minute}
	f.byReq[req.RequestID] = s
	return s, nil
}
func (f *fakeHall) CheckIn(context.Context, string, string) (queue.Slip, error) {
	return queue.Slip{}, queue.ErrNoSuchBooking
}
func (f *fakeHall) Book(_ context.Context, req queue.BookRequest) (queue.Booking, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.booked = append(f.booked, req)
	return queue.Booking{Code: "1010B001", Day: req.Day, Half: req.Half, Sector: req.Sector}, nil
}
func (f *fakeHall) FindBooking(_ context.Context, code, id string) (queue.Booking, error) {
	if code != "1010B001" || id != "330522199003150024" {
		return queue.Booking{}, msg.New(queue.ErrNoSuchBooking.Key, "Code", code)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cancelled > 0 {
		return queue.Booking{}, msg.New(queue.ErrBookingGone.Key, "Code", code, "Status", "使用或取消")
	}
	b := queue.Booking{Code: code, Sector: "商事登记", Day: "2026-12-03", Half: queue.AM, ResidentID: id, Mobile: "13857201234", Status: queue.BookingActive}
	if n := len(f.booked); n > 0 {
		r := f.booked[n-1]
		b.Sector, b.Day, b.Half, b.Mobile = r.Sector, r.Day, r.Half, r.Mobile
	}
	return b, nil
}
func (f *fakeHall) CancelBooking(_ context.Context, code, id string) (queue.Booking, error) {
	if code != "1010B001" || id != "330522199003150024" {
		return queue.Booking{}, msg.New(queue.ErrNoSuchBooking.Key, "Code", code)
	}
	f.mu.Lock()
	f.cancelled++
	f.mu.Unlock()
	return queue.Booking{Code: code, Status: queue.BookingCancelled}, nil
}
func (f *fakeHall) FreeSlots(_ context.Context, sector string) ([]queue.Slot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	// Three places in the morning, less those booked and not cancelled.
	free := 3 + f.cancelled
	for _, bk := range f.booked {
		if bk.Sector == sector && bk.Half == queue.AM {
			free--
		}
	}
	return []queue.Slot{{Sector: sector, Day: "2026-10-10", Half: queue.AM, Free: free, From: "08:30", To: "12:00"}, {Sector: sector, Day: "2026-10-10", Half: queue.PM, Free: 0, From: "13:30", To: "17:00"}}, nil
}
func (f *fakeHall) PrintTicket(_ context.Context, s queue.Slip) error {
	if f.jam != nil {
		<-f.jam
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.printed = append(f.printed, s.Ticket.Number)
	return nil
}
func (f *fakeHall) PrintBooking(context.Context, queue.Booking) error {
	if f.jam != nil {
		<-f.jam
	}
	return nil
}
func (f *fakeHall) StaffCheck(_ context.Context, login, pin string) error {
	if login == "wangli" && pin == "wl258147" {
		return nil
	}
	return clerks.ErrBadSecret
}

// settle runs the UI goroutine's queued work until a screen's action has
// shown its answer.
func settle(t *testing.T, w interface{ Wait(context.Context) error }) { busytest.Settle(t, w) }

// tapReturns taps b on another goroutine and fails unless the tap returns
// at once: a tap that waits for the printer freezes the ticket machine.
func tapReturns(t *testing.T, b *widget.Button) {
	t.Helper()
	done := make(chan struct{})
	go func() { test.Tap(b); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("tapping %q blocked on the printer: the machine would freeze", b.Text)
	}
}

func TestJammedSlipPrinterNeverFreezesTheMachine(t *testing.T) {
	busytest.NewApp(t)
	f := &fakeHall{byReq: map[string]queue.Slip{}, jam: make(chan struct{})}
	var once sync.Once
	free := func() { once.Do(func() { close(f.jam) }) }
	t.Cleanup(free)
	s := New(context.Background(), f, now, nil)
	test.NewTempWindow(t, s.Content())
	settle(t, s) // the hall's sectors and hours, read from the hub
	tapReturns(t, s.Sectors[1])
	for _, b := range append(s.Sectors, s.CheckIn) {
		if !b.Disabled() {
			t.Fatalf("%q enabled while a ticket is on its way", b.Text)
		}
	}
	tapReturns(t, s.Sectors[1])
	tapReturns(t, s.Sectors[2])
	free()
	settle(t, s)
	if f.issued != 1 || len(f.printed) != 1 || s.Number.Text != "B001" {
		t.Errorf("after the jam cleared: %d issued, %d printed, showing %q", f.issued, len(f.printed), s.Number.Text)
	}

	b := NewBooker(context.Background(), f, now, nil)
	test.NewTempWindow(t, b.Content())
	f.jam = make(chan struct{})
	once = sync.Once{}
	b.Sector.SetSelected("商事登记")
	b.Slot.SetSelected(b.Slot.Options[0])
	test.Type(b.ResidentID, "330522199003150024")
	test.Type(b.Mobile, "13857201234")
	tapReturns(t, b.Submit)
	if !b.Submit.Disabled() || !b.Cancel.Disabled() {
		t.Error("预约 or 取消预约 enabled while the booking slip prints")
	}
	tapReturns(t, b.Submit)
	free()
	settle(t, b)
	if len(f.booked) != 1 || !strings.Contains(b.Result.Text, "1010B001") || b.Submit.Disabled() {
		t.Errorf("booking after the jam: %d booked, %q, disabled %v", len(f.booked), b.Result.Text, b.Submit.Disabled())
	}
}

func now() time.Time { return time.Date(2026, 9, 29, 9, 0, 0, 0, time.Local) }

func TestTakeTicketInOneTapAndNeverTwice(t *testing.T) {
	busytest.NewApp(t)
	f := &fakeHall{byReq: map[string]queue.Slip{}}
	s := New(context.Background(), f, now, nil)
	test.NewTempWindow(t, s.Content())
	settle(t, s)        // the hall's sectors and hours, read from the hub
	biz := s.Sectors[1] // B 商事登记
	test.Tap(biz)
	test.Tap(biz) // the double tap of an impatient finger
	settle(t, s)
	if f.issued != 1 || len(f.printed) != 1 || s.Number.Text != "B001" {
		t.Fatalf("after a double tap: %d issued, %d printed, showing %q", f.issued, len(f.printed), s.Number.Text)
	}
	test.Tap(s.Done)
	settle(t, s)
	// A lost answer: the machine keeps the request id, so the retry gets
	// the ticket the hub already made, not a second one.
	f.failNext = queue.ErrHubDown
	test.Tap(s.Sectors[6])
	settle(t, s)
	if s.Message.Text == "" {
		t.Fatal("no message when the hub is down")
	}
	test.Tap(s.Sectors[6])
	settle(t, s)
	if f.issued != 2 || f.lastReq[1].RequestID != f.lastReq[2].RequestID {
		t.Errorf("retry after a lost answer: %d issued, request ids %q and %q", f.issued, f.lastReq[1].RequestID, f.lastReq[2].RequestID)
	}
}

func TestResidentIDAndGreenLane(t *testing.T) {
	busytest.NewApp(t)
	f := &fakeHall{byReq: map[string]queue.Slip{}}
	s := New(context.Background(), f, now, nil)
	test.NewTempWindow(t, s.Content())
	settle(t, s) // the hall's sectors and hours, read from the hub
	test.Type(s.ResidentID, "330522199003150020")
	test.Tap(s.Sectors[0])
	if f.issued != 0 || s.Message.Text == "" {
		t.Fatalf("invalid ID: %d issued, message %q", f.issued, s.Message.Text)
	}
	s.ResidentID.SetText("330522199003150024")
	if !s.Green.Disabled() {
		t.Fatal("green lane selectable without staff")
	}
	test.Type(s.StaffLogin, "wangli")
	test.Type(s.StaffPIN, "000000")
	test.Tap(s.StaffOK)
	if !s.Green.Disabled() {
		t.Fatal("green lane opened with a wrong PIN")
	}
	test.Type(s.StaffPIN, "wl258147")
	test.Tap(s.StaffOK)
	if s.Green.Disabled() || !s.Green.Checked {
		t.Fatal("staff could not open the green lane")
	}
	test.Tap(s.Sectors[0])
	settle(t, s)
	req := f.lastReq[len(f.lastReq)-1]
	if !req.Green || req.ResidentID != "330522199003150024" || s.Number.Text != "A001" {
		t.Errorf("green ticket request %+v, showing %q", req, s.Number.Text)
	}
	test.Tap(s.Done)
	if !s.Green.Disabled() || s.ResidentID.Text != "" {
		t.Error("the next citizen inherits the green lane or the ID")
	}
}

func TestBooker(t *testing.T) {
	busytest.NewApp(t)
	f := &fakeHall{byReq: map[string]queue.Slip{}}
	b := NewBooker(context.Background(), f, now, nil)
	test.NewTempWindow(t, b.Content())
	b.Sector.SetSelected("商事登记")
	if len(b.Slot.Options) != 1 {
		t.Fatalf("slot options %v: a full half-day must not be offered", b.Slot.Options)
	}
	b.Slot.SetSelected(b.Slot.Options[0])
	test.Type(b.ResidentID, "330522199003150024")
	test.Type(b.Mobile, "13857201234")
	test.Tap(b.Submit)
	settle(t, b)
	if len(f.booked) != 1 || f.booked[0].Day != "2026-10-10" || f.booked[0].Half != queue.AM {
		t.Fatalf("booked %+v", f.booked)
	}
	if !strings.Contains(b.Result.Text, "1010B001") {
		t.Errorf("booking result %q lacks the code", b.Result.Text)
	}
	test.Type(b.CancelCode, "1010B001")
	test.Type(b.CancelID, "330522199003150020")
	test.Tap(b.Cancel)
	settle(t, b)
	if !strings.Contains(b.Message.Text, "1010B001") {
		t.Errorf("cancel with a wrong ID: %q", b.Message.Text)
	}
	b.CancelID.SetText("330522199003150024")
	test.Tap(b.Cancel)
	settle(t, b)
	if b.Result.Text != "已取消预约 1010B001" {
		t.Errorf("cancel: %q", b.Result.Text)
	}
}

// TestClosedHallOffersBooking: outside service hours the machine shows why
// and when to come, keeps its sector buttons off and offers a booking; a
// new config's sectors show with the next citizen, without a restart.
func TestClosedHallOffersBooking(t *testing.T) {
	busytest.NewApp(t)
	f := &fakeHall{byReq: map[string]queue.Slip{}}
	f.board.Sectors = []queue.BoardSector{{Name: "不动产登记", Letter: "A"}, {Name: "公积金", Letter: "J"}}
	f.board.Closed = &queue.ClosedNotice{Key: queue.ErrLunch.Key, Data: map[string]any{"At": "13:30"}}
	s := New(context.Background(), f, now, nil)
	w := test.NewTempWindow(t, s.Content())
	settle(t, s)
	if got, want := len(s.Sectors), 2; got != want {
		t.Fatalf("sector buttons: got %d, want %d (the hall's config)", got, want)
	}
	if got, want := s.Sectors[1].Text, "J  公积金"; got != want {
		t.Errorf("second button: got %q, want %q", got, want)
	}
	if got := s.Closed.Text; !strings.Contains(got, "午间休息") || !strings.Contains(got, "13:30") || !s.Closed.Visible() {
		t.Errorf("closed notice: got %q (visible %v), want the lunch break and 13:30", got, s.Closed.Visible())
	}
	if !s.Sectors[0].Disabled() || !s.BookNow.Visible() {
		t.Errorf("while closed: sector disabled %v, booking offered %v; want true, true", s.Sectors[0].Disabled(), s.BookNow.Visible())
	}
	shot.Take(t, w, "ticket-lunch-break.png", 1280, 800)
	test.Tap(s.Sectors[0])
	settle(t, s)
	if f.issued != 0 {
		t.Errorf("tickets issued while closed: got %d, want 0", f.issued)
	}
	test.Tap(s.BookNow)
	if len(s.content.Objects) != 1 || s.content.Objects[0] == s.main {
		t.Error("预约其他时段 did not open the booking screen")
	}
	// The hall opens (and the county sends a third sector): the next
	// citizen's screen has it.
	f.mu.Lock()
	f.board.Closed = nil
	f.board.Sectors = append(f.board.Sectors, queue.BoardSector{Name: "医保社保", Letter: "H"})
	f.mu.Unlock()
	s.reset()
	settle(t, s)
	if got, want := len(s.Sectors), 3; got != want || s.Sectors[0].Disabled() || s.Closed.Visible() {
		t.Errorf("after opening: %d buttons (want %d), disabled %v, notice visible %v", got, want, s.Sectors[0].Disabled(), s.Closed.Visible())
	}
}

// TestRefusedForHoursShowsTheNotice: the hub refuses a ticket the screen
// still thought possible (the hour turned while it sat idle).
func TestRefusedForHoursShowsTheNotice(t *testing.T) {
	busytest.NewApp(t)
	f := &fakeHall{byReq: map[string]queue.Slip{}}
	s := New(context.Background(), f, now, nil)
	test.NewTempWindow(t, s.Content())
	settle(t, s)
	f.failNext = msg.New(queue.ErrServiceEnd.Key, "Next", "12月2日 08:30")
	test.Tap(s.Sectors[0])
	settle(t, s)
	if !s.Closed.Visible() || !strings.Contains(s.Closed.Text, "今日服务已结束") || !s.BookNow.Visible() || !s.Sectors[0].Disabled() {
		t.Errorf("after a refusal for the hours: notice %q visible %v, booking %v, disabled %v", s.Closed.Text, s.Closed.Visible(), s.BookNow.Visible(), s.Sectors[0].Disabled())
	}
}

// TestTouchBooker: at the touch-only terminal the ID number and mobile are
// typed on the on-screen keypad, shown only while typed, and after the
// booking the screen keeps only their masked form.
func TestTouchBooker(t *testing.T) {
	busytest.NewApp(t)
	f := &fakeHall{byReq: map[string]queue.Slip{}}
	home := 0
	b := NewTouchBooker(context.Background(), f, now, func() { home++ })
	test.NewTempWindow(t, b.Content())
	b.Sector.SetSelected("商事登记")
	b.Slot.SetSelected(b.Slot.Options[0])
	for _, r := range "3305221990031500X" {
		b.Keypad.Press(string(r))
	}
	if got, want := b.IDField.Text, "3305221990031500X"; got != want {
		t.Errorf("ID field while typed: got %q, want %q", got, want)
	}
	b.Keypad.Press(keypad.Backspace)
	b.Keypad.Press("2")
	b.Keypad.Press("4") // the 18th character: the keypad moves on to the mobile
	for _, r := range "13857201234X9" {
		b.Keypad.Press(string(r)) // X is no mobile digit, and a 12th digit is refused
	}
	if got, want := b.IDField.Text, strings.Repeat("●", 18); got != want {
		t.Errorf("ID field while the mobile is typed: got %q, want %q", got, want)
	}
	if got, want := b.Mobile.Text, "13857201234"; got != want {
		t.Errorf("mobile: got %q, want %q", got, want)
	}
	test.Tap(b.Submit)
	settle(t, b)
	if len(f.booked) != 1 || f.booked[0].ResidentID != "330522199003150024" || f.booked[0].Mobile != "13857201234" {
		t.Fatalf("booked %+v", f.booked)
	}
	for _, want := range []string{"1010B001", "330522********0024", "138****1234"} {
		if !strings.Contains(b.Result.Text, want) {
			t.Errorf("result %q lacks %q", b.Result.Text, want)
		}
	}
	for _, o := range []string{b.Result.Text, b.IDField.Text, b.MobileField.Text, b.ResidentID.Text, b.Mobile.Text} {
		if strings.Contains(o, "199003150024") || strings.Contains(o, "57201234") {
			t.Errorf("a full number stays on the public screen: %q", o)
		}
	}
	if !b.Done.Visible() {
		t.Fatal("no 完成 after the booking")
	}
	test.Tap(b.Done)
	if home != 1 {
		t.Errorf("完成 went home %d times, want 1", home)
	}
}

// TestBookedSlotCountsAgain: after a booking (and after a cancellation)
// the slot list is read again from the hub, so its free counts are the
// hub's, not the ones shown when the sector was chosen.
func TestBookedSlotCountsAgain(t *testing.T) {
	busytest.NewApp(t)
	f := &fakeHall{byReq: map[string]queue.Slip{}}
	b := NewBooker(context.Background(), f, now, nil)
	test.NewTempWindow(t, b.Content())
	b.Sector.SetSelected("商事登记")
	if got, want := b.Slot.Options, []string{"10月10日 星期六 上午 8:30–12:00（余3个）"}; !slices.Equal(got, want) {
		t.Fatalf("before booking: got %v, want %v", got, want)
	}
	b.Slot.SetSelected(b.Slot.Options[0])
	test.Type(b.ResidentID, "330522199003150024")
	test.Type(b.Mobile, "13857201234")
	test.Tap(b.Submit)
	settle(t, b)
	if got, want := b.Slot.Options, []string{"10月10日 星期六 上午 8:30–12:00（余2个）"}; !slices.Equal(got, want) {
		t.Errorf("after booking: got %v, want %v", got, want)
	}
	test.Type(b.CancelCode, "1010B001")
	test.Type(b.CancelID, "330522199003150024")
	test.Tap(b.Cancel)
	settle(t, b)
	if got, want := b.Slot.Options, []string{"10月10日 星期六 上午 8:30–12:00（余3个）"}; !slices.Equal(got, want) {
		t.Errorf("after cancelling: got %v, want %v", got, want)
	}
}

// TestSlotLabelsSayWhen: a slot is offered with its date, weekday and the
// half-day's opening hours, in the user's language.
func TestSlotLabelsSayWhen(t *testing.T) {
	tests := []struct {
		lang string
		slot queue.Slot
		want string
	}{
		{"zh", queue.Slot{Day: "2026-12-03", Half: queue.AM, Free: 5, From: "08:30", To: "12:00"}, "12月3日 星期四 上午 8:30–12:00（余5个）"},
		{"zh", queue.Slot{Day: "2026-12-05", Half: queue.PM, Free: 0, From: "13:30", To: "17:00"}, "12月5日 星期六 下午 13:30–17:00（余0个）"},
		{"en", queue.Slot{Day: "2026-12-03", Half: queue.AM, Free: 5, From: "08:30", To: "12:00"}, "Thursday 12/3 morning 8:30–12:00 (5 left)"},
	}
	for _, tt := range tests {
		if err := l10n.Use(tt.lang); err != nil {
			t.Fatal(err)
		}
		if got := slotLabel(tt.slot); got != tt.want {
			t.Errorf("%s %v: got %q, want %q", tt.lang, tt.slot, got, tt.want)
		}
	}
	if err := l10n.Use("zh"); err != nil {
		t.Fatal(err)
	}
}

// TestResidentIDKeypad: the terminal has no keyboard, so the optional
// 身份证号 is typed on an on-screen keypad that shows only while the field
// is being filled; the number is readable while typed and dots once
// complete; the ticket takes it, and it is gone from the screen once the
// ticket is shown, and when the citizen leaves by 返回.
func TestResidentIDKeypad(t *testing.T) {
	busytest.NewApp(t)
	f := &fakeHall{byReq: map[string]queue.Slip{}}
	left := 0
	s := New(context.Background(), f, now, func() { left++ })
	w := test.NewTempWindow(t, s.Content())
	settle(t, s)
	if s.idPad.Visible() {
		t.Fatal("keypad shown before the ID field is touched")
	}
	w.Canvas().Focus(s.ResidentID)
	if !s.idPad.Visible() {
		t.Fatal("touching the ID field shows no keypad")
	}
	w.Canvas().Unfocus() // a tap on a key takes the focus from the field
	for _, k := range "33052219900315002" {
		s.IDPad.Press(string(k))
	}
	s.IDPad.Press(keypad.Backspace)
	s.IDPad.Press("2")
	if got, want := s.ResidentID.Text, "33052219900315002"; got != want || s.ResidentID.Password {
		t.Fatalf("while typed: got %q (dots %v), want %q readable", got, s.ResidentID.Password, want)
	}
	if !s.idPad.Visible() {
		t.Fatal("keypad gone before the ID is complete")
	}
	s.IDPad.Press("4")
	if !s.ResidentID.Password || s.idPad.Visible() {
		t.Errorf("complete ID: dots %v, keypad shown %v; want dots and no keypad", s.ResidentID.Password, s.idPad.Visible())
	}
	s.IDPad.Press("9") // no 19th character, even if the pad were shown
	if got, want := s.ResidentID.Text, "330522199003150024"; got != want {
		t.Errorf("after a 19th key: got %q, want %q", got, want)
	}
	test.Tap(s.Sectors[0])
	settle(t, s)
	if got, want := f.lastReq[len(f.lastReq)-1].ResidentID, "330522199003150024"; got != want {
		t.Errorf("ticket request ID: got %q, want %q", got, want)
	}
	if s.ResidentID.Text != "" {
		t.Errorf("ID still on screen with the ticket: got %q, want empty", s.ResidentID.Text)
	}

	// A citizen who types part of an ID and leaves: the next one sees nothing.
	test.Tap(s.Done)
	settle(t, s)
	w.Canvas().Focus(s.ResidentID)
	w.Canvas().Unfocus()
	s.IDPad.Press("3")
	for _, o := range test.LaidOutObjects(s.Content()) {
		if b, ok := o.(*widget.Button); ok && b.Text == "返回" {
			test.Tap(b)
		}
	}
	if left != 1 || s.ResidentID.Text != "" || s.idPad.Visible() {
		t.Errorf("after 返回: left %d, ID %q, keypad shown %v; want left once, nothing kept", left, s.ResidentID.Text, s.idPad.Visible())
	}
}
