package store

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// plannedQuery is a query a kiosk screen or a sync round runs, by the very
// constant the store runs it with.
type plannedQuery struct {
	name  string // who runs it
	query string
	// uses is an index the plan must go through, where another index would
	// also avoid a scan but walk the wrong rows (the agent's history).
	uses string
	// sorts says why the rows the plan sorts are few whatever the kiosk's
	// age (open work, not history); a sort without a reason fails.
	sorts string
}

// kioskQueries are the queries whose cost users wait for: every screen's
// list or look-up and what a sync or hall round reads every few seconds.
// A query added to a screen belongs here.
var kioskQueries = []plannedQuery{
	{name: "查询办件 by code", query: qCaseByTracking},
	{name: "case by id", query: qCaseByID},
	{name: "case history", query: qCaseEvents},
	{name: "progress query", query: qProgressCase},
	{name: "查询办件 by ID number", query: qCasesByApplicantID},
	{name: "查询办件 today/mine/overdue/by name (summaries)", query: qCaseBriefsOpenOrSince,
		sorts: "only the older cases still open (by status) and the recent ones from before 0014 not filled yet (none an hour after the upgrade) are sorted, then merged with the briefs"},
	{name: "查询办件: the documents of the cases shown", query: qCasesByIDs(51)},
	{name: "pre-review list", query: qCasesInStatus},
	{name: "lapse candidates", query: qDeferredPastDeadline, sorts: "the 容缺 cases still waiting for materials (open work)"},
	{name: "agent work list", query: qAgentCases, uses: "cases_agent_updated"},
	{name: "queue: a day's tickets (board, statistics)", query: ticketsQuery(whereTicketsOn)},
	{name: "queue: ticket by id", query: ticketsQuery(whereTicketByID)},
	{name: "queue: tickets at a window", query: ticketsQuery(whereTicketsAtWindow)},
	{name: "queue: waiting tickets", query: ticketsQuery(whereTicketsWaiting)},
	{name: "sync status", query: qSyncStatus, uses: "attachments_to_upload"},
	{name: "pending uploads", query: qPendingUploads, uses: "attachments_to_upload", sorts: "the files waiting to upload"},
	{name: "hall uploads", query: qHallUploads, uses: "attachments_to_hub", sorts: "the files waiting for the hub"},
	{name: "outbox pending count", query: qPendingCount},
	{name: "outbox pending batch", query: qPendingEvents},
	{name: "outbox next batch", query: qSendableEvents},
	{name: "quarantined events", query: qQuarantined},
	{name: "device status: last print", query: qLastPrint},
	{name: "hall round: events for the hub", query: qHallOutgoing},
	{name: "hall round: events to send again", query: qHallResend, uses: "outbox_hall_resend"},
	{name: "hall round: the hub's log", query: qHallLog},
	{name: "hall notices", query: qHallNotices, uses: "hall_notices_unseen"},
	{name: "rating given?", query: qRated},
	{name: "statistics: ratings", query: qRatingTallies},
	{name: "差评回访 list: bad ratings", query: qFollowUpRatings, uses: "ratings_followup"},
	{name: "差评回访 list: their steps", query: qFollowUpSteps, sorts: "the steps of the bad ratings, a few each"},
	{name: "我的评价", query: qOwnRatings},
	{name: "statistics: cases accepted in a span", query: qCaseFigures, uses: "cases_figures",
		sorts: "a span's cases (a month: ~9,000 index entries) counted into a few dozen groups"},
	{name: "hourly: cases whose 0014 facts are missing", query: qUnfilled, uses: "cases_unfilled"},
	{name: "daily outbox compaction (one batch)", query: qCompactBatch, uses: "outbox_to_compact"},
	{name: "hub start: events not in the hall yet", query: qSeedHall, uses: "outbox_not_in_hall"},
	{name: "hub start: compacted heads to rebuild", query: qRestoreHeads(notInHall), uses: "outbox_not_in_hall"},
}

// bigTables grow with the kiosk's history; a scan of one is what makes a
// screen slow on day 1,000.
var bigTables = map[string]bool{"cases": true, "case_briefs": true, "case_events": true, "outbox": true, "attachments": true, "tickets": true,
	"documents": true, "audit_log": true, "ratings": true, "hall_log": true, "bookings": true, "hall_notices": true}

