package ids

import (
	"errors"
	"strings"
	"testing"
)

func TestMaskIDNumber(t *testing.T) {
	t.Cleanup(func() { idMask.Store(DefaultIDMask) })
	tests := []struct {
		name, pattern, id, want string
	}{
		{"default hides birth, gender and check", DefaultIDMask, "330522199003150024", "330522********00**"},
		{"default with X check", DefaultIDMask, "11010519491231002x", "110105********00**"},
		{"county shows only the region", "######************", "330522199003150024", "330522************"},
		{"county shows the check digit", "######********##*#", "330522199003150024", "330522********00*4"},
		{"15-digit old card shows two characters", DefaultIDMask, "330522900315002", "33*************"},
		{"empty", DefaultIDMask, "", ""},
	}
	for _, tt := range tests {
		if err := SetIDMask(tt.pattern); err != nil {
			t.Fatalf("%s: SetIDMask(%q) = %v", tt.name, tt.pattern, err)
		}
		if got := MaskIDNumber(tt.id); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestDefaultMaskDoesNotRevealTheOldQuerySecret: the progress query used to
// accept the last four characters of the ID number; the default mask never
// shows all four.
func TestDefaultMaskDoesNotRevealTheOldQuerySecret(t *testing.T) {
	for _, id := range []string{"330522199003150024", "11010519491231002X", "330102198001011234"} {
		if got := MaskIDNumber(id); strings.Contains(got, id[14:]) {
			t.Errorf("%s masks to %s, which shows the last four %s", id, got, id[14:])
		}
	}
}

func TestCheckIDMask(t *testing.T) {
	tests := []struct {
		pattern string
		want    error
	}{
		{DefaultIDMask, nil},
		{"######************", nil},
		{"######********", ErrMaskPattern},
		{"######********##?*", ErrMaskPattern},
		{"##########****##**", ErrMaskReveals}, // shows the birth year
		{"######********####", ErrMaskReveals}, // gender digit and the whole tail
		{"######********#*##", ErrMaskReveals}, // shows the gender digit (17)
		{"######*********#**", nil},
	}
	for _, tt := range tests {
		if got := CheckIDMask(tt.pattern); !errors.Is(got, tt.want) && got != tt.want {
			t.Errorf("CheckIDMask(%q) = %v, want %v", tt.pattern, got, tt.want)
		}
	}
}
