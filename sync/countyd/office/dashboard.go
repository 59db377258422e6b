package office

// The county dashboard (统计分析, issue 20): a period's figures per service
// point, department, matter or sector, a total, the trend by week or month
// as charts, and the catalog's 最多跑一次 / 零上门 coverage. Every figure is
// sync/figures' definition worked out from the county's daily rollup
// (county/figures.go); this file only maps the rollup's rows onto the
// chosen groups through the catalog.
//
// Each table is a report.Table of typed cells (counts, and rates and
// averages as sync/figures' Values) built by one function, so the export
// writes it as it stands; the page is only its rendering (pageTable), with
// the charts drawn from the same buckets.

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/report"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/figures"
)

// dashboardPages serve the dashboard; st is all of the store it reaches.
type dashboardPages struct {
	*Office
	st figureStore
}

// Grouping is what the figures table's rows are.
type Grouping string

// Groupings of the figures table.
const (
	ByPoint      Grouping = "point"
	ByDepartment Grouping = "department"
	ByMatter     Grouping = "matter"
	BySector     Grouping = "sector"
)

var groupings = []Grouping{ByPoint, ByDepartment, ByMatter, BySector}

func groupingName(g Grouping) string {
	switch g {
	case ByDepartment:
		return "部门"
	case ByMatter:
		return "事项"
	case BySector:
		return "板块"
	}
	return "服务点"
}

// Group is one row of the figures table: its label and its counts.
type Group struct {
	Key, Label string
	Counts     figures.Counts
}

// matterIndex finds a matter by code, or by the name a kiosk's rating
// gives it.
type matterIndex struct {
	cat    *catalog.Catalog
	byName map[string]*catalog.Matter
}

func newMatterIndex(cat *catalog.Catalog) matterIndex {
	ix := matterIndex{cat: cat, byName: map[string]*catalog.Matter{}}
	for i := range cat.Matters {
		ix.byName[cat.Matters[i].Name] = &cat.Matters[i]
	}
	return ix
}

func (ix matterIndex) find(s string) *catalog.Matter {
	if s == "" {
		return nil
	}
	if m, ok := ix.cat.Matter(s); ok {
		return m
	}
	return ix.byName[s]
}

// withVisits is a rollup row's counts with 最多跑一次 and 零上门 filled in
// from its matter's 跑动次数 (a matter the catalog does not know, or has not
// assessed, is neither).
func withVisits(c figures.Counts, m *catalog.Matter) figures.Counts {
	if m != nil && m.AtMostOnce() {
		c.AtMostOnce = c.Accepted
	}
	if m != nil && m.ZeroVisit() {
		c.ZeroVisit = c.Accepted
	}
	return c
}

// Labels of rows that belong to no matter or department of the catalog.
const (
	noMatter     = "取号（不分事项）"
	unknownGroup = "目录外事项"
)

// GroupFigures maps the rollup's rows onto the grouping's rows, sorted by
// label, and returns them with their total. points names the service
// points; an unknown code shows as itself.
func GroupFigures(rows []county.FigureGroup, cat *catalog.Catalog, points []county.ServicePoint, by Grouping) ([]Group, figures.Counts) {
	ix := newMatterIndex(cat)
	names := map[string]string{}
	for _, p := range points {
		names[p.Code] = p.Name
	}
	acc := map[string]*Group{}
	var total figures.Counts
	for _, r := range rows {
		if r.Counts == (figures.Counts{}) {
			continue // a row emptied by a decision taken back is no group
		}
		m := ix.find(r.Matter)
		c := withVisits(r.Counts, m)
		total.Add(c)
		var key, label string
		switch by {
		case ByPoint:
			key, label = r.Point, names[r.Point]
			if label == "" {
				label = r.Point
			}
		case BySector:
			key = r.Sector
			if m != nil {
				key = m.Sector
			}
			if key == "" {
				key = unknownGroup
			}
			label = key
		case ByDepartment:
			switch {
			case m != nil:
				key = m.Department
			case r.Matter == "":
				key = noMatter
			default:
				key = unknownGroup
			}
			label = key
		case ByMatter:
			switch {
			case m != nil:
				key, label = m.Code, m.Name
			case r.Matter == "":
				key, label = noMatter, noMatter
			default:
				key, label = r.Matter, r.Matter
			}
		}
		g := acc[key]
		if g == nil {
			g = &Group{Key: key, Label: label}
			acc[key] = g
		}
		g.Counts.Add(c)
	}
	out := make([]Group, 0, len(acc))
	for _, g := range acc {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b Group) int { return strings.Compare(a.Key, b.Key) })
	return out, total
}

