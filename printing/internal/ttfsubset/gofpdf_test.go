package ttfsubset

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jung-kurt/gofpdf"

	"github.com/yichuang/yichuang/assets"
)

// receipt is a receipt's worth of text: ~300 distinct runes, the size of
// subset the kiosk makes per document.
var receipt = []string{
	"浙江省政务服务 一窗受理回执",
	"受理编号：330000-SS-0001 受理时间：2025年03月18日 10:42",
	"事项名称：个体工商户设立登记（告知承诺制） 办理方式：窗口办理",
	"申请人：张** 证件号码：3301**********1234 联系电话：138****5678",
	"收费标准：工本费¥80.00（容缺受理，材料补齐后退还）",
	"已收材料：1.营业执照申请书；2.经营者身份证明；3.经营场所使用证明；4.委托书。",
	"容缺材料：《住所（经营场所）登记表》，请于5个工作日内补交，逾期视为撤回申请。",
	"承诺时限：自受理之日起3个工作日内办结，结果可选择邮寄送达或窗口自取。",
	"温馨提示：请妥善保管本回执，凭回执及身份证件领取办理结果；如有疑问，请拨打12345热线咨询。",
	"您可以扫描二维码查询办理进度，也可在“浙里办”APP搜索受理编号查看。",
	"办理地点：市民中心三楼综合窗口；工作时间：周一至周五上午九点至下午五点，法定节假日除外。",
	"监督投诉：对窗口服务不满意的，可向县行政审批局效能督查科反映，我们将及时核实处理并答复。",
	"经办人签字：________ 申请人签字：________ 窗口盖章",
	"第 1 页 / 共 1 页 — 本回执由一窗综合受理系统自动生成，打印即有效。",
	" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
	"第页共—·、。，：；（）《》“”【】",
}

func distinctRunes(texts ...string) []rune {
	var out []rune
	for _, s := range texts {
		for _, r := range s {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

func pdftotext(t testing.TB, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext not found: install poppler-utils (apt-get install poppler-utils)")
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

func noSpace(s string) string { return strings.Join(strings.Fields(s), "") }

// writePDF lays text out one line per Cell with font bytes loaded the way the
// kiosk loads them.
func writePDF(w io.Writer, font []byte, lines []string) error {
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes("f", "", font)
	pdf.AddPage()
	pdf.SetFont("f", "", 11)
	for _, l := range lines {
		pdf.CellFormat(0, 6, l, "", 1, "L", false, 0, "")
	}
	return pdf.Output(w)
}

func TestGofpdfAcceptsSubset(t *testing.T) {
	f := mustFont(t)
	tests := []struct {
		name string
		text string
	}{
		{"mixed receipt line", "受理回执 330000-SS-0001 个体工商户设立登记 ¥80.00（容缺）：“告知承诺”"},
		{"latin only", "Receipt No. 42, paid EUR 3.50 (cash)"},
		{"full-width and CJK punctuation", "【材料】《登记表》、身份证。ＡＢＣ１２３！"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if missing := f.Missing(tt.text); missing != nil {
				t.Fatalf("font lacks %q; the test text must be printable", missing)
			}
			sub := mustSubset(t, f, []rune(tt.text))
			pdf := gofpdf.New("P", "mm", "A4", "")
			pdf.AddUTF8FontFromBytes("f", "", sub)
			pdf.AddPage()
			pdf.SetFont("f", "", 12)
			pdf.Cell(0, 10, tt.text)
			pdf.Ln(10)
			pdf.CellFormat(0, 10, tt.text, "1", 1, "C", false, 0, "")
			if err := pdf.Error(); err != nil {
				t.Fatalf("gofpdf with the subset: %v", err)
			}
			var out strings.Builder
			if err := pdf.Output(&out); err != nil {
				t.Fatalf("Output: %v", err)
			}
			got := noSpace(pdftotext(t, []byte(out.String())))
			if want := noSpace(tt.text); strings.Count(got, want) != 2 {
				t.Errorf("pdftotext got %q, want %q twice", got, want)
			}
		})
	}
}

// Widths decide line breaks; a subset must measure text exactly as the full
// font does, rune by rune.
func TestGofpdfWidthsMatchFullFont(t *testing.T) {
	f := mustFont(t)
	texts := append(slices.Clone(receipt), "受理回执 330000-SS-0001 个体工商户设立登记 ¥80.00（容缺）：“告知承诺”", "ＡＢＣ１２３！À")
	sample := distinctRunes(texts...)
	sample = append(sample, sampleRunes(t)...)

	load := func(font []byte) *gofpdf.Fpdf {
		pdf := gofpdf.New("P", "mm", "A4", "")
		pdf.AddUTF8FontFromBytes("f", "", font)
		pdf.AddPage()
		pdf.SetFont("f", "", 10)
		if err := pdf.Error(); err != nil {
			t.Fatalf("gofpdf: %v", err)
		}
		return pdf
	}
	full := load(assets.Font())
	sub := load(mustSubset(t, f, sample))
	for _, s := range texts {
		if got, want := sub.GetStringWidth(s), full.GetStringWidth(s); got != want {
			t.Errorf("GetStringWidth(%q) got %v with the subset, want %v as with the full font", s, got, want)
		}
	}
	for _, r := range sample {
		if got, want := sub.GetStringWidth(string(r)), full.GetStringWidth(string(r)); got != want {
			t.Errorf("GetStringWidth(%q) got %v with the subset, want %v as with the full font", r, got, want)
		}
	}
}

// The benchmarks below must print the same document both ways.
func TestReceiptSameTextAsFullFont(t *testing.T) {
	sub := mustSubset(t, mustFont(t), distinctRunes(receipt...))
	var withSub, withFull strings.Builder
	if err := writePDF(&withSub, sub, receipt); err != nil {
		t.Fatalf("with subset: %v", err)
	}
	if err := writePDF(&withFull, assets.Font(), receipt); err != nil {
		t.Fatalf("with full font: %v", err)
	}
	got, want := pdftotext(t, []byte(withSub.String())), pdftotext(t, []byte(withFull.String()))
	if got != want {
		t.Errorf("pdftotext with subset got\n%s\nwant (full font)\n%s", got, want)
	}
	if !strings.Contains(noSpace(got), noSpace(receipt[4])) {
		t.Errorf("pdftotext got\n%s\nwant it to contain %q", got, receipt[4])
	}
	t.Logf("receipt: %d runes, PDF %d bytes with subset, %d with full font", len(distinctRunes(receipt...)), withSub.Len(), withFull.Len())
}

func BenchmarkSubsetAndGofpdf(b *testing.B) {
	f := mustFont(b)
	runes := distinctRunes(receipt...)
	b.ReportMetric(float64(len(runes)), "runes")
	for b.Loop() {
		sub, err := f.Subset(runes)
		if err != nil {
			b.Fatal(err)
		}
		if err := writePDF(io.Discard, sub, receipt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFullFontGofpdf(b *testing.B) {
	for b.Loop() {
		if err := writePDF(io.Discard, assets.Font(), receipt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSubset(b *testing.B) {
	f := mustFont(b)
	runes := distinctRunes(receipt...)
	for b.Loop() {
		if _, err := f.Subset(runes); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse(assets.Font()); err != nil {
			b.Fatal(err)
		}
	}
}
