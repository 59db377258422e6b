package queue

import (
	"fmt"
	"time"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/workday"
)

// Half is a half-day appointment slot.
type Half string

// Halves of the day.
const (
	AM Half = "am"
	PM Half = "pm"
)

// HalfName is the Chinese name of a half-day.
func HalfName(h Half) string {
	if h == PM {
		return "下午"
	}
	return "上午"
}

// BookingStatus is where a booking stands.
type BookingStatus string

// Booking statuses.
const (
	BookingActive    BookingStatus = "active"
	BookingCancelled BookingStatus = "cancelled"
	BookingUsed      BookingStatus = "checked_in"
)

// Booking is one appointment (预约).
type Booking struct {
	ID         string        `json:"id"`
	Code       string        `json:"code"` // 1008B017: month-day, sector letter, number
	Sector     string        `json:"sector"`
	Day        string        `json:"day"` // 2026-10-08
	Half       Half          `json:"half"`
	ResidentID string        `json:"resident_id"`
	Mobile     string        `json:"mobile"`
	Status     BookingStatus `json:"status"`
	Created    time.Time     `json:"created"`
	TicketID   string        `json:"ticket_id,omitempty"`
}

// Slot is one bookable half-day of one sector, with what is left of it.
type Slot struct {
	Sector string `json:"sector"`
	Day    string `json:"day"`
	Half   Half   `json:"half"`
	Free   int    `json:"free"`
	// From and To are the half-day's opening span in the hall's hours
	// ("08:30", "12:00"), so a citizen choosing a slot knows when to come.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// Booking messages.
var (
	ErrBadDay        = msg.New("预约日期“{{.Day}}”格式不对")
	ErrPast          = msg.New("{{.Day}}{{.Half}}已经过去，请另选时段")
	ErrTooFar        = msg.New("只能预约{{.N}}个工作日以内，{{.Day}}超出了范围")
	ErrSlotFull      = msg.New("{{.Day}}{{.Half}}{{.Sector}}已约满；还可预约：{{.Next}}")
	ErrDuplicate     = msg.New("您已预约{{.Day}}的{{.Sector}}业务（预约码{{.Code}}），同一天同一业务只能预约一次")
	ErrTooEarly      = msg.New("预约时段{{.From}}开始，请在{{.Open}}之后签到取号")
	ErrBookingGone   = msg.New("预约{{.Code}}已{{.Status}}，不能再使用")
	ErrNoSuchBooking = msg.New("没有找到预约码“{{.Code}}”")
	ErrClosedOn      = msg.New("{{.Day}}大厅不对外服务（{{.Reason}}），请另选日期")
	ErrNoHalf        = msg.New("{{.Day}}{{.Half}}不对外服务，请另选时段")
	ErrNoBooking     = msg.New("{{.Sector}}{{.Half}}不接受预约，请另选时段或现场取号")
)

// Window returns a half-day's window on day, from the hall's hours; a
// day or half-day without sessions cannot be booked.
func (c HallConfig) Window(cal *workday.Calendar, day string, h Half) (start, end time.Time, err error) {
	d, err := time.ParseInLocation("2006-01-02", day, workday.China)
	if err != nil {
		return start, end, msg.New(ErrBadDay.Key, "Day", day)
	}
	hours, err := c.Day(cal, d.Add(12*time.Hour))
	if err != nil {
		return start, end, err
	}
	if hours.Closed != "" {
		return start, end, msg.New(ErrClosedOn.Key, "Day", day, "Reason", hours.Closed)
	}
	start, end, ok := hours.Half(h)
	if !ok {
		return start, end, msg.New(ErrNoHalf.Key, "Day", day, "Half", HalfName(h))
	}
	return start, end, nil
}

// CheckBookable says whether a sector's half-day may be booked at now: the
// hall has sessions then (its closures, holidays and 调休 from the
// calendar, 错时 weekends), the sector takes bookings then, it is not over,
// and it is no more than DaysAhead working days away.
func (c HallConfig) CheckBookable(cal *workday.Calendar, now time.Time, sector, day string, h Half) error {
	if c.Letter(sector) == 0 {
		return ErrNoSector
	}
	start, end, err := c.Window(cal, day, h)
	if err != nil {
		return err
	}
	if c.Capacity(sector, h) == 0 {
		return msg.New(ErrNoBooking.Key, "Sector", sector, "Half", HalfName(h))
	}
	if !now.Before(end) {
		return msg.New(ErrPast.Key, "Day", day, "Half", HalfName(h))
	}
	n, err := cal.WorkdaysBetween(now, start)
	if err != nil {
		return err
	}
	if n > c.DaysAhead {
		return msg.New(ErrTooFar.Key, "N", c.DaysAhead, "Day", day)
	}
	return nil
}

// Bookable lists a sector's half-days open for booking from now on, in
// order (places left are the store's to count).
func (c HallConfig) Bookable(cal *workday.Calendar, now time.Time, sector string) ([]Slot, error) {
	var out []Slot
	d := now.In(workday.China)
	for i := 0; i < 31; i++ {
		day := time.Date(d.Year(), d.Month(), d.Day()+i, 0, 0, 0, 0, workday.China).Format("2006-01-02")
		for _, h := range []Half{AM, PM} {
			err := c.CheckBookable(cal, now, sector, day, h)
			if m, ok := msg.As(err); ok && m.Is(ErrTooFar) {
				return out, nil
			}
			if err == nil {
				sl := Slot{Sector: sector, Day: day, Half: h, Free: c.Capacity(sector, h)}
				if start, end, err := c.Window(cal, day, h); err == nil {
					sl.From, sl.To = start.In(workday.China).Format("15:04"), end.In(workday.China).Format("15:04")
				}
				out = append(out, sl)
			} else if _, isMsg := msg.As(err); !isMsg {
				return out, err // the calendar does not cover the day
			}
		}
	}
	return out, nil
}

// CheckIn decides the ticket a booking gets at now: a priority ticket from
// CheckInMinutes before the slot to its end; after it an ordinary one, and
// only while the hall is open (tickets are never issued outside service
// hours); too early is refused with the time to come back.
func (c HallConfig) CheckIn(cal *workday.Calendar, b Booking, now time.Time) (priority bool, err error) {
	if b.Status != BookingActive {
		st := "取消"
		if b.Status == BookingUsed {
			st = "签到使用"
		}
		return false, msg.New(ErrBookingGone.Key, "Code", b.Code, "Status", st)
	}
	start, end, err := c.Window(cal, b.Day, b.Half)
	if err != nil {
		return false, err
	}
	open := start.Add(-time.Duration(c.CheckInMinutes) * time.Minute)
	if now.Before(open) {
		return false, msg.New(ErrTooEarly.Key, "From", fmt.Sprintf("%s %s", b.Day, start.Format("15:04")), "Open", open.Format("01-02 15:04"))
	}
	if !now.After(end) {
		return true, nil
	}
	return false, c.CheckOpen(cal, now)
}

// BookingCode makes a booking's code from its day, its sector's letter and
// its number.
func BookingCode(day string, letter byte, seq int) string {
	d, _ := time.Parse("2006-01-02", day)
	return fmt.Sprintf("%s%c%03d", d.Format("0102"), letter, seq)
}