// figureName is a figure's column head in the page's language, with the
// unit of an average.
func figureName(rc *reqCtx, f figures.Figure) string {
	h := f.Label(rc.lang)
	switch {
	case f.Unit(rc.lang) == "":
	case rc.lang == "en":
		h += " (" + f.Unit(rc.lang) + ")"
	default:
		h += "（" + f.Unit(rc.lang) + "）"
	}
	return h
}

// figureKind is the report column kind a figure's values go in.
func figureKind(f figures.Figure) report.Kind {
	switch f.Kind {
	case figures.Rate:
		return report.Percent
	case figures.Average:
		return report.Average
	}
	return report.Integer
}

// figureColumns are a table of figures' columns: first names the row,
// then one column per figure, headed in the page's language.
func figureColumns(rc *reqCtx, first string, fs []figures.Figure) []report.Column {
	cols := []report.Column{{Header: first, Kind: report.Text}}
	for _, f := range fs {
		cols = append(cols, report.Column{Header: figureName(rc, f), Kind: figureKind(f)})
	}
	return cols
}

// figureCells is a row of figures: its label, then each figure's Value,
// which keeps sync/figures' rounding into every format.
func figureCells(label string, c figures.Counts, fs []figures.Figure) []any {
	row := []any{label}
	for _, f := range fs {
		row = append(row, f.Of(c))
	}
	return row
}

// groupLabel is a group's label in the page's language.
func groupLabel(rc *reqCtx, g Group) string {
	if g.Label == noMatter || g.Label == unknownGroup {
		return rc.T(g.Label)
	}
	return g.Label
}

// figuresOf is the figures fs of each group with their total as the last
// row: the dashboard's table, or part of it in the monthly report.
func figuresOf(rc *reqCtx, name, title string, groups []Group, total figures.Counts, by Grouping, fs []figures.Figure) *report.Table {
	t := report.New(name, title, figureColumns(rc, rc.T(groupingName(by)), fs)...)
	for _, g := range groups {
		t.Add(figureCells(groupLabel(rc, g), g.Counts, fs)...)
	}
	t.Add(figureCells(rc.T("合计"), total, fs)...)
	return t
}

// figuresPage is a table of figures as the dashboard shows it: its
// caption, each row named by its first cell, the total apart.
func figuresPage(t *report.Table) pageTable {
	return pageTable{Table: t, Total: true, RowHeads: true, Caption: true, Class: "list figures"}
}

func figuresCaption(by Grouping) string {
	switch by {
	case ByDepartment:
		return "各项指标（按部门）"
	case ByMatter:
		return "各项指标（按事项）"
	case BySector:
		return "各项指标（按板块）"
	}
	return "各项指标（按服务点）"
}

// FiguresTable is the figures per group with their total.
func FiguresTable(rc *reqCtx, groups []Group, total figures.Counts, by Grouping) pageTable {
	return figuresPage(figuresOf(rc, rc.T("各项指标"), rc.T(figuresCaption(by)), groups, total, by, figures.All))
}

// Bucket is one period of the trend: a week (from its Monday) or a month.
type Bucket struct {
	Label  string
	Counts figures.Counts
}

