package cases

import (
	"time"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/workday"
)

// EvLapsed: a 容缺 case's supplement deadline passed without the materials
// and the case ended as its catalog says (终止办理 or 视为撤回).
const EvLapsed EventKind = "case.supplement_lapsed"

// LapseNotice is the county's notice template for a lapse (the county
// holds the approved text; the kiosk only names it).
const LapseNotice = "supplement.lapsed" // protocol.NoticeSupplementLapsed

// LapseOutcome is what the case becomes if its supplement deadline passes
// with what it owes now, as the notice tells the applicant.
func LapseOutcome(cat *catalog.Catalog, c Case) catalog.Lapse {
	outcome := catalog.Lapse("")
	for _, e := range c.MaterialsIn(Deferred) {
		m, _ := cat.Matter(e.Matter)
		l := cat.LapseOf(m)
		if outcome == "" || l == catalog.LapseTerminate {
			outcome = l
		}
	}
	if outcome == "" {
		return cat.LapseOf(nil)
	}
	return outcome
}

// LapseStatus is the status a lapse of the matter leads to.
func LapseStatus(l catalog.Lapse) Status {
	if l == catalog.LapseWithdrawn {
		return StatusWithdrawn
	}
	return StatusTerminated
}

// Lapse ends a 容缺 case whose supplement deadline has passed with
// materials still owed: the acceptance was on condition that they come by
// then. The deadline day itself is still in time. It reports false, and
// changes nothing, for any other case: one that was supplemented, one the
// county has taken over (需补正 is the county's own request, which the county
// decides on), or one still in time.
//
// The outcome is the catalog's rule for the matters still owed something;
// when a bundle's matters disagree, 终止办理 wins, since 视为撤回 would tell
// the citizen less than what happened to the other matter.
func Lapse(cat *catalog.Catalog, c Case, now time.Time) (Case, bool) {
	if c.Status != StatusDeferred || c.SupplementBy.IsZero() {
		return c, false
	}
	owed := c.MaterialsIn(Deferred)
	if len(owed) == 0 || !dayOf(now).After(dayOf(c.SupplementBy)) {
		return c, false
	}
	c.Status = LapseStatus(LapseOutcome(cat, c))
	c.Reason = "未在" + c.SupplementBy.In(workday.China).Format("2006-01-02") + "前补齐容缺材料"
	c = resume(c, now, func(Suspension) bool { return true })
	return c, true
}
