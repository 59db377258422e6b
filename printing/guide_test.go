package printing

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/workday"
)

// pdfText writes the PDF to a temp file and returns pdftotext's extraction:
// what a reader (or a screen reader) actually gets from the page, which
// proves the glyphs are in the font and mapped back to Unicode.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext not found: install poppler-utils (make test does)")
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	if dir := os.Getenv("YICHUANG_KEEP_PDF"); dir != "" { // for looking at it
		os.WriteFile(filepath.Join(dir, t.Name()+".pdf"), pdf, 0o644)
	}
	return string(out)
}

func sampleMatter() *catalog.Matter {
	return &catalog.Matter{
		Code: "330000-SS-0001", Name: "个体工商户设立登记", Sector: "商事登记", Department: "县市场监督管理局",
		Levels: []catalog.Level{catalog.Township, catalog.Village}, Kind: catalog.Promised, LegalDays: 15, PromisedDays: 3,
		Fees:       []catalog.Fee{{Item: "不动产登记费（住宅）", Yuan: 8000, Basis: "发改价格规〔2016〕2559号"}},
		Conditions: []string{"有固定的经营场所", "经营者为具有经营能力的自然人"},
		Materials: []catalog.Material{
			{ID: "id_card", Name: "经营者居民身份证", Required: true, Originals: 1, SharedData: true},
			{ID: "form", Name: "个体工商户登记（备案）申请书", Required: true, Originals: 1, Sample: "示范样表：个体工商户登记申请书样表"},
			{ID: "premises_proof", Name: "经营场所使用证明（房产证明或租赁合同）", Required: true, Copies: 2, Commitment: true, Deferrable: true},
			{ID: "agent", Name: "委托代理人身份证明及授权委托书", Copies: 1},
		},
		SupplementDays: 7,
	}
}

func TestGuideTextIsExtractable(t *testing.T) {
	var buf bytes.Buffer
	err := Guide(&buf, A4, GuideInput{Matter: sampleMatter(), ServicePoint: "洪桥镇便民服务中心",
		CatalogVer: "2026.11-demo", PrintedAt: time.Date(2026, 11, 26, 14, 5, 0, 0, workday.China)})
	if err != nil {
		t.Fatalf("Guide: %v", err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("output is not a PDF: %q", buf.Bytes()[:min(20, buf.Len())])
	}
	// pdftotext spaces CJK text by its own layout guesses; compare without
	// whitespace so the test checks content, not extraction spacing.
	text := strings.Join(strings.Fields(pdfText(t, buf.Bytes())), "")
	for _, want := range []string{
		"个体工商户设立登记", "洪桥镇便民服务中心", "2026-11-26 14:05", "330000-SS-0001",
		"15 个工作日", "3 个工作日", "80 元", "〔2016〕2559号",
		"经营者居民身份证", "数据共享", "可承诺；可容缺", "委托代理人身份证明及授权委托书（如有）", "个体工商户登记申请书样表", "材料缺少时可先受理",
		"2 份", "7 个工作日内补齐", "2026.11-demo", "第 1 页 / 共 1 页",
	} {
		if want = strings.ReplaceAll(want, " ", ""); !strings.Contains(text, want) {
			t.Errorf("guide text lacks %q; got:\n%s", want, text)
		}
	}
}

func TestGuideIsReproducible(t *testing.T) {
	in := GuideInput{Matter: sampleMatter(), ServicePoint: "x", CatalogVer: "v", PrintedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	var a, b bytes.Buffer
	if err := Guide(&a, A4, in); err != nil {
		t.Fatal(err)
	}
	if err := Guide(&b, A4, in); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same guide printed twice differs; reprints must be identical")
	}
}

func TestGuideWithoutMatterFails(t *testing.T) {
	if err := Guide(&bytes.Buffer{}, A4, GuideInput{}); err == nil {
		t.Error("Guide with no matter: want an error")
	}
}