// TrendBuckets sums the trend's rows (days; a whole month's row, YYYY-MM, too) into weeks
// (monthly false) or months from from to to, every bucket present even
// when empty.
func TrendBuckets(rows []county.FigureGroup, from, to time.Time, monthly bool) []Bucket {
	start := func(d time.Time) time.Time {
		if monthly {
			return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, workday.China)
		}
		wd := (int(d.Weekday()) + 6) % 7 // Monday 0
		return time.Date(d.Year(), d.Month(), d.Day()-wd, 0, 0, 0, 0, workday.China)
	}
	label := func(d time.Time) string {
		if monthly {
			return d.Format("2006-01")
		}
		return d.Format("01-02")
	}
	var out []Bucket
	at := map[string]int{}
	for d := start(from); !d.After(to); {
		at[d.Format(time.DateOnly)] = len(out)
		out = append(out, Bucket{Label: label(d)})
		if monthly {
			d = d.AddDate(0, 1, 0)
		} else {
			d = d.AddDate(0, 0, 7)
		}
	}
	for _, r := range rows {
		d, err := time.ParseInLocation(time.DateOnly, r.Period, workday.China)
		if err != nil {
			// A whole month's row belongs to its month's bucket.
			if d, err = time.ParseInLocation("2006-01", r.Period, workday.China); err != nil || !monthly {
				continue
			}
		}
		if i, ok := at[start(d).Format(time.DateOnly)]; ok {
			out[i].Counts.Add(r.Counts)
		}
	}
	return out
}

// trendFigures are the figures the trend shows: those of the hall's and
// the county's work. 最多跑一次 and 零上门 follow from the catalog and are in
// the table and the coverage table; the trend is read per day or month
// across all matters, so a long period stays a few hundred rows.
var trendFigures = []figures.ID{"accepted", "immediate_rate", "on_time_rate", "avg_days", "satisfied_rate", "avg_wait", "no_shows"}

// TrendTable is the trend's data: the charts' numbers, and their text
// alternative.
func TrendTable(rc *reqCtx, buckets []Bucket, monthly bool) pageTable {
	first := rc.T("周（起始日）")
	if monthly {
		first = rc.T("月份")
	}
	var fs []figures.Figure
	for _, id := range trendFigures {
		f, _ := figures.ByID(id)
		fs = append(fs, f)
	}
	t := report.New(rc.T("趋势"), rc.T("趋势"), figureColumns(rc, first, fs)...)
	for _, b := range buckets {
		t.Add(figureCells(b.Label, b.Counts, fs)...)
	}
	p := figuresPage(t)
	p.Total = false
	return p
}

// CoverageTable is the catalog's 最多跑一次 and 零上门 coverage per sector:
// the share of matters, as the reform reports it (长兴: 681 of 687 matters,
// 99.13%). Matters whose 跑动次数 is unassessed are counted and shown.
func CoverageTable(rc *reqCtx, cat *catalog.Catalog) pageTable {
	t := report.New(rc.T("事项覆盖率"), rc.T("事项覆盖率（按事项目录）"), columns(rc,
		report.Column{Header: "板块", Kind: report.Text}, report.Column{Header: "事项数", Kind: report.Integer},
		report.Column{Header: "最多跑一次事项", Kind: report.Integer}, report.Column{Header: "最多跑一次率", Kind: report.Percent},
		report.Column{Header: "零上门事项", Kind: report.Integer}, report.Column{Header: "零上门率", Kind: report.Percent},
		report.Column{Header: "未评定跑动次数", Kind: report.Integer}, report.Column{Header: "网办深度四级", Kind: report.Integer})...)
	type acc struct {
		figures.Coverage
		unassessed, online int64
	}
	by := map[string]*acc{}
	var total acc
	for i := range cat.Matters {
		m := &cat.Matters[i]
		a := by[m.Sector]
		if a == nil {
			a = &acc{}
			by[m.Sector] = a
		}
		for _, x := range []*acc{a, &total} {
			x.Matters++
			if m.AtMostOnce() {
				x.AtMostOnce++
			}
			if m.ZeroVisit() {
				x.ZeroVisit++
			}
			if _, ok := m.VisitsKnown(); !ok {
				x.unassessed++
			}
			if m.OnlineDepth == 4 {
				x.online++
			}
		}
	}
	row := func(label string, a acc) {
		t.Add(label, a.Matters, a.AtMostOnce, a.AtMostOnceRate(), a.ZeroVisit, a.ZeroVisitRate(), a.unassessed, a.online)
	}
	for _, s := range catalog.Sectors {
		if a := by[s]; a != nil {
			row(rc.T(s), *a)
		}
	}
	row(rc.T("合计"), total)
	return figuresPage(t)
}

