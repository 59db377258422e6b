package ratingui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/rating"
)

// memory stores ratings once per service, as the store does.
type memory struct{ got []rating.Rating }

func (m *memory) Rate(_ context.Context, r rating.Rating) (rating.Rating, error) {
	r, err := rating.Check(r)
	if err != nil {
		return r, err
	}
	for _, g := range m.got {
		if g.Kind == r.Kind && g.Ref == r.Ref {
			return r, rating.ErrAlreadyRated
		}
	}
	m.got = append(m.got, r)
	return r, nil
}

func TestDissatisfiedNeedsAReason(t *testing.T) {
	test.NewTempApp(t)
	m := &memory{}
	s := New(context.Background(), m, rating.Rating{Kind: rating.Case, Ref: "c1", ClerkName: "王丽", Window: 3, Matter: "个体工商户设立登记"}, func() {})
	test.NewTempWindow(t, s.Content())
	test.Tap(s.Levels[2])
	if len(m.got) != 0 || !s.reasons.Visible() {
		t.Fatal("不满意 was sent before a reason was asked")
	}
	test.Tap(s.Submit)
	if len(m.got) != 0 || !strings.Contains(s.Message.Text, "原因") {
		t.Fatalf("不满意 without a reason: %q, %d stored", s.Message.Text, len(m.got))
	}
	s.Reasons.SetSelected([]string{"等候时间长"})
	test.Tap(s.Submit)
	if len(m.got) != 1 || m.got[0].Level != 2 || m.got[0].Reasons[0] != "等候时间长" || !s.Rated {
		t.Fatalf("stored %+v", m.got)
	}
	test.Tap(s.Levels[5]) // a second tap after rating changes nothing
	if len(m.got) != 1 {
		t.Errorf("rated twice: %+v", m.got)
	}
}

func TestSatisfiedIsOneTap(t *testing.T) {
	test.NewTempApp(t)
	m := &memory{}
	s := New(context.Background(), m, rating.Rating{Kind: rating.Ticket, Ref: "t1", ClerkName: "王丽"}, func() {})
	test.NewTempWindow(t, s.Content())
	test.Tap(s.Levels[5])
	if len(m.got) != 1 || m.got[0].Level != 5 || !strings.Contains(s.Message.Text, "谢谢") {
		t.Fatalf("非常满意: %+v %q", m.got, s.Message.Text)
	}
	// The same service on another screen: refused with a kind word.
	s2 := New(context.Background(), m, rating.Rating{Kind: rating.Ticket, Ref: "t1", ClerkName: "王丽"}, func() {})
	test.NewTempWindow(t, s2.Content())
	test.Tap(s2.Levels[4])
	if len(m.got) != 1 || !strings.Contains(s2.Message.Text, "已经评价过") {
		t.Errorf("second rating: %+v %q", m.got, s2.Message.Text)
	}
}

// TestNoLevelLooksChosenBeforeATap: the five buttons look alike until the
// citizen taps one; then that one, and only it, is marked.
func TestNoLevelLooksChosenBeforeATap(t *testing.T) {
	test.NewTempApp(t)
	s := New(context.Background(), &memory{}, rating.Rating{Kind: rating.Case, Ref: "c2", ClerkName: "王丽"}, func() {})
	test.NewTempWindow(t, s.Content())
	for lv, b := range s.Levels {
		if got, want := b.Importance, widget.MediumImportance; got != want {
			t.Errorf("before a tap, level %d: got importance %v, want %v", lv, got, want)
		}
	}
	test.Tap(s.Levels[2])
	for lv, b := range s.Levels {
		want := widget.MediumImportance
		if lv == 2 {
			want = widget.HighImportance
		}
		if got := b.Importance; got != want {
			t.Errorf("after tapping 不满意, level %d: got importance %v, want %v", lv, got, want)
		}
	}
}
