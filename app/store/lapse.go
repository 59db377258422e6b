package store

import (
	"context"
	"fmt"
	"time"

	"github.com/yichuang/yichuang/app/cases"
)

// DeferredPastDeadline lists the 容缺 cases this machine accepted whose
// supplement deadline was before today: the candidates for cases.Lapse.
// Only the accepting machine ends them, so the machines of a hall do not
// each write the same lapse as two events of one version (a conflict).
func (db *DB) DeferredPastDeadline(ctx context.Context, now time.Time) ([]cases.Case, error) {
	today := now.In(beijing).Format(time.DateOnly)
	rows, err := db.r.QueryContext(ctx, `SELECT doc, rev FROM cases WHERE status = ? AND origin = ''
		AND supplement_by IS NOT NULL AND supplement_by < ? ORDER BY supplement_by, rowid`, string(cases.StatusDeferred), today)
	if err != nil {
		return nil, fmt.Errorf("list deferred cases past deadline: %w", err)
	}
	defer rows.Close()
	var out []cases.Case
	for rows.Next() {
		var doc string
		var c cases.Case
		if err := rows.Scan(&doc, &c.Version); err != nil {
			return nil, fmt.Errorf("scan case: %w", err)
		}
		if err := db.unsealJSON(doc, colCaseDoc, &c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