// period reads the page's from and to (YYYY-MM-DD, Beijing); the default
// is this month. A reversed or unreadable period falls back to it too,
// with a notice.
func period(r *http.Request, now time.Time) (from, to time.Time, bad bool) {
	today := now.In(workday.China)
	from = time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, workday.China)
	to = from.AddDate(0, 1, -1)
	qf, qt := r.URL.Query().Get("from"), r.URL.Query().Get("to")
	if qf == "" && qt == "" {
		return from, to, false
	}
	f, err1 := time.ParseInLocation(time.DateOnly, qf, workday.China)
	t, err2 := time.ParseInLocation(time.DateOnly, qt, workday.China)
	// Five years is more than any report asks, and bounds the page's work.
	if err1 != nil || err2 != nil || t.Before(f) || t.Sub(f) > 5*366*24*time.Hour {
		return from, to, true
	}
	return f, t, false
}

// dashboardChoice is what the dashboard shows: its period, grouping and
// trend, from the page's query (its export reads the same query).
type dashboardChoice struct {
	from, to time.Time
	by       Grouping
	monthly  bool
	bad      bool // the query's period was unreadable: this month instead
}

func (o *dashboardPages) choice(r *http.Request) dashboardChoice {
	from, to, bad := period(r, o.now())
	by := Grouping(r.URL.Query().Get("by"))
	if !slices.Contains(groupings, by) {
		by = ByPoint
	}
	// Weeks for a period of up to a quarter, months beyond.
	monthly := to.Sub(from) > 92*24*time.Hour
	switch r.URL.Query().Get("trend") {
	case "week":
		monthly = false
	case "month":
		monthly = true
	}
	return dashboardChoice{from, to, by, monthly, bad}
}

func (o *dashboardPages) dashboard(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	ctx := r.Context()
	c := o.choice(r)
	from, to, by, monthly, bad := c.from, c.to, c.by, c.monthly, c.bad
	d, err := o.build(ctx, rc, from, to, by, monthly)
	if err != nil {
		o.internal(w, r, rc, "dashboard figures", err)
		return
	}
	var byOpts []choice
	for _, g := range groupings {
		byOpts = append(byOpts, choice{Value: string(g), Label: rc.T(groupingName(g)), Selected: g == by})
	}
	data := map[string]any{"From": from.Format(time.DateOnly), "To": to.Format(time.DateOnly), "By": byOpts, "Bad": bad,
		"Figures": d.figures, "Trend": d.trend, "Coverage": d.coverage, "Charts": d.charts, "Monthly": monthly,
		"Definitions": definitions(rc), "Catalog": d.catalog}
	o.render(w, r, rc, "dashboard", data)
}

// exportDashboard is the dashboard as the page shows it for its query: the
// figures table (the CSV), the trend and the coverage, a sheet each, the
// period under the figures.
func (o *dashboardPages) exportDashboard(r *http.Request, rc *reqCtx) (export, error) {
	c := o.choice(r)
	d, err := o.build(r.Context(), rc, c.from, c.to, c.by, c.monthly)
	if err != nil {
		return export{}, err
	}
	f, t := c.from.Format(time.DateOnly), c.to.Format(time.DateOnly)
	d.figures.Note = rc.T("数据期间") + " " + f + " – " + t + " · " + rc.T("事项目录") + " " + d.catalog
	return export{Name: "dashboard", Period: f + "_" + t, Tables: []*report.Table{d.figures.Table, d.trend.Table, d.coverage.Table}}, nil
}

type dashboard struct {
	figures, trend, coverage pageTable
	charts                   []template.HTML
	catalog                  string
}

// build reads the rollup and makes the page's tables and charts.
func (o *dashboardPages) build(ctx context.Context, rc *reqCtx, from, to time.Time, by Grouping, monthly bool) (dashboard, error) {
	groups, total, cat, err := o.periodFigures(ctx, o.st, from, to, by)
	if err != nil {
		return dashboard{}, err
	}
	trend, err := o.st.FigureTrend(ctx, from.Format(time.DateOnly), to.Format(time.DateOnly))
	if err != nil {
		return dashboard{}, err
	}
	buckets := TrendBuckets(trend, from, to, monthly)
	d := dashboard{figures: FiguresTable(rc, groups, total, by), trend: TrendTable(rc, buckets, monthly),
		coverage: CoverageTable(rc, cat), catalog: cat.Version}
	d.charts = []template.HTML{barChart(rc, buckets), rateChart(rc, buckets)}
	return d, nil
}

