package printing

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
)

var update = flag.Bool("update", false, "rewrite the sample documents in testdata/ and docs/screenshots/receipt-a4.png")

var printedAt = time.Date(2026, 11, 26, 10, 42, 0, 0, workday.China)

func demoCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// restaurantCase is the 我要开餐馆 bundle accepted with one 容缺 material
// and one 告知承诺 material, as the counter would store it.
func restaurantCase(t testing.TB, cat *catalog.Catalog) cases.Case {
	t.Helper()
	b, _ := cat.Bundle("330000-YJS-001")
	mats, err := cases.Checklist(cat, b.Matters)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range mats {
		m, _ := cat.Matter(e.Matter)
		for _, mat := range m.Materials {
			if mat.ID != e.Material {
				continue
			}
			switch {
			case e.Matter == "330000-SS-0001" && mat.ID == "premises_proof":
				mats[i].State = cases.Deferred
			case e.Matter == "330000-QT-0001" && mat.ID == "owner_consent":
				mats[i].State = cases.Committed
			case mat.SharedData:
				mats[i].State = cases.Shared
			case !mat.Required:
				mats[i].State = cases.NotApplicable
			default:
				mats[i].State = cases.AllowedStates(mat)[0]
			}
		}
	}
	code, err := tracking.Encode(tracking.Parts{ServicePoint: "330522101000", Device: 2, Day: printedAt, Seq: 17})
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 12, 3, 0, 0, 0, 0, workday.China)
	md := map[string]time.Time{}
	for _, c := range b.Matters {
		md[c] = due
	}
	md["330000-SS-0001"] = time.Date(2026, 11, 26, 0, 0, 0, 0, workday.China)
	return cases.Case{
		ID: "6f1c0d4e-0000-4000-8000-000000000017", Tracking: code, ServicePoint: "330522101000",
		Draft: cases.Draft{Bundle: b.Code, Matters: b.Matters, Materials: mats,
			Applicant: cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "13857201234"},
			Fields:    map[string]string{"enterprise_name": "长兴县洪桥镇小红面馆"}},
		Decision: cases.AcceptDeferred, Status: cases.StatusDeferred,
		Accepted: printedAt.Add(-3 * time.Minute), Due: due, MatterDue: md,
		SupplementBy: time.Date(2026, 12, 3, 0, 0, 0, 0, workday.China),
		Clerk:        cases.Actor{ID: 2, Name: "王丽", Window: 3}, CatalogVer: cat.Version,
	}
}

func writeTestdata(name string, b []byte) error {
	return os.WriteFile(filepath.Join("testdata", name), b, 0o644)
}

func need(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install poppler-utils and zbar-tools (make test does)", tool)
		}
	}
}

