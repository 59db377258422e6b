package rating

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/workday"
)

func cst(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, workday.China)
}

// A complaint on the eve of National Day is due five working days after,
// counted over the holiday and the Saturday worked in its place.
func TestFollowUpDueOverHoliday(t *testing.T) {
	rated := cst(2026, 9, 30, 16)
	due, err := Due(workday.Default(), rated)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := due.Format(time.DateOnly), "2026-10-13"; got != want {
		t.Errorf("got due %s, want %s", got, want)
	}
	f := FollowUp{ID: "r1", Rating: Rating{Level: 1, At: rated}}
	for _, tc := range []struct {
		now  time.Time
		want State
	}{
		{cst(2026, 10, 8, 9), Open}, // five calendar days later, no working day gone
		{cst(2026, 10, 13, 23), Open},
		{cst(2026, 10, 14, 0), Overdue},
	} {
		if got := f.StateOn(due, tc.now); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.now.Format(time.DateTime), got, tc.want)
		}
	}
}

func TestFollowUpState(t *testing.T) {
	due := cst(2026, 10, 13, 0)
	call := Step{Kind: Called, Text: "已致电", At: cst(2026, 10, 9, 10)}
	fix := Step{Kind: Rectified, Text: "增设叫号提醒", At: cst(2026, 10, 12, 10)}
	lateFix := Step{Kind: Rectified, Text: "增设叫号提醒", At: cst(2026, 10, 15, 10)}
	for _, tc := range []struct {
		name  string
		steps []Step
		now   time.Time
		want  State
		late  bool
	}{
		{"nothing recorded, in time", nil, cst(2026, 10, 12, 9), Open, false},
		{"called only, past due", []Step{call}, cst(2026, 10, 14, 9), Overdue, false},
		{"called and rectified", []Step{call, fix}, cst(2026, 10, 20, 9), Done, false},
		{"rectified only is not done", []Step{fix}, cst(2026, 10, 12, 11), Open, false},
		{"done after the due day", []Step{call, lateFix}, cst(2026, 10, 20, 9), Done, true},
		// Steps that crossed: the 整改 arrived before its 回访.
		{"crossed steps", []Step{fix, call}, cst(2026, 10, 20, 9), Done, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := FollowUp{Steps: tc.steps}
			if got := f.StateOn(due, tc.now); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if got := f.Late(due); got != tc.late {
				t.Errorf("late: got %v, want %v", got, tc.late)
			}
		})
	}
	if got := (FollowUp{}).StateOn(time.Time{}, cst(2030, 1, 1, 0)); got != Open {
		t.Errorf("no due day: got %s, want %s", got, Open)
	}
}

func TestNeedsFollowUp(t *testing.T) {
	for l, want := range map[Level]bool{0: false, 1: true, 2: true, 3: false, 5: false} {
		if got := NeedsFollowUp(l); got != want {
			t.Errorf("level %d: got %v, want %v", l, got, want)
		}
	}
}

func TestCheckStep(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Step
		want error
	}{
		{"a call with words", Step{Kind: Called, Text: " 已致电 "}, nil},
		{"an empty call", Step{Kind: Called, Text: "  "}, ErrStepText},
		{"a fix too long", Step{Kind: Rectified, Text: strings.Repeat("改", 501)}, ErrStepTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckStep(tc.s)
			if !errors.Is(err, tc.want) && !(err == nil && tc.want == nil) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
			if err == nil && got.Text != strings.TrimSpace(tc.s.Text) {
				t.Errorf("got text %q, want it trimmed", got.Text)
			}
		})
	}
}

// TestCount: an overdue item is open too; a done one is neither.
func TestCount(t *testing.T) {
	due := cst(2026, 10, 13, 0)
	call := Step{Kind: Called, Text: "已致电", At: cst(2026, 10, 9, 10)}
	fix := Step{Kind: Rectified, Text: "增设叫号提醒", At: cst(2026, 10, 12, 10)}
	fs := []FollowUp{
		{Due: due},                           // overdue on the 14th
		{Due: cst(2026, 10, 20, 0)},          // open
		{Due: due, Steps: []Step{call, fix}}, // done
	}
	if open, overdue := Count(fs, cst(2026, 10, 14, 9)); open != 2 || overdue != 1 {
		t.Errorf("got open %d, overdue %d, want 2 and 1", open, overdue)
	}
	if open, overdue := Count(nil, cst(2026, 10, 14, 9)); open != 0 || overdue != 0 {
		t.Errorf("no items: got %d, %d, want 0, 0", open, overdue)
	}
}
