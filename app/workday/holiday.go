package workday

import "time"

// HolidayName says whether t's date (Beijing time) is a public holiday of
// the State Council's notice, and its name. A hall's weekend 错时服务 runs on
// ordinary weekends, never on a holiday that falls on a weekend.
func (c *Calendar) HolidayName(t time.Time) (string, bool) {
	name, ok := c.off[dateOf(t)]
	return name, ok
}
