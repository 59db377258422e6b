package intake

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/assets"
)

// jammedService commits at once and then waits at the printer until the
// test releases it, as CUPS does with a jammed printer.
type jammedService struct {
	fakeService
	release   chan struct{}
	once      sync.Once
	decided   atomic.Int32
	reprinted atomic.Int32
	printed   atomic.Int32
}

func newJammed(t *testing.T) *jammedService {
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	j := &jammedService{fakeService: fakeService{cat: cat}, release: make(chan struct{})}
	t.Cleanup(j.free) // a test that fails half-way must not leave goroutines at the printer
	return j
}

func (j *jammedService) free() { j.once.Do(func() { close(j.release) }) }

func (j *jammedService) Decide(_ context.Context, a clerks.Account, d cases.Draft, dec cases.Decision) (Outcome, error) {
	n := j.decided.Add(1)
	cs := cases.Case{ID: "case-1", Tracking: "47U8BPC821Y100HJ", Status: cases.StatusAccepted, Draft: d, Decision: dec.Kind}
	if n > 1 {
		cs.Tracking = "47U8BPC821Y100XX" // a second case: the test fails on it
	}
	<-j.release
	return Outcome{Case: cs, Papers: []Paper{{Title: "受理回执"}}}, nil
}

func (j *jammedService) Reprint(_ context.Context, p Paper) Paper {
	j.reprinted.Add(1)
	<-j.release
	p.Err = nil // the jam cleared
	return p
}

var errJam = errors.New("paper jam")

func (j *jammedService) Print(context.Context, cases.Case) ([]Paper, error) {
	j.printed.Add(1)
	<-j.release
	return []Paper{{Title: "受理回执"}}, nil
}

func (j *jammedService) AcceptSubmission(_ context.Context, _ clerks.Account, cs cases.Case, _ cases.Draft, _ cases.Decision) (Outcome, error) {
	j.decided.Add(1)
	cs.Status = cases.StatusAccepted
	<-j.release
	return Outcome{Case: cs, Papers: []Paper{{Title: "受理回执"}}}, nil
}

// tapReturns taps b on another goroutine and fails the test unless the
// tap returns at once: a tap that waits for the printer freezes the window.
func tapReturns(t *testing.T, b *widget.Button) {
	t.Helper()
	done := make(chan struct{})
	go func() { test.Tap(b); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("tapping %q blocked on the printer: the UI goroutine would freeze", b.Text)
	}
}

// settle runs the UI goroutine's queued work until a screen's action has
// shown its result.
func settle(t *testing.T, w interface{ Wait(context.Context) error }) { busytest.Settle(t, w) }

func TestDecisionRunsOffTheUIThread(t *testing.T) {
	busytest.NewApp(t)
	j := newJammed(t)
	s := New(context.Background(), j, clerks.Account{ID: 2, Name: "王丽", Window: 3}, time.Now, nil)
	test.NewTempWindow(t, s.Content())

	tapReturns(t, s.Accept)
	for _, b := range []*widget.Button{s.Accept, s.Complete, s.Defer, s.Refuse} {
		if !b.Disabled() {
			t.Errorf("%q enabled while the decision is saved and printed", b.Text)
		}
	}
	if !s.Working.Visible() || s.Working.Text != "正在保存并打印…" {
		t.Errorf("busy line: visible %v, %q", s.Working.Visible(), s.Working.Text)
	}
	// The impatient second tap, on the button and on another decision.
	tapReturns(t, s.Accept)
	tapReturns(t, s.Defer)
	s.decide(cases.Accept) // even a tap that got past a disabled button
	if s.Result != nil {
		t.Fatal("result shown before the printer answered")
	}

	j.free()
	settle(t, s)
	if n := j.decided.Load(); n != 1 {
		t.Fatalf("%d decisions reached the service, want 1", n)
	}
	if s.Result == nil || !strings.Contains(s.Result.Code.Text, tracking.Format("47U8BPC821Y100HJ")) {
		t.Fatalf("result after the printer answered: %+v", s.Result)
	}
	if s.Result.Statuses[0].Text != "已送打印机" || s.Working.Visible() {
		t.Errorf("paper status %q, busy line visible %v", s.Result.Statuses[0].Text, s.Working.Visible())
	}
}

