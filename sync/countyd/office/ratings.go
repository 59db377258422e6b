package office

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/report"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
)

// 好差评 pages: the follow-up list and the rating statistics. 办理与监督
// 评价相分离: the hall's supervisors call back and rectify at the kiosk;
// county staff watch here and write nothing, so the pages only read.
//
// Each table is a report.Table (pageTable), built in one function from
// what the store returned, in the reader's language and masked: the page
// renders it, and its export writes the same rows.

// ratingPages serve the 好差评 pages.
type ratingPages struct {
	*Office
	st interface {
		county.RatingReview
		county.Directory // point names
	}
}

// periodFilter reads from/to (YYYY-MM-DD, Beijing days, both included);
// what does not parse is left out, and shown empty.
func periodFilter(q url.Values) (from, to time.Time, fromS, toS string) {
	if d, err := time.ParseInLocation(time.DateOnly, q.Get("from"), workday.China); err == nil {
		from, fromS = d, q.Get("from")
	}
	if d, err := time.ParseInLocation(time.DateOnly, q.Get("to"), workday.China); err == nil {
		to, toS = d.AddDate(0, 0, 1), q.Get("to")
	}
	return from, to, fromS, toS
}

func (o *ratingPages) pointOptions(ctx context.Context) ([]option, map[string]string) {
	names := map[string]string{}
	ps, err := o.st.ServicePoints(ctx)
	if err != nil {
		o.log.ErrorContext(ctx, "list service points", "err", err)
	}
	var opts []option
	for _, p := range ps {
		names[p.Code] = p.Name
		opts = append(opts, option{p.Code, p.Name})
	}
	slices.SortFunc(opts, func(a, b option) int { return strings.Compare(a.Value, b.Value) })
	return opts, names
}

// followUpsPage lists the follow-ups of bad ratings by point, state and
// period, overdue ones marked.
func (o *ratingPages) followUpsPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	ctx := r.Context()
	f, fromS, toS := followUpFilter(r.URL.Query())
	items, more, err := o.st.FollowUps(ctx, f)
	if err != nil {
		o.internal(w, r, rc, "list follow-ups", err)
		return
	}
	opts, names := o.pointOptions(ctx)
	now := o.now()
	overdue := 0
	for _, it := range items {
		if it.State(now) == rating.Overdue {
			overdue++
		}
	}
	o.render(w, r, rc, "followups", map[string]any{"Table": followUpTable(rc, items, names, now), "More": more, "Count": len(items),
		"Overdue": overdue, "PointOpts": opts, "Point": f.Point, "State": string(f.State), "From": fromS, "To": toS,
		"DueDays": rating.DueWorkdays})
}

// followUpFilter is the follow-up list's filter from its page's query.
func followUpFilter(q url.Values) (f county.FollowUpFilter, fromS, toS string) {
	from, to, fromS, toS := periodFilter(q)
	f = county.FollowUpFilter{Point: q.Get("point"), From: from, To: to}
	switch s := rating.State(q.Get("state")); s {
	case rating.Open, rating.Overdue, rating.Done:
		f.State = s
	}
	return f, fromS, toS
}

// exportFollowUps is the follow-up list of the page's filter, masked as
// the page masks it.
func (o *ratingPages) exportFollowUps(r *http.Request, rc *reqCtx) (export, error) {
	ctx := r.Context()
	f, _, _ := followUpFilter(r.URL.Query())
	items, more, err := o.st.FollowUps(ctx, f)
	if err != nil {
		return export{}, fmt.Errorf("list follow-ups: %w", err)
	}
	_, names := o.pointOptions(ctx)
	p := followUpTable(rc, items, names, o.now())
	if more {
		p.Note = rc.T("仅显示前面部分，请缩小筛选范围")
	}
	return export{Name: "followups", Period: o.today(), Tables: []*report.Table{p.Table}}, nil
}

// followUpTable is the follow-up list: one row per bad rating, with who
// served, where, for what, why the citizen was unhappy, the due day and
// state, and every 回访 and 整改 recorded. Free text (the citizen's note,
// what a supervisor wrote down) goes through MaskText.
func followUpTable(rc *reqCtx, items []county.FollowUp, names map[string]string, now time.Time) pageTable {
	t := report.New(rc.T("差评回访整改"), rc.T("差评回访整改"), columns(rc,
		report.Column{Header: "评价时间", Kind: report.DateTime}, report.Column{Header: "服务点", Kind: report.Text},
		report.Column{Header: "评价", Kind: report.Text}, report.Column{Header: "人员", Kind: report.Text},
		report.Column{Header: "窗口", Kind: report.Text}, report.Column{Header: "事项", Kind: report.Text},
		report.Column{Header: "原因", Kind: report.Text}, report.Column{Header: "回访整改期限", Kind: report.Date},
		report.Column{Header: "状态", Kind: report.Text}, report.Column{Header: "回访", Kind: report.Text},
		report.Column{Header: "整改", Kind: report.Text})...)
	p := pageTable{Table: t, Empty: rc.T("没有符合条件的差评"),
		ColClass: map[int]string{0: "nowrap", 4: "nowrap", 7: "nowrap", 8: chipCell, 9: "lines small", 10: "lines small"}}
	for _, it := range items {
		st := it.State(now)
		point := names[it.Point]
		if point == "" {
			point = it.Point
		}
		window := ""
		if it.Rating.Window > 0 {
			window = fmt.Sprintf(rc.T("%d号窗口"), it.Rating.Window)
		}
		why := strings.Join(translateAll(rc, it.Rating.Reasons), rc.T("、"))
		if it.Rating.Note != "" {
			why = strings.TrimPrefix(why+rc.T("；")+MaskText(it.Rating.Note), rc.T("；"))
		}
		state := rc.T(rating.StateName(st))
		if st == rating.Done && it.Late(it.Due) {
			state += rc.T("（逾期办结）")
		}
		var calls, fixes []string
		for _, s := range it.Steps {
			line := stamp(s.At) + " " + MaskText(s.ByName)
			if s.Kind == rating.Called {
				reached := rc.T("未接通")
				if s.Reached {
					reached = rc.T("已联系")
				}
				calls = append(calls, line+"（"+reached+"）："+MaskText(s.Text))
			} else {
				fixes = append(fixes, line+"："+MaskText(s.Text))
			}
		}
		t.Add(it.Rating.At, point, rc.T(rating.LevelName(it.Rating.Level)), MaskText(it.Rating.ClerkName),
			window, MaskText(it.Rating.Matter), why, it.Due, state, strings.Join(calls, "\n"), strings.Join(fixes, "\n"))
		mark := ""
		switch st {
		case rating.Overdue:
			mark = "overdue"
		case rating.Done:
			mark = "done"
		}
		p.Marks = append(p.Marks, mark)
	}
	return p
}

