package textfold

import (
	"testing"
	"unicode"
)

func TestCompact(t *testing.T) {
	tests := []struct {
		in   string
		drop func(rune) bool
		want string
	}{
		{"１１０１０５　１９４９Ｘ", unicode.IsSpace, "1101051949X"},
		{"ａｂｃ－１２３", func(r rune) bool { return r == '-' }, "abc123"},
		{"不动产，查询", nil, "不动产,查询"},
		{"", unicode.IsSpace, ""},
	}
	for _, tt := range tests {
		if got := Compact(tt.in, tt.drop); got != tt.want {
			t.Errorf("Compact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
