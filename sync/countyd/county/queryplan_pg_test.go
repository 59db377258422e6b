package county

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
)

// The case list's shapes are the store's contract (caselist.go): on
// PostgreSQL the same queries must read the same indexes in page order.
// An empty test database would be scanned whole by any planner, so the
// plans are made with sequential scans and sorts priced out (enable_seqscan
// and enable_sort off): a plan that still scans a case table or sorts its
// rows has no index that serves it.

// badPGPlan finds a whole case, device or enrollment code table read or
// the rows sorted; scans of a CTE (codes, versions) and the count's
// sub-select are not of the history's size.
var badPGPlan = regexp.MustCompile(`Seq Scan on (cases|case_matters|devices|enroll_codes)\b|(^|\s)Sort(\s|$)|Incremental Sort`)

func pgPlanProblem(plan []string, index string) string {
	for _, l := range plan {
		if badPGPlan.MatchString(l) {
			return strings.TrimSpace(l)
		}
	}
	if index == "" {
		return ""
	}
	// An index scan says "using index on table"; a bitmap scan of one
	// index "Bitmap Index Scan on index".
	uses := regexp.MustCompile(`using ` + regexp.QuoteMeta(index) + ` on |Bitmap Index Scan on ` + regexp.QuoteMeta(index) + `(\s|$)`)
	for _, l := range plan {
		if uses.MatchString(l) {
			return ""
		}
	}
	return "does not use " + index
}

func TestQueryPlansUseIndexesPostgres(t *testing.T) {
	ctx := context.Background()
	s, err := OpenPostgres(ctx, pgtest.Database(t), PostgresOptions{SecretsKey: filepath.Join(t.TempDir(), "secrets.key")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range officeQueries(t) {
		plan, err := explainPG(ctx, s, q.sql)
		if err != nil {
			t.Errorf("%s: %v", q.name, err)
			continue
		}
		t.Logf("%s: %s", q.name, strings.Join(plan, " | "))
		if p := pgPlanProblem(plan, q.index); p != "" {
			t.Errorf("%s: got %q in the plan, want an index for its filter and order\n%s\n%s", q.name, p, q.sql, strings.Join(plan, "\n"))
		}
	}
}

// explainPG plans query with a day for every text argument and a page of
// 50 for a LIMIT, as the pages run it (the planner plans for the values).
func explainPG(ctx context.Context, s *Postgres, query string) ([]string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for _, set := range []string{"SET LOCAL enable_seqscan = off", "SET LOCAL enable_sort = off"} {
		if _, err := tx.ExecContext(ctx, set); err != nil {
			return nil, err
		}
	}
	n := strings.Count(query, "?")
	args := make([]any, n)
	for i := range args {
		args[i] = "2026-10-09"
	}
	if strings.HasSuffix(query, "LIMIT ?") {
		args[n-1] = 50
	}
	rows, err := tx.QueryContext(ctx, "EXPLAIN "+rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		plan = append(plan, l)
	}
	return plan, rows.Err()
}

func TestPGPlanProblemCatchesScansAndSorts(t *testing.T) {
	for _, tc := range []struct {
		plan  []string
		index string
		want  string
	}{
		{[]string{"Limit  (cost=0.00..1.00 rows=1 width=8)", "  ->  Seq Scan on cases c  (cost=…)"}, "", "->  Seq Scan on cases c  (cost=…)"},
		{[]string{"  ->  Sort  (cost=…)", "        ->  Index Scan using cases_kiosk_seen on cases c"}, "", "->  Sort  (cost=…)"},
		{[]string{"  ->  Incremental Sort  (cost=…)"}, "", "->  Incremental Sort  (cost=…)"},
		{[]string{"  ->  Index Scan Backward using cases_due_list on cases c"}, "cases_open_due", "does not use cases_open_due"},
		{[]string{"  ->  Index Scan Backward using cases_seen on cases c  (cost=…)"}, "cases_seen", ""},
		{[]string{"CTE Scan on codes", "  ->  Index Only Scan using case_matters_list on case_matters m"}, "case_matters_list", ""},
		{[]string{"Seq Scan on devices"}, "", "Seq Scan on devices"},
		{[]string{"  ->  Seq Scan on device_event_counts n"}, "", ""},
		{[]string{"  ->  Bitmap Index Scan on devices_refused  (cost=…)"}, "devices_refused", ""},
	} {
		if got := pgPlanProblem(tc.plan, tc.index); got != tc.want {
			t.Errorf("pgPlanProblem(%q, %q): got %q, want %q", tc.plan, tc.index, got, tc.want)
		}
	}
}

// TestFigureQueriesSeekThePeriodPostgres: figures_daily is read by its key
// over the period on PostgreSQL too.
func TestFigureQueriesSeekThePeriodPostgres(t *testing.T) {
	ctx := context.Background()
	s, err := OpenPostgres(ctx, pgtest.Database(t), PostgresOptions{SecretsKey: filepath.Join(t.TempDir(), "secrets.key")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, q := range figureReads {
		table := "figures_daily"
		for _, t := range []string{"figures_monthly", "figures_days"} {
			if strings.Contains(q, t) {
				table = t
			}
		}
		plan, err := explainPG(ctx, s, q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %s", name, strings.Join(plan, " | "))
		joined := strings.Join(plan, "\n")
		if strings.Contains(joined, "Seq Scan on "+table) || !regexp.MustCompile(`(using|Bitmap Index Scan on) `+table+`_pkey\b`).MatchString(joined) {
			t.Errorf("%s: got plan\n%s\nwant %s read by its key", name, joined, table)
		}
	}
}
