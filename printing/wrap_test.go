package printing

import (
	"strings"
	"testing"

	"github.com/jung-kurt/gofpdf"

	"github.com/yichuang/yichuang/assets"
)

func TestWrapLosesNoCharacterAndFits(t *testing.T) {
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(fontFamily, "", assets.Font())
	pdf.SetFont(fontFamily, "", 10)
	tests := []struct {
		name  string
		text  string
		width float64
	}{
		{"CJK", strings.Repeat("容缺受理先办后补", 12), 40},
		{"mixed", "请在受理后 7 个工作日内补齐 materials，URL https://example.org/track/ABCDEFGH12345678 之后继续", 35},
		{"newlines", "第一行\n\n第三行很长很长很长很长很长很长很长很长很长很长很长很长", 30},
		{"narrow", "一二三", 6},
	}
	for _, tt := range tests {
		lines := wrap(pdf, tt.text, tt.width)
		if got, want := strings.ReplaceAll(strings.Join(lines, ""), " ", ""), strings.NewReplacer(" ", "", "\n", "").Replace(tt.text); got != want {
			t.Errorf("%s: wrapped text %q, want %q", tt.name, got, want)
		}
		for _, l := range lines {
			if w := pdf.GetStringWidth(l); w > tt.width && len([]rune(l)) > 1 && !strings.Contains(l, "https") {
				t.Errorf("%s: line %q is %.1f mm wide, over %.1f", tt.name, l, w, tt.width)
			}
		}
	}
	if got := wrap(pdf, "ABC DEF", 200); len(got) != 1 {
		t.Errorf("short text wrapped into %d lines", len(got))
	}
}
