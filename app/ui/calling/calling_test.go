package calling

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
)

// fakeQueue is one hall's queue as every panel on it sees it: the panel
// reads the window's state from it off the UI goroutine, hence the lock.
type fakeQueue struct {
	mu      sync.Mutex
	waiting []queue.Ticket
	open    bool
	events  chan queue.Event
	p       queue.Policy
	cur     queue.Ticket
	counter queue.Counter // as the window was opened
	down    error         // what CounterState fails with (the hub down)
}

func (f *fakeQueue) OpenCounter(_ context.Context, c queue.Counter) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.open, f.counter = true, c
	return nil
}
func (f *fakeQueue) CloseCounter(context.Context, int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.open = false
	return nil
}

// CounterState is the window as the fake hall has it: the ticket at the
// window is the current one while it is called, serving or parked.
func (f *fakeQueue) CounterState(_ context.Context, window int) (queue.CounterState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := queue.CounterState{Window: window, Open: f.open}
	if f.open {
		st.Sectors = slices.Clone(f.counter.Sectors)
	}
	if f.cur.Window == window && (f.cur.Status == queue.Called || f.cur.Status == queue.Serving || f.cur.Status == queue.Parked) {
		t := f.cur
		st.Ticket = &t
	}
	return st, f.down
}
func (f *fakeQueue) CallNext(_ context.Context, _ string, window int) (queue.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.p.Next(f.waiting, []string{"商事登记"})
	if !ok {
		return t, queue.ErrNoneWaiting
	}
	f.waiting = f.waiting[1:]
	t, err := f.p.Call(t, window, 1, t.Issued)
	f.cur = t
	return t, err
}
func (f *fakeQueue) Act(_ context.Context, req queue.ActRequest) (queue.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var err error
	t := f.cur
	switch req.Action {
	case queue.ActRecall:
		t, err = f.p.Recall(t, req.Window, t.Issued)
	case queue.ActStart:
		t, err = f.p.Start(t, req.Window, t.Issued)
	case queue.ActFinish:
		t, err = f.p.Finish(t, req.Window, t.Issued)
	case queue.ActNoShow:
		t, err = f.p.NoShow(t, req.Window, t.Issued)
	case queue.ActPark:
		t, err = f.p.Park(t, req.Window)
	}
	if err == nil {
		f.cur = t
	}
	return t, err
}
func (f *fakeQueue) Subscribe(context.Context) (<-chan queue.Event, error) { return f.events, nil }

func TestCallingPanel(t *testing.T) {
	busytest.NewApp(t)
	f := &fakeQueue{p: queue.DefaultPolicy, events: make(chan queue.Event, 4), waiting: []queue.Ticket{
		{ID: "1", Number: "B001", Sector: "商事登记", Status: queue.Waiting, ResidentID: "330522199003150024"},
		{ID: "2", Number: "B002", Sector: "商事登记", Status: queue.Waiting}}}
	var intakeFor *string
	p := newPanel(t, f, queue.Counter{Window: 3, ClerkID: 1, ClerkName: "王丽", Sectors: []string{"商事登记"}},
		func(id string) { intakeFor = &id })
	test.NewTempWindow(t, p.Content())
	busytest.Settle(t, p)
	if !p.Call.Disabled() {
		t.Fatal("call enabled before the window opened")
	}
	test.Tap(p.Open)
	test.Tap(p.Call)
	if !strings.Contains(p.Current.Text, "B001") || !strings.Contains(p.Current.Text, "330522********00**") {
		t.Fatalf("current = %q", p.Current.Text)
	}
	if !p.Call.Disabled() {
		t.Error("call enabled while a number is at the window")
	}
	test.Tap(p.Recall)
	if !strings.Contains(p.Current.Text, "已呼叫2次") {
		t.Errorf("after recall: %q", p.Current.Text)
	}
	test.Tap(p.Intake)
	if intakeFor == nil || *intakeFor != "330522199003150024" {
		t.Errorf("intake opened for %v", intakeFor)
	}
	var finished []string
	p.OnFinished = func(t queue.Ticket) { finished = append(finished, t.Number) }
	test.Tap(p.Start)
	test.Tap(p.Finish)
	if !strings.Contains(p.Current.Text, "B001：已办结") || p.Call.Disabled() {
		t.Errorf("after finish: %q, call disabled %v", p.Current.Text, p.Call.Disabled())
	}
	test.Tap(p.Call)
	test.Tap(p.NoShow)
	if len(finished) != 1 || finished[0] != "B001" {
		t.Errorf("rating asked for %v, want B001 only (a no-show is not rated)", finished)
	}
	if !strings.Contains(p.Current.Text, "B002：过号") {
		t.Errorf("after no-show: %q", p.Current.Text)
	}
	test.Tap(p.Call)
	if p.Current.Text != "您办理的板块暂无等候" {
		t.Errorf("empty queue: %q", p.Current.Text)
	}
	p.apply(queue.Event{Kind: queue.EventOffline})
	if !p.Banner.Visible() || !strings.Contains(p.Banner.Text, "连接不上大厅叫号主机") {
		t.Errorf("hub offline: banner %v %q", p.Banner.Visible(), p.Banner.Text)
	}
	p.apply(queue.Event{Kind: queue.EventOnline, Board: queue.Board{Waiting: map[string]int{"商事登记": 4, "民生服务": 9}}})
	if p.Banner.Visible() || p.Waiting.Text != "本窗口板块等候 4 人" {
		t.Errorf("hub back: banner %v, waiting %q", p.Banner.Visible(), p.Waiting.Text)
	}
}

