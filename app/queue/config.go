package queue

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/workday"
)

// HallConfig is one service point's hall as its county configures it: the
// sectors (板块) with their ticket letters and booking capacity per
// half-day, the opening hours with lunch break, 延时服务 (a weekday's last
// session runs late) and 错时服务 (weekend sessions), and the hall's own
// closures. The county publishes it per service point (countyd
// set-hall-config); DefaultHallConfig applies until it does. Public
// holidays and 调休 come from the workday calendar, not from here, so the
// State Council's notice is written down once.
type HallConfig struct {
	Version string         `json:"version"`
	Sectors []SectorConfig `json:"sectors"`
	Workday []Session      `json:"workday"`            // a working day's sessions, in order
	Late    []LateService  `json:"late,omitempty"`     // 延时服务
	Weekend []WeekendHours `json:"weekend,omitempty"`  // 错时服务
	Closure []Closure      `json:"closures,omitempty"` // the hall's own closed days
	// DaysAhead: bookable this many working days ahead.
	DaysAhead int `json:"days_ahead"`
	// CheckInMinutes: check-in opens this long before the booked half-day.
	CheckInMinutes int `json:"check_in_minutes"`
	// Hotline is the hall's service telephone ("0572-6021234"), shown on
	// the self-service terminal so a citizen who is stuck can call; empty
	// shows none. A kiosk of an older release refuses a config that has
	// it (unknown field), so a county sets it only once its halls run a
	// release that knows it.
	Hotline string `json:"hotline,omitempty"`
}

// SectorConfig is one sector of the hall.
type SectorConfig struct {
	Name   string `json:"name"`
	Letter string `json:"letter"` // the ticket prefix, one of A–Z
	// Bookings taken per half-day; 0 means the half-day is not bookable.
	CapacityAM int `json:"capacity_am"`
	CapacityPM int `json:"capacity_pm"`
	// Serves are the catalog's sectors (the province's 板块 a matter names)
	// whose matters this hall sector takes besides the one of its own name:
	// a hall that folds 社会事务 into 民生服务 lists it here. The catalog is
	// province-wide and keeps its names; the hall maps them, once, here.
	Serves []string `json:"serves,omitempty"`
}

// Session is one opening span of a day, "08:30" to "12:00".
type Session struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// LateService is 延时服务: on Weekday (1 Monday … 5 Friday) the day's last
// session runs until Until.
type LateService struct {
	Weekday int    `json:"weekday"`
	Until   string `json:"until"`
}

// WeekendHours is 错时服务: sessions on a Saturday (6) or Sunday (0) that is
// neither a public holiday nor a 调休 working day (that one follows
// Workday, like any working day).
type WeekendHours struct {
	Weekday  int       `json:"weekday"`
	Sessions []Session `json:"sessions"`
}

// Closure is a run of days the hall is closed (both ends included), with
// the reason citizens are told.
type Closure struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason"`
}

// DefaultHallConfig is the hall until its county configures one: the
// catalog's sectors lettered A–G, 8:30–12:00 and 13:30–17:00 on working
// days, 20 bookings per sector and half-day (Tongxiang's practice), 7
// working days ahead, check-in from 30 minutes before.
func DefaultHallConfig() HallConfig {
	c := HallConfig{Version: "default", DaysAhead: 7, CheckInMinutes: 30,
		Workday: []Session{{"08:30", "12:00"}, {"13:30", "17:00"}}}
	for i, s := range catalog.Sectors {
		c.Sectors = append(c.Sectors, SectorConfig{Name: s, Letter: string(rune('A' + i)), CapacityAM: 20, CapacityPM: 20})
	}
	return c
}

// Limits a county's config must keep.
const (
	maxSectors  = 26 // one letter each
	maxCapacity = 500
	maxAhead    = 30
	earliest    = 6 * 60  // 06:00
	latest      = 22 * 60 // 22:00
)

// ParseHallConfig reads a hall config document and checks it. The county
// checks before publishing and the kiosk again before using it, so a
// document one side cannot read never replaces a working one.
func ParseHallConfig(doc []byte) (HallConfig, error) { return parseHallConfig(doc, true) }

// ParseReceivedHallConfig is ParseHallConfig for a config the county
// published: a key this release does not know is passed over (the county
// checked the document with its own, newer rules), as
// catalog.ParseReceived does for catalogs.
func ParseReceivedHallConfig(doc []byte) (HallConfig, error) { return parseHallConfig(doc, false) }

func parseHallConfig(doc []byte, strict bool) (HallConfig, error) {
	var c HallConfig
	dec := json.NewDecoder(strings.NewReader(string(doc)))
	if strict {
		dec.DisallowUnknownFields() // a misspelt "capacity_pm" must not silently mean 0
	}
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("hall config: %w", err)
	}
	return c, c.Validate()
}

