package office_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/office"
	"github.com/yichuang/yichuang/sync/figures"
)

// sameCell says whether a file's cell is the page's: "—" (nothing to count
// over) is an empty cell, a percent is its fraction, a number is equal as
// a number (the page's "2.0" is the workbook's 2), text is equal.
func sameCell(page, file string) bool {
	switch {
	case page == "—":
		return file == ""
	case strings.HasSuffix(page, "%"):
		p, err1 := strconv.ParseFloat(strings.TrimSuffix(page, "%"), 64)
		f, err2 := strconv.ParseFloat(file, 64)
		return err1 == nil && err2 == nil && abs(p/100-f) < 1e-9
	}
	if p, err := strconv.ParseFloat(page, 64); err == nil {
		f, err := strconv.ParseFloat(file, 64)
		return err == nil && p == f
	}
	return page == file
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestDashboardExportIsThePage: the dashboard's workbook holds its three
// tables, a sheet each, every figure the page shows as a number (rates as
// fractions in a 0.00% format, equal to the page's rounding); its CSV is
// the figures table as the page shows it; the export is audited.
func TestDashboardExportIsThePage(t *testing.T) {
	e, _, _, _ := newGeneratedCounty(t)
	b := e.client(t)
	b.mustLogin("lishen")
	status, page := b.get("/office/dashboard?from=2026-10-01&to=2026-10-31&by=point")
	if status != http.StatusOK {
		t.Fatalf("dashboard: %d", status)
	}
	tables := pageTables(t, page)
	csvLink, xlsxLink := exportLinks(t, page)
	if !strings.Contains(csvLink, "from=2026-10-01") || !strings.Contains(csvLink, "by=point") {
		t.Errorf("export link %s lost the page's choice", csvLink)
	}
	status, h, body := b.download(xlsxLink)
	if status != http.StatusOK {
		t.Fatalf("xlsx: %d %.200s", status, body)
	}
	if !strings.Contains(h.Get("Content-Disposition"), `filename="dashboard-2026-10-01_2026-10-31.xlsx"`) {
		t.Errorf("content disposition: %s", h.Get("Content-Disposition"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if got, want := strings.Join(sheets, ","), "各项指标,趋势,事项覆盖率"; got != want {
		t.Fatalf("sheets: got %s, want %s", got, want)
	}
	rates := 0
	for k, sheet := range sheets {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < len(tables[k]) {
			t.Fatalf("%s: got %d rows, want at least the page's %d", sheet, len(rows), len(tables[k]))
		}
		for i, row := range tables[k] {
			for j, want := range row {
				got := ""
				if j < len(rows[i]) {
					got = rows[i][j]
				}
				if !sameCell(want, got) {
					t.Errorf("%s row %d column %d: got %q, want the page's %q", sheet, i+1, j+1, got, want)
				}
				if i == 0 || j == 0 || want == "—" {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if typ, _ := f.GetCellType(sheet, cell); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
					t.Errorf("%s %s (%s): got cell type %v, want a number", sheet, cell, want, typ)
				}
				if strings.HasSuffix(want, "%") {
					rates++
					if format, _ := f.GetCellStyle(sheet, cell); format == 0 {
						t.Errorf("%s %s: a rate without its percent format", sheet, cell)
					}
				}
			}
		}
	}
	if rates < 20 {
		t.Errorf("got %d rates compared, want the figures' and the trend's (≥ 20)", rates)
	}
	status, _, body = b.download(csvLink)
	if status != http.StatusOK {
		t.Fatalf("csv: %d", status)
	}
	recs := readCSV(t, body)
	if len(recs) != len(tables[0]) {
		t.Fatalf("csv: got %d records, want the page's %d rows", len(recs), len(tables[0]))
	}
	for i, row := range tables[0] {
		for j, want := range row {
			if got := recs[i][j]; got != want && (want != "—" || got != "") {
				t.Errorf("csv row %d column %d: got %q, want the page's %q", i+1, j+1, got, want)
			}
		}
	}
	entries := e.audit(t, county.AuditFilter{Action: "export"})
	if len(entries) != 2 || entries[0].Subject != "dashboard" || !strings.Contains(entries[0].Detail, "from=2026-10-01") {
		t.Errorf("audit: got %+v, want two dashboard exports of 2026-10", entries)
	}
}

// TestFollowUpExportsAreThePagesMasked: the follow-up list's files hold
// the filtered page's rows with phone numbers masked, its dates as dates;
// the statistics' workbook holds a sheet per table with 满意率 a number.
func TestFollowUpExportsAreThePagesMasked(t *testing.T) {
	e := newEnv(t)
	e.pushRatings(t)
	b := e.client(t)
	b.mustLogin("lishen")
	_, page := b.get("/office/followups?state=open")
	csvLink, xlsxLink := exportLinks(t, page)
	status, _, body := b.download(csvLink)
	if status != http.StatusOK {
		t.Fatalf("csv: %d %.200s", status, body)
	}
	recs := readCSV(t, body)
	if len(recs) != 3 || recs[0][0] != "评价时间" || recs[1][0] != "2026-11-25 10:00" || recs[2][0] != "2026-11-16 10:00" {
		t.Errorf("csv: got %q, want the header and the two open ratings, newest first", recs)
	}
	text := string(body)
	if strings.Contains(text, "13812345678") || !strings.Contains(text, "138****5678") {
		t.Errorf("csv does not mask the phone number as the page does:\n%s", text)
	}
	if !strings.Contains(text, "2026-11-23") || !strings.Contains(text, "已超期") {
		t.Errorf("csv lacks the overdue rating's due day and state:\n%s", text)
	}
	status, _, body = b.download(xlsxLink)
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if status != http.StatusOK || err != nil {
		t.Fatalf("xlsx: %d %v", status, err)
	}
	if raw, _ := f.GetCellValue("差评回访整改", "H3", excelize.Options{RawCellValue: true}); raw != "46349" {
		t.Errorf("due day H3: got %q, want 46349 (2026-11-23 as a date)", raw)
	}
	f.Close()

	_, page = b.get("/office/ratings")
	_, xlsxLink = exportLinks(t, page)
	_, _, body = b.download(xlsxLink)
	f, err = excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := strings.Join(f.GetSheetList(), ","), "按服务点,按人员,按窗口,按事项"; got != want {
		t.Errorf("sheets: got %s, want %s", got, want)
	}
	rows, _ := f.GetRows("按人员", excelize.Options{RawCellValue: true})
	found := false
	for _, r := range rows {
		if len(r) == 9 && r[0] == "王丽" {
			found = true
			if r[2] != "3" || r[8] != "0.3333" {
				t.Errorf("王丽: got %q, want 3 ratings and 满意率 0.3333 (33.33%%)", r)
			}
		}
	}
	if !found {
		t.Errorf("no row for 王丽 in %q", rows)
	}
	if got := len(e.audit(t, county.AuditFilter{Action: "export"})); got != 3 {
		t.Errorf("audit: got %d export rows, want 3", got)
	}
}

// TestMonthlyReportHasTheDashboardsFigures: the month's report prints the
// dashboard's figures per service point for that month, the same rows as
// the page (即办率 and the counts beside it as the page shows them), and
// its workbook's two figure sheets hold the page's cells as numbers.
func TestMonthlyReportHasTheDashboardsFigures(t *testing.T) {
	e, _, _, _ := newGeneratedCounty(t)
	b := e.client(t)
	b.mustLogin("lishen")
	_, page := b.get("/office/dashboard?from=2026-10-01&to=2026-10-31&by=point")
	rows := pageTables(t, page)[0]
	col := map[figures.ID]int{}
	for i, f := range figures.All {
		col[f.ID] = i + 1
	}
	status, _, body := b.download("/office/export/monthly?month=2026-10&format=pdf")
	if status != http.StatusOK {
		t.Fatalf("monthly pdf: %d %.200s", status, body)
	}
	text := pdfText(t, body, "office-monthly-figures.pdf")
	if !strings.Contains(text, "5. 主要指标") || !strings.Contains(text, "即办率") {
		t.Fatalf("report lacks the figures section:\n%s", text)
	}
	immediate := 0
	for _, r := range rows[1:] {
		// The row as printed: name, 受理件数, 即办率, 最多跑一次率 …
		want := regexp.QuoteMeta(r[0]) + `\s+` + regexp.QuoteMeta(r[col["accepted"]]) + `\s+` + regexp.QuoteMeta(r[col["immediate_rate"]]) +
			`\s+` + regexp.QuoteMeta(r[col["at_most_once_rate"]])
		if !regexp.MustCompile(want).MatchString(text) {
			t.Errorf("report lacks the page's row %s: 受理 %s, 即办率 %s", r[0], r[col["accepted"]], r[col["immediate_rate"]])
		}
		if r[col["immediate_rate"]] != "0.00%" && r[col["immediate_rate"]] != "—" {
			immediate++
		}
	}
	if len(rows) < 4 || immediate == 0 {
		t.Fatalf("the generated month has %d rows, %d with cases done on the spot: the comparison says nothing", len(rows), immediate)
	}
	status, _, body = b.download("/office/export/monthly?month=2026-10&format=xlsx")
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if status != http.StatusOK || err != nil {
		t.Fatalf("monthly xlsx: %d %v", status, err)
	}
	defer f.Close()
	seen := map[figures.ID]bool{}
	for k, sheet := range []string{"主要指标", "其他指标"} {
		got, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for j, id := range office.ReportFigures(k) {
			seen[id] = true
			for i, r := range rows {
				if i == 0 {
					continue // headers: the page's carry units the same way; checked by the figures
				}
				if i >= len(got) || j+1 >= len(got[i]) || got[i][0] != r[0] || !sameCell(r[col[id]], got[i][j+1]) {
					t.Errorf("%s row %s, %s: got %q, want the page's %q", sheet, r[0], id, got[min(i, len(got)-1)], r[col[id]])
				}
			}
		}
	}
	if len(seen) != len(figures.All) {
		t.Errorf("the report's figure sheets hold %d figures, want every one of the dashboard's %d", len(seen), len(figures.All))
	}
}
