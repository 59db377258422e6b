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

// TestWrapKeepsDatesTimesAndNumbersWhole sweeps the width so that every
// possible cut lands inside each token once: a line never ends in the middle
// of a date, a time or a number.
func TestWrapKeepsDatesTimesAndNumbersWhole(t *testing.T) {
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(fontFamily, "", assets.Font())
	pdf.SetFont(fontFamily, "", 8.5)
	tests := []struct {
		text   string
		tokens []string
	}{
		{"容缺受理：请于2026年12月3日前补齐标为“容缺待补”的材料，详见《容缺补正告知书》。", []string{"2026年12月3日"}},
		{"打印时间 2026年11月26日 10:42，受理时间2026年11月26日 10:39", []string{"2026年11月26日 10:42", "2026年11月26日 10:39"}},
		{"您于2026-11-26申请办理，工本费12.50元，已缴1,250.00元，完成率100%。", []string{"2026-11-26", "12.50", "1,250.00", "100%"}},
		{"可以自收到本告知书之日起60日内申请行政复议，或者在6个月内提起行政诉讼；查询密码 482913。", []string{"60", "482913"}},
	}
	for _, tt := range tests {
		for w := 12.0; w <= 80; w += 0.5 {
			lines := wrap(pdf, tt.text, w)
			joined := strings.Join(lines, "\n")
			for _, tok := range tt.tokens {
				if pdf.GetStringWidth(tok) > w-2*pdf.GetCellMargin() {
					continue // longer than a line: it has to be cut somewhere
				}
				if !strings.Contains(joined, tok) {
					t.Errorf("width %.1f: %q is cut: got %q, want it on one line", w, tok, lines)
				}
			}
		}
	}
}
