package county

// The back office's case list, written so that every filter the page
// offers reads one index in the order the page shows (issue 18): a page of
// 50 costs about 50 index entries at 1M cases as at 1,000. The indexes are
// in migrations/sqlite/0011_list_indexes.sql; queryplan_test.go runs EXPLAIN QUERY
// PLAN on every shape built here and fails on a full scan or a sort. The
// SQL is plain (row values, partial-index conditions, LIMIT) so that a
// PostgreSQL store serves the same shapes with the same indexes.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// CaseCountCap is the most a case list counts: past it the page says
// "more than". Counting every match is a scan of the filter's whole index
// range (all 1M cases unfiltered), however small the page.
const CaseCountCap = 10000

// closedCase is the SQL condition of a case whose clock has stopped: the
// hall finished it, or the county completed or denied it. openCase must
// stay its negation word for word as the partial indexes of 0011 say it
// (cases_open_*): a planner uses a partial index only for a query whose
// WHERE contains the index's condition.
const (
	closedCase = `(c.kiosk_status IN ('completed', 'rejected', 'delivered', 'mailed', 'denied', 'terminated', 'withdrawn')
	OR c.county_status IN ('completed', 'denied'))`
	openCase = "NOT " + closedCase
)

// The list's from clauses: cases alone, or a matter's rows joined to them
// (case_matters keeps each case's order keys so one index serves both the
// matter and the order).
const (
	fromCases   = "cases c"
	fromMatters = "case_matters m JOIN cases c ON c.case_id = m.case_id"
)

// caseQuery is one SELECT of the case list: a filter and the order that
// one index serves. key is the first order column and tie the county case
// number of the same table; desc is newest first.
type caseQuery struct {
	from      string
	where     []string
	args      []any
	key, tie  string
	desc      bool
	keyColumn string // the cases column key reads, for a page boundary
}

func (q caseQuery) cond() string {
	if len(q.where) == 0 {
		return "1 = 1"
	}
	return strings.Join(q.where, " AND ")
}

// countSQL counts the matches up to CaseCountCap+1.
func (q caseQuery) countSQL() string {
	return `SELECT COUNT(*) FROM (SELECT 1 FROM ` + q.from + ` WHERE ` + q.cond() + ` LIMIT ` + fmt.Sprint(CaseCountCap+1) + `) x`
}

// listSQL reads a page; with a boundary it continues after (or, reversed,
// before) the boundary row's keys: the last two arguments.
func (q caseQuery) listSQL(boundary, reverse bool) string {
	desc := q.desc != reverse
	cmp, dir := ">", ""
	if desc {
		cmp, dir = "<", " DESC"
	}
	cond := q.cond()
	if boundary {
		cond += " AND (" + q.key + ", " + q.tie + ") " + cmp + " (?, ?)"
	}
	return `SELECT ` + caseCols + ` FROM ` + q.from + ` WHERE ` + cond +
		` ORDER BY ` + q.key + dir + `, ` + q.tie + dir + ` LIMIT ?`
}

// caseQueries turns a filter into the queries that list it: one, or for a
// status alone two, because a status matches the kiosk's or the county's
// and no one index serves an OR in order; CasePage merges their pages.
func caseQueries(f CasePageFilter) ([]caseQuery, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) { where, args = append(where, cond), append(args, a...) }
	q := caseQuery{from: fromCases, key: "c.first_seen", tie: "c.county_case", desc: true, keyColumn: "first_seen"}
	// The deadline filters judge the stored moved day (deadline.go) by the
	// rules of CaseDeadline, which the pages show: a case whose clock is
	// stopped is never due soon, and is overdue only if it already was
	// when the clock stopped — what a running pause adds grows by a working
	// day each working day, so it can neither make a case late nor make a
	// late one timely, and the filters need not count it. A day that is
	// set is written > '' rather than <> '': the same rows, but a range
	// the index can start from instead of a filter on every entry.
	byDue := func() { q.key, q.desc, q.keyColumn = "c.due_moved", false, "due_moved" }
	switch f.Deadline {
	case "":
	case DueOpen:
		add(openCase)
	case DueOverdue:
		add(openCase)
		add("c.due_moved > '' AND c.due_moved < ?", f.Today)
		add("(c.paused_since = '' OR c.due_moved < c.paused_since)")
		byDue()
	case DueSoon:
		add(openCase)
		add("c.paused_since = ''")
		add("c.due_moved >= ? AND c.due_moved <= ?", f.Today, f.SoonDay)
		byDue()
	case DuePaused:
		add(openCase)
		add("c.paused_since > ''")
		q.key, q.desc, q.keyColumn = "c.paused_since", false, "paused_since"
	case DueLapsed:
		// The hall ends a lapsed 容缺 case (终止办理 or 视为撤回, as its
		// catalog says); until its kiosk has synced, the county sees it here.
		add("c.kiosk_status = 'deferred'")
		add("c.supplement_by > '' AND c.supplement_by < ?", f.Today)
		q.key, q.desc, q.keyColumn = "c.supplement_by", false, "supplement_by"
	default:
		return nil, invalid("deadline filter %q", f.Deadline)
	}
	if f.DueBy != "" {
		add("c.due_moved > '' AND c.due_moved <= ?", f.DueBy)
		if f.Deadline == "" || f.Deadline == DueOpen {
			// Due by a day reads in due order: the index of that range.
			byDue()
		}
	}
	if f.Point != "" {
		add("c.service_point = ?", f.Point)
	}
	if f.Matter != "" {
		if q.keyColumn == "first_seen" {
			// The matter's rows in case_matters carry the order keys.
			q.from, q.key, q.tie = fromMatters, "m.first_seen", "m.county_case"
			add("m.matter = ?", f.Matter)
		} else {
			add("EXISTS (SELECT 1 FROM case_matters m WHERE m.case_id = c.case_id AND m.matter = ?)", f.Matter)
		}
	}
	if f.Status == "" {
		q.where, q.args = where, args
		return []caseQuery{q}, nil
	}
	if f.Point != "" || f.Matter != "" || f.Deadline != "" || f.DueBy != "" {
		// Another filter leads; the status only narrows its rows.
		q.where, q.args = append(where, "(c.kiosk_status = ? OR c.county_status = ?)"), append(args, f.Status, f.Status)
		return []caseQuery{q}, nil
	}
	kiosk, cnty := q, q
	kiosk.where, kiosk.args = append(slices.Clip(where), "c.kiosk_status = ?"), append(slices.Clip(args), f.Status)
	// A case of both statuses is the kiosk query's. county_status > '' is
	// the partial index's condition (0016), said in the query's words for
	// the planner: a status asked for is never ''.
	cnty.where = append(slices.Clip(where), "c.county_status = ?", "c.county_status > ''", "c.kiosk_status <> ?")
	cnty.args = append(slices.Clip(args), f.Status, f.Status)
	return []caseQuery{kiosk, cnty}, nil
}

