package county

import (
	"slices"
	"testing"
)

func TestSplitSpan(t *testing.T) {
	tests := []struct {
		from, to           string
		head, months, tail [2]string
	}{
		{"2026-11-01", "2026-11-30", [2]string{}, [2]string{"2026-11", "2026-11"}, [2]string{}},
		{"2026-11-03", "2026-11-20", [2]string{"2026-11-03", "2026-11-20"}, [2]string{}, [2]string{}},
		{"2026-08-20", "2026-12-10", [2]string{"2026-08-20", "2026-08-31"}, [2]string{"2026-09", "2026-11"}, [2]string{"2026-12-01", "2026-12-10"}},
		{"2026-09-10", "2026-10-05", [2]string{"2026-09-10", "2026-10-05"}, [2]string{}, [2]string{}}, // no whole month
		{"2026-02-01", "2026-02-28", [2]string{}, [2]string{"2026-02", "2026-02"}, [2]string{}},
		{"2025-12-31", "2026-02-01", [2]string{"2025-12-31", "2025-12-31"}, [2]string{"2026-01", "2026-01"}, [2]string{"2026-02-01", "2026-02-01"}},
	}
	for _, tt := range tests {
		head, months, tail, err := splitSpan(tt.from, tt.to)
		if err != nil || head != tt.head || months != tt.months || tail != tt.tail {
			t.Errorf("splitSpan(%s, %s): got %v %v %v %v, want %v %v %v", tt.from, tt.to, head, months, tail, err, tt.head, tt.months, tt.tail)
		}
	}
	if _, _, _, err := splitSpan("2026-13-01", "2026-11-30"); err == nil {
		t.Error("a day that is no day: no error")
	}
}

func TestPlanSpanReadsFewDays(t *testing.T) {
	type p = spanPart
	d, m := "daily", "monthly"
	tests := []struct {
		from, to string
		want     []p
	}{
		{"2026-11-01", "2026-11-30", []p{{m, [2]string{"2026-11", "2026-11"}, 1}}},
		{"2026-11-16", "2026-11-22", []p{{d, [2]string{"2026-11-16", "2026-11-22"}, 1}}}, // inside one month: days
		// A rolling 30 days: most of September less its first 4 days, and 4 days of October.
		{"2026-09-05", "2026-10-04", []p{{m, [2]string{"2026-09", "2026-09"}, 1}, {d, [2]string{"2026-09-01", "2026-09-04"}, -1},
			{d, [2]string{"2026-10-01", "2026-10-04"}, 1}}},
		{"2026-08-20", "2026-12-10", []p{{m, [2]string{"2026-09", "2026-11"}, 1}, {d, [2]string{"2026-08-20", "2026-08-31"}, 1},
			{d, [2]string{"2026-12-01", "2026-12-10"}, 1}}},
		{"2026-09-10", "2026-11-28", []p{{m, [2]string{"2026-10", "2026-10"}, 1}, {m, [2]string{"2026-09", "2026-09"}, 1},
			{d, [2]string{"2026-09-01", "2026-09-09"}, -1}, {m, [2]string{"2026-11", "2026-11"}, 1}, {d, [2]string{"2026-11-29", "2026-11-30"}, -1}}},
	}
	for _, tt := range tests {
		got, err := planSpan(tt.from, tt.to, d, m)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("planSpan(%s, %s): got %v %v, want %v", tt.from, tt.to, got, err, tt.want)
		}
	}
}
