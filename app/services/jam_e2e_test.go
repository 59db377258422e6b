package services_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/ui/intake"
	"github.com/yichuang/yichuang/printing"
)

// jammedPrinter holds every job, as CUPS does with a jammed printer, until
// the test releases it; then it refuses them.
type jammedPrinter struct {
	release chan struct{}
	once    sync.Once
	reached chan struct{} // gets a value as each job arrives
	mu      sync.Mutex
	jobs    []string
	fixed   bool
}

func newJammedPrinter(t *testing.T) *jammedPrinter {
	p := &jammedPrinter{release: make(chan struct{}), reached: make(chan struct{}, 16)}
	t.Cleanup(p.free) // a test that fails half-way leaves nothing at the printer
	return p
}

func (p *jammedPrinter) free() { p.once.Do(func() { close(p.release) }) }

func (p *jammedPrinter) Print(_ context.Context, _ []byte, job printing.Job) error {
	p.mu.Lock()
	p.jobs = append(p.jobs, job.Title)
	fixed := p.fixed
	p.mu.Unlock()
	if fixed {
		return nil
	}
	p.reached <- struct{}{}
	<-p.release
	return errors.New("lp: printer jammed")
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
		t.Fatalf("tapping %q blocked on the printer: the window would freeze", b.Text)
	}
}

// TestAcceptWithAJammedPrinter: the clerk taps 受理 while the printer is
// jammed. The tap returns at once, the decision buttons are disabled with
// 正在保存并打印…, and another tap does nothing. The case is committed
// before the printer is reached; when the printer gives up, the result
// shows the tracking code and each paper's status, the store holds exactly
// one case, and a reprint once the printer works prints it.
func TestAcceptWithAJammedPrinter(t *testing.T) {
	busytest.NewApp(t)
	ctx := context.Background()
	h, svc, sup, clk := halltest.At(t, time.Date(2026, 11, 26, 10, 30, 0, 0, halltest.CST))
	clerk := h.Account(t, sup, clerks.Account{Login: "wangli", Name: "王丽", Role: clerks.Clerk, Window: 3}, "wl258147")
	printer := newJammedPrinter(t)
	svc.Counter.Printer = printer
	before, err := h.DB.CaseCount(ctx)
	if err != nil {
		t.Fatal(err)
	}

	s := intake.New(ctx, svc, clerk, clk.Now, nil)
	test.NewTempWindow(t, s.Content())
	test.Type(s.Query, "gtgsh")
	if err := s.Choose("330000-SS-0001"); err != nil {
		t.Fatal(err)
	}
	test.Type(s.ApplicantName, "张小红")
	test.Type(s.ApplicantID, "330522199003150024")
	test.Type(s.Mobile, "13857201234")
	for key, v := range map[string]string{"business_address": "洪桥镇洪桥路18号", "business_scope": "餐饮服务", "registered_capital": "5", "employees": "3"} {
		test.Type(s.FieldEntries[key], v)
	}
	s.FieldChoices["organization_form"].SetSelected("个人经营")
	s.FieldChoices["delivery"].SetSelected("窗口领取")
	test.Tap(s.QuickFill)

	tapReturns(t, s.Accept)
	for _, b := range []*widget.Button{s.Accept, s.Complete, s.Defer, s.Refuse} {
		if !b.Disabled() {
			t.Errorf("%q enabled while the case is saved and printed", b.Text)
		}
	}
	if !s.Working.Visible() || s.Working.Text != "正在保存并打印…" {
		t.Errorf("busy line: visible %v, %q", s.Working.Visible(), s.Working.Text)
	}
	select {
	case <-printer.reached:
	case <-time.After(30 * time.Second):
		t.Fatal("the receipt never reached the printer")
	}
	// Committed before anything is printed: the case is in the store while
	// its receipt is stuck in the printer.
	if n, _ := h.DB.CaseCount(ctx); n != before+1 {
		t.Fatalf("%d cases while the receipt is at the printer, want %d", n, before+1)
	}
	tapReturns(t, s.Accept) // the clerk, wondering, taps again
	tapReturns(t, s.Complete)
	if s.Result != nil {
		t.Fatal("result shown while the printer still holds the receipt")
	}

	printer.free()
	halltest.Settle(t, s)
	if n, _ := h.DB.CaseCount(ctx); n != before+1 {
		t.Errorf("%d cases after a double tap, want exactly %d", n, before+1)
	}
	if s.Result == nil {
		t.Fatalf("no result: %q", s.Message.Text)
	}
	cs := s.Result.Case
	if !strings.Contains(s.Result.Code.Text, tracking.Format(cs.Tracking)) {
		t.Errorf("result shows %q, want the tracking code %s", s.Result.Code.Text, tracking.Format(cs.Tracking))
	}
	if len(s.Result.Statuses) == 0 {
		t.Fatal("no papers on the result")
	}
	for i, st := range s.Result.Statuses {
		// The line is short and in Chinese; the printer's own words are
		// behind 详情 (issue 17).
		if !strings.Contains(st.Text, "未打印") || strings.Contains(st.Text, "printer jammed") ||
			!strings.Contains(s.Result.Papers[i].Detail, "printer jammed") || s.Result.Papers[i].Path == "" {
			t.Errorf("%s: status %q, detail %q, archived at %q; want a short line, the printer's refusal as detail and the archived file",
				s.Result.Papers[i].Title, st.Text, s.Result.Papers[i].Detail, s.Result.Papers[i].Path)
		}
	}
	if got, err := h.DB.CaseByID(ctx, cs.ID); err != nil || got.Tracking != cs.Tracking || got.Status != cs.Status {
		t.Errorf("the printer's failure touched the case: %+v, %v", got.Status, err)
	}

	// The printer is cleared; the clerk reprints the receipt.
	printer.mu.Lock()
	printer.fixed = true
	printer.mu.Unlock()
	tapReturns(t, s.Result.Reprints[0])
	halltest.Settle(t, s)
	if s.Result.Statuses[0].Text != "已送打印机" {
		t.Errorf("after the reprint: %q", s.Result.Statuses[0].Text)
	}
}
