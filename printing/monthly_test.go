package printing

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/report"
	"github.com/yichuang/yichuang/app/workday"
)

func monthlySample(rows int) MonthlyInput {
	points := report.New("服务点", "各服务点受理情况",
		report.Column{Header: "服务点", Kind: report.Text}, report.Column{Header: "受理件数", Kind: report.Integer},
		report.Column{Header: "办结", Kind: report.Integer}, report.Column{Header: "办结率", Kind: report.Percent})
	chart := &BarChart{Title: "各服务点受理件数", Unit: "件"}
	for i := range rows {
		name := fmt.Sprintf("第%03d村便民服务站", i+1)
		points.Add(name, 100+i, 90, 0.9)
		chart.Labels, chart.Values = append(chart.Labels, name), append(chart.Values, float64(100+i))
	}
	return MonthlyInput{County: "长兴县行政服务中心", Month: time.Date(2026, 11, 1, 0, 0, 0, 0, workday.China),
		Generated: time.Date(2026, 12, 1, 9, 0, 0, 0, workday.China),
		Sections:  []Section{{Title: "受理情况", Intro: "按县级收到日期统计。", Chart: chart, Table: points}}}
}

// pdfPages is pdftotext's text of each page.
func pdfPages(t *testing.T, pdf []byte, n int) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	var out []string
	for p := 1; p <= n; p++ {
		text, err := exec.Command("pdftotext", "-layout", "-f", fmt.Sprint(p), "-l", fmt.Sprint(p), path, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext page %d: %v", p, err)
		}
		out = append(out, string(text))
	}
	return out
}

func TestMonthlyReportPagesAndRepeatedHeader(t *testing.T) {
	var buf bytes.Buffer
	meta, err := MonthlyReport(&buf, monthlySample(60))
	if err != nil {
		t.Fatal(err)
	}
	// Cover, the chart with the table's start, and the 60 rows carried on.
	if meta.Pages < 3 {
		t.Fatalf("pages: got %d, want at least 3", meta.Pages)
	}
	pages := pdfPages(t, buf.Bytes(), meta.Pages)
	mustHave := func(page int, want ...string) {
		t.Helper()
		for _, w := range want {
			// pdftotext of one page drops the footer's spaces.
			if !strings.Contains(pages[page-1], w) && !strings.Contains(strings.ReplaceAll(pages[page-1], " ", ""), strings.ReplaceAll(w, " ", "")) {
				t.Errorf("page %d does not contain %q:\n%s", page, w, pages[page-1])
			}
		}
	}
	mustHave(1, "长兴县行政服务中心", "2026年11月 政务服务月度报告", "2026-11（2026年11月）", "2026-12-01 09:00", "1. 受理情况",
		fmt.Sprintf("第 1 页 / 共 %d 页", meta.Pages))
	mustHave(2, "1. 受理情况", "各服务点受理件数（前 24 项）", "第001村便民服务站", "100件", "服务点", "受理件数", "办结率", "90.00%", "第 2 页")
	// The table goes on over the page with its header repeated.
	mustHave(3, "服务点", "受理件数", "办结率", "第030村便民服务站", "第 3 页")
	mustHave(meta.Pages, "服务点", "受理件数", "办结率", "第060村便民服务站", fmt.Sprintf("第 %d 页 / 共 %d 页", meta.Pages, meta.Pages))
	if strings.Contains(pages[1], "第025村便民服务站          1") {
		t.Errorf("chart drew more than %d bars", maxBars)
	}
	if dir := os.Getenv("YICHUANG_KEEP_PDF"); dir != "" {
		os.WriteFile(filepath.Join(dir, "monthly-report.pdf"), buf.Bytes(), 0o644)
	}
	// The README's picture of the report: its first section's page.
	if dir := os.Getenv("YICHUANG_SCREENSHOTS"); dir != "" {
		path := filepath.Join(t.TempDir(), "report.pdf")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("pdftoppm", "-png", "-r", "70", "-f", "2", "-l", "2", "-singlefile", path,
			filepath.Join(dir, "monthly-report")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, out)
		}
	}
}

func TestMonthlyReportRefusesAMistypedTable(t *testing.T) {
	in := monthlySample(1)
	in.Sections[0].Table.Add("x", "not a count", 0, 0.5)
	if _, err := MonthlyReport(&bytes.Buffer{}, in); err == nil {
		t.Fatal("a count given as text was printed")
	}
}

// A chart given its values' texts prints them as given: a rate as
// sync/figures rounds it, the same as the table under it, not the
// chart's own one decimal.
func TestBarChartPrintsTheGivenTexts(t *testing.T) {
	in := monthlySample(1)
	in.Sections[0].Chart = &BarChart{Title: "各服务点满意率", Unit: "%", Labels: []string{"洪桥镇"}, Values: []float64{33.33}, Texts: []string{"33.33%"}}
	var buf bytes.Buffer
	meta, err := MonthlyReport(&buf, in)
	if err != nil {
		t.Fatal(err)
	}
	page := pdfPages(t, buf.Bytes(), meta.Pages)[1]
	if !strings.Contains(page, "33.33%") {
		t.Errorf("chart does not print its text 33.33%%:\n%s", page)
	}
}

// A wide table of figures keeps every number on one line: the numbers'
// columns are as wide as their values, the names' column and the long
// headers wrap instead (the dashboard's figures in the monthly report).
func TestReportTableNeverBreaksANumber(t *testing.T) {
	cols := []report.Column{{Header: "服务点", Kind: report.Text}}
	for _, h := range []string{"受理件数", "即办率", "最多跑一次率", "零上门率", "办结件数", "按时办结率", "超期办结", "平均办理用时（工作日）", "满意率"} {
		kind := report.Percent
		if strings.HasSuffix(h, "件数") || h == "超期办结" || strings.HasPrefix(h, "平均") {
			kind = report.Integer
		}
		cols = append(cols, report.Column{Header: h, Kind: kind})
	}
	tab := report.New("主要指标", "主要指标", cols...)
	row := []any{"长兴县雉城街道便民服务中心"}
	for _, c := range cols[1:] {
		if c.Kind == report.Percent {
			row = append(row, 0.9999)
		} else {
			row = append(row, 12345)
		}
	}
	tab.Add(row...)
	in := monthlySample(1)
	in.Sections = []Section{{Title: "主要指标", Table: tab}}
	var buf bytes.Buffer
	meta, err := MonthlyReport(&buf, in)
	if err != nil {
		t.Fatal(err)
	}
	page := pdfPages(t, buf.Bytes(), meta.Pages)[1]
	if got := strings.Count(page, "99.99%"); got != 5 {
		t.Errorf("got %d whole 99.99%% on the page, want 5 (one a rate column):\n%s", got, page)
	}
	if got := strings.Count(page, "12345"); got != 4 {
		t.Errorf("got %d whole 12345 on the page, want 4:\n%s", got, page)
	}
}
