package xlsx_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yichuang/yichuang/app/report"
	"github.com/yichuang/yichuang/app/report/xlsx"
	"github.com/yichuang/yichuang/app/workday"
)

var at = time.Date(2026, 11, 26, 10, 30, 0, 0, workday.China)

func tables() []*report.Table {
	cases := report.New("案件", "案件 · 全部",
		report.Column{Header: "县级案件号", Kind: report.Text}, report.Column{Header: "服务点名称很长很长的一列", Kind: report.Text},
		report.Column{Header: "件数", Kind: report.Integer}, report.Column{Header: "按时办结率", Kind: report.Percent},
		report.Column{Header: "平均用时", Kind: report.Days}, report.Column{Header: "受理日期", Kind: report.Date},
		report.Column{Header: "最近联系", Kind: report.DateTime})
	cases.Add("330522-2026-000001", "洪桥镇便民服务中心", 12, 0.9913, 3.5, at, at)
	cases.Add("=HYPERLINK(\"http://x\")", "", 0, nil, nil, nil, nil)
	devs := report.New("设备", "设备", report.Column{Header: "主机名", Kind: report.Text})
	devs.Add("hall-pc-1")
	return []*report.Table{cases, devs}
}

func write(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := xlsx.Write(&buf, xlsx.Props{Title: "案件导出", Creator: "李审", Created: at}, tables()...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWorkbookReadsBackTyped(t *testing.T) {
	f, err := excelize.OpenReader(bytes.NewReader(write(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := strings.Join(f.GetSheetList(), ","), "案件,设备"; got != want {
		t.Fatalf("sheets: got %s, want %s", got, want)
	}
	cells := []struct {
		cell, value string
		typ         excelize.CellType
		format      string
	}{
		{"A1", "县级案件号", excelize.CellTypeSharedString, ""},
		{"A2", "330522-2026-000001", excelize.CellTypeInlineString, ""},
		{"C2", "12", excelize.CellTypeUnset, "0"}, // a number: no t attribute
		{"D2", "99.13%", excelize.CellTypeUnset, "0.00%"},
		{"E2", "3.5", excelize.CellTypeUnset, "0.0"},
		{"F2", "2026-11-26", excelize.CellTypeUnset, "yyyy-mm-dd"},
		{"G2", "2026-11-26 10:30", excelize.CellTypeUnset, "yyyy-mm-dd hh:mm"},
		{"A3", "=HYPERLINK(\"http://x\")", excelize.CellTypeInlineString, ""},
		{"D3", "", excelize.CellTypeUnset, "0.00%"},
	}
	for _, c := range cells {
		v, err := f.GetCellValue("案件", c.cell)
		if err != nil {
			t.Fatal(err)
		}
		typ, _ := f.GetCellType("案件", c.cell)
		sid, _ := f.GetCellStyle("案件", c.cell)
		style, _ := f.GetStyle(sid)
		format := ""
		if style != nil && style.CustomNumFmt != nil {
			format = *style.CustomNumFmt
		}
		if v != c.value || (c.cell != "A1" && typ != c.typ) || format != c.format {
			t.Errorf("%s: got %q type %v format %q, want %q type %v format %q", c.cell, v, typ, format, c.value, c.typ, c.format)
		}
	}
	// A kiosk's "=…" stays text: no formula is stored, none is run.
	if formula, _ := f.GetCellFormula("案件", "A3"); formula != "" {
		t.Errorf("A3 formula: got %q, want none", formula)
	}
	raw, _ := f.GetCellValue("案件", "F2", excelize.Options{RawCellValue: true})
	if raw != "46352" { // 2026-11-26 as an Excel serial day
		t.Errorf("F2 raw: got %s, want 46352 (a date, not text)", raw)
	}
	panes, err := f.GetPanes("案件")
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("panes: got %+v, want the header row frozen", panes)
	}
	wName, _ := f.GetColWidth("案件", "B")
	wCount, _ := f.GetColWidth("案件", "C")
	if wName < 24 || wCount > 10 {
		t.Errorf("widths: got B %.0f (Chinese 12 characters) and C %.0f, want B ≥ 24 and C ≤ 10", wName, wCount)
	}
	props, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if props.Title != "案件导出" || props.Creator != "李审" || !strings.HasPrefix(props.Created, "2026-11-26T02:30:00") {
		t.Errorf("props: got %+v", props)
	}
}

// TestLibreOfficeOpensWorkbook converts the workbook with LibreOffice when
// it is installed: a second, independent reader of the file.
func TestLibreOfficeOpensWorkbook(t *testing.T) {
	bin := ""
	for _, name := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("LibreOffice is not installed (no soffice or libreoffice on PATH): the workbook is checked with excelize only")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "cases.xlsx")
	if err := os.WriteFile(in, write(t), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--convert-to", "csv", "--outdir", dir, in)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v: %s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "cases.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "330522-2026-000001") || !strings.Contains(string(got), "99.13%") {
		t.Errorf("libreoffice csv: got %s", got)
	}
}
