package office_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"html"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/office"
)

// download GETs an export and returns its status, headers and body.
func (b *browser) download(path string) (int, http.Header, []byte) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

var exportLinkRE = regexp.MustCompile(`href="(/office/export/[^"]+format=(csv|xlsx)[^"]*)"`)

// exportLinks are a page's two export links, as a browser follows them.
func exportLinks(t *testing.T, page string) (csvLink, xlsxLink string) {
	t.Helper()
	for _, m := range exportLinkRE.FindAllStringSubmatch(page, -1) {
		link := html.UnescapeString(m[1])
		if m[2] == "csv" {
			csvLink = link
		} else {
			xlsxLink = link
		}
	}
	if csvLink == "" || xlsxLink == "" {
		t.Fatalf("page has no export links: csv %q xlsx %q", csvLink, xlsxLink)
	}
	return csvLink, xlsxLink
}

func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("csv without a byte-order mark: %.40q", body)
	}
	recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

var (
	caseLinkRE = regexp.MustCompile(`<td><a href="/office/cases/([^"]+)">`)
	caseRowRE  = regexp.MustCompile(`(?s)<tr class="[^"]*">\s*<td><a href="/office/cases/([^"]+)">[^<]*</a><div class="small mono">([^<]*)</div></td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>`)
)

// seedExportCases pushes cases of which three are overdue on t0; their
// applicants' names carry a mobile and an ID number, as a clerk's typing
// can.
func seedExportCases(t *testing.T, e *env) (overdue []string) {
	t.Helper()
	for i, s := range []struct {
		name string
		due  time.Time
	}{
		{"王五13812345678", t0.AddDate(0, 0, -3)},
		{"赵六", t0.AddDate(0, 0, 10)},
		{"钱七330522199003070024", t0.AddDate(0, 0, -2)},
		{"孙八", t0.AddDate(0, 0, -1)},
		{"周九", t0.AddDate(0, 0, 20)},
	} {
		cc := e.push(t, newSeed(s.name, s.due))
		if s.due.Before(t0) {
			overdue = append(overdue, cc)
		}
		_ = i
	}
	return overdue
}

