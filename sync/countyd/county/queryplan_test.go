package county

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The county must stay as quick at 1M cases and 5M events as on day one
// (issue 18). Every query an office page or the apply path runs is listed
// here by the very string the store runs (shared consts and builders, not
// copies) and planned on a migrated database: a full scan of a table or a
// sort of the rows for ORDER BY fails, and so does a list query that stops
// using the index named for it. An index dropped or a query reshaped
// turns this test red before a county notices.

// applyQueries are the statements of Apply's per-event path.
var applyQueries = map[string]string{
	"appliedAnswersSQL": appliedAnswersSQL(3),
	"insertAppliedSQL":  insertAppliedSQL(3),
	"qInsertRejected":   qInsertRejected,
	"qCaseHead":         qCaseHead,
	"qCaseByTracking":   qCaseByTracking,
	"qInsertCase":       qInsertCase,
	"qUpdateCase":       updateCaseSQL([len(caseListCols)]bool{true, true, true, true}),
	"qUpdateCaseDoc":    updateCaseSQL([len(caseListCols)]bool{}),
	"qCaseAttachments":  qCaseAttachments,
	"qCaseMatters":      qCaseMatters,
	"qDropAttachment":   qDropAttachment,
	"qDropMatter":       qDropMatter,
	"qInsertMatter":     qInsertMatter,
	"qInsertAttachment": qInsertAttachment,
	"qInsertCaseLog":    qInsertCaseLog,
	"qInsertHallFeed":   qInsertHallFeed,
	"qEventAt":          qEventAt,
	"qCaseLatest":       qCaseLatest,
	"qNextCountyCase":   qNextCountyCase,
	"qInsertInbox":      qInsertInbox,
	"qNoticeCase":       qNoticeCase,
	"qNoticesToday":     qNoticesToday,
	"qSMSSignature":     qSMSSignature,
	"countEventsSQL":    countEventsSQL,
	"statusLogSQL":      statusLogSQL,
	"holidayDocsSQL":    holidayDocsSQL,
	"qAddFigures":       qAddFigures,
	"qAddMonthly":       qAddMonthly,
	"qAddDayTotal":      qAddDayTotal,
	"qCaseFigures":      qCaseFigures,
	"qSetCaseFigures":   qSetCaseFigures,
}

// plannedQuery is a query and the index its plan must use ("" for any).
type plannedQuery struct {
	name, sql, index string
}

// officeQueries are the case list of every filter the page offers (its
// count, its first page and a page after a boundary; a status alone is
// two queries), the matter list and the fleet page's devices.
func officeQueries(t *testing.T) []plannedQuery {
	filters := []struct {
		name    string
		f       CasePageFilter
		indexes []string // of each query caseQueries builds
	}{
		{"all", CasePageFilter{}, []string{"cases_seen"}},
		{"point", CasePageFilter{Point: "330522100000"}, []string{"cases_point_seen"}},
		{"matter", CasePageFilter{Matter: "330000-SS-0001"}, []string{"case_matters_list"}},
		{"status", CasePageFilter{Status: "completed"}, []string{"cases_kiosk_seen", "cases_county_seen"}},
		{"open", CasePageFilter{Deadline: DueOpen}, []string{"cases_open_seen"}},
		{"overdue", CasePageFilter{Deadline: DueOverdue, Today: "2026-10-09"}, []string{"cases_open_due"}},
		{"soon", CasePageFilter{Deadline: DueSoon, Today: "2026-10-09", SoonDay: "2026-10-12"}, []string{"cases_open_due"}},
		{"paused", CasePageFilter{Deadline: DuePaused}, []string{"cases_open_paused"}},
		{"lapsed", CasePageFilter{Deadline: DueLapsed, Today: "2026-10-09"}, []string{"cases_deferred_supplement"}},
		{"due by", CasePageFilter{DueBy: "2026-10-09"}, []string{"cases_due_list"}},
		{"open due by", CasePageFilter{Deadline: DueOpen, DueBy: "2026-10-09"}, []string{"cases_open_due"}},
		{"point and status", CasePageFilter{Point: "330522100000", Status: "accepted"}, []string{"cases_point_seen"}},
	}
	var out []plannedQuery
	for _, fl := range filters {
		qs, err := caseQueries(fl.f)
		if err != nil {
			t.Fatalf("%s: %v", fl.name, err)
		}
		if len(qs) != len(fl.indexes) {
			t.Fatalf("%s: got %d queries, want %d", fl.name, len(qs), len(fl.indexes))
		}
		for i, q := range qs {
			out = append(out,
				// A count may read any index of its filter: it stops at
				// CaseCountCap.
				plannedQuery{fl.name + " count", q.countSQL(), ""},
				plannedQuery{fl.name + " page", q.listSQL(false, false), fl.indexes[i]},
				plannedQuery{fl.name + " page after", q.listSQL(true, false), fl.indexes[i]},
				plannedQuery{fl.name + " page before", q.listSQL(true, true), fl.indexes[i]})
		}
	}
	out = append(out,
		plannedQuery{"page boundary", caseKeysSQL, ""},
		plannedQuery{"matter codes", caseMatterCodesSQL, "case_matters_list"},
		// Every device, for the monthly report and countyd devices.
		plannedQuery{"all devices", devicesSQL, "devices_fleet"})
	return append(out, fleetQueries(t)...)
}