func TestReprintRunsOffTheUIThread(t *testing.T) {
	busytest.NewApp(t)
	j := newJammed(t)
	s := New(context.Background(), j, clerks.Account{ID: 2, Name: "王丽"}, time.Now, nil)
	test.NewTempWindow(t, s.Content())
	s.Result = newResult(s, Outcome{Case: cases.Case{Tracking: "47U8BPC821Y100HJ", Status: cases.StatusAccepted},
		Papers: []Paper{{Title: "受理回执", Err: errJam}, {Title: "领取凭证", Err: errJam}}})

	tapReturns(t, s.Result.Reprints[0])
	if s.Result.Statuses[0].Text != "正在打印…" || !s.Result.Reprints[0].Disabled() || !s.Result.Reprints[1].Disabled() {
		t.Errorf("while reprinting: status %q, buttons disabled %v %v", s.Result.Statuses[0].Text,
			s.Result.Reprints[0].Disabled(), s.Result.Reprints[1].Disabled())
	}
	tapReturns(t, s.Result.Reprints[1])
	j.free()
	settle(t, s)
	if n := j.reprinted.Load(); n != 1 {
		t.Errorf("%d reprints, want 1", n)
	}
	if s.Result.Statuses[0].Text != "已送打印机" || s.Result.Reprints[0].Disabled() {
		t.Errorf("after the reprint: %q, disabled %v", s.Result.Statuses[0].Text, s.Result.Reprints[0].Disabled())
	}
}

func TestLookupPrintAndPrereviewRunOffTheUIThread(t *testing.T) {
	busytest.NewApp(t)
	j := newJammed(t)
	j.cs = cases.Case{ID: "case-1", Tracking: "47U8BPC821Y100HJ", Status: cases.StatusAccepted,
		Draft: cases.Draft{Matters: []string{"330000-SS-0001"}, Applicant: cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024"}}}
	l := NewLookup(context.Background(), j, clerks.Account{ID: 2, Name: "王丽"})
	test.NewTempWindow(t, l.Content())
	test.Type(l.Code, "47U8BPC821Y100HJ")
	test.Tap(l.Find)
	tapReturns(t, l.PrintBtn)
	if !l.PrintBtn.Disabled() || l.Message.Text != "正在打印…" {
		t.Errorf("while printing: disabled %v, message %q", l.PrintBtn.Disabled(), l.Message.Text)
	}
	tapReturns(t, l.PrintBtn)
	j.free()
	settle(t, l)
	if n := j.printed.Load(); n != 1 || l.Message.Text != "已送打印机" || l.PrintBtn.Disabled() {
		t.Errorf("lookup print: %d prints, message %q, disabled %v", n, l.Message.Text, l.PrintBtn.Disabled())
	}

	j.release, j.once = make(chan struct{}), sync.Once{} // the printer jams again
	p := NewPrereview(context.Background(), j, clerks.Account{ID: 2, Name: "王丽"})
	test.NewTempWindow(t, p.Content())
	p.show(j.cs)
	tapReturns(t, p.Accept)
	if !p.Accept.Disabled() || !p.Defer.Disabled() || !p.Return.Disabled() || !p.Working.Visible() {
		t.Errorf("while accepting: buttons disabled %v %v %v, busy line %v", p.Accept.Disabled(), p.Defer.Disabled(), p.Return.Disabled(), p.Working.Visible())
	}
	tapReturns(t, p.Defer)

	j.free()
	settle(t, p)
	if n := j.decided.Load(); n != 1 || len(p.Papers) != 1 || !strings.Contains(p.Message.Text, "已受理") {
		t.Errorf("pre-review: %d acceptances, %d papers, message %q", n, len(p.Papers), p.Message.Text)
	}
}
