package office

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/report"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/printing"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/figures"
	"github.com/yichuang/yichuang/sync/protocol"
)

// The monthly report (政务服务月度报告) a county sends upward: a PDF
// through the printing package, or its tables as a workbook, for a month
// the staff member chooses. It is built from what the county holds today;
// each part is a reportSection, so a new set of figures (the dashboard's)
// is one more function in sections.

// reportMonths is how many months back the report page offers.
const reportMonths = 24

// reportPages serve the report page and the monthly report.
// Their st, which shadows the Office's shared one, is all of the
// store they reach.
type reportPages struct {
	*Office
	st interface {
		county.CaseCounts
		county.Directory
		county.Fleet
		county.Notices
		county.Figures
		county.RatingReview
	}
}

// reportSection is one part of the monthly report for the month [from,
// to): a section with its table and, where a picture helps, a chart.
type reportSection func(ctx context.Context, rc *reqCtx, from, to time.Time) (printing.Section, error)

// sections are the report's parts, in order.
func (o *reportPages) sections() []reportSection {
	return []reportSection{o.casesByPoint, o.casesByStatus, o.devicesByPoint, o.noticeTotals,
		o.figuresSection("主要指标", "本月各服务点的主要指标，与统计分析页面本月按服务点所示相同；口径见统计分析页面的“指标口径”，“—”表示没有可计算的件数。", reportFigures[0]),
		o.figuresSection("其他指标", "本月各服务点的其余指标（续上表）。", reportFigures[1]),
		o.ratingsByPoint}
}

// reportFigures are the dashboard's figures as the monthly report prints
// them, in two tables of the same rows: the reform's headline figures,
// then the rest. Nineteen columns do not fit a page; together the two
// parts are figures.All, each figure once.
var reportFigures = [2][]figures.ID{
	{"accepted", "immediate_rate", "at_most_once_rate", "zero_visit_rate", "decided", "on_time_rate", "overdue", "avg_days", "satisfied_rate"},
	{"deficient_rate", "commitment_rate", "returned", "proxy", "tickets", "avg_wait", "avg_service", "no_shows", "ratings"},
}

// figuresSection is one part of the dashboard's figures per service point
// for the month: the same rows and total as the dashboard's table.
func (o *reportPages) figuresSection(title, intro string, ids []figures.ID) reportSection {
	return func(ctx context.Context, rc *reqCtx, from, to time.Time) (printing.Section, error) {
		groups, total, _, err := o.periodFigures(ctx, o.st, from, to.AddDate(0, 0, -1), ByPoint)
		if err != nil {
			return printing.Section{}, fmt.Errorf("month's figures: %w", err)
		}
		var fs []figures.Figure
		for _, id := range ids {
			f, ok := figures.ByID(id)
			if !ok {
				return printing.Section{}, fmt.Errorf("report figure %s is not defined", id)
			}
			fs = append(fs, f)
		}
		t := figuresOf(rc, rc.T(title), rc.T(title)+rc.T("（按服务点）"), groups, total, ByPoint, fs)
		return printing.Section{Title: rc.T(title), Intro: rc.T(intro), Table: t}, nil
	}
}

// ratingsByPoint: the month's ratings per service point, counts per level
// and 满意率, as the 好差评统计 page shows them for the month.
func (o *reportPages) ratingsByPoint(ctx context.Context, rc *reqCtx, from, to time.Time) (printing.Section, error) {
	st, err := o.st.RatingStats(ctx, county.RatingFilter{From: from, To: to})
	if err != nil {
		return printing.Section{}, fmt.Errorf("count ratings: %w", err)
	}
	names, err := o.pointNames(ctx)
	if err != nil {
		return printing.Section{}, err
	}
	t := ratingTables(rc, st, names)[0].Table
	t.Name, t.Title = rc.T("好差评"), rc.T("好差评（按服务点）")
	chart := &printing.BarChart{Title: rc.T("各服务点满意率"), Unit: "%"}
	for i, p := range st.ByPoint {
		if v := p.Tally.Satisfied(); v.OK {
			chart.Labels, chart.Values, chart.Texts = append(chart.Labels, t.Shown(i, 0)), append(chart.Values, v.Float()), append(chart.Texts, v.Text())
		}
	}
	return printing.Section{Title: rc.T("好差评"), Intro: fmt.Sprintf(rc.T("本月共 %d 条评价，满意率 %s（“满意”和“非常满意”占全部评价的比例）。"), st.All.Total, st.All.Satisfied().Text()),
		Chart: chart, Table: t}, nil
}

// monthStart is the first moment of month ("2026-11") in Beijing.
func monthStart(month string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01", month, workday.China)
	return t, err == nil
}