// Validate checks a config: sectors named once with a letter of their own,
// sessions in order inside 06:00–22:00, 延时 after the day's end, weekend
// sessions on Saturday or Sunday, closures with dates and a reason.
func (c HallConfig) Validate() error {
	if strings.TrimSpace(c.Version) == "" {
		return fmt.Errorf("hall config: \"version\" is required")
	}
	if len(c.Sectors) == 0 || len(c.Sectors) > maxSectors {
		return fmt.Errorf("hall config: %d sectors, want 1 to %d", len(c.Sectors), maxSectors)
	}
	names, letters := map[string]bool{}, map[string]bool{}
	for _, s := range c.Sectors {
		if strings.TrimSpace(s.Name) == "" || names[s.Name] {
			return fmt.Errorf("hall config: sector name %q empty or repeated", s.Name)
		}
		if len(s.Letter) != 1 || s.Letter[0] < 'A' || s.Letter[0] > 'Z' || letters[s.Letter] {
			return fmt.Errorf("hall config: sector %s: letter %q must be one of A–Z, not used by another sector", s.Name, s.Letter)
		}
		if s.CapacityAM < 0 || s.CapacityAM > maxCapacity || s.CapacityPM < 0 || s.CapacityPM > maxCapacity {
			return fmt.Errorf("hall config: sector %s: capacity must be 0 to %d per half-day", s.Name, maxCapacity)
		}
		names[s.Name], letters[s.Letter] = true, true
	}
	// Each catalog sector's matters go to one hall sector: by serves, or
	// to the sector of the same name; never to two.
	served := map[string]string{}
	for _, s := range c.Sectors {
		if slices.Contains(catalog.Sectors, s.Name) {
			served[s.Name] = s.Name
		}
	}
	for _, s := range c.Sectors {
		for _, cs := range s.Serves {
			if !slices.Contains(catalog.Sectors, cs) {
				return fmt.Errorf("hall config: sector %s serves %q, which is not one of the catalog's sectors (%s)", s.Name, cs, strings.Join(catalog.Sectors, "、"))
			}
			if other, ok := served[cs]; ok && other != s.Name {
				return fmt.Errorf("hall config: the catalog's %s matters go to both %s and %s; list them under one sector", cs, other, s.Name)
			}
			served[cs] = s.Name
		}
	}
	if len(c.Workday) == 0 {
		return fmt.Errorf("hall config: a working day needs at least one session")
	}
	if err := checkSessions("workday", c.Workday); err != nil {
		return err
	}
	lastEnd, _ := minutes(c.Workday[len(c.Workday)-1].To)
	seen := map[int]bool{}
	for _, l := range c.Late {
		if l.Weekday < 1 || l.Weekday > 5 || seen[l.Weekday] {
			return fmt.Errorf("hall config: 延时 weekday %d must be 1 (Monday) to 5 (Friday), once each", l.Weekday)
		}
		seen[l.Weekday] = true
		u, err := minutes(l.Until)
		if err != nil || u <= lastEnd || u > latest {
			return fmt.Errorf("hall config: 延时 until %q must be after the day's end and no later than 22:00", l.Until)
		}
	}
	seen = map[int]bool{}
	for _, w := range c.Weekend {
		if (w.Weekday != 0 && w.Weekday != 6) || seen[w.Weekday] || len(w.Sessions) == 0 {
			return fmt.Errorf("hall config: weekend hours on weekday %d: want 6 (Saturday) or 0 (Sunday), once, with sessions", w.Weekday)
		}
		seen[w.Weekday] = true
		if err := checkSessions("weekend", w.Sessions); err != nil {
			return err
		}
	}
	for _, cl := range c.Closure {
		from, err1 := time.Parse(time.DateOnly, cl.From)
		to, err2 := time.Parse(time.DateOnly, cl.To)
		if err1 != nil || err2 != nil || to.Before(from) || strings.TrimSpace(cl.Reason) == "" {
			return fmt.Errorf("hall config: closure %s–%s needs two dates in order and a reason", cl.From, cl.To)
		}
	}
	if c.DaysAhead < 1 || c.DaysAhead > maxAhead {
		return fmt.Errorf("hall config: days_ahead %d, want 1 to %d", c.DaysAhead, maxAhead)
	}
	if c.CheckInMinutes < 0 || c.CheckInMinutes > 120 {
		return fmt.Errorf("hall config: check_in_minutes %d, want 0 to 120", c.CheckInMinutes)
	}
	if c.Hotline != "" && !validHotline(c.Hotline) {
		return fmt.Errorf("hall config: hotline %q must be 3 to 20 digits and dashes", c.Hotline)
	}
	return nil
}

