package calling

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/queue"
)

type fakeQueue struct {
	waiting []queue.Ticket
	open    bool
	events  chan queue.Event
	p       queue.Policy
	cur     queue.Ticket
}

func (f *fakeQueue) OpenCounter(context.Context, queue.Counter) error { f.open = true; return nil }
func (f *fakeQueue) CloseCounter(context.Context, int) error          { f.open = false; return nil }
func (f *fakeQueue) CallNext(_ context.Context, _ string, window int) (queue.Ticket, error) {
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
	}
	if err == nil {
		f.cur = t
	}
	return t, err
}
func (f *fakeQueue) Subscribe(context.Context) (<-chan queue.Event, error) { return f.events, nil }

func TestCallingPanel(t *testing.T) {
	test.NewTempApp(t)
	f := &fakeQueue{p: queue.DefaultPolicy, events: make(chan queue.Event, 4), waiting: []queue.Ticket{
		{ID: "1", Number: "B001", Sector: "商事登记", Status: queue.Waiting, ResidentID: "330522199003150024"},
		{ID: "2", Number: "B002", Sector: "商事登记", Status: queue.Waiting}}}
	var intakeFor *string
	p := New(context.Background(), f, queue.Counter{Window: 3, ClerkID: 1, ClerkName: "王丽", Sectors: []string{"商事登记"}},
		func(id string) { intakeFor = &id })
	test.NewTempWindow(t, p.Content())
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