func board(sectors ...string) queue.Event {
	b := queue.Board{Waiting: map[string]int{}}
	for i, s := range sectors {
		b.Sectors = append(b.Sectors, queue.BoardSector{Name: s, Letter: string(rune('A' + i))})
		b.Waiting[s] = i + 1
	}
	return queue.Event{Kind: queue.EventChanged, Board: b}
}

// TestCallingSectorsFollowTheHall: the choice of sectors is the clerk's
// sectors that the hall (its county's config, on the hub's board) has; a
// sector the county dropped is named, not silently left out; transfers go
// to the hall's sectors.
func TestCallingSectorsFollowTheHall(t *testing.T) {
	changxing := []string{"不动产登记", "商事登记", "投资项目", "社会事务", "公安服务", "民生服务", "税务服务", "医保社保", "公积金", "其他综合事务"}
	tests := []struct {
		name     string
		mastered []string
		hall     []string
		offer    []string
		gone     string // in the notice; "" for none
		open     error  // tapping 开启叫号
	}{
		{"长兴 hall: 公积金 is callable", []string{"商事登记", "公积金"}, changxing, []string{"商事登记", "公积金"}, "", nil},
		{"default hall: 公积金 named as gone", []string{"商事登记", "公积金"}, queue.DefaultHallConfig().SectorNames(), []string{"商事登记"}, "公积金", nil},
		{"nothing left to call", []string{"公积金"}, queue.DefaultHallConfig().SectorNames(), nil, "不能叫号", queue.ErrNoSector},
		{"全科 clerk: every sector of the hall", nil, changxing, changxing, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			busytest.NewApp(t)
			f := &fakeQueue{p: queue.DefaultPolicy, events: make(chan queue.Event, 4)}
			p := newPanel(t, f, queue.Counter{Window: 9, ClerkID: 9, ClerkName: "沈公积", Sectors: tt.mastered}, nil)
			test.NewTempWindow(t, p.Content())
			busytest.Settle(t, p)
			p.apply(board(tt.hall...))
			if got := p.Sectors.Options; !slices.Equal(got, tt.offer) {
				t.Errorf("offered: got %v, want %v", got, tt.offer)
			}
			if got := p.Sectors.Selected; !slices.Equal(got, tt.offer) {
				t.Errorf("chosen: got %v, want %v", got, tt.offer)
			}
			if tt.gone == "" && p.Gone.Visible() {
				t.Errorf("notice: got %q, want none", p.Gone.Text)
			}
			if tt.gone != "" && (!p.Gone.Visible() || !strings.Contains(p.Gone.Text, tt.gone)) {
				t.Errorf("notice: got %v %q, want it naming %s", p.Gone.Visible(), p.Gone.Text, tt.gone)
			}
			if got := len(p.TransferTo.Options); got != len(tt.hall) {
				t.Errorf("transfer targets: got %d, want the hall's %d", got, len(tt.hall))
			}
			test.Tap(p.Open)
			if tt.open != nil {
				if f.open || p.Current.Text != "请选择办理的业务类别" {
					t.Errorf("open with nothing to call: got opened %v, %q; want refused", f.open, p.Current.Text)
				}
				return
			}
			if !f.open || !slices.Equal(f.counter.Sectors, tt.offer) {
				t.Errorf("opened for %v (%v), want %v", f.counter.Sectors, f.open, tt.offer)
			}
			if !p.Sectors.Disabled() {
				t.Error("the choice of sectors stays editable while the window is open")
			}
		})
	}
}