// validHotline accepts what a citizen can dial as printed: digits with
// dashes between groups (12345, 0572-6021234, 400-800-1234), nothing a
// screen could be made to show as something else.
func validHotline(s string) bool {
	if len(s) < 3 || len(s) > 20 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

func checkSessions(what string, ss []Session) error {
	prev := earliest
	for i, s := range ss {
		from, err1 := minutes(s.From)
		to, err2 := minutes(s.To)
		if err1 != nil || err2 != nil || from >= to || from < prev || to > latest {
			return fmt.Errorf("hall config: %s session %d (%s–%s) must be HH:MM, in order, without overlap, within 06:00–22:00", what, i+1, s.From, s.To)
		}
		prev = to
	}
	return nil
}

// minutes reads "HH:MM" as minutes after midnight.
func minutes(hm string) (int, error) {
	h, m, ok := strings.Cut(hm, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || len(m) != 2 || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("time %q: want HH:MM", hm)
	}
	return hh*60 + mm, nil
}

// SectorNames are the hall's sectors in their configured order.
func (c HallConfig) SectorNames() []string {
	out := make([]string, len(c.Sectors))
	for i, s := range c.Sectors {
		out[i] = s.Name
	}
	return out
}

// Letter is a sector's ticket prefix, or 0 when the hall has no such sector.
func (c HallConfig) Letter(sector string) byte {
	for _, s := range c.Sectors {
		if s.Name == sector && len(s.Letter) == 1 {
			return s.Letter[0]
		}
	}
	return 0
}

// Capacity is how many bookings a sector takes in a half-day.
func (c HallConfig) Capacity(sector string, h Half) int {
	for _, s := range c.Sectors {
		if s.Name == sector {
			if h == PM {
				return s.CapacityPM
			}
			return s.CapacityAM
		}
	}
	return 0
}

// Span is one session of a given day, in Beijing time.
type Span struct {
	Start, End time.Time
}

// Hours is what a day holds: its sessions, or why it has none.
type Hours struct {
	Sessions []Span
	// Closed names why the hall is shut that day (a closure's reason, a
	// holiday's name, or 休息日); empty on a day with sessions.
	Closed string
}

// Day gives the hall's hours on t's date: closed on its own closures and
// on public holidays; a working day of the calendar (调休 weekends
// included) has the workday sessions, its last one extended by 延时; any
// other weekend day has its 错时 sessions or none.
func (c HallConfig) Day(cal *workday.Calendar, t time.Time) (Hours, error) {
	t = t.In(workday.China)
	date := t.Format(time.DateOnly)
	for _, cl := range c.Closure {
		if date >= cl.From && date <= cl.To {
			return Hours{Closed: cl.Reason}, nil
		}
	}
	work, err := cal.IsWorkday(t)
	if err != nil {
		return Hours{}, err
	}
	holiday, _ := cal.HolidayName(t)
	return c.hours(t, work, holiday), nil
}

// hours are t's sessions given whether its date is a working day and the
// public holiday it falls in ("" for none).
func (c HallConfig) hours(t time.Time, work bool, holiday string) Hours {
	midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, workday.China)
	spans := func(ss []Session) []Span {
		out := make([]Span, 0, len(ss))
		for _, s := range ss {
			a, _ := minutes(s.From)
			b, _ := minutes(s.To)
			out = append(out, Span{midnight.Add(time.Duration(a) * time.Minute), midnight.Add(time.Duration(b) * time.Minute)})
		}
		return out
	}
	if work {
		h := Hours{Sessions: spans(c.Workday)}
		for _, l := range c.Late {
			if int(t.Weekday()) == l.Weekday {
				u, _ := minutes(l.Until)
				h.Sessions[len(h.Sessions)-1].End = midnight.Add(time.Duration(u) * time.Minute)
			}
		}
		return h
	}
	if holiday != "" {
		return Hours{Closed: holiday}
	}
	for _, w := range c.Weekend {
		if int(t.Weekday()) == w.Weekday {
			return Hours{Sessions: spans(w.Sessions)}
		}
	}
	return Hours{Closed: "休息日"}
}

// Half gives a half-day's window: from the first to the last end of the
// sessions starting before noon (AM) or from noon (PM); ok is false when
// the day has no such session.
func (h Hours) Half(half Half) (start, end time.Time, ok bool) {
	for _, s := range h.Sessions {
		if (s.Start.Hour() < 12) != (half == PM) {
			if !ok {
				start = s.Start
			}
			end, ok = s.End, true
		}
	}
	return start, end, ok
}

