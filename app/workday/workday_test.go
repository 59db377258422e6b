package workday

import (
	"errors"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/clock"
)

func day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, China)
	if err != nil {
		panic(err)
	}
	return t
}

func TestIsWorkday(t *testing.T) {
	tests := []struct {
		date string
		want bool
	}{
		{"2026-02-13", true},  // Friday before the Spring Festival
		{"2026-02-14", true},  // Saturday made a working day (调休)
		{"2026-02-15", false}, // first day of the Spring Festival holiday (Sunday)
		{"2026-02-17", false}, // 春节 (Tuesday)
		{"2026-02-23", false}, // last day off (Monday)
		{"2026-02-24", true},  // back to work
		{"2026-02-28", true},  // Saturday made a working day
		{"2026-03-01", false}, // ordinary Sunday
		{"2026-09-20", true},  // Sunday before National Day, working
		{"2026-10-01", false},
		{"2026-10-07", false},
		{"2026-10-08", true},
		{"2026-10-10", true}, // Saturday made a working day
		{"2026-10-11", false},
		{"2026-01-04", true}, // Sunday after New Year, working
		{"2025-01-26", true}, // 2025 Spring Festival adjusted Sunday
		{"2025-10-08", false},
		{"2025-10-11", true},
	}
	cal := Default()
	for _, tt := range tests {
		got, err := cal.IsWorkday(day(tt.date))
		if err != nil {
			t.Fatalf("IsWorkday(%s): %v", tt.date, err)
		}
		if got != tt.want {
			t.Errorf("IsWorkday(%s) = %v, want %v", tt.date, got, tt.want)
		}
	}
}

func TestAddWorkdays(t *testing.T) {
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"same day for 即办件", "2026-03-02", 0, "2026-03-02"},
		{"next day", "2026-03-02", 1, "2026-03-03"},
		{"Friday plus one is Monday", "2026-03-06", 1, "2026-03-09"},
		{"Friday 13 Feb plus one is the adjusted Saturday", "2026-02-13", 1, "2026-02-14"},
		{"Saturday 14 Feb plus one skips the whole festival", "2026-02-14", 1, "2026-02-24"},
		{"across the festival", "2026-02-12", 5, "2026-02-26"},
		{"lands on the adjusted Saturday 28 Feb", "2026-02-24", 4, "2026-02-28"},
		{"accepted on a holiday", "2026-02-18", 1, "2026-02-24"},
		{"National Day: Sunday 20 Sep works", "2026-09-18", 1, "2026-09-20"},
		{"across National Day", "2026-09-30", 1, "2026-10-08"},
		{"Oct 9 plus one is Saturday Oct 10", "2026-10-09", 1, "2026-10-10"},
		{"20 working days over Mid-Autumn and National Day", "2026-09-21", 20, "2026-10-26"},
		{"across the year end", "2025-12-30", 3, "2026-01-05"},
	}
	cal := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cal.AddWorkdays(day(tt.from).Add(15*time.Hour+30*time.Minute), tt.n)
			if err != nil {
				t.Fatalf("AddWorkdays(%s, %d): %v", tt.from, tt.n, err)
			}
			if got.Format("2006-01-02") != tt.want {
				t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tt.from, tt.n, got.Format("2006-01-02"), tt.want)
			}
		})
	}
}

func TestAddWorkdaysUsesBeijingDate(t *testing.T) {
	// 2026-03-06 20:00 UTC is already Saturday 04:00 in Beijing.
	got, err := Default().AddWorkdays(time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC), 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Format("2006-01-02") != "2026-03-09" {
		t.Errorf("got %s, want 2026-03-09", got.Format("2006-01-02"))
	}
}

func TestOutsideCoveredYearsIsAnError(t *testing.T) {
	cal := Default()
	tests := []struct {
		name string
		from string
		n    int
	}{
		{"before", "2024-12-31", 1},
		{"after", "2027-01-04", 0},
		{"runs into an uncovered year", "2026-12-28", 10},
	}
	for _, tt := range tests {
		got, err := cal.AddWorkdays(day(tt.from), tt.n)
		if !errors.Is(err, ErrNotCovered) {
			t.Errorf("%s: AddWorkdays(%s, %d) = %v, %v; want ErrNotCovered", tt.name, tt.from, tt.n, got, err)
		}
	}
	if _, err := cal.AddWorkdays(day("2026-03-02"), -1); err == nil {
		t.Error("negative count: want an error")
	}
	_, err := cal.IsWorkday(day("2027-01-04"))
	if got, want := err.Error(), "2027年的节假日安排尚未载入，无法计算工作日；请同步县中心下发的节假日数据"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

func TestLoadRejectsBadNotices(t *testing.T) {
	tests := []struct {
		name, doc string
	}{
		{"not json", `{`},
		{"unknown key", `{"year":2027,"holidayz":[]}`},
		{"date outside year", `{"year":2027,"holidays":[{"name":"x","from":"2028-05-01","to":"2028-05-02"}]}`},
		{"backwards", `{"year":2027,"holidays":[{"name":"x","from":"2027-05-03","to":"2027-05-01"}]}`},
		{"adjusted weekday", `{"year":2027,"workdays":[{"date":"2027-05-05","reason":"x"}]}`},
		{"bad date", `{"year":2027,"workdays":[{"date":"2027-02-30","reason":"x"}]}`},
	}
	for _, tt := range tests {
		if _, err := Load([]byte(tt.doc)); err == nil {
			t.Errorf("%s: Load succeeded, want an error", tt.name)
		}
	}
	if _, err := Load([]byte(`{"year":2027}`), []byte(`{"year":2027}`)); err == nil {
		t.Error("duplicate year: Load succeeded, want an error")
	}
}

func TestDefaultCovers2025And2026(t *testing.T) {
	got := Default().Years()
	if len(got) != 2 || got[0] != 2025 || got[1] != 2026 {
		t.Errorf("Years() = %v, want [2025 2026]", got)
	}
}

func TestClassify(t *testing.T) {
	now := clock.NewManual(day("2026-02-12").Add(9 * time.Hour))
	d := Deadlines{Calendar: Default(), Clock: now}
	tests := []struct {
		due  string
		want Urgency
	}{
		{"2026-02-11", Overdue},
		{"2026-02-12", DueSoon}, // due today
		{"2026-02-13", DueSoon},
		{"2026-02-14", DueSoon}, // adjusted Saturday: second working day
		{"2026-02-24", OnTime},  // third working day, after the festival
		{"2026-03-20", OnTime},
	}
	for _, tt := range tests {
		got, err := d.Classify(day(tt.due))
		if err != nil {
			t.Fatalf("Classify(%s): %v", tt.due, err)
		}
		if got != tt.want {
			t.Errorf("Classify(%s) = %v, want %v", tt.due, got, tt.want)
		}
	}
	now.Set(day("2026-02-25"))
	if got, _ := d.Classify(day("2026-02-24")); got != Overdue {
		t.Errorf("after the clock moved: Classify(2026-02-24) = %v, want %v", got, Overdue)
	}
}