// decodeQR renders the first page and returns what zbarimg reads.
func decodeQR(t testing.TB, pdf []byte) string {
	t.Helper()
	need(t, "pdftoppm", "zbarimg")
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.pdf")
	os.WriteFile(in, pdf, 0o600)
	if out, err := exec.Command("pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(pages) == 0 {
		t.Fatal("pdftoppm wrote no page")
	}
	out, err := exec.Command("zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", pages[0]).Output()
	if err != nil {
		t.Fatalf("zbarimg found no QR code: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func compact(s string) string { return strings.Join(strings.Fields(s), "") }

func TestCaseDocuments(t *testing.T) {
	cat := demoCatalog(t)
	c := restaurantCase(t, cat)
	refused := c
	refused.Status, refused.Decision, refused.Reason = cases.StatusRejected, cases.Reject, "经营场所位于住宅楼内，不符合餐饮服务场所设置要求。"
	denied := c
	denied.Status, denied.Reason = cases.StatusDenied, "现场核查，经营场所不具备食品经营条件。"
	denied.County = &cases.CountyDecision{Status: cases.CountyDenied, Reason: denied.Reason, At: time.Date(2026, 12, 1, 15, 0, 0, 0, workday.China)}
	in := CaseInput{Case: c, Catalog: cat, ServicePoint: "洪桥镇便民服务中心", PrintedAt: printedAt}
	common := []string{compact(tracking.Format(c.Tracking)), "洪桥镇便民服务中心", "330522********00**", "（盖章）"}
	tests := []struct {
		kind DocKind
		cs   cases.Case
		want []string
		file string
	}{
		{Receipt, c, []string{"受理回执", "我要开餐馆", "个体工商户设立登记", "食品经营许可（新办）", "公众聚集场所投入使用、营业前消防安全检查",
			"容缺待补", "告知承诺", "2026年12月3日", "王丽（3号窗口）", "138****1234", "容缺受理，待补正",
			"实施部门", "县市场监督管理局", "受实施部门委托受理", "洪桥镇便民服务中心（受理专用章）", "存档联"}, "receipt"},
		{SupplementNotice, c, []string{"容缺补正告知书", "经营场所（住所）使用证明", "2026年12月3日前", "张小红", "终止办理", "不计入承诺办结时限"}, "supplement-notice"},
		{Commitment, c, []string{"告知承诺书", "房屋产权人同意设置的书面意见", "申请人承诺", "申请人（签字或盖章）"}, "commitment"},
		{RefusalNotice, refused, []string{"不予受理告知书", "住宅楼内", "县市场监督管理局决定不予受理", "60日内向县人民政府申请行政复议",
			"6个月内依法向县人民法院提起行政诉讼", "复议机关县人民政府", "管辖法院县人民法院", "受县市场监督管理局委托受理"}, "refusal-notice"},
		{DenialNotice, denied, []string{"不予许可决定书", "县市场监督管理局决定不予许可", "县人民政府申请行政复议", "2026年12月1日"}, "denial-notice"},
		{PickupVoucher, c, []string{"领取凭证", "预计2026年12月3日可领取", "授权委托书"}, "pickup-voucher"},
	}
	for _, tt := range tests {
		for _, layout := range []Layout{A4, Roll80} {
			t.Run(string(tt.kind)+"/"+string(layout), func(t *testing.T) {
				in.Case = tt.cs
				var buf bytes.Buffer
				meta, err := WriteCaseDoc(&buf, tt.kind, layout, in)
				if err != nil {
					t.Fatal(err)
				}
				text := compact(pdfText(t, buf.Bytes()))
				for _, want := range append(append([]string{}, common...), tt.want...) {
					if !strings.Contains(text, compact(want)) {
						t.Errorf("text lacks %q:\n%s", want, text)
					}
				}
				for _, secret := range []string{"330522199003150024", "13857201234"} {
					if strings.Contains(text, secret) {
						t.Errorf("the full %s is printed; it must be masked", secret)
					}
				}
				if got := decodeQR(t, buf.Bytes()); got != c.Tracking {
					t.Errorf("QR decodes to %q, want %q", got, c.Tracking)
				}
				if layout == Roll80 && (meta.Pages != 1 || meta.PageHeight < 80) {
					t.Errorf("roll document: %+v, want one page as long as its content", meta)
				}
				if *update && (layout == A4 || tt.kind == Receipt || tt.kind == RefusalNotice) {
					name := tt.file + "-" + map[Layout]string{A4: "a4", Roll80: "80mm"}[layout] + ".pdf"
					if err := os.WriteFile(filepath.Join("testdata", name), buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	}
	if *update {
		out := filepath.Join("..", "docs", "screenshots", "receipt-a4")
		if b, err := exec.Command("pdftoppm", "-r", "80", "-f", "1", "-l", "1", "-png", "-singlefile", filepath.Join("testdata", "receipt-a4.pdf"), out).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, b)
		}
	}
}

func TestDocsFor(t *testing.T) {
	cat := demoCatalog(t)
	c := restaurantCase(t, cat)
	tests := []struct {
		name string
		edit func(c *cases.Case)
		want string
	}{
		{"容缺 with commitment", nil, "receipt supplement_notice commitment pickup_voucher"},
		{"refused", func(c *cases.Case) { c.Status = cases.StatusRejected }, "refusal_notice"},
		{"delivered already", func(c *cases.Case) {
			c.Status = cases.StatusDelivered
			c.Materials = nil
		}, "receipt"},
	}
	for _, tt := range tests {
		cs := c
		if tt.edit != nil {
			tt.edit(&cs)
		}
		var got []string
		for _, k := range DocsFor(cs) {
			got = append(got, string(k))
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%s: DocsFor = %q, want %q", tt.name, strings.Join(got, " "), tt.want)
		}
	}
}

func TestMissingGlyphFailsLoudly(t *testing.T) {
	cat := demoCatalog(t)
	c := restaurantCase(t, cat)
	c.Applicant.Name = "张\U00013000" // an Egyptian hieroglyph: not in any CJK font
	f, err := theFont()
	if err != nil {
		t.Fatal(err)
	}
	if f.Has('\U00013000') {
		t.Skip("the font has U+13000; pick another missing rune")
	}
	_, err = WriteCaseDoc(&bytes.Buffer{}, Receipt, A4, CaseInput{Case: c, Catalog: cat, ServicePoint: "x", PrintedAt: printedAt})
	var mg *MissingGlyphsError
	if !errors.As(err, &mg) || len(mg.Runes) != 1 || mg.Runes[0] != '\U00013000' {
		t.Fatalf("err = %v, want MissingGlyphsError for U+13000", err)
	}
	if !strings.Contains(err.Error(), "U+13000") {
		t.Errorf("message %q does not name the character", err)
	}
	// U+10400 is in the font, but gofpdf cannot print beyond the BMP.
	if !f.Has('\U00010400') {
		t.Fatal("expected the font to have U+10400")
	}
	c.Applicant.Name = "张\U00010400"
	_, err = WriteCaseDoc(&bytes.Buffer{}, Receipt, A4, CaseInput{Case: c, Catalog: cat, ServicePoint: "x", PrintedAt: printedAt})
	if !errors.As(err, &mg) || mg.Runes[0] != '\U00010400' {
		t.Errorf("non-BMP rune: err = %v, want MissingGlyphsError", err)
	}
}
