// Package workday provides working-day arithmetic on the State Council's
// yearly holiday notices: promised time limits (承诺时限) and supplement
// deadlines are counted in working days, and the notice moves some weekend
// days to working days (调休), so a plain weekday count would be wrong.
//
// A calendar only answers for the years it holds. Asked about any other year
// it returns an error, never a guess: a due date printed on a receipt is a
// promise to a citizen.
package workday

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/assets"
)

// China is Beijing time. Dates are taken in this zone whatever the machine's
// time zone setting, because the hall's working day is Beijing's; a fixed
// zone also avoids needing tzdata on Windows kiosks.
var China = time.FixedZone("CST", 8*60*60)

// ErrNotCovered is returned for a date outside the calendar's years.
var ErrNotCovered = msg.New("{{.Year}}年的节假日安排尚未载入，无法计算工作日；请同步县中心下发的节假日数据")

// Notice is one year's holiday notice as stored in assets/holidays.
type Notice struct {
	Year     int       `json:"year"`
	Source   string    `json:"source"`
	Holidays []Holiday `json:"holidays"`
	Workdays []Workday `json:"workdays"`
}

// Holiday is a run of days off, both ends included.
type Holiday struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
}

// Workday is a weekend day that the notice makes a working day.
type Workday struct {
	Date   string `json:"date"`
	Reason string `json:"reason"`
}

// Calendar answers working-day questions for the years it holds. It is
// immutable after Load and safe for concurrent use.
type Calendar struct {
	years map[int]bool
	off   map[civil]string // holiday name by date
	on    map[civil]string // adjusted working weekend days
}

type civil struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) civil {
	y, m, d := t.In(China).Date()
	return civil{y, m, d}
}

func (c civil) time() time.Time { return time.Date(c.y, c.m, c.d, 0, 0, 0, 0, China) }

func (c civil) next() civil { return dateOf(c.time().AddDate(0, 0, 1)) }

// Load builds a calendar from yearly notices (JSON). Every notice is checked
// before any is used; a year given twice, a date outside its year, a range
// that runs backwards or a "working" day that is not a weekend is an error.
func Load(notices ...[]byte) (*Calendar, error) { return load(true, notices) }

// LoadReceived is Load for notices the county published: a key this
// release does not know is passed over (the county checked the notice with
// its own, newer rules), as catalog.ParseReceived does for catalogs.
func LoadReceived(notices ...[]byte) (*Calendar, error) { return load(false, notices) }

func load(strict bool, notices [][]byte) (*Calendar, error) {
	c := &Calendar{years: map[int]bool{}, off: map[civil]string{}, on: map[civil]string{}}
	for i, raw := range notices {
		var n Notice
		dec := json.NewDecoder(bytes.NewReader(raw))
		if strict {
			dec.DisallowUnknownFields()
		}
		if err := dec.Decode(&n); err != nil {
			return nil, fmt.Errorf("holiday notice %d: %w", i+1, err)
		}
		if err := c.add(n); err != nil {
			return nil, fmt.Errorf("holiday notice for %d: %w", n.Year, err)
		}
	}
	return c, nil
}

func (c *Calendar) add(n Notice) error {
	if n.Year < 2000 || n.Year > 2100 {
		return fmt.Errorf("year %d out of range", n.Year)
	}
	if c.years[n.Year] {
		return fmt.Errorf("year %d given twice", n.Year)
	}
	parse := func(s string) (civil, error) {
		t, err := time.ParseInLocation("2006-01-02", s, China)
		if err != nil {
			return civil{}, fmt.Errorf("date %q: %w", s, err)
		}
		if t.Year() != n.Year && !(t.Year() == n.Year+1 && t.Month() == time.January) {
			// A holiday may run into early January of the next year only.
			return civil{}, fmt.Errorf("date %s is not in %d", s, n.Year)
		}
		return dateOf(t), nil
	}
	for _, h := range n.Holidays {
		from, err := parse(h.From)
		if err != nil {
			return err
		}
		to, err := parse(h.To)
		if err != nil {
			return err
		}
		if to.time().Before(from.time()) {
			return fmt.Errorf("holiday %s ends before it starts", h.Name)
		}
		for d := from; !d.time().After(to.time()); d = d.next() {
			c.off[d] = h.Name
		}
	}
	for _, w := range n.Workdays {
		d, err := parse(w.Date)
		if err != nil {
			return err
		}
		if wd := d.time().Weekday(); wd != time.Saturday && wd != time.Sunday {
			return fmt.Errorf("adjusted working day %s is a %s, not a weekend day", w.Date, wd)
		}
		if _, clash := c.off[d]; clash {
			return fmt.Errorf("date %s is both a holiday and a working day", w.Date)
		}
		c.on[d] = w.Reason
	}
	c.years[n.Year] = true
	return nil
}

var (
	defaultOnce sync.Once
	defaultCal  *Calendar
)

// Default returns the calendar built from the notices embedded in assets.
// The embedded data is checked by this package's tests, so a failure here is
// a broken build and panics.
func Default() *Calendar {
	defaultOnce.Do(func() {
		raw, err := assets.HolidayCalendars()
		if err == nil {
			defaultCal, err = Load(raw...)
		}
		if err != nil {
			panic(fmt.Sprintf("workday: embedded holiday calendars: %v", err))
		}
	})
	return defaultCal
}

// Years returns the years the calendar covers, ascending.
func (c *Calendar) Years() []int {
	out := make([]int, 0, len(c.years))
	for y := range c.years {
		out = append(out, y)
	}
	sort.Ints(out)
	return out
}

func (c *Calendar) covered(d civil) error {
	if !c.years[d.y] {
		return msg.New(ErrNotCovered.Key, "Year", d.y)
	}
	return nil
}

// IsWorkday reports whether t's date (in Beijing time) is a working day.
func (c *Calendar) IsWorkday(t time.Time) (bool, error) {
	d := dateOf(t)
	if err := c.covered(d); err != nil {
		return false, err
	}
	return c.isWorkday(d), nil
}

func (c *Calendar) isWorkday(d civil) bool {
	if _, ok := c.on[d]; ok {
		return true
	}
	if _, ok := c.off[d]; ok {
		return false
	}
	wd := d.time().Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkdays returns the n-th working day after t's date, at midnight
// Beijing time; t's own day does not count, so a matter accepted on a Friday
// with a promise of 1 working day is due the next Monday (or later, across a
// holiday). n = 0 returns t's date itself (即办件: done the same day).
func (c *Calendar) AddWorkdays(t time.Time, n int) (time.Time, error) {
	if n < 0 {
		return time.Time{}, fmt.Errorf("add %d working days: negative count", n)
	}
	d := dateOf(t)
	if err := c.covered(d); err != nil {
		return time.Time{}, err
	}
	for n > 0 {
		d = d.next()
		if err := c.covered(d); err != nil {
			return time.Time{}, err
		}
		if c.isWorkday(d) {
			n--
		}
	}
	return d.time(), nil
}

// WorkdaysBetween counts the working days after from's date up to and
// including to's date; it is 0 when to is on or before from.
func (c *Calendar) WorkdaysBetween(from, to time.Time) (int, error) {
	a, b := dateOf(from), dateOf(to)
	if !b.time().After(a.time()) {
		return 0, nil
	}
	if err := c.covered(a); err != nil {
		return 0, err
	}
	n := 0
	for d := a.next(); !d.time().After(b.time()); d = d.next() {
		if err := c.covered(d); err != nil {
			return 0, err
		}
		if c.isWorkday(d) {
			n++
		}
	}
	return n, nil
}