func translateAll(rc *reqCtx, zh []string) []string {
	out := make([]string, len(zh))
	for i, s := range zh {
		out[i] = rc.T(s)
	}
	return out
}

// ratingsPage shows the rating statistics of a period: per service point,
// clerk, window and matter, the counts per level and 满意率. Without a
// period it counts the current month.
func (o *ratingPages) ratingsPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	ctx := r.Context()
	f, fromS, toS := ratingFilter(r.URL.Query(), o.now())
	st, err := o.st.RatingStats(ctx, f)
	if err != nil {
		o.internal(w, r, rc, "count ratings", err)
		return
	}
	opts, names := o.pointOptions(ctx)
	o.render(w, r, rc, "ratings", map[string]any{"Tables": ratingTables(rc, st, names), "Total": st.All.Total,
		"Satisfied": percent(st.All), "PointOpts": opts, "Point": f.Point, "From": fromS, "To": toS})
}

// ratingFilter is the statistics' filter from the page's query; without
// a period, the current month.
func ratingFilter(q url.Values, now time.Time) (f county.RatingFilter, fromS, toS string) {
	from, to, fromS, toS := periodFilter(q)
	if fromS == "" && toS == "" {
		today := now.In(workday.China)
		from = time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, workday.China)
		fromS = from.Format(time.DateOnly)
	}
	return county.RatingFilter{Point: q.Get("point"), From: from, To: to}, fromS, toS
}

// exportRatings is the statistics of the page's filter: a sheet per
// table, the CSV by service point.
func (o *ratingPages) exportRatings(r *http.Request, rc *reqCtx) (export, error) {
	ctx := r.Context()
	f, fromS, toS := ratingFilter(r.URL.Query(), o.now())
	st, err := o.st.RatingStats(ctx, f)
	if err != nil {
		return export{}, fmt.Errorf("count ratings: %w", err)
	}
	_, names := o.pointOptions(ctx)
	var tables []*report.Table
	for _, p := range ratingTables(rc, st, names) {
		p.Note = rc.T("评价日期自") + " " + fromS + " " + rc.T("至") + " " + toS
		tables = append(tables, p.Table)
	}
	return export{Name: "ratings", Period: o.today(), Tables: tables}, nil
}

// ratingTables are the statistics: one table each per service point,
// clerk, window and matter, with the counts per level, the total and 满意率
// (满意 and 非常满意 over all, rating.Tally.Satisfied: the kiosk's own
// definition).
func ratingTables(rc *reqCtx, st county.RatingStats, names map[string]string) []pageTable {
	table := func(title string, first ...string) *report.Table {
		var cols []report.Column
		for _, h := range first {
			cols = append(cols, report.Column{Header: h, Kind: report.Text})
		}
		cols = append(cols, report.Column{Header: "评价数", Kind: report.Integer})
		for _, l := range rating.Levels {
			cols = append(cols, report.Column{Header: rating.LevelName(l), Kind: report.Integer})
		}
		cols = append(cols, report.Column{Header: "满意率", Kind: report.Percent})
		return report.New(rc.T(title), rc.T(title), columns(rc, cols...)...)
	}
	add := func(t *report.Table, tl rating.Tally, first ...any) {
		row := append(first, tl.Total)
		for _, l := range rating.Levels {
			row = append(row, tl.Counts[l])
		}
		t.Add(append(row, tl.Satisfied())...)
	}
	point := func(code string) string {
		if n := names[code]; n != "" {
			return n
		}
		return code
	}
	byPoint := table("按服务点", "服务点")
	for _, t := range st.ByPoint {
		add(byPoint, t.Tally, point(t.Point))
	}
	byClerk := table("按人员", "人员", "服务点")
	for _, t := range st.ByClerk {
		add(byClerk, t.Tally, MaskText(t.Key), point(t.Point))
	}
	byWindow := table("按窗口", "窗口", "服务点")
	for _, t := range st.ByWindow {
		add(byWindow, t.Tally, fmt.Sprintf(rc.T("%d号窗口"), t.Window), point(t.Point))
	}
	byMatter := table("按事项", "事项")
	for _, t := range st.ByMatter {
		key := MaskText(t.Key)
		if t.Sector {
			key = rc.T("板块") + "：" + rc.T(key)
		}
		add(byMatter, t.Tally, key)
	}
	var out []pageTable
	for _, t := range []*report.Table{byPoint, byClerk, byWindow, byMatter} {
		out = append(out, pageTable{Table: t, Empty: rc.T("这段时间没有评价")})
	}
	return out
}

func percent(t rating.Tally) string { return t.Satisfied().Text() }