// Service-hour messages, for a ticket asked outside the hall's hours.
var (
	ErrLunch      = msg.New("午间休息，{{.At}}后可取号")
	ErrNotYetOpen = msg.New("尚未开始服务，今天{{.At}}后可取号；也可以预约其他时段")
	ErrServiceEnd = msg.New("今日服务已结束，可预约其他时段办理；下次取号时间：{{.Next}}")
	ErrClosedDay  = msg.New("今日不对外服务（{{.Reason}}），可预约其他时段办理；下次取号时间：{{.Next}}")
)

// lookAhead bounds the search for the next session (a long holiday is at
// most 9 days; a hall closed longer says so in its closure reason).
const lookAhead = 31

// CheckOpen says whether a ticket may be issued at now: nil inside a
// session; otherwise a message that says when the next session opens
// (today's afternoon after the lunch break, or a later day) and offers
// booking. Tickets are never issued outside service hours.
func (c HallConfig) CheckOpen(cal *workday.Calendar, now time.Time) error {
	now = now.In(workday.China)
	h, err := c.Day(cal, now)
	if m, ok := msg.As(err); ok && m.Is(workday.ErrNotCovered) {
		// The year's holiday notice has not arrived: the hall does not
		// stop issuing tickets for that, it keeps Monday to Friday (the
		// closures still hold) until the county sends the calendar.
		h = c.hours(now, now.Weekday() != time.Saturday && now.Weekday() != time.Sunday, "")
		for _, cl := range c.Closure {
			if d := now.Format(time.DateOnly); d >= cl.From && d <= cl.To {
				h = Hours{Closed: cl.Reason}
			}
		}
	} else if err != nil {
		return err
	}
	for i, s := range h.Sessions {
		if !now.Before(s.Start) && now.Before(s.End) {
			return nil
		}
		if now.Before(s.Start) {
			if i == 0 {
				return msg.New(ErrNotYetOpen.Key, "At", s.Start.Format("15:04"))
			}
			return msg.New(ErrLunch.Key, "At", s.Start.Format("15:04"))
		}
	}
	next := c.nextOpening(cal, now)
	if h.Closed != "" {
		return msg.New(ErrClosedDay.Key, "Reason", h.Closed, "Next", next)
	}
	return msg.New(ErrServiceEnd.Key, "Next", next)
}

// nextOpening names the first session after today's date, as "1月5日
// 08:30", or asks to watch the notice when none is known (the calendar
// ends, or the hall is closed for long).
func (c HallConfig) nextOpening(cal *workday.Calendar, now time.Time) string {
	for i := 1; i <= lookAhead; i++ {
		d := time.Date(now.Year(), now.Month(), now.Day()+i, 12, 0, 0, 0, workday.China)
		h, err := c.Day(cal, d)
		if err != nil {
			break
		}
		if len(h.Sessions) > 0 {
			s := h.Sessions[0].Start
			return fmt.Sprintf("%d月%d日 %s", s.Month(), s.Day(), s.Format("15:04"))
		}
	}
	return "请留意大厅公告"
}

// CompareNumbers orders ticket numbers as people read them: by letter,
// then by the number's value, so A1000 (the thousandth ticket of a busy
// day) comes after A999, which plain string order gets wrong.
func CompareNumbers(a, b string) int {
	pa, na := splitNumber(a)
	pb, nb := splitNumber(b)
	if c := strings.Compare(pa, pb); c != 0 {
		return c
	}
	na, nb = strings.TrimLeft(na, "0"), strings.TrimLeft(nb, "0")
	if len(na) != len(nb) {
		return len(na) - len(nb)
	}
	if c := strings.Compare(na, nb); c != 0 {
		return c
	}
	return strings.Compare(a, b) // A01 and A001: any fixed order
}

func splitNumber(s string) (prefix, digits string) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	return s[:i], s[i:]
}

// SectorFor is the hall sector that takes a catalog sector's matters: the
// one whose serves lists it, else the one of the same name; "" when the
// hall has none (the citizen then chooses among the hall's sectors).
// Validate makes the answer unique.
func (c HallConfig) SectorFor(catalogSector string) string {
	for _, s := range c.Sectors {
		if slices.Contains(s.Serves, catalogSector) {
			return s.Name
		}
	}
	if c.HasSector(catalogSector) {
		return catalogSector
	}
	return ""
}

// Missing are the sectors of sectors (a clerk's, say) that the hall no
// longer has, in their order: a county that renames or drops a sector
// leaves clerks with sectors nobody can call, and they must be told.
func (c HallConfig) Missing(sectors []string) []string {
	var out []string
	for _, s := range sectors {
		if !c.HasSector(s) {
			out = append(out, s)
		}
	}
	return out
}

// HasSector says whether the hall has a sector.
func (c HallConfig) HasSector(sector string) bool {
	return slices.Contains(c.SectorNames(), sector)
}