// TestCaseExportIsTheFilteredPage: the CSV and the workbook of a filtered
// case list hold the page's rows, in its order, masked as the page masks
// them, and read through pages of the keyset order (2 rows a page here).
func TestCaseExportIsTheFilteredPage(t *testing.T) {
	defer func(n int) { *office.ExportPage = n }(*office.ExportPage)
	*office.ExportPage = 2
	e := newEnv(t)
	overdue := seedExportCases(t, e)
	b := e.client(t)
	b.mustLogin("lishen")
	status, page := b.get("/office/cases?deadline=overdue")
	if status != http.StatusOK {
		t.Fatalf("cases page: %d", status)
	}
	var pageRows [][]string
	for _, m := range caseRowRE.FindAllStringSubmatch(page, -1) {
		pageRows = append(pageRows, []string{m[1], html.UnescapeString(m[2]), html.UnescapeString(m[3]), html.UnescapeString(m[4])})
	}
	if len(pageRows) != len(overdue) {
		t.Fatalf("page rows: got %d, want the %d overdue cases", len(pageRows), len(overdue))
	}
	csvLink, xlsxLink := exportLinks(t, page)
	if !strings.Contains(csvLink, "deadline=overdue") {
		t.Errorf("export link %s lost the page's filter", csvLink)
	}
	status, h, body := b.download(csvLink)
	if status != http.StatusOK {
		t.Fatalf("csv export: %d %s", status, body)
	}
	if got, want := h.Get("Content-Type"), "text/csv; charset=utf-8"; got != want {
		t.Errorf("content type: got %s, want %s", got, want)
	}
	if got, want := h.Get("Content-Disposition"), `attachment; filename="cases-2026-11-26.csv"; filename*=UTF-8''%E6%A1%88%E4%BB%B6-2026-11-26.csv`; got != want {
		t.Errorf("content disposition: got %s, want %s", got, want)
	}
	recs := readCSV(t, body)
	if got, want := strings.Join(recs[0][:5], ","), "县级案件号,受理编号,服务点,申请人,事项"; got != want {
		t.Errorf("header: got %s, want %s", got, want)
	}
	if len(recs)-1 != len(pageRows) {
		t.Fatalf("csv rows: got %d, want the page's %d", len(recs)-1, len(pageRows))
	}
	for i, want := range pageRows {
		got := recs[i+1][:4]
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("row %d: got %q, want the page's %q", i+1, got, want)
		}
		if recs[i+1][7] != "已超期" {
			t.Errorf("row %d deadline: got %q, want 已超期", i+1, recs[i+1][7])
		}
	}
	for _, full := range []string{"13812345678", "330522199003070024"} {
		if bytes.Contains(body, []byte(full)) {
			t.Errorf("csv holds %s in full", full)
		}
	}
	if !bytes.Contains(body, []byte("王五138****5678")) {
		t.Errorf("csv lacks the masked name 王五138****5678")
	}

	status, h, body = b.download(xlsxLink)
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "application/vnd.openxmlformats") {
		t.Fatalf("xlsx export: %d %s", status, h.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("案件")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != len(pageRows) {
		t.Fatalf("xlsx rows: got %d, want %d", len(rows)-1, len(pageRows))
	}
	for i, want := range pageRows {
		if got := rows[i+1][:4]; strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("xlsx row %d: got %q, want %q", i+1, got, want)
		}
	}
	if typ, _ := f.GetCellType("案件", "G2"); typ != excelize.CellTypeUnset {
		t.Errorf("承诺办结 G2: got cell type %v, want a number (a date)", typ)
	}
	if v, _ := f.GetCellValue("案件", "G2"); v != recs[1][6] {
		t.Errorf("承诺办结 G2: got %s, want the csv's %s", v, recs[1][6])
	}
	if panes, _ := f.GetPanes("案件"); !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header not frozen: %+v", panes)
	}
	var all strings.Builder
	for _, r := range rows {
		all.WriteString(strings.Join(r, "|"))
	}
	for _, full := range []string{"13812345678", "330522199003070024"} {
		if strings.Contains(all.String(), full) {
			t.Errorf("xlsx holds %s in full", full)
		}
	}
	if props, _ := f.GetDocProps(); props.Creator != "李审" {
		t.Errorf("workbook creator: got %q, want the staff member 李审", props.Creator)
	}

	// Each download is on record: who, what, which filter, how many rows.
	entries := e.audit(t, county.AuditFilter{Action: "export"})
	if len(entries) != 2 {
		t.Fatalf("export audit rows: got %d, want 2", len(entries))
	}
	for _, a := range entries {
		if a.StaffLogin != "lishen" || a.Subject != "cases" || !strings.Contains(a.Detail, "deadline=overdue") || !strings.Contains(a.Detail, "rows=3") {
			t.Errorf("audit row: got %+v", a)
		}
	}
	if !strings.HasPrefix(entries[0].Detail, "xlsx ") || !strings.HasPrefix(entries[1].Detail, "csv ") {
		t.Errorf("audit formats: got %q, %q, want xlsx then csv (newest first)", entries[0].Detail, entries[1].Detail)
	}
}

// TestUnfilteredExportHasEveryCase: with no filter the export pages
// through every case, more than one list page's worth.
func TestUnfilteredExportHasEveryCase(t *testing.T) {
	defer func(n int) { *office.ExportPage = n }(*office.ExportPage)
	*office.ExportPage = 2
	e := newEnv(t)
	seedExportCases(t, e)
	b := e.client(t)
	b.mustLogin("lishen")
	_, page := b.get("/office/cases")
	want := caseLinkRE.FindAllStringSubmatch(page, -1)
	_, _, body := b.download("/office/export/cases?format=csv")
	recs := readCSV(t, body)
	if len(recs)-1 != 5 || len(want) != 5 {
		t.Fatalf("rows: got %d in the csv and %d on the page, want 5", len(recs)-1, len(want))
	}
	for i, m := range want {
		if recs[i+1][0] != m[1] {
			t.Errorf("row %d: got %s, want %s", i+1, recs[i+1][0], m[1])
		}
	}
}

func TestExportRefusals(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		login, path string
		want        int
	}{
		{"lishen", "/office/export/cases?format=pdf", http.StatusBadRequest},
		{"lishen", "/office/export/cases?format=doc", http.StatusBadRequest},
		{"lishen", "/office/export/fleet?format=csv", http.StatusForbidden},
		{"lishen", "/office/export/audit?format=csv", http.StatusForbidden},
		{"lishen", "/office/export/staff?format=csv", http.StatusForbidden},
		{"lishen", "/office/export/catalog?format=csv", http.StatusForbidden},
		{"mulu", "/office/export/cases?format=csv", http.StatusForbidden},
		{"mulu", "/office/export/matters?format=csv&version=nope", http.StatusBadRequest},
		{"admin", "/office/export/audit?format=csv&from=yesterday", http.StatusBadRequest},
		{"lishen", "/office/export/monthly?format=pdf&month=1999-01", http.StatusBadRequest},
		{"", "/office/export/cases?format=csv", http.StatusSeeOther},
	}
	for _, tt := range tests {
		b := e.client(t)
		if tt.login != "" {
			b.mustLogin(tt.login)
		}
		if got, _, _ := b.download(tt.path); got != tt.want {
			t.Errorf("%s %s: got %d, want %d", tt.login, tt.path, got, tt.want)
		}
	}
	if got := e.audit(t, county.AuditFilter{Action: "export"}); len(got) != 0 {
		t.Errorf("refused exports left %d audit rows, want none", len(got))
	}
}