// months are the months the page offers, newest first: this month (so
// far) and the reportMonths before it.
func (o *reportPages) months() []string {
	now := o.now().In(workday.China)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, workday.China)
	var out []string
	for i := range reportMonths + 1 {
		out = append(out, first.AddDate(0, -i, 0).Format("2006-01"))
	}
	return out
}

func (o *reportPages) reportsPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	months := o.months()
	// Last month by default: a month's report is sent once it is over.
	o.render(w, r, rc, "reports", map[string]any{"Months": months, "Chosen": months[1]})
}

// exportMonthly is the month's report: sections in Chinese whatever the
// page's language, since the document goes to a Chinese authority.
func (o *reportPages) exportMonthly(r *http.Request, rc *reqCtx) (export, error) {
	month := r.URL.Query().Get("month")
	from, ok := monthStart(month)
	if !ok || !slices.Contains(o.months(), month) {
		return export{}, &county.InvalidError{Msg: "请选择月份"}
	}
	to := from.AddDate(0, 1, 0)
	zh := *rc
	zh.lang = "zh"
	var secs []printing.Section
	var tables []*report.Table
	for _, build := range o.sections() {
		s, err := build(r.Context(), &zh, from, to)
		if err != nil {
			return export{}, err
		}
		secs = append(secs, s)
		if s.Table != nil {
			tables = append(tables, s.Table)
		}
	}
	in := printing.MonthlyInput{County: o.county, Month: from, Generated: o.now(), Sections: secs}
	return export{Name: "monthly-report", Period: month, Tables: tables, PDF: func(w io.Writer) error {
		_, err := printing.MonthlyReport(w, in)
		return err
	}}, nil
}

// pointName is a point's name, its code when the county never heard one.
func pointName(names map[string]string, code string) string {
	if n := names[code]; n != "" {
		return n
	}
	return code
}

func (o *reportPages) pointNames(ctx context.Context) (map[string]string, error) {
	ps, err := o.st.ServicePoints(ctx)
	if err != nil {
		return nil, fmt.Errorf("list service points: %w", err)
	}
	names := map[string]string{}
	for _, p := range ps {
		names[p.Code] = p.Name
	}
	return names, nil
}

// casesByPoint: per service point, the cases the county received in the
// month and where the county's review of them stands, with a total.
func (o *reportPages) casesByPoint(ctx context.Context, rc *reqCtx, from, to time.Time) (printing.Section, error) {
	counts, err := o.st.CaseCounts(ctx, from, to)
	if err != nil {
		return printing.Section{}, err
	}
	names, err := o.pointNames(ctx)
	if err != nil {
		return printing.Section{}, err
	}
	statuses := []string{"", protocol.CountyReviewing, protocol.CountyCorrection, protocol.CountyCompleted, protocol.CountyDenied}
	type tally struct {
		point string
		total int
		by    map[string]int
	}
	byPoint := map[string]*tally{}
	sum := &tally{by: map[string]int{}}
	for _, c := range counts {
		tl := byPoint[c.Point]
		if tl == nil {
			tl = &tally{point: c.Point, by: map[string]int{}}
			byPoint[c.Point] = tl
		}
		tl.total += c.Cases
		tl.by[c.CountyStatus] += c.Cases
		sum.total += c.Cases
		sum.by[c.CountyStatus] += c.Cases
	}
	var list []*tally
	for _, tl := range byPoint {
		list = append(list, tl)
	}
	slices.SortFunc(list, func(a, b *tally) int { return cmp.Compare(a.point, b.point) })
	cols := []report.Column{{Header: "服务点", Kind: report.Text}, {Header: "服务点编码", Kind: report.Text}, {Header: "受理件数", Kind: report.Integer}}
	for _, s := range statuses {
		cols = append(cols, report.Column{Header: countyStatusName(s), Kind: report.Integer})
	}
	cols = append(cols, report.Column{Header: "办结率", Kind: report.Percent})
	t := report.New(rc.T("受理情况"), rc.T("各服务点受理情况"), columns(rc, cols...)...)
	chart := &printing.BarChart{Title: rc.T("各服务点受理件数"), Unit: rc.T("件")}
	row := func(name, code string, tl *tally) {
		cells := []any{name, code, tl.total}
		for _, s := range statuses {
			cells = append(cells, tl.by[s])
		}
		var rate any
		if tl.total > 0 {
			rate = float64(tl.by[protocol.CountyCompleted]) / float64(tl.total)
		}
		t.Add(append(cells, rate)...)
	}
	for _, tl := range list {
		name := pointName(names, tl.point)
		row(name, tl.point, tl)
		chart.Labels, chart.Values = append(chart.Labels, name), append(chart.Values, float64(tl.total))
	}
	row(rc.T("合计"), "", sum)
	return printing.Section{Title: rc.T("受理情况"), Intro: rc.T("本月县级收到的案件，按服务点和县级审核状态统计。"), Chart: chart, Table: t}, nil
}

