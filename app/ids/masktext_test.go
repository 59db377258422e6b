package ids

import "testing"

// TestMaskText: numbers in free text (a citizen's note, a supervisor's
// record of a call) are masked however they were typed; other digits stay.
func TestMaskText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"请回电13812345678", "请回电138****5678"},
		{"身份证330522199003070024，手机138 1234 5678", "身份证330522********0024，手机138****5678"},
		{"11月26日下午3点，2号窗口", "11月26日下午3点，2号窗口"},
	} {
		if got := MaskText(tc.in); got != tc.want {
			t.Errorf("MaskText(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}
