package county

import (
	"context"
	"fmt"
	"time"
)

// CaseCount is how many cases of a service point, with a pair of
// statuses, first reached the county in a period: the monthly report's
// counts (the office's report.go).
type CaseCount struct {
	Point        string
	KioskStatus  string
	CountyStatus string
	Cases        int
}

var (
	_ CaseCounts = (*SQLite)(nil)
	_ CaseCounts = (*Postgres)(nil)
)

// caseCountsSQL walks the month's range of cases_seen (first_seen,
// county_case; 0011_list_indexes) and groups what it finds: a month of a
// large county is tens of thousands of index entries, not the table.
const caseCountsSQL = `SELECT service_point, kiosk_status, county_status, COUNT(*) FROM cases
	WHERE first_seen >= ? AND first_seen < ? GROUP BY service_point, kiosk_status, county_status
	ORDER BY service_point, kiosk_status, county_status`

// CaseCounts implements CaseCounts.
func (s *SQLite) CaseCounts(ctx context.Context, from, to time.Time) ([]CaseCount, error) {
	return caseCounts(ctx, s.r, from, to)
}

// CaseCounts implements CaseCounts with the same query as on SQLite.
func (s *Postgres) CaseCounts(ctx context.Context, from, to time.Time) ([]CaseCount, error) {
	return caseCounts(ctx, s.read(), from, to)
}

func caseCounts(ctx context.Context, db dbtx, from, to time.Time) ([]CaseCount, error) {
	rows, err := db.QueryContext(ctx, caseCountsSQL, ts(from), ts(to))
	if err != nil {
		return nil, fmt.Errorf("count cases by point and status: %w", err)
	}
	defer rows.Close()
	var out []CaseCount
	for rows.Next() {
		var c CaseCount
		if err := rows.Scan(&c.Point, &c.KioskStatus, &c.CountyStatus, &c.Cases); err != nil {
			return nil, fmt.Errorf("scan case count: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count cases by point and status: %w", err)
	}
	return out, nil
}