// TestEveryTableExports: each page with a table links to its export, and
// the export answers with the page's table.
func TestEveryTableExports(t *testing.T) {
	e := newEnv(t)
	e.push(t, newSeed("王五", t0.AddDate(0, 0, 3)))
	admin := e.client(t)
	admin.mustLogin("admin")
	token := admin.csrf("/office/catalog")
	if status, body := admin.upload("/office/catalog/import", token, assets.DemoCatalog()); status != http.StatusSeeOther {
		t.Fatalf("import catalog: %d %.300s", status, body)
	}
	tests := []struct {
		page, sheet, header string
		sheets              int
	}{
		{"/office/cases", "案件", "县级案件号", 1},
		{"/office/notices", "短信通知", "手机号", 1},
		{"/office/fleet", "设备", "主机名", 2},
		{"/office/audit?action=login", "审计日志", "操作", 1},
		{"/office/staff", "人员管理", "登录名", 1},
		{"/office/catalog", "目录版本", "版本", 3},
		{"/office/catalog/versions/2026.11-demo", "事项目录", "承诺时限（工作日）", 1},
		{"/office/dashboard", "各项指标", "即办率", 3},
		{"/office/followups", "差评回访整改", "评价时间", 1},
		{"/office/ratings", "按服务点", "满意率", 4},
	}
	for _, tt := range tests {
		status, page := admin.get(tt.page)
		if status != http.StatusOK {
			t.Fatalf("%s: %d", tt.page, status)
		}
		csvLink, xlsxLink := exportLinks(t, page)
		status, _, body := admin.download(csvLink)
		if status != http.StatusOK {
			t.Errorf("%s csv: %d %.200s", tt.page, status, body)
			continue
		}
		if recs := readCSV(t, body); !strings.Contains(strings.Join(recs[0], ","), tt.header) {
			t.Errorf("%s csv header: got %q, want %q in it", tt.page, recs[0], tt.header)
		}
		status, _, body = admin.download(xlsxLink)
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if status != http.StatusOK || err != nil {
			t.Errorf("%s xlsx: %d %v", tt.page, status, err)
			continue
		}
		if got := f.GetSheetList(); len(got) != tt.sheets || got[0] != tt.sheet {
			t.Errorf("%s sheets: got %q, want %d starting with %s", tt.page, got, tt.sheets, tt.sheet)
		}
		f.Close()
	}
	// The unused enrollment code the fleet page shows is not in its file.
	code, err := e.st.CreateEnrollCode(context.Background(), county.ServicePoint{Code: "330522102000", Name: "雉城街道便民服务中心", Level: county.LevelTownship})
	if err != nil {
		t.Fatal(err)
	}
	_, _, body := admin.download("/office/export/fleet?format=xlsx")
	if bytes.Contains(body, []byte(code.Code[:9])) {
		t.Errorf("fleet export holds the unused enrollment code %s", code.Code)
	}
	// An ID number typed into the audit page's case box stays out of its
	// export links.
	_, page := admin.get("/office/audit?case=330522199003070024")
	csvLink, _ := exportLinks(t, page)
	if strings.Contains(csvLink, "330522199003070024") {
		t.Errorf("export link %s carries an ID number", csvLink)
	}
}

// pdfText is pdftotext's text of a PDF (its layout kept); a copy is kept
// as name in $YICHUANG_KEEP_PDF when set, to look at.
func pdfText(t *testing.T, pdf []byte, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	if dir := os.Getenv("YICHUANG_KEEP_PDF"); dir != "" {
		os.WriteFile(filepath.Join(dir, name), pdf, 0o644)
	}
	return string(out)
}

