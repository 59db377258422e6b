package workday

import (
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/clock"
)

func TestPausedDays(t *testing.T) {
	tests := []struct {
		name   string
		pauses []Pause
		now    string
		want   int
	}{
		{"one ordinary day", []Pause{{day("2026-02-12"), day("2026-02-13")}}, "2026-03-01", 1},
		{"across 春节: only the 调休 Saturday and the day back count", []Pause{{day("2026-02-13"), day("2026-02-24")}}, "2026-03-01", 2},
		{"across 中秋 and 国庆", []Pause{{day("2026-09-24"), day("2026-10-09")}}, "2026-10-20", 5},
		{"materials the same day: nothing", []Pause{{day("2026-03-04").Add(9 * time.Hour), day("2026-03-04").Add(15 * time.Hour)}}, "2026-03-05", 0},
		{"overlapping pauses take each day once", []Pause{{day("2026-02-09"), day("2026-02-12")}, {day("2026-02-11"), day("2026-02-13")}}, "2026-03-01", 4},
		{"running: up to today, 劳动节 调休 Saturday counts", []Pause{{From: day("2026-05-06")}}, "2026-05-11", 4},
		{"an end after now has not happened yet", []Pause{{day("2026-05-06"), day("2026-06-30")}}, "2026-05-11", 4},
		{"no pause", nil, "2026-05-11", 0},
	}
	for _, tt := range tests {
		got, err := Default().PausedDays(tt.pauses, day(tt.now).Add(10*time.Hour))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got != tt.want {
			t.Errorf("%s: PausedDays = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestMovedDue(t *testing.T) {
	tests := []struct {
		name   string
		due    string
		pauses []Pause
		now    string
		want   string
	}{
		{"5 days of 补正 in March", "2026-03-16", []Pause{{day("2026-03-04"), day("2026-03-11")}}, "2026-03-17", "2026-03-23"},
		{"5 days of 补正 over 国庆: lands after the 调休 Saturday", "2026-09-29", []Pause{{day("2026-09-22"), day("2026-09-30")}}, "2026-10-09", "2026-10-12"},
		{"running pause moves the date every working day", "2026-05-08", []Pause{{From: day("2026-05-06")}}, "2026-05-11", "2026-05-13"},
		{"no pause keeps the date", "2026-05-08", nil, "2026-05-11", "2026-05-08"},
	}
	for _, tt := range tests {
		got, _, err := Default().MovedDue(day(tt.due), tt.pauses, day(tt.now))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if want := day(tt.want); !got.Equal(want) {
			t.Errorf("%s: MovedDue = %s, want %s", tt.name, got.Format(time.DateOnly), tt.want)
		}
	}
}

// A case accepted on 2 March with a promise of 10 working days is due on 16
// March; the citizen owed a material from 4 to 11 March (5 working days), so
// on 17 March it is not overdue, and it is from 24 March.
func TestFiveDaysOfSupplementAreNotOverdueOnTheOriginalDate(t *testing.T) {
	due, err := Default().AddWorkdays(day("2026-03-02"), 10)
	if err != nil || !due.Equal(day("2026-03-16")) {
		t.Fatalf("AddWorkdays = %v, %v, want 2026-03-16", due, err)
	}
	pauses := []Pause{{From: day("2026-03-04").Add(10 * time.Hour), To: day("2026-03-11").Add(14 * time.Hour)}}
	now := clock.NewManual(day("2026-03-17").Add(9 * time.Hour))
	d := Deadlines{Calendar: Default(), Clock: now}
	if got, _ := d.Classify(due); got != Overdue {
		t.Fatalf("without pauses: Classify = %v, want %v (the test would prove nothing)", got, Overdue)
	}
	got, moved, err := d.ClassifyPaused(due, pauses)
	if err != nil {
		t.Fatal(err)
	}
	if got == Overdue || !moved.Equal(day("2026-03-23")) {
		t.Errorf("ClassifyPaused on 17 March = %v (due %s), want not %v (due 2026-03-23)", got, moved.Format(time.DateOnly), Overdue)
	}
	now.Set(day("2026-03-24").Add(9 * time.Hour))
	if got, _, _ := d.ClassifyPaused(due, pauses); got != Overdue {
		t.Errorf("ClassifyPaused on 24 March = %v, want %v", got, Overdue)
	}
}

func TestRunningPauseFreezesWhatIsLeft(t *testing.T) {
	now := clock.NewManual(day("2026-09-21").Add(9 * time.Hour))
	d := Deadlines{Calendar: Default(), Clock: now}
	pauses := []Pause{{From: day("2026-09-21").Add(9 * time.Hour)}}
	due := day("2026-09-24")
	for _, today := range []string{"2026-09-22", "2026-09-30", "2026-10-08", "2026-10-12"} {
		now.Set(day(today).Add(9 * time.Hour))
		_, moved, err := d.ClassifyPaused(due, pauses)
		if err != nil {
			t.Fatal(err)
		}
		left, _ := d.Calendar.WorkdaysBetween(now.Now(), moved)
		if left != 3 {
			t.Errorf("on %s: %d working days left (due %s), want 3", today, left, moved.Format(time.DateOnly))
		}
	}
}

func TestLateDaysAreWorkingDays(t *testing.T) {
	tests := []struct {
		due, now string
		want     int
	}{
		{"2026-09-30", "2026-10-09", 2}, // 国庆 does not count
		{"2026-09-30", "2026-09-30", 0},
		{"2026-09-30", "2026-09-29", 0},
		{"2026-02-13", "2026-02-24", 2}, // 调休 Saturday 14 and 24
	}
	for _, tt := range tests {
		got, err := Default().LateDays(day(tt.due), day(tt.now))
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("LateDays(%s, %s) = %d, want %d", tt.due, tt.now, got, tt.want)
		}
	}
}