// TestCallingSectorsWhenTheConfigArrives: the default hall shows first
// (the hub's board comes a moment later); a sector the county's config
// adds starts chosen, one the clerk unticked stays unticked.
func TestCallingSectorsWhenTheConfigArrives(t *testing.T) {
	busytest.NewApp(t)
	f := &fakeQueue{p: queue.DefaultPolicy, events: make(chan queue.Event, 4)}
	p := newPanel(t, f, queue.Counter{Window: 9, Sectors: []string{"商事登记", "民生服务", "公积金"}}, nil)
	test.NewTempWindow(t, p.Content())
	busytest.Settle(t, p)
	if !p.Gone.Visible() {
		t.Error("default hall: 公积金 not named as missing")
	}
	p.Sectors.SetSelected([]string{"商事登记"}) // the clerk unticks 民生服务
	p.apply(board("商事登记", "民生服务", "公积金"))
	if got, want := p.Sectors.Selected, []string{"商事登记", "公积金"}; !slices.Equal(got, want) {
		t.Errorf("chosen: got %v, want %v", got, want)
	}
	if p.Gone.Visible() {
		t.Errorf("notice after the config came: got %q, want none", p.Gone.Text)
	}
	if got, want := p.Waiting.Text, "本窗口板块等候 4 人"; got != want { // 1 + 3 waiting
		t.Errorf("waiting: got %q, want %q", got, want)
	}
}

// TestCallingLabelSaysWhatIsTrue: the state line is read from the panel's
// state after every action, so 开启叫号, 叫号, 暂停, 办结 and 关闭叫号 each
// leave a line that matches the window.
func TestCallingLabelSaysWhatIsTrue(t *testing.T) {
	busytest.NewApp(t)
	f := &fakeQueue{p: queue.DefaultPolicy, events: make(chan queue.Event, 4), waiting: []queue.Ticket{
		{ID: "1", Number: "B001", Sector: "商事登记", Status: queue.Waiting}}}
	p := newPanel(t, f, queue.Counter{Window: 3, ClerkID: 1, Sectors: []string{"商事登记"}}, nil)
	test.NewTempWindow(t, p.Content())
	busytest.Settle(t, p)
	steps := []struct {
		name      string
		tap       func()
		want, not string
	}{
		{"before", func() {}, "未开启叫号", "已开启"},
		{"开启叫号", func() { test.Tap(p.Open) }, "已开启叫号，请按“叫号”", "未开启"},
		{"叫号", func() { test.Tap(p.Call) }, "当前：B001", "开启叫号"},
		{"开始办理", func() { test.Tap(p.Start) }, "办理中", "已呼叫1次，"},
		{"暂停", func() { test.Tap(p.Park) }, "暂停", "办理中"},
		{"继续办理", func() { test.Tap(p.Start) }, "办理中", "暂停"},
		{"办结", func() { test.Tap(p.Finish) }, "B001：已办结", "当前"},
		{"关闭叫号", func() { test.Tap(p.Open) }, "未开启叫号", "B001"},
		{"开启叫号 again", func() { test.Tap(p.Open) }, "已开启叫号", "未开启"},
	}
	for _, st := range steps {
		st.tap()
		if got := p.Current.Text; !strings.Contains(got, st.want) || strings.Contains(got, st.not) {
			t.Errorf("after %s: got %q, want it to say %q and not %q", st.name, got, st.want, st.not)
		}
	}
}

