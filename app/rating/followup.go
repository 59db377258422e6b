package rating

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
)

// 好差评 follow-up (差评回访整改): every 不满意 or 非常不满意 is followed up by
// the service point's supervisors, who call the citizen back (回访) and say
// what was changed (整改), within DueWorkdays working days of the rating.
// The county's staff watch the list; the hall does the work (办理与监督评价
// 相分离).

// DueWorkdays is how many working days after the rating day a follow-up
// must be done in: a working week, so a complaint made on a Friday before
// a long holiday is still answered in five working days, not five days.
const DueWorkdays = 5

// NeedsFollowUp says whether a rating opens a follow-up.
func NeedsFollowUp(l Level) bool { return l >= 1 && int(l) <= protocol.FollowUpLevel }

// StepKind is one kind of follow-up record.
type StepKind string

// Steps of a follow-up.
const (
	Called    StepKind = "called"    // 回访
	Rectified StepKind = "rectified" // 整改
)

// StepName is the Chinese name of a step.
func StepName(k StepKind) string {
	if k == Rectified {
		return "整改"
	}
	return "回访"
}

// Step is one thing a supervisor recorded on a follow-up.
type Step struct {
	Kind    StepKind
	ByID    int64
	ByName  string
	Reached bool // 回访: the citizen answered
	Text    string
	At      time.Time
}

// FollowUp is one bad rating's follow-up. ID is the id of the rating's
// event: the same on every machine of the hall and at the county.
type FollowUp struct {
	ID     string
	Rating Rating
	// Due is the last day it may be done on (Due); zero when the calendar
	// does not cover it yet.
	Due   time.Time
	Steps []Step // oldest first
}

// State is the follow-up's state at a time.
func (f FollowUp) State(now time.Time) State { return f.StateOn(f.Due, now) }

// State is where a follow-up stands.
type State string

// States of a follow-up.
const (
	Open    State = "open"
	Overdue State = "overdue"
	Done    State = "done"
)

// States lists the states, for readers that name them.
var States = []State{Open, Overdue, Done}

// StateName is the Chinese name of a state.
func StateName(s State) string {
	switch s {
	case Overdue:
		return "已超期"
	case Done:
		return "已办结"
	}
	return "待处理"
}

// Due is the last day a follow-up of a rating given at may be done on
// (midnight Beijing time of that day), DueWorkdays working days after the
// rating day on the county's calendar.
func Due(cal *workday.Calendar, at time.Time) (time.Time, error) {
	return cal.AddWorkdays(at, DueWorkdays)
}

// DoneAt is when the follow-up was done: once it has both a 回访 and a
// 整改 (the store refuses a 整改 before any 回访). Zero while open.
func (f FollowUp) DoneAt() time.Time {
	// The later of the first 回访 and the first 整改: steps made at two
	// machines may reach this one in either order.
	var firstCall, firstFix time.Time
	for _, s := range f.Steps {
		if s.Kind == Called && firstCall.IsZero() {
			firstCall = s.At
		}
		if s.Kind == Rectified && firstFix.IsZero() {
			firstFix = s.At
		}
	}
	if firstCall.IsZero() || firstFix.IsZero() {
		return time.Time{}
	}
	if firstCall.After(firstFix) {
		return firstCall
	}
	return firstFix
}

// Called says whether the citizen was called back at all.
func (f FollowUp) Called() bool {
	for _, s := range f.Steps {
		if s.Kind == Called {
			return true
		}
	}
	return false
}

// StateOn is the follow-up's state on a day, given its due day (zero when
// the calendar does not cover it: then it is never judged overdue). It is
// overdue from the first day after the due day.
func (f FollowUp) StateOn(due, now time.Time) State {
	if !f.DoneAt().IsZero() {
		return Done
	}
	if !due.IsZero() && day(now).After(day(due)) {
		return Overdue
	}
	return Open
}

// Late says whether a done follow-up was done after its due day.
func (f FollowUp) Late(due time.Time) bool {
	d := f.DoneAt()
	return !d.IsZero() && !due.IsZero() && day(d).After(day(due))
}

func day(t time.Time) time.Time {
	t = t.In(workday.China)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, workday.China)
}

// Messages of the follow-up.
var (
	ErrStepText     = msg.New("请写明{{.Step}}情况")
	ErrStepTooLong  = msg.New("{{.Step}}情况不超过{{.N}}字")
	ErrCallFirst    = msg.New("请先回访群众，再登记整改")
	ErrNoFollowUp   = msg.New("没有这条差评回访")
	ErrNotSupervise = msg.New("差评回访由主管登记")
)

// CheckStep validates a step before it is stored.
func CheckStep(s Step) (Step, error) {
	s.Text = strings.TrimSpace(s.Text)
	name := StepName(s.Kind)
	if s.Text == "" {
		return s, msg.New(ErrStepText.Key, "Step", name)
	}
	if utf8.RuneCountInString(s.Text) > protocol.MaxFollowUpText {
		return s, msg.New(ErrStepTooLong.Key, "Step", name, "N", protocol.MaxFollowUpText)
	}
	if s.Kind == Rectified {
		s.Reached = false
	}
	return s, nil
}

// Count is how many of fs are not done on now, and how many of those are
// overdue: the supervisor's badge and the follow-up list's summary.
func Count(fs []FollowUp, now time.Time) (open, overdue int) {
	for _, f := range fs {
		switch f.State(now) {
		case Overdue:
			overdue++
			open++
		case Open:
			open++
		}
	}
	return open, overdue
}
