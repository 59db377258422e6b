package workday

import (
	"fmt"
	"time"
)

// Pause is a span during which a time limit does not run: 补正 (from the
// notice until the materials arrive, 行政许可法 第32条) or a 特别程序 such as
// 检验 or 专家评审 (第45条: "所需时间不计算在本节规定的期限内"). To is zero
// while the pause is still running.
type Pause struct {
	From, To time.Time
}

// PausedDays counts the working days the pauses took out of a time limit,
// as of now. A pause takes the working days after its notice day up to and
// including the day it ended: the notice day was a day the office worked
// on the case, and from the day after the materials arrive the clock runs
// again. A running pause counts up to today, so the due date moves a day
// for every working day the citizen still owes something. Overlapping
// pauses (a 检验 while 补正 is owed) take each day once.
func (c *Calendar) PausedDays(pauses []Pause, now time.Time) (int, error) {
	seen := map[civil]bool{}
	today := dateOf(now)
	for _, p := range pauses {
		if p.From.IsZero() {
			continue
		}
		from, to := dateOf(p.From), today
		if !p.To.IsZero() {
			to = dateOf(p.To)
		}
		if to.time().After(today.time()) {
			to = today // a recorded end in the future has not happened yet
		}
		if !to.time().After(from.time()) {
			continue
		}
		if err := c.covered(from); err != nil {
			return 0, err
		}
		for d := from.next(); !d.time().After(to.time()); d = d.next() {
			if err := c.covered(d); err != nil {
				return 0, err
			}
			if c.isWorkday(d) {
				seen[d] = true
			}
		}
	}
	return len(seen), nil
}

// MovedDue returns the due date moved by the working days the pauses took
// out of the limit, and how many that is. A zero due (nothing promised)
// stays zero.
func (c *Calendar) MovedDue(due time.Time, pauses []Pause, now time.Time) (time.Time, int, error) {
	if due.IsZero() {
		return due, 0, nil
	}
	n, err := c.PausedDays(pauses, now)
	if err != nil {
		return due, 0, fmt.Errorf("count paused days: %w", err)
	}
	if n == 0 {
		return due, 0, nil
	}
	moved, err := c.AddWorkdays(due, n)
	if err != nil {
		return due, n, fmt.Errorf("move due date by %d working days: %w", n, err)
	}
	return moved, n, nil
}

// Running reports whether one of the pauses has not ended.
func Running(pauses []Pause) bool {
	for _, p := range pauses {
		if !p.From.IsZero() && p.To.IsZero() {
			return true
		}
	}
	return false
}

// ClassifyPaused is Classify for a due date that pauses move: it judges the
// moved date, so a case whose citizen owed materials for a week is not
// overdue on its original due date.
func (d Deadlines) ClassifyPaused(due time.Time, pauses []Pause) (Urgency, time.Time, error) {
	moved, _, err := d.Calendar.MovedDue(due, pauses, d.Clock.Now())
	if err != nil {
		return OnTime, due, err
	}
	u, err := d.Classify(moved)
	return u, moved, err
}

// LateDays is how many working days now is past due's date: 0 on the due
// day or before it. Lateness is counted as the limit is, in working days, so
// a case due before the National Day week is not "7 days late" after it.
func (c *Calendar) LateDays(due, now time.Time) (int, error) {
	if due.IsZero() {
		return 0, nil
	}
	return c.WorkdaysBetween(due, now)
}
