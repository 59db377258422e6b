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
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
)

// 好差评 pages: the follow-up list and the rating statistics. 办理与监督
// 评价相分离: the hall's supervisors call back and rectify at the kiosk;
// county staff watch here and write nothing, so the pages only read.
//
// Each table is plain data (Table), built in one function from what the
// store returned, in the reader's language and masked: a page renders it,
// and an export can write the same rows.

// Table is a page's table as plain data, in the reader's language: the
// dashboard's and the 好差评 pages'.
type Table struct {
	Caption string
	Head    []string
	Rows    [][]string
	// Marks give each row's look ("overdue", "done" or ""); the text
	// already says the same in the row's state column.
	Marks []string
	// Total is the total row ("" caption cell first), nil when none.
	Total []string
}

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
	q := r.URL.Query()
	from, to, fromS, toS := periodFilter(q)
	f := county.FollowUpFilter{Point: q.Get("point"), From: from, To: to}
	switch s := rating.State(q.Get("state")); s {
	case rating.Open, rating.Overdue, rating.Done:
		f.State = s
	}
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

// followUpTable is the follow-up list: one row per bad rating, with who
// served, where, for what, why the citizen was unhappy, the due day and
// state, and every 回访 and 整改 recorded. Free text (the citizen's note,
// what a supervisor wrote down) goes through MaskText.
func followUpTable(rc *reqCtx, items []county.FollowUp, names map[string]string, now time.Time) Table {
	t := Table{Caption: rc.T("差评回访整改"), Head: []string{rc.T("评价时间"), rc.T("服务点"), rc.T("评价"), rc.T("人员"), rc.T("窗口"),
		rc.T("事项"), rc.T("原因"), rc.T("回访整改期限"), rc.T("状态"), rc.T("回访"), rc.T("整改")}}
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
		t.Rows = append(t.Rows, []string{stamp(it.Rating.At), point, rc.T(rating.LevelName(it.Rating.Level)), MaskText(it.Rating.ClerkName),
			window, MaskText(it.Rating.Matter), why, day(it.Due), state, strings.Join(calls, "\n"), strings.Join(fixes, "\n")})
		mark := ""
		switch st {
		case rating.Overdue:
			mark = "overdue"
		case rating.Done:
			mark = "done"
		}
		t.Marks = append(t.Marks, mark)
	}
	return t
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
	q := r.URL.Query()
	from, to, fromS, toS := periodFilter(q)
	if fromS == "" && toS == "" {
		today := o.now().In(workday.China)
		from = time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, workday.China)
		fromS = from.Format(time.DateOnly)
	}
	f := county.RatingFilter{Point: q.Get("point"), From: from, To: to}
	st, err := o.st.RatingStats(ctx, f)
	if err != nil {
		o.internal(w, r, rc, "count ratings", err)
		return
	}
	opts, names := o.pointOptions(ctx)
	o.render(w, r, rc, "ratings", map[string]any{"Tables": ratingTables(rc, st, names), "Total": st.All.Total,
		"Satisfied": percent(st.All), "PointOpts": opts, "Point": f.Point, "From": fromS, "To": toS})
}

// ratingTables are the statistics: one table each per service point,
// clerk, window and matter, with the counts per level, the total and 满意率
// (满意 and 非常满意 over all, rating.Tally.Satisfied: the kiosk's own
// definition).
func ratingTables(rc *reqCtx, st county.RatingStats, names map[string]string) []Table {
	head := func(first ...string) []string {
		h := translateAll(rc, first)
		h = append(h, rc.T("评价数"))
		for _, l := range rating.Levels {
			h = append(h, rc.T(rating.LevelName(l)))
		}
		return append(h, rc.T("满意率"))
	}
	counts := func(t rating.Tally) []string {
		row := []string{fmt.Sprint(t.Total)}
		for _, l := range rating.Levels {
			row = append(row, fmt.Sprint(t.Counts[l]))
		}
		return append(row, percent(t))
	}
	point := func(code string) string {
		if n := names[code]; n != "" {
			return n
		}
		return code
	}
	byPoint := Table{Caption: rc.T("按服务点"), Head: head("服务点")}
	for _, t := range st.ByPoint {
		byPoint.Rows = append(byPoint.Rows, append([]string{point(t.Point)}, counts(t.Tally)...))
	}
	byClerk := Table{Caption: rc.T("按人员"), Head: head("人员", "服务点")}
	for _, t := range st.ByClerk {
		byClerk.Rows = append(byClerk.Rows, append([]string{MaskText(t.Key), point(t.Point)}, counts(t.Tally)...))
	}
	byWindow := Table{Caption: rc.T("按窗口"), Head: head("窗口", "服务点")}
	for _, t := range st.ByWindow {
		byWindow.Rows = append(byWindow.Rows, append([]string{fmt.Sprintf(rc.T("%d号窗口"), t.Window), point(t.Point)}, counts(t.Tally)...))
	}
	byMatter := Table{Caption: rc.T("按事项"), Head: head("事项")}
	for _, t := range st.ByMatter {
		key := MaskText(t.Key)
		if t.Sector {
			key = rc.T("板块") + "：" + rc.T(key)
		}
		byMatter.Rows = append(byMatter.Rows, append([]string{key}, counts(t.Tally)...))
	}
	return []Table{byPoint, byClerk, byWindow, byMatter}
}

func percent(t rating.Tally) string { return t.Satisfied().Text() }