// TestCallingPanelShowsTheWindowAsTheHallHasIt: a panel built again (after
// 设置, a restart, a new sign-in, on a second machine acting as the same
// window) shows the window's state from the hall, not a fresh 未开启叫号.
func TestCallingPanelShowsTheWindowAsTheHallHasIt(t *testing.T) {
	tests := []struct {
		name string
		// steps on the first panel before the second is built
		steps   []func(p *Panel)
		open    string // the 开启/关闭 button
		current string // in the state line
		enabled []string
	}{
		{"opened", []func(*Panel){tapOpen}, "关闭叫号", "已开启叫号", []string{"关闭叫号", "叫号"}},
		{"a ticket called", []func(*Panel){tapOpen, tapCall}, "关闭叫号", "当前：B001（商事登记）已叫号",
			[]string{"关闭叫号", "重呼", "开始办理", "过号", "办结", "转移", "受理此号"}},
		{"serving", []func(*Panel){tapOpen, tapCall, tapStart}, "关闭叫号", "办理中",
			[]string{"关闭叫号", "暂停", "办结", "转移", "受理此号"}},
		{"parked", []func(*Panel){tapOpen, tapCall, tapStart, tapPark}, "关闭叫号", "暂停",
			[]string{"关闭叫号", "开始办理", "转移", "受理此号"}},
		{"finished", []func(*Panel){tapOpen, tapCall, tapFinish}, "关闭叫号", "已开启叫号", []string{"关闭叫号", "叫号"}},
		{"closed again", []func(*Panel){tapOpen, tapOpen}, "开启叫号", "未开启叫号", []string{"开启叫号"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			busytest.NewApp(t)
			f := &fakeQueue{p: queue.DefaultPolicy, events: make(chan queue.Event, 4), waiting: []queue.Ticket{
				{ID: "1", Number: "B001", Sector: "商事登记", Status: queue.Waiting, ResidentID: "330522199003150024"}}}
			counter := queue.Counter{Window: 3, ClerkID: 1, ClerkName: "王丽", Sectors: []string{"商事登记", "民生服务"}}
			first := newPanel(t, f, counter, nil)
			test.NewTempWindow(t, first.Content())
			busytest.Settle(t, first)
			first.Sectors.SetSelected([]string{"商事登记"}) // opened for one of the clerk's two
			for _, step := range tt.steps {
				step(first)
			}
			second := newPanel(t, f, counter, nil)
			test.NewTempWindow(t, second.Content())
			busytest.Settle(t, second)
			if got := second.Open.Text; got != tt.open {
				t.Errorf("button: got %q, want %q", got, tt.open)
			}
			if got := second.Current.Text; !strings.Contains(got, tt.current) {
				t.Errorf("state line: got %q, want it to say %q", got, tt.current)
			}
			if got := enabledButtons(second); !slices.Equal(got, tt.enabled) {
				t.Errorf("enabled: got %v, want %v", got, tt.enabled)
			}
			if f.open {
				if got := second.Sectors.Selected; !slices.Equal(got, []string{"商事登记"}) {
					t.Errorf("sectors: got %v, want the window's 商事登记", got)
				}
				if !second.Sectors.Disabled() {
					t.Error("sectors editable on an open window")
				}
			}
			if second.current() != nil && !strings.Contains(second.Current.Text, "330522********00**") {
				t.Errorf("state line: got %q, want the resident's ID masked", second.Current.Text)
			}
		})
	}
}

// TestCallingPanelFollowsItsWindow: when the hall says this window changed
// (another machine signed in as it called a number), the panel reads the
// window again; a change at another window leaves it alone.
func TestCallingPanelFollowsItsWindow(t *testing.T) {
	busytest.NewApp(t)
	f := &fakeQueue{p: queue.DefaultPolicy, events: make(chan queue.Event, 4), waiting: []queue.Ticket{
		{ID: "1", Number: "B001", Sector: "商事登记", Status: queue.Waiting}}}
	counter := queue.Counter{Window: 3, ClerkID: 1, Sectors: []string{"商事登记"}}
	a := newPanel(t, f, counter, nil)
	b := newPanel(t, f, counter, nil)
	test.NewTempWindow(t, container.NewVBox(a.Content(), b.Content()))
	busytest.Settle(t, a)
	busytest.Settle(t, b)
	tapOpen(a)
	b.apply(queue.Event{Kind: queue.EventChanged, Window: 4}) // another window opened
	busytest.Settle(t, b)
	if got := b.Open.Text; got != "开启叫号" {
		t.Errorf("after window 4 changed: got %q, want 开启叫号 until this window's event", got)
	}
	b.apply(queue.Event{Kind: queue.EventChanged, Window: 3})
	busytest.Settle(t, b)
	if got := b.Current.Text; got != "已开启叫号，请按“叫号”" || b.Open.Text != "关闭叫号" {
		t.Errorf("after window 3 opened elsewhere: got %q / %q, want 已开启叫号 / 关闭叫号", got, b.Open.Text)
	}
	tapCall(a)
	// An older hub names the window only in the call.
	b.apply(queue.Event{Kind: queue.EventCalled, Call: &queue.Call{Number: "B001", Window: 3}})
	busytest.Settle(t, b)
	if got := b.Current.Text; !strings.Contains(got, "当前：B001") || b.Finish.Disabled() {
		t.Errorf("after B001 called elsewhere: got %q, finish disabled %v; want B001 with its buttons", got, b.Finish.Disabled())
	}
	tapFinish(a)
	b.apply(queue.Event{Kind: queue.EventChanged, Window: 3})
	busytest.Settle(t, b)
	if got := b.Current.Text; got != "已开启叫号，请按“叫号”" || b.Call.Disabled() {
		t.Errorf("after B001 finished elsewhere: got %q, call disabled %v", got, b.Call.Disabled())
	}
}