// TestMonthlyReport: the month's report as a PDF (cover, the points'
// counts) and as a workbook of the same tables; the choice is on the
// reports page, and the download is audited.
func TestMonthlyReport(t *testing.T) {
	e := newEnv(t)
	seedExportCases(t, e)
	b := e.client(t)
	b.mustLogin("lishen")
	status, page := b.get("/office/reports")
	if status != http.StatusOK {
		t.Fatalf("reports page: %d", status)
	}
	mustContain(t, page, `action="/office/export/monthly"`, `<option value="2026-11"`, `<option value="2026-10" selected>`)
	status, h, body := b.download("/office/export/monthly?month=2026-11&format=pdf")
	if status != http.StatusOK || h.Get("Content-Type") != "application/pdf" {
		t.Fatalf("monthly pdf: %d %s %.200s", status, h.Get("Content-Type"), body)
	}
	if !strings.Contains(h.Get("Content-Disposition"), `filename="monthly-report-2026-11.pdf"`) {
		t.Errorf("content disposition: %s", h.Get("Content-Disposition"))
	}
	text := pdfText(t, body, "office-monthly-report.pdf")
	// The seeded point's row: 5 cases, all waiting for review, none done.
	for _, want := range []string{"县级政务服务中心", "2026年11月 政务服务月度报告", "1. 受理情况", "各服务点受理件数", "5件", "合计", "2. 办件状态", "3. 设备", "4. 短信通知", "5. 主要指标", "6. 其他指标", "7. 好差评"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if !regexp.MustCompile(`第\s*1\s*页\s*/\s*共\s*8\s*页`).MatchString(text) {
		t.Errorf("report lacks its page numbers 第 1 页 / 共 8 页")
	}
	if !regexp.MustCompile(`330522101000\s+5\s+5\s+0\s+0\s+0\s+0\s+0\.00%`).MatchString(text) {
		t.Errorf("report lacks the point's row 5 cases, 5 waiting, 0.00%% done:\n%s", text)
	}
	if strings.Contains(text, "13812345678") || strings.Contains(text, "王五") {
		t.Errorf("report holds personal data")
	}
	status, _, body = b.download("/office/export/monthly?month=2026-11&format=xlsx")
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if status != http.StatusOK || err != nil {
		t.Fatalf("monthly xlsx: %d %v", status, err)
	}
	defer f.Close()
	if got, want := strings.Join(f.GetSheetList(), ","), "受理情况,办件状态,设备,短信通知,主要指标,其他指标,好差评"; got != want {
		t.Errorf("sheets: got %s, want %s", got, want)
	}
	if v, _ := f.GetCellValue("受理情况", "C2"); v != "5" {
		t.Errorf("cases accepted C2: got %q, want 5", v)
	}
	// A month without cases still makes a report, its counts zero.
	if status, _, body := b.download("/office/export/monthly?month=2026-10&format=pdf"); status != http.StatusOK || !bytes.HasPrefix(body, []byte("%PDF")) {
		t.Errorf("empty month: %d %.100s", status, body)
	}
	entries := e.audit(t, county.AuditFilter{Action: "export"})[1:]
	if len(entries) != 2 || entries[0].Subject != "monthly" || !strings.Contains(entries[1].Detail, "month=2026-11") {
		t.Errorf("audit: got %+v, want two monthly exports of 2026-11", entries)
	}
}

// TestExportSpeaksThePagesLanguage: on the English pages the file's
// headers and sheet are English; the monthly report stays Chinese (it goes
// to a Chinese authority).
func TestExportSpeaksThePagesLanguage(t *testing.T) {
	e := newEnv(t)
	e.push(t, newSeed("王五", t0.AddDate(0, 0, 3)))
	b := e.client(t)
	b.mustLogin("lishen")
	b.get("/office/lang?l=en&back=/office/cases")
	_, page := b.get("/office/cases")
	mustContain(t, page, "Export CSV", "Export Excel")
	csvLink, xlsxLink := exportLinks(t, page)
	_, h, body := b.download(csvLink)
	if recs := readCSV(t, body); recs[0][0] != "County case" {
		t.Errorf("header: got %q, want the English one", recs[0])
	}
	if !strings.Contains(h.Get("Content-Disposition"), "filename*=UTF-8''Case-2026-11-26.csv") {
		t.Errorf("file name: got %s", h.Get("Content-Disposition"))
	}
	_, _, body = b.download(xlsxLink)
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); got[0] != "Case" {
		t.Errorf("sheet: got %q, want Case", got)
	}
	_, _, body = b.download("/office/export/monthly?month=2026-11&format=xlsx")
	m, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := m.GetSheetList()[0]; got != "受理情况" {
		t.Errorf("monthly sheet on the English pages: got %s, want 受理情况", got)
	}
}