// figureStore is what a period's figures are read from.
type figureStore interface {
	county.Figures
	county.Directory
}

// periodFigures are the figures of the days from to to (both included)
// grouped by by, with their total and the catalog that grouped them: the
// dashboard's table, and the monthly report's for a month.
func (o *Office) periodFigures(ctx context.Context, st figureStore, from, to time.Time, by Grouping) ([]Group, figures.Counts, *catalog.Catalog, error) {
	rows, err := st.FigureGroups(ctx, from.Format(time.DateOnly), to.Format(time.DateOnly))
	if err != nil {
		return nil, figures.Counts{}, nil, err
	}
	points, err := st.ServicePoints(ctx)
	if err != nil {
		return nil, figures.Counts{}, nil, fmt.Errorf("list service points: %w", err)
	}
	cat := o.catalogFor(ctx, "")
	groups, total := GroupFigures(rows, cat, points, by)
	return groups, total, cat, nil
}

// definition is a figure's name and what it counts, for the page's key.
type definition struct{ Name, Over string }

func definitions(rc *reqCtx) []definition {
	var out []definition
	for _, f := range figures.All {
		out = append(out, definition{f.Label(rc.lang), f.Definition(rc.lang)})
	}
	return out
}

// The charts are drawn on the server as inline SVG: no script, readable in
// print, and not by colour alone — each series has its own dash and marker
// and is named at its end, in the Okabe–Ito colours that stay apart for
// the common colour-vision deficiencies. Each has a title and a
// description, and the trend table beside it holds every number.
const (
	chartW, chartH           = 720, 260
	padL, padR, padT, padB   = 56, 150, 24, 40
	plotW, plotH             = chartW - padL - padR, chartH - padT - padB
	chartInk, chartGrid      = "#1a1a1a", "#8a8a8a"
	barFill                  = "#0072B2"
	seriesA, seriesB, series = "#D55E00", "#009E73", "#CC79A7"
)

func svgOpen(b *strings.Builder, id, title, desc string) {
	fmt.Fprintf(b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`, chartW, chartH, id, id)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, html.EscapeString(title), id, html.EscapeString(desc))
}

func xOf(i, n int) float64 {
	if n <= 1 {
		return padL + plotW/2
	}
	return padL + float64(i)*plotW/float64(n-1)
}

func axisLabels(b *strings.Builder, buckets []Bucket) {
	step := max(1, len(buckets)/12)
	for i, bk := range buckets {
		if i%step != 0 && i != len(buckets)-1 {
			continue
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="%s">%s</text>`, barX(i, len(buckets)), chartH-padB+16, chartInk, html.EscapeString(bk.Label))
	}
}

func barX(i, n int) float64 { return padL + (float64(i)+0.5)*plotW/float64(max(n, 1)) }