// TestCallingPanelWithTheHubDown: a panel that cannot read its window says
// the hub is down in the banner, and still lets the clerk try to open.
func TestCallingPanelWithTheHubDown(t *testing.T) {
	busytest.NewApp(t)
	f := &fakeQueue{p: queue.DefaultPolicy, events: make(chan queue.Event, 4), down: queue.ErrHubDown}
	p := newPanel(t, f, queue.Counter{Window: 3, ClerkID: 1, Sectors: []string{"商事登记"}}, nil)
	test.NewTempWindow(t, p.Content())
	if !p.Open.Disabled() || !strings.Contains(p.Current.Text, "正在读取") {
		t.Errorf("before the answer: got %q, open disabled %v; want 正在读取 and 开启叫号 waiting", p.Current.Text, p.Open.Disabled())
	}
	busytest.Settle(t, p)
	if !p.Banner.Visible() || !strings.Contains(p.Banner.Text, "连接不上大厅叫号主机") {
		t.Errorf("banner: got %v %q, want the hub named as down", p.Banner.Visible(), p.Banner.Text)
	}
	if p.Open.Disabled() || p.Current.Text != "未开启叫号" {
		t.Errorf("after the failed read: got %q, open disabled %v", p.Current.Text, p.Open.Disabled())
	}
}

func tapOpen(p *Panel)   { test.Tap(p.Open) }
func tapCall(p *Panel)   { test.Tap(p.Call) }
func tapStart(p *Panel)  { test.Tap(p.Start) }
func tapPark(p *Panel)   { test.Tap(p.Park) }
func tapFinish(p *Panel) { test.Tap(p.Finish) }

// enabledButtons names the panel's buttons a clerk can press, in order.
func enabledButtons(p *Panel) []string {
	var out []string
	for _, b := range []*widget.Button{p.Open, p.Call, p.Recall, p.Start, p.Park, p.NoShow, p.Finish, p.Transfer, p.Intake} {
		if !b.Disabled() {
			out = append(out, b.Text)
		}
	}
	return out
}

// TestCallingOpenWindowKeepsItsSectors: a hall config arriving while the
// window is open (from the hall's state, on a panel built again) does not
// tick sectors the window is not open for.
func TestCallingOpenWindowKeepsItsSectors(t *testing.T) {
	busytest.NewApp(t)
	f := &fakeQueue{p: queue.DefaultPolicy, events: make(chan queue.Event, 4), open: true,
		counter: queue.Counter{Window: 9, Sectors: []string{"商事登记"}}}
	p := newPanel(t, f, queue.Counter{Window: 9, Sectors: []string{"商事登记", "民生服务", "公积金"}}, nil)
	test.NewTempWindow(t, p.Content())
	busytest.Settle(t, p)
	p.apply(board("商事登记", "民生服务", "公积金")) // 公积金 offered anew
	if got, want := p.Sectors.Selected, []string{"商事登记"}; !slices.Equal(got, want) {
		t.Errorf("chosen on the open window: got %v, want %v", got, want)
	}
}

// newPanel is New for a test: the panel's work in flight (a read of its
// window, an action) ends before the test's app goes away, and its
// goroutines stop with the test, so no late result is laid out on another
// test's goroutine (text shaping is not safe to run twice at once).
func newPanel(t *testing.T, svc Service, c queue.Counter, intake func(string)) *Panel {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := New(ctx, svc, c, intake)
	t.Cleanup(func() {
		busytest.Settle(t, p)
		cancel()
	})
	return p
}
