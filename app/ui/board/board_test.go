package board

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/workday"
)

type noEvents struct{}

func (noEvents) Subscribe(context.Context) (<-chan queue.Event, error) {
	return make(chan queue.Event), nil
}

func TestBoardShowsCallsAndAnnouncesOnce(t *testing.T) {
	test.NewTempApp(t)
	var said []string
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := New(ctx, noEvents{}, "洪桥镇便民服务中心", func() time.Time { return time.Date(2026, 9, 29, 9, 5, 0, 0, workday.China) },
		func(number string, window int) { said = append(said, number) })
	test.NewTempWindow(t, s.Content())
	ev := queue.Event{Kind: queue.EventCalled, Call: &queue.Call{Number: "B012", Window: 3, Calls: 1},
		Board: queue.Board{Calls: []queue.Call{{Number: "B012", Window: 3}, {Number: "A007", Window: 1}},
			Waiting: map[string]int{"商事登记": 5}, Notice: "请保管好随身物品"}}
	s.Apply(ev)
	s.Apply(ev) // the same call again (a reconnect) is not announced twice
	if s.Numbers[0].Text != "B012" || s.Windows[0].Text != "3号窗口" || s.Numbers[1].Text != "A007" || s.Numbers[2].Text != "" {
		t.Errorf("rows: %q %q %q %q", s.Numbers[0].Text, s.Windows[0].Text, s.Numbers[1].Text, s.Numbers[2].Text)
	}
	if s.Waiting["商事登记"].Text != "5" || s.Waiting["民生服务"].Text != "0" {
		t.Errorf("waiting: %q %q", s.Waiting["商事登记"].Text, s.Waiting["民生服务"].Text)
	}
	if len(said) != 1 || said[0] != "B012" {
		t.Errorf("announced %v, want B012 once", said)
	}
	ev.Call.Calls = 2 // 重呼: announced again
	s.Apply(ev)
	if len(said) != 2 {
		t.Errorf("recall not announced: %v", said)
	}
	s.Apply(queue.Event{Kind: queue.EventOffline})
	if s.Banner.Text == "" {
		t.Error("no banner while the hub is away")
	}
	if s.Clock.Text != "09:05" {
		t.Errorf("clock %q", s.Clock.Text)
	}
}

// A township hall often drives its display from a 1280×800 or 1366×768
// panel: the whole board, with a long notice and the voice state, must fit.
func TestBoardFitsASmallScreen(t *testing.T) {
	test.NewTempApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := New(ctx, noEvents{}, "洪桥镇便民服务中心", time.Now, nil)
	s.ShowVoice(VoiceNoDevice) // the longest voice line
	s.Apply(queue.Event{Kind: queue.EventChanged, Board: queue.Board{Calls: []queue.Call{{Number: "B012", Window: 12}},
		Recent: []queue.Call{{Number: "K108", Window: 12}, {Number: "B011", Window: 10}, {Number: "A120", Window: 11}, {Number: "F009", Window: 1}},
		Notice: "请按业务类型取号，留意叫号；老年人、残疾人可请工作人员开通绿色通道。请保管好随身物品。"}})
	if got, limit := s.Content().MinSize(), fyne.NewSize(1280, 768); got.Width > limit.Width || got.Height > limit.Height {
		t.Errorf("board needs %v, more than a %v screen", got, limit)
	}
}

// TestBoardDrawsTheConfiguredSectors: the hub's board carries the hall's
// sectors; a config with other ones redraws the waiting side at once.
func TestBoardDrawsTheConfiguredSectors(t *testing.T) {
	test.NewTempApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := New(ctx, noEvents{}, "洪桥镇便民服务中心", func() time.Time { return time.Date(2026, 9, 29, 9, 5, 0, 0, workday.China) }, nil)
	test.NewTempWindow(t, s.Content())
	s.Apply(queue.Event{Kind: queue.EventChanged, Board: queue.Board{
		Sectors: []queue.BoardSector{{Name: "公积金", Letter: "J"}, {Name: "医保社保", Letter: "H"}},
		Waiting: map[string]int{"公积金": 4}}})
	if got, want := len(s.Waiting), 2; got != want {
		t.Fatalf("waiting rows: got %d, want %d", got, want)
	}
	if got, want := s.Waiting["公积金"].Text, "4"; got != want {
		t.Errorf("公积金 waiting: got %q, want %q", got, want)
	}
	if _, ok := s.Waiting["商事登记"]; ok {
		t.Error("a sector the config dropped is still on the board")
	}
}

// TestBoardClockIsBeijingTimeOnAUTCMachine: the hall board hangs in a
// Beijing hall even when its machine runs in UTC; 16:05 UTC is 00:05 there.
func TestBoardClockIsBeijingTimeOnAUTCMachine(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = time.UTC
	test.NewTempApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := New(ctx, noEvents{}, "洪桥镇便民服务中心", func() time.Time { return time.Date(2026, 9, 29, 16, 5, 0, 0, time.UTC) }, nil)
	test.NewTempWindow(t, s.Content())
	if got, want := s.Clock.Text, "00:05"; got != want {
		t.Errorf("clock = %q, want %q", got, want)
	}
}

// TestBoardListsRecentCalls: calls that are over stay on the board under
// 最近叫号, newest first, so a citizen who looked away can check.
func TestBoardListsRecentCalls(t *testing.T) {
	test.NewTempApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := New(ctx, noEvents{}, "洪桥镇便民服务中心", time.Now, nil)
	test.NewTempWindow(t, s.Content())
	tests := []struct {
		recent []queue.Call
		want   string
	}{
		{nil, ""},
		{[]queue.Call{{Number: "B011", Window: 2}}, "最近叫号  B011 2号窗口"},
		{[]queue.Call{{Number: "B011", Window: 2}, {Number: "A007", Window: 1}, {Number: "F003", Window: 4}, {Number: "A006", Window: 1}},
			"最近叫号  B011 2号窗口 · A007 1号窗口 · F003 4号窗口"},
	}
	for _, tt := range tests {
		s.Apply(queue.Event{Kind: queue.EventChanged, Board: queue.Board{Calls: []queue.Call{{Number: "B012", Window: 3}}, Recent: tt.recent}})
		if got := s.Recent.Text; got != tt.want {
			t.Errorf("recent %v: got %q, want %q", tt.recent, got, tt.want)
		}
	}
}