// fleetQueries are the fleet page's (fleetlist.go): a page of every filter
// it offers, alone and with a point, first and after or before a boundary;
// its counts, versions and enrollment codes.
func fleetQueries(t *testing.T) []plannedQuery {
	filters := []struct {
		name  string
		f     FleetFilter
		index string
	}{
		{"all", FleetFilter{}, "devices_fleet"},
		{"point", FleetFilter{Point: "330522100000"}, "devices_fleet"},
		{"version", FleetFilter{Version: "1.0.0"}, "devices_version"},
		{"point and version", FleetFilter{Point: "330522100000", Version: "1.0.0"}, "devices_version"},
		{"online", FleetFilter{State: FleetOnline}, "devices_fleet"},
		{"silent", FleetFilter{State: FleetSilent}, "devices_fleet"},
		{"refused", FleetFilter{State: FleetRefused}, "devices_refused"},
		{"point refused", FleetFilter{Point: "330522100000", State: FleetRefused}, "devices_refused"},
		{"printer", FleetFilter{State: FleetPrinter}, "devices_printer_fault"},
		{"update state", FleetFilter{Update: "rolled_back"}, "devices_update"},
		{"point and update state", FleetFilter{Point: "330522100000", Update: "refused"}, "devices_update"},
	}
	var out []plannedQuery
	for _, fl := range filters {
		where, _, err := fleetQuery(fl.f)
		if err != nil {
			t.Fatalf("fleet %s: %v", fl.name, err)
		}
		out = append(out,
			plannedQuery{"fleet " + fl.name + " page", fleetPageSQL(where, false, false), fl.index},
			plannedQuery{"fleet " + fl.name + " page after", fleetPageSQL(where, true, false), fl.index},
			plannedQuery{"fleet " + fl.name + " page before", fleetPageSQL(where, true, true), fl.index})
	}
	return append(out,
		plannedQuery{"fleet boundary", fleetKeysSQL, ""},
		plannedQuery{"fleet count", fleetCountSQL, ""},
		plannedQuery{"fleet refused count", fleetRefusedCountSQL, "devices_refused"},
		plannedQuery{"fleet printer count", fleetPrinterCountSQL, "devices_printer_fault"},
		plannedQuery{"update counts of a release", updateCountsSQL, "devices_update_counts"},
		plannedQuery{"release offered to a device", releaseForSQL, "releases_platform"},
		plannedQuery{"device versions", deviceVersionsSQL, "devices_version"},
		plannedQuery{"unused codes", codePageSQL(false), "enroll_codes_unused"},
		plannedQuery{"spent codes", codePageSQL(true), "enroll_codes_created"},
		plannedQuery{"service points", servicePointsSQL, ""},
		plannedQuery{"service point", servicePointSQL, ""})
}

// badPlan finds what makes a plan slow at scale: a table read whole
// without an index, or the rows sorted for ORDER BY. Scans of a CTE or a
// sub-select (codes, versions, x) are not of the history's size; the
// devices table is (a province runs ~25,000 devices).
var badPlan = regexp.MustCompile(`^SCAN (\w+)$|USE TEMP B-TREE`)

var smallScans = map[string]bool{"codes": true, "versions": true, "x": true}

func planProblem(plan []string, index string) string {
	for _, l := range plan {
		if m := badPlan.FindStringSubmatch(l); m != nil && !smallScans[m[1]] {
			return l
		}
	}
	if index == "" {
		return ""
	}
	uses := regexp.MustCompile(`INDEX ` + regexp.QuoteMeta(index) + `( |$)`)
	for _, l := range plan {
		if uses.MatchString(l) {
			return ""
		}
	}
	return "does not use " + index
}

// sqlitePlan is EXPLAIN QUERY PLAN's detail lines for a query on SQLite.
func sqlitePlan(ctx context.Context, db *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		plan = append(plan, detail)
	}
	return plan, rows.Err()
}

func TestQueryPlansUseIndexes(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "county.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	queries := officeQueries(t)
	for name, q := range applyQueries {
		queries = append(queries, plannedQuery{name, q, ""})
	}
	for _, q := range queries {
		plan, err := sqlitePlan(ctx, s.r, q.sql, make([]any, strings.Count(q.sql, "?"))...)
		if err != nil {
			t.Errorf("%s: %v", q.name, err)
			continue
		}
		t.Logf("%s: %s", q.name, strings.Join(plan, " | ")) // -v: the plans docs/performance.md quotes
		if p := planProblem(plan, q.index); p != "" {
			t.Errorf("%s: got %q in the plan, want an index for its filter and order\n%s\n%s", q.name, p, q.sql, strings.Join(plan, "\n"))
		}
	}
}

