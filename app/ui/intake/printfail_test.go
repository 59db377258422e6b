package intake

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/internal/shot"
	"github.com/yichuang/yichuang/app/msg"
)

// TestFailedPrintNeverWidensTheWindow shows the result of a decision whose
// papers did not print, with a long message and lp's long English detail
// (issue 17: the window grew from 1280 to 1545 px). The window's content
// must still fit 1280×800; the detail is behind 详情, not on the line.
func TestFailedPrintNeverWidensTheWindow(t *testing.T) {
	for _, c := range []struct {
		name   string
		err    *msg.Error
		detail string
		shot   string // the README's picture of the failed-print state
	}{
		{"the longest words", msg.New(strings.Repeat("打印机没有接受这份文件", 20)),
			strings.Repeat("lp: Error - The printer or class does not exist. ", 30), ""},
		// What a hall without a default printer sees (counter.ErrPrintNoDefault;
		// package counter prints, which screens may not import).
		{"no default printer", msg.New("没有默认打印机，请在设置中选择打印机"),
			"lp: Error - No default destination.", "print-failed.png"},
	} {
		t.Run(c.name, func(t *testing.T) {
			test.NewTempApp(t)
			s := New(context.Background(), &fakeService{cat: newJammed(t).cat}, clerks.Account{ID: 2, Name: "王丽"}, time.Now, nil)
			w := test.NewTempWindow(t, s.Content())
			w.Resize(fyne.NewSize(1280, 800))
			s.Result = newResult(s, Outcome{Case: cases.Case{Tracking: "47U8BPC821Y100HJ", Status: cases.StatusAccepted},
				Papers: []Paper{{Title: "受理回执", Err: c.err, Detail: c.detail}, {Title: "领取凭证"}}})
			s.content.Objects = []fyne.CanvasObject{s.Result.content}
			s.content.Refresh()

			if got := w.Content().MinSize(); got.Width > 1280 || got.Height > 800 {
				t.Errorf("content min size after a failed print %v, want within 1280×800", got)
			}
			if got := w.Canvas().Size(); got.Width > 1280 || got.Height > 800 {
				t.Errorf("window %v after a failed print, want within 1280×800", got)
			}
			if strings.Contains(s.Result.Statuses[0].Text, "lp:") {
				t.Errorf("status line %q carries the print system's words", s.Result.Statuses[0].Text)
			}
			if !s.Result.Details[0].Visible() || s.Result.Details[1].Visible() {
				t.Errorf("详情 visible %v (failed) %v (printed), want only on the failed paper",
					s.Result.Details[0].Visible(), s.Result.Details[1].Visible())
			}
			if c.shot != "" {
				shot.Take(t, w, c.shot, 1280, 800)
			}
			test.Tap(s.Result.Details[0])
			if !strings.Contains(s.Result.DetailText, c.detail) {
				t.Errorf("详情 shows %q, want lp's words", s.Result.DetailText)
			}
		})
	}
}
