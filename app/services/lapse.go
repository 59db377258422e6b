package services

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/workday"
)

// lapseActor is who a lapse is recorded by: no clerk decided it, the
// deadline the citizen was given did.
var lapseActor = cases.Actor{Name: "容缺期限到期（系统）"}

// LapseSupplements ends the 容缺 cases whose supplement deadline passed
// without the materials, as the catalog says (终止办理 or 视为撤回), each in
// one transaction with its outbox event and the county's notice to the
// applicant (template supplement.lapsed). A case a window changed in the
// meantime (补正 at this very moment) is left for the next round, which sees
// it as it now stands. In a hall the hub ends every case of the hall (a
// window may be off for days) and the other machines none; a machine alone
// ends its own. It returns how many cases lapsed.
func LapseSupplements(ctx context.Context, db *store.DB, now time.Time) (int, error) {
	k, _, err := db.Kiosk(ctx)
	if err != nil {
		return 0, err
	}
	if k.QueueRole == servicepoint.QueueClient {
		return 0, nil // the hub's to do
	}
	list, err := db.DeferredPastDeadline(ctx, now, k.QueueRole == servicepoint.QueueHub)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs error
	for _, c := range list {
		cat, err := db.CaseCatalog(ctx, c.CatalogVer)
		if err != nil {
			errs = errors.Join(errs, fmt.Errorf("catalog of case %s: %w", c.Tracking, err))
			continue
		}
		after, ok := cases.Lapse(cat, c, now)
		if !ok {
			continue
		}
		text := fmt.Sprintf("您于%s申请的事项（受理编号%s）未在%s前补齐容缺材料，%s。如需办理请重新申请。",
			c.Accepted.In(workday.China).Format("2006年1月2日"), c.Tracking, c.SupplementBy.In(workday.China).Format("2006年1月2日"),
			cases.StatusName(after.Status))
		data := map[string]any{"supplement_by": c.SupplementBy.In(workday.China).Format(time.DateOnly), "status": after.Status}
		if _, err := db.UpdateCaseNotify(ctx, after, cases.EvLapsed, lapseActor, data,
			cases.Notice{Template: cases.LapseNotice, Text: text}); err != nil {
			errs = errors.Join(errs, fmt.Errorf("lapse case %s: %w", c.Tracking, err))
			continue
		}
		n++
	}
	return n, errs
}
