package store

import (
	"context"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/workday"
)

// qDeferredPastDeadline finds the lapse candidates.
const qDeferredPastDeadline = `SELECT doc, rev FROM cases WHERE status = ? AND (origin = '' OR ?)
		AND supplement_by IS NOT NULL AND supplement_by < ? ORDER BY supplement_by, rowid`

// DeferredPastDeadline lists the 容缺 cases whose supplement deadline was
// before today: the candidates for cases.Lapse. One machine of a hall ends
// them, so two machines do not each write the same lapse as two events of
// one version (a conflict): wholeHall lists every case this database holds
// (the hall's hub, which is always on), otherwise only the cases this
// machine accepted (a machine working alone).
func (db *DB) DeferredPastDeadline(ctx context.Context, now time.Time, wholeHall bool) ([]cases.Case, error) {
	today := now.In(workday.China).Format(time.DateOnly)
	return db.caseList(ctx, qDeferredPastDeadline, string(cases.StatusDeferred), wholeHall, today)
}
