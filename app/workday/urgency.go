package workday

import (
	"time"

	"github.com/yichuang/yichuang/app/clock"
)

// Urgency classifies a deadline for warnings (自动警示).
type Urgency int

const (
	// OnTime: more than the warning window is left.
	OnTime Urgency = iota
	// DueSoon: due today or within the warning window of working days.
	DueSoon
	// Overdue: the due date has passed.
	Overdue
)

func (u Urgency) String() string {
	switch u {
	case DueSoon:
		return "即将到期"
	case Overdue:
		return "已超期"
	default:
		return "正常"
	}
}

// DefaultSoonDays is the warning window: a case due within two working days
// shows amber, which leaves a clerk one day to chase the county.
const DefaultSoonDays = 2

// Deadlines classifies due dates against an injected clock.
type Deadlines struct {
	Calendar *Calendar
	Clock    clock.Clock
	// SoonDays is the warning window in working days; 0 means DefaultSoonDays.
	SoonDays int
}

// Classify says whether a case due on due's date is on time, due soon or
// overdue now. A case is overdue only from the day after its due date: the
// due day itself is still in time.
func (d Deadlines) Classify(due time.Time) (Urgency, error) {
	now := d.Clock.Now()
	if dateOf(now).time().After(dateOf(due).time()) {
		return Overdue, nil
	}
	left, err := d.Calendar.WorkdaysBetween(now, due)
	if err != nil {
		return OnTime, err
	}
	soon := d.SoonDays
	if soon == 0 {
		soon = DefaultSoonDays
	}
	if left <= soon {
		return DueSoon, nil
	}
	return OnTime, nil
}
