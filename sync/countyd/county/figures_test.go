package county

import "testing"

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
