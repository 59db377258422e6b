package selfservice

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/assets"
)

// jammed is a terminal whose printer holds every job until released.
type jammed struct {
	fake
	release       chan struct{}
	once          sync.Once
	guides, filed atomic.Int32
	cleared       atomic.Int32
	slipErr       error // set: the filing is stored but its slip does not print
}

func (j *jammed) free() { j.once.Do(func() { close(j.release) }) }

func (j *jammed) PrintGuide(context.Context, string) error {
	j.guides.Add(1)
	<-j.release
	return nil
}

func (j *jammed) TakeScans(context.Context) ([]Scan, []error) {
	<-j.release
	return []Scan{{Attachment: cases.Attachment{SHA256: "ab", Name: "IMG_0001.jpg"}}}, nil
}

func (j *jammed) ClearScans(context.Context) error { j.cleared.Add(1); return nil }

func (j *jammed) SubmitSelf(_ context.Context, d cases.Draft) (cases.Case, error) {
	j.filed.Add(1)
	<-j.release // the slip waits at the printer
	cs := cases.Case{Tracking: "47U8BPC821Y100HJ", Status: cases.StatusPrereview, Draft: d}
	if j.slipErr != nil {
		return cs, &SlipNotPrinted{Err: j.slipErr}
	}
	return cs, nil
}

func newJammed(t *testing.T) *jammed {
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	j := &jammed{fake: fake{cat: cat}, release: make(chan struct{})}
	t.Cleanup(j.free)
	return j
}

// tapReturns taps b on another goroutine and fails unless the tap returns
// at once: a tap that waits for the printer freezes the terminal.
func tapReturns(t *testing.T, b *widget.Button) {
	t.Helper()
	done := make(chan struct{})
	go func() { test.Tap(b); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("tapping %q blocked on the printer: the terminal would freeze", b.Text)
	}
}

// settle runs the UI goroutine's queued work until the terminal's action
// has shown its result.
func settle(t *testing.T, term *Terminal) { busytest.Settle(t, term) }

func TestGuidePrintRunsOffTheUIThread(t *testing.T) {
	busytest.NewApp(t)
	j := newJammed(t)
	term := New(context.Background(), j, Options{After: (&timers{}).after})
	test.NewTempWindow(t, term.Content()).Resize(fyne.NewSize(1280, 800))
	test.Tap(term.Tiles["guide"])
	term.Guide.open("330000-SS-0001")
	tapReturns(t, term.Guide.Print)
	if !term.Guide.Print.Disabled() {
		t.Error("打印办事指南 enabled while printing")
	}
	tapReturns(t, term.Guide.Print)
	j.free()
	settle(t, term)
	if n := j.guides.Load(); n != 1 || term.Guide.Print.Disabled() {
		t.Errorf("%d guides printed (want 1), button disabled %v", n, term.Guide.Print.Disabled())
	}
}

// A citizen files and walks away while the slip is still at the printer:
// the filing is kept, and the next person sees nothing of it.
func TestFilingRunsOffTheUIThreadAndForgetsTheLastCitizen(t *testing.T) {
	busytest.NewApp(t)
	j := newJammed(t)
	term := New(context.Background(), j, Options{After: (&timers{}).after, Filing: j})
	test.NewTempWindow(t, term.Content()).Resize(fyne.NewSize(1280, 800))
	test.Tap(term.Tiles["filing"])
	f := term.Filing
	test.Tap(f.Matters["330000-SS-0001"])
	f.Materials["id_card"].SetSelected("拍照上传")

	tapReturns(t, f.ScanBtn)
	if !f.ScanBtn.Disabled() || !f.SubmitBtn.Disabled() || !strings.Contains(f.Message.Text, "正在读取") {
		t.Errorf("while reading the camera: scan disabled %v, submit disabled %v, %q", f.ScanBtn.Disabled(), f.SubmitBtn.Disabled(), f.Message.Text)
	}
	j.free()
	settle(t, term)
	if len(f.Photos) != 1 || f.SubmitBtn.Disabled() {
		t.Fatalf("scan not placed (%q) or submit still disabled", f.Message.Text)
	}

	f.Photos[0].Material.SetSelected("经营者居民身份证")
	j.release, j.once = make(chan struct{}), sync.Once{}
	tapReturns(t, f.SubmitBtn)
	if !f.SubmitBtn.Disabled() || f.Message.Text != "正在提交并打印回执…" {
		t.Errorf("while filing: submit disabled %v, %q", f.SubmitBtn.Disabled(), f.Message.Text)
	}
	tapReturns(t, f.SubmitBtn)
	term.Wipe() // the citizen walked away
	j.free()
	settle(t, term)
	if n := j.filed.Load(); n != 1 {
		t.Errorf("%d filings, want 1", n)
	}
	if term.Filing.Result != nil || term.Filing.Done.Text != "" {
		t.Errorf("the next citizen sees the last one's filing: %q", term.Filing.Done.Text)
	}
}

// A filing stored whose slip did not print sends the citizen to a window
// for the paper instead of to an empty tray (issue 17, item 19).
func TestFilingWhoseSlipDidNotPrint(t *testing.T) {
	busytest.NewApp(t)
	j := newJammed(t)
	j.slipErr = errors.New("lp: no default destination")
	term := New(context.Background(), j, Options{After: (&timers{}).after, Filing: j})
	w := test.NewTempWindow(t, term.Content())
	w.Resize(fyne.NewSize(1280, 800))
	test.Tap(term.Tiles["filing"])
	f := term.Filing
	test.Tap(f.Matters["330000-SS-0001"])
	j.free()
	f.Materials["id_card"].SetSelected("拍照上传")
	test.Tap(f.ScanBtn)
	settle(t, term)
	f.Photos[0].Material.SetSelected("经营者居民身份证")
	test.Tap(f.SubmitBtn)
	settle(t, term)
	if f.Result == nil {
		t.Fatalf("a stored filing whose slip did not print shows no result: %q", f.Message.Text)
	}
	text := labels(t, w.Content())
	if !strings.Contains(text, "回执没有打印出来") || strings.Contains(text, "请取走打印的回执") {
		t.Errorf("after a failed slip the screen says:\n%s", text)
	}
	if strings.Contains(text, "no default destination") {
		t.Errorf("the printer's English reached the citizen:\n%s", text)
	}
}

// labels is the text of every label under o.
func labels(t *testing.T, o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			if x.Visible() {
				b.WriteString(x.Text + "\n")
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			r := test.TempWidgetRenderer(t, x)
			for _, c := range r.Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return b.String()
}