// caseKeys are a case's list order keys, by cases column.
func caseKeys(ctx context.Context, q dbtx, countyCase string) (map[string]string, error) {
	var seen, due, paused, supp string
	err := q.QueryRowContext(ctx, caseKeysSQL, countyCase).Scan(&seen, &due, &paused, &supp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, invalid("case %q: no such case to page from", countyCase)
	}
	if err != nil {
		return nil, fmt.Errorf("read page boundary: %w", err)
	}
	return map[string]string{"first_seen": seen, "due_moved": due, "paused_since": paused, "supplement_by": supp}, nil
}

const caseKeysSQL = `SELECT first_seen, due_moved, paused_since, supplement_by FROM cases WHERE county_case = ?`

// CasePage returns one page of cases and how many match, counted up to
// CaseCountCap (a total above it means "more than CaseCountCap"). Each row
// costs two indexed sub-queries for its attachment counts.
func (s *SQLite) CasePage(ctx context.Context, f CasePageFilter) ([]Case, int, error) {
	return casePage(ctx, s.r, f)
}

// casePage is CasePage for both stores: the same query texts, the same
// indexes (0011_list_indexes in each dialect's migrations).
func casePage(ctx context.Context, db dbtx, f CasePageFilter) ([]Case, int, error) {
	qs, err := caseQueries(f)
	if err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var keys map[string]string
	boundary, reverse := f.After, false
	if f.Before != "" {
		boundary, reverse = f.Before, true
	}
	if boundary != "" {
		if keys, err = caseKeys(ctx, db, boundary); err != nil {
			return nil, 0, err
		}
	}
	total := 0
	var out []Case
	for _, q := range qs {
		var n int
		if err := db.QueryRowContext(ctx, q.countSQL(), q.args...).Scan(&n); err != nil {
			return nil, 0, fmt.Errorf("count cases: %w", err)
		}
		total += n
		args := slices.Clip(q.args)
		if keys != nil {
			args = append(args, keys[q.keyColumn], boundary)
		}
		page, err := listCases(ctx, db, q.listSQL(keys != nil, reverse), append(args, limit)...)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, page...)
	}
	if len(qs) > 1 {
		// Two queries of the same order: merge their pages and keep the
		// first limit rows.
		q := qs[0]
		slices.SortStableFunc(out, func(a, b Case) int {
			c := strings.Compare(orderKey(a, q.keyColumn), orderKey(b, q.keyColumn))
			if c == 0 {
				c = strings.Compare(a.CountyCase, b.CountyCase)
			}
			if q.desc != reverse {
				c = -c
			}
			return c
		})
		out = out[:min(len(out), limit)]
	}
	if reverse {
		slices.Reverse(out)
	}
	return out, min(total, CaseCountCap+1), nil
}

// orderKey is a case's value of a list order column, as stored.
func orderKey(c Case, column string) string {
	switch column {
	case "due_moved":
		return c.DueMoved
	case "paused_since":
		return c.PausedSince
	case "supplement_by":
		return c.SupplementBy
	}
	return ts(c.FirstSeen)
}

func listCases(ctx context.Context, db dbtx, query string, args ...any) ([]Case, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("scan case: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// caseMatterCodesSQL lists the distinct matters by skipping through the
// index: one seek per matter (a few hundred) instead of reading every
// case's matters. Recursive CTEs are standard SQL; PostgreSQL runs the
// same loose index scan.
const caseMatterCodesSQL = `WITH RECURSIVE codes (matter) AS (
	SELECT MIN(matter) FROM case_matters
	UNION ALL
	SELECT (SELECT MIN(m.matter) FROM case_matters m WHERE m.matter > codes.matter) FROM codes WHERE codes.matter IS NOT NULL
) SELECT matter FROM codes WHERE matter IS NOT NULL`

// CaseMatterCodes lists every matter code that some case has, in order.
func (s *SQLite) CaseMatterCodes(ctx context.Context) ([]string, error) {
	return s.strings(ctx, caseMatterCodesSQL)
}