// barChart is the cases accepted per week or month, each bar labelled.
func barChart(rc *reqCtx, buckets []Bucket) template.HTML {
	var b strings.Builder
	var peak int64
	var parts []string
	for _, bk := range buckets {
		peak = max(peak, bk.Counts.Accepted)
		parts = append(parts, fmt.Sprintf("%s %d", bk.Label, bk.Counts.Accepted))
	}
	svgOpen(&b, "chart-accepted", rc.T("受理件数趋势"), rc.T("每期受理件数：")+strings.Join(parts, "，"))
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"/>`, padL, padT+plotH, padL+plotW, padT+plotH, chartInk)
	n := len(buckets)
	w := float64(plotW) / float64(max(n, 1)) * 0.7
	for i, bk := range buckets {
		h := 0.0
		if peak > 0 {
			h = float64(bk.Counts.Accepted) / float64(peak) * plotH
		}
		x := barX(i, n) - w/2
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" stroke="%s"/>`, x, padT+plotH-h, w, h, barFill, chartInk)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle" fill="%s">%d</text>`, barX(i, n), padT+plotH-h-4, chartInk, bk.Counts.Accepted)
	}
	axisLabels(&b, buckets)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="%s">%s</text>`, padL+plotW+8, padT+plotH/2, chartInk, html.EscapeString(rc.T("受理件数")))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// rateChart is the trend of three rates on one 0–100% scale, each a line
// with its own dash and marker, named at its last point. A period with
// nothing to count over (—) leaves a gap, not a zero.
func rateChart(rc *reqCtx, buckets []Bucket) template.HTML {
	type line struct {
		id           figures.ID
		colour, dash string
		marker       string // circle, square or triangle
	}
	lines := []line{{"on_time_rate", seriesA, "", "circle"}, {"immediate_rate", seriesB, "6 4", "square"}, {"satisfied_rate", series, "2 3", "triangle"}}
	var b strings.Builder
	var desc []string
	for _, l := range lines {
		f, _ := figures.ByID(l.id)
		var vals []string
		for _, bk := range buckets {
			vals = append(vals, bk.Label+" "+f.Of(bk.Counts).Text())
		}
		desc = append(desc, f.Label(rc.lang)+"："+strings.Join(vals, "，"))
	}
	svgOpen(&b, "chart-rates", rc.T("按时办结率、即办率、满意率趋势"), strings.Join(desc, "；"))
	for _, pct := range []int{0, 50, 100} {
		y := padT + plotH - float64(pct)*plotH/100
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s" stroke-width="0.5"/>`, padL, y, padL+plotW, y, chartGrid)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="%s">%d%%</text>`, padL-6, y+4, chartInk, pct)
	}
	n := len(buckets)
	var labels []endLabel
	for _, l := range lines {
		f, _ := figures.ByID(l.id)
		var path strings.Builder
		pen := false
		lastX, lastY, have := 0.0, 0.0, false
		for i, bk := range buckets {
			v := f.Of(bk.Counts)
			if !v.OK {
				pen = false
				continue
			}
			x, y := barX(i, n), padT+plotH-v.Float()*plotH/100
			if pen {
				fmt.Fprintf(&path, " L%.1f %.1f", x, y)
			} else {
				fmt.Fprintf(&path, " M%.1f %.1f", x, y)
			}
			pen = true
			marker(&b, l.marker, x, y, l.colour)
			lastX, lastY, have = x, y, true
		}
		if path.Len() > 0 {
			dash := ""
			if l.dash != "" {
				dash = fmt.Sprintf(` stroke-dasharray="%s"`, l.dash)
			}
			fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"%s/>`, strings.TrimSpace(path.String()), l.colour, dash)
		}
		if have {
			labels = append(labels, endLabel{lastX + 10, lastY + 4, f.Label(rc.lang)})
		}
	}
	for _, l := range spreadLabels(labels, 14) {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12" fill="%s">%s</text>`, l.x, l.y, chartInk, html.EscapeString(l.text))
	}
	axisLabels(&b, buckets)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// endLabel is a series' name written at its last point.
type endLabel struct {
	x, y float64
	text string
}

// spreadLabels moves the series' names apart so that each is at least gap
// below the one above it: lines ending at about the same value would
// otherwise print their names over each other, and the names are what
// tells the lines apart without colour.
func spreadLabels(ls []endLabel, gap float64) []endLabel {
	out := slices.Clone(ls)
	slices.SortStableFunc(out, func(a, b endLabel) int {
		switch {
		case a.y < b.y:
			return -1
		case a.y > b.y:
			return 1
		}
		return 0
	})
	for i := 1; i < len(out); i++ {
		if out[i].y < out[i-1].y+gap {
			out[i].y = out[i-1].y + gap
		}
	}
	return out
}

func marker(b *strings.Builder, shape string, x, y float64, colour string) {
	switch shape {
	case "square":
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="8" height="8" fill="%s" stroke="%s"/>`, x-4, y-4, colour, chartInk)
	case "triangle":
		fmt.Fprintf(b, `<path d="M%.1f %.1f L%.1f %.1f L%.1f %.1f Z" fill="%s" stroke="%s"/>`, x, y-5, x+5, y+4, x-5, y+4, colour, chartInk)
	default:
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s" stroke="%s"/>`, x, y, colour, chartInk)
	}
}
