package office

import (
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
)

// deadlineView is what the case list and page show of a case's time limit.
type deadlineView struct {
	// Due is the promised date moved by the suspended working days.
	Due     string
	Urgency string // "overdue", "soon" or ""
	// Paused is "暂停计时（补正中）" … while the clock is stopped.
	Paused string
	// SupplementLapsed: a 容缺 case past its supplement deadline that the
	// hall has not yet ended (its kiosk may be offline).
	SupplementLapsed bool
}

// deadline shows a case's time limit from the columns the county keeps
// (county.CaseDeadline, the same rules as the list's filters): no status
// log is read, so a page of cases costs no query per row.
func (o *Office) deadline(cal *workday.Calendar, c county.Case) deadlineView {
	now := o.now()
	dl := county.CaseDeadline(cal, c, now, soonDay(cal, now))
	v := deadlineView{Due: day(dl.Due), SupplementLapsed: dl.SupplementLapsed}
	switch {
	case dl.Overdue:
		v.Urgency = "overdue"
	case dl.Soon:
		v.Urgency = "soon"
	}
	if dl.PausedKind != "" {
		v.Paused = cases.PauseLabel(dl.PausedKind, dl.PausedProcedure)
	}
	return v
}

// soonDay is the last day a case is "due soon" on: two working days ahead
// (workday.DefaultSoonDays), or two calendar days where the calendar ends.
func soonDay(cal *workday.Calendar, now time.Time) string {
	soon, err := cal.AddWorkdays(now, workday.DefaultSoonDays)
	if err != nil {
		soon = now.AddDate(0, 0, workday.DefaultSoonDays)
	}
	return day(soon)
}