var (
	scanRe  = regexp.MustCompile(`^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?`)
	aliasRe = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+(\w+)\s+(\w+)`)
	sortRe  = regexp.MustCompile(`USE TEMP B-TREE FOR .*(ORDER|GROUP) BY`)
)

// waitingIndexes are partial indexes that hold only work still waiting
// (a row leaves once sent or uploaded, or its payload compacted): scanning
// one costs what waits, not
// the kiosk's history.
var waitingIndexes = map[string]bool{"outbox_pending": true, "outbox_to_compact": true, "outbox_not_in_hall": true, "outbox_hall_pending": true, "outbox_hall_resend": true,
	"attachments_to_upload": true, "attachments_to_hub": true, "hall_notices_unseen": true,
	// The cases stored before 0014 whose facts FillCaseFacts has not
	// written yet: every case once, after the upgrade, none an hour later.
	"cases_unfilled": true}

// planProblems explains what is wrong with a plan: a scan of a big table
// (directly, or through an index that is not one of waitingIndexes), a sort
// without a reason it stays small, or a missing index.
func planProblems(q plannedQuery, plan []string) []string {
	tables := map[string]string{}
	for _, m := range aliasRe.FindAllStringSubmatch(q.query, -1) {
		if !isKeyword(m[2]) {
			tables[m[2]] = m[1]
		}
	}
	var problems []string
	for _, line := range plan {
		if sortRe.MatchString(line) && q.sorts == "" {
			problems = append(problems, "sorts what it reads: "+line)
		}
		m := scanRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		table := m[1]
		if t, ok := tables[table]; ok {
			table = t
		}
		if !bigTables[table] {
			continue
		}
		switch {
		case m[2] == "":
			problems = append(problems, "full scan: "+line)
		case !waitingIndexes[m[2]]:
			problems = append(problems, "scan of a whole index: "+line)
		}
	}
	if q.uses != "" && !strings.Contains(strings.Join(plan, "\n"), "INDEX "+q.uses) {
		problems = append(problems, "does not use "+q.uses)
	}
	return problems
}

func isKeyword(s string) bool {
	switch strings.ToUpper(s) {
	case "WHERE", "ON", "LEFT", "JOIN", "GROUP", "ORDER", "LIMIT", "INNER", "USING":
		return true
	}
	return false
}

// queryPlan is EXPLAIN QUERY PLAN's detail lines for a query, its
// parameters all NULL (the plan does not depend on them).
func queryPlan(t testing.TB, db *DB, query string) []string {
	t.Helper()
	args := make([]any, strings.Count(query, "?"))
	rows, err := db.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("explain %q: %v", query, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestKioskQueriesUseIndexes keeps every listed query served by an index
// for its filter and its order, on the migrated schema (run with -v to see
// each plan).
func TestKioskQueriesUseIndexes(t *testing.T) {
	db, _ := openTemp(t)
	for _, q := range kioskQueries {
		plan := queryPlan(t, db, q.query)
		t.Logf("%s:\n\t%s", q.name, strings.Join(plan, "\n\t"))
		for _, p := range planProblems(q, plan) {
			t.Errorf("%s: %s", q.name, p)
		}
	}
}

// TestPlanProblemsCatchesScansAndSorts proves the rule can fail: the plans
// the old queries had are each refused.
func TestPlanProblemsCatchesScansAndSorts(t *testing.T) {
	for _, tc := range []struct {
		name string
		q    plannedQuery
		plan []string
		want string
	}{
		{"full scan through an alias", plannedQuery{query: `SELECT 1 FROM cases c WHERE c.x = ?`},
			[]string{"SCAN c"}, "full scan"},
		{"whole index scan", plannedQuery{query: `SELECT COUNT(DISTINCT sha256) FROM attachments WHERE uploaded_at IS NULL`},
			[]string{"SCAN attachments USING INDEX sqlite_autoindex_attachments_1"}, "scan of a whole index"},
		{"sort without a reason", plannedQuery{query: `SELECT doc FROM cases WHERE status = ? ORDER BY accepted_at`},
			[]string{"SEARCH cases USING INDEX cases_status_due (status=?)", "USE TEMP B-TREE FOR ORDER BY"}, "sorts what it reads"},
		{"scan of a partial index of history", plannedQuery{query: `SELECT doc FROM cases WHERE reduced_at IS NULL`},
			[]string{"SCAN cases USING INDEX cases_to_reduce"}, "scan of a whole index"},
		{"wrong index", plannedQuery{query: `SELECT 1 FROM cases c WHERE c.agent_id = ?`, uses: "cases_agent_updated"},
			[]string{"SEARCH c USING INDEX cases_agent_status (agent_id=? AND status=?)"}, "does not use"},
		{"sort of the waiting rows only", plannedQuery{query: qPendingUploads, sorts: "the waiting files"},
			[]string{"SCAN attachments USING COVERING INDEX attachments_to_upload", "USE TEMP B-TREE FOR ORDER BY"}, ""},
		{"small table scan", plannedQuery{query: `SELECT value FROM settings`}, []string{"SCAN settings"}, ""},
	} {
		got := strings.Join(planProblems(tc.q, tc.plan), "; ")
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: got %q, want a problem containing %q", tc.name, got, tc.want)
		}
	}
}