// The check itself: plans of the shapes it must refuse are refused.
func TestPlanProblemCatchesScansAndSorts(t *testing.T) {
	for _, tc := range []struct {
		plan  []string
		index string
		want  string
	}{
		{[]string{"SCAN c"}, "", "SCAN c"},
		{[]string{"SCAN devices"}, "", "SCAN devices"},
		{[]string{"SCAN devices USING INDEX devices_fleet"}, "devices_fleet", ""},
		{[]string{"SEARCH c USING INDEX cases_kiosk_seen (kiosk_status=?)", "USE TEMP B-TREE FOR ORDER BY"}, "", "USE TEMP B-TREE FOR ORDER BY"},
		{[]string{"SEARCH c USING INDEX cases_due_list (due_moved>? AND due_moved<?)", "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY"}, "", "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY"},
		{[]string{"SEARCH c USING INDEX cases_due_list (due_moved<?)"}, "cases_open_due", "does not use cases_open_due"},
		{[]string{"SCAN c USING INDEX cases_seen"}, "cases_seen", ""},
		{[]string{"SEARCH c USING INDEX cases_open_runningx (paused_since=?)"}, "cases_open_running", "does not use cases_open_running"},
		{[]string{"SCAN codes", "SEARCH m USING COVERING INDEX case_matters_list (matter>?)"}, "case_matters_list", ""},
	} {
		if got := planProblem(tc.plan, tc.index); got != tc.want {
			t.Errorf("planProblem(%q, %q): got %q, want %q", tc.plan, tc.index, got, tc.want)
		}
	}
}

// A case's log (the case page) seeks the case in case_log_chain and sorts
// its few rows (0016 dropped case_log_case, which every event paid to
// write): never a read of the whole log.
func TestCaseLogSeeksOneCase(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "county.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	plan, err := sqlitePlan(ctx, s.r, caseLogSQL, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) == 0 || plan[0] != "SEARCH case_log USING INDEX case_log_chain (case_id=?)" {
		t.Errorf("case log plan: got %q, want a SEARCH of case_log_chain by case_id first", plan)
	}
}

// figureReads are the queries the dashboard's reads run (planSpan's
// parts), whose plans TestFigureQueriesSeekThePeriod and its PostgreSQL
// twin check; TestFigureReadsArePlanChecked keeps the list whole.
var figureReads = map[string]string{"qFigureGroups": qFigureGroups, "qFigureDays": qFigureDays,
	"qFigureGroupsMonthly": qFigureGroupsMonthly}

// TestFigureReadsArePlanChecked: every query FigureGroups and FigureTrend
// run for the periods BenchmarkDashboard times (and a span inside one
// month, and two partial months) is one whose plan is checked.
func TestFigureReadsArePlanChecked(t *testing.T) {
	checked := map[string]bool{}
	for _, q := range figureReads {
		checked[q] = true
	}
	seen := map[string]bool{}
	for _, span := range [][2]string{{"2026-10-01", "2026-10-31"}, {"2026-08-01", "2026-10-31"},
		{"2025-11-01", "2026-10-31"}, {"2026-10-22", "2026-11-20"}, {"2026-10-03", "2026-10-09"},
		{"2026-10-25", "2026-11-03"}} {
		for _, read := range [][2]string{{qFigureGroups, qFigureGroupsMonthly}, {qFigureDays, ""}} {
			parts, err := planSpan(span[0], span[1], read[0], read[1])
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range parts {
				seen[p.query] = true
				if !checked[p.query] {
					t.Errorf("%v: got a read whose plan is not checked:\n%s", span, p.query)
				}
			}
		}
	}
	if len(seen) != len(checked) {
		t.Errorf("got %d queries read, want the %d checked", len(seen), len(checked))
	}
}

// The dashboard's reads of figures_daily seek the period's days on the
// table's key, whatever the county holds; grouping the period's rows is
// their work (a page of a month reads a month's rows, never the history).
func TestFigureQueriesSeekThePeriod(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "county.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seek := regexp.MustCompile(`^SEARCH figures_(daily|monthly|days) USING (COVERING )?INDEX sqlite_autoindex_figures_(daily|monthly|days)_1 \((day|month)>\? AND (day|month)<\?\)$`)
	for name, q := range figureReads {
		plan, err := sqlitePlan(ctx, s.r, q, "2026-11-01", "2026-11-30")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %s", name, strings.Join(plan, " | "))
		if len(plan) == 0 || !seek.MatchString(plan[0]) {
			t.Errorf("%s: got plan %q, want a search of its table on its period key", name, plan)
		}
	}
}