// casesByStatus: the month's cases by the hall's status and by the
// county's, each with its share.
func (o *reportPages) casesByStatus(ctx context.Context, rc *reqCtx, from, to time.Time) (printing.Section, error) {
	counts, err := o.st.CaseCounts(ctx, from, to)
	if err != nil {
		return printing.Section{}, err
	}
	kiosk, countyBy, total := map[string]int{}, map[string]int{}, 0
	for _, c := range counts {
		kiosk[c.KioskStatus] += c.Cases
		countyBy[c.CountyStatus] += c.Cases
		total += c.Cases
	}
	t := report.New(rc.T("办件状态"), rc.T("办件状态"), columns(rc, report.Column{Header: "类别", Kind: report.Text},
		report.Column{Header: "状态", Kind: report.Text}, report.Column{Header: "件数", Kind: report.Integer},
		report.Column{Header: "占比", Kind: report.Percent})...)
	share := func(n int) any {
		if total == 0 {
			return nil
		}
		return float64(n) / float64(total)
	}
	for _, s := range cases.Statuses {
		if n := kiosk[string(s)]; n > 0 {
			t.Add(rc.T("窗口状态"), rc.T(cases.StatusName(s)), n, share(n))
		}
	}
	for _, s := range []string{"", protocol.CountyReviewing, protocol.CountyCorrection, protocol.CountyCompleted, protocol.CountyDenied} {
		if n := countyBy[s]; n > 0 {
			t.Add(rc.T("县级状态"), rc.T(countyStatusName(s)), n, share(n))
		}
	}
	return printing.Section{Title: rc.T("办件状态"), Intro: rc.T("本月县级收到的案件，按窗口状态和县级审核状态统计。"), Table: t}, nil
}

// devicesByPoint: the kiosks of each point as they stand when the report
// is made.
func (o *reportPages) devicesByPoint(ctx context.Context, rc *reqCtx, _, _ time.Time) (printing.Section, error) {
	devs, err := o.st.Devices(ctx)
	if err != nil {
		return printing.Section{}, fmt.Errorf("list devices: %w", err)
	}
	reports, err := o.st.DeviceStatuses(ctx)
	if err != nil {
		return printing.Section{}, fmt.Errorf("read device status: %w", err)
	}
	type tally struct {
		name, code                               string
		all, active, offline, revoked, printerKO int
	}
	by := map[string]*tally{}
	for _, d := range deviceRows(devs, reports, o.now()) {
		tl := by[d.Point]
		if tl == nil {
			tl = &tally{name: d.PointName, code: d.Point}
			by[d.Point] = tl
		}
		tl.all++
		switch {
		case d.Revoked:
			tl.revoked++
		case d.Offline:
			tl.offline++
		default:
			tl.active++
		}
		if !d.Revoked && d.PrinterState == "error" {
			tl.printerKO++
		}
	}
	var list []*tally
	for _, tl := range by {
		list = append(list, tl)
	}
	slices.SortFunc(list, func(a, b *tally) int { return cmp.Compare(a.code, b.code) })
	t := report.New(rc.T("设备"), rc.T("各服务点设备"), columns(rc, report.Column{Header: "服务点", Kind: report.Text},
		report.Column{Header: "服务点编码", Kind: report.Text}, report.Column{Header: "设备数", Kind: report.Integer},
		report.Column{Header: "在用", Kind: report.Integer}, report.Column{Header: "离线", Kind: report.Integer},
		report.Column{Header: "已停用", Kind: report.Integer}, report.Column{Header: "打印机故障", Kind: report.Integer})...)
	for _, tl := range list {
		t.Add(tl.name, tl.code, tl.all, tl.active, tl.offline, tl.revoked, tl.printerKO)
	}
	return printing.Section{Title: rc.T("设备"), Intro: rc.T("截至报告生成时；离线指超过24小时未联系县级中心。"), Table: t}, nil
}

// noticeTotals: the SMS notices by state, all time.
func (o *reportPages) noticeTotals(ctx context.Context, rc *reqCtx, _, _ time.Time) (printing.Section, error) {
	counts, err := o.st.NoticeCounts(ctx)
	if err != nil {
		return printing.Section{}, fmt.Errorf("count notices: %w", err)
	}
	t := report.New(rc.T("短信通知"), rc.T("短信通知"), columns(rc, report.Column{Header: "状态", Kind: report.Text},
		report.Column{Header: "条数", Kind: report.Integer})...)
	for _, s := range []string{"queued", "sent", "failed", "held"} {
		t.Add(rc.T(noticeStateName(s)), counts[s])
	}
	return printing.Section{Title: rc.T("短信通知"), Intro: rc.T("截至报告生成时的全部短信通知。"), Table: t}, nil
}
