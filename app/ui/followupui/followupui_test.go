package followupui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/internal/shot"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/workday"
)

func cst(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, workday.China) }

// hall is a fake of the store's follow-ups: it keeps steps as the store
// does and refuses a 整改 before a 回访.
type hall struct {
	items []rating.FollowUp
	now   time.Time
}

func (h *hall) FollowUps(context.Context) ([]rating.FollowUp, error) {
	out := make([]rating.FollowUp, len(h.items))
	copy(out, h.items)
	return out, nil
}

func (h *hall) RecordFollowUp(_ context.Context, id string, s rating.Step) (rating.Step, error) {
	s, err := rating.CheckStep(s)
	if err != nil {
		return s, err
	}
	for i := range h.items {
		if h.items[i].ID == id {
			if s.Kind == rating.Rectified && !h.items[i].Called() {
				return s, rating.ErrCallFirst
			}
			s.At = h.now
			h.items[i].Steps = append(h.items[i].Steps, s)
			return s, nil
		}
	}
	return s, rating.ErrNoFollowUp
}

func item(id string, at time.Time, level int, clerk string) rating.FollowUp {
	due, _ := rating.Due(workday.Default(), at)
	return rating.FollowUp{ID: id, Due: due, Rating: rating.Rating{Kind: rating.Case, Ref: id, Level: rating.Level(level),
		Reasons: []string{"等候时间长"}, Note: "请回电138****5678", ClerkName: clerk, Window: 2, Matter: "食品经营许可", At: at}}
}

// TestSupervisorFollowsUp: the overdue item comes first and the summary
// warns of it; a 整改 is offered only after a 回访; recording both makes
// the item done and moves it to the end.
func TestSupervisorFollowsUp(t *testing.T) {
	busytest.NewApp(t)
	now := cst(11, 26, 10)
	h := &hall{now: now, items: []rating.FollowUp{ // newest first, as the store lists them
		item("fresh", cst(11, 25, 9), 2, "王丽"),
		item("late", cst(11, 16, 9), 1, "李强"),
	}}
	sup := clerks.Account{ID: 1, Name: "陈主管", Role: clerks.Supervisor}
	s := New(context.Background(), h, sup, func() time.Time { return now }, func() {})
	w := test.NewTempWindow(t, s.Content())
	w.Resize(fyne.NewSize(1280, 800))
	if got := []string{s.Items[0].ID, s.Items[1].ID}; got[0] != "late" || got[1] != "fresh" {
		t.Fatalf("got order %v, want the overdue one first", got)
	}
	if got, want := s.Summary.Text, "差评待回访整改 2 条，其中 1 条已超期"; got != want {
		t.Errorf("got summary %q, want %q", got, want)
	}
	if !s.RecordCall.Disabled() {
		t.Error("the forms are open before an item is chosen")
	}
	s.List.Select(0)
	if s.RecordCall.Disabled() || !s.RecordFix.Disabled() {
		t.Errorf("got 回访 disabled %v, 整改 disabled %v; want 回访 only", s.RecordCall.Disabled(), s.RecordFix.Disabled())
	}
	if !strings.Contains(s.Detail.Text, "已超期") || !strings.Contains(s.Detail.Text, "2026-11-23") {
		t.Errorf("got detail %q, want the due day and 已超期", s.Detail.Text)
	}
	test.Type(s.CallText, "已电话回访，群众表示理解")
	s.Reached.SetChecked(true)
	shot.Take(t, w, "followups.png", 1280, 800)
	test.Tap(s.RecordCall)
	busytest.Settle(t, s)
	if s.RecordFix.Disabled() {
		t.Fatalf("整改 still closed after the 回访: %q", s.Message.Text)
	}
	test.Type(s.FixText, "午间增派一名窗口人员")
	test.Tap(s.RecordFix)
	busytest.Settle(t, s)
	if got := s.Items[len(s.Items)-1]; got.ID != "late" || got.State(now) != rating.Done || len(got.Steps) != 2 {
		t.Errorf("got last %+v, want the late one done with its two steps", got)
	}
	if got, want := s.Summary.Text, "差评待回访整改 1 条"; got != want {
		t.Errorf("got summary %q, want %q", got, want)
	}
	if !strings.Contains(s.Detail.Text, "陈主管 回访（已联系上）：已电话回访") {
		t.Errorf("got detail %q, want the 回访 recorded by 陈主管", s.Detail.Text)
	}
	if s.forms.Visible() {
		t.Error("the forms stay open on a follow-up done")
	}
}

// TestBadge: nothing where nothing waits; the overdue count when some are late.
func TestBadge(t *testing.T) {
	test.NewTempApp(t)
	for _, tc := range []struct {
		open, overdue int
		want          string
	}{
		{0, 0, ""},
		{2, 0, "差评待回访整改 2 条"},
		{3, 1, "差评待回访整改 3 条，其中 1 条已超期"},
	} {
		if got := Badge(tc.open, tc.overdue); got != tc.want {
			t.Errorf("Badge(%d, %d): got %q, want %q", tc.open, tc.overdue, got, tc.want)
		}
	}
}

type own struct {
	clerk int64
	since time.Time
}

func (o *own) OwnRatings(_ context.Context, clerkID int64, since time.Time) (rating.Tally, []rating.FollowUp, error) {
	o.clerk, o.since = clerkID, since
	var t rating.Tally
	for _, l := range []rating.Level{5, 5, 4, 1} {
		t.Add(l)
	}
	f := item("", cst(11, 20, 9), 1, "王丽")
	f.Rating.Note, f.Rating.Ref = "", "" // as the store gives a clerk's own
	f.Steps = []rating.Step{{Kind: rating.Called, Text: "已回访", At: cst(11, 21, 9)}, {Kind: rating.Rectified, Text: "叫号屏增加提示", At: cst(11, 22, 9)}}
	return t, []rating.FollowUp{f}, nil
}

// TestOwnRatings: a clerk's own counts over 30 days, 满意率, and how their
// bad rating was followed up.
func TestOwnRatings(t *testing.T) {
	test.NewTempApp(t)
	now := cst(11, 26, 10)
	src := &own{}
	o := NewOwn(context.Background(), src, clerks.Account{ID: 7, Name: "王丽", Role: clerks.Clerk}, func() time.Time { return now }, func() {})
	w := test.NewTempWindow(t, o.Content())
	if src.clerk != 7 || !src.since.Equal(now.AddDate(0, 0, -OwnDays)) {
		t.Errorf("got clerk %d since %v, want 7 since 30 days ago", src.clerk, src.since)
	}
	want := [][]string{{"评价", "数量"}, {"非常满意", "2"}, {"满意", "1"}, {"基本满意", "0"}, {"不满意", "0"}, {"非常不满意", "1"}, {"合计", "4"}, {"满意率", "75.00%"}}
	for i := range want {
		if i >= len(o.Rows) || o.Rows[i][0] != want[i][0] || o.Rows[i][1] != want[i][1] {
			t.Fatalf("got rows %v, want %v", o.Rows, want)
		}
	}
	if !strings.Contains(o.Outcome.Text, "已办结") || !strings.Contains(o.Outcome.Text, "叫号屏增加提示") {
		t.Errorf("got outcome %q, want the follow-up done with its 整改", o.Outcome.Text)
	}
	shot.Take(t, w, "own-ratings.png", 1280, 800)
}
