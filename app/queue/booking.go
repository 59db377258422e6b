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
}

// Schedule is the hall's appointment settings.
type Schedule struct {
	AMStart, AMEnd, PMStart, PMEnd time.Duration // offsets from midnight, Beijing
	Capacity                       int           // bookings per sector per half-day
	DaysAhead                      int           // bookable this many working days ahead
	// CheckInEarly: check-in opens this long before the slot. Until the
	// slot's end a checked-in booking gets a priority ticket; later, an
	// ordinary one.
	CheckInEarly time.Duration
}

// DefaultSchedule is Tongxiang's practice: 20 per half-day, 7 working
// days ahead, check-in from 30 minutes before.
var DefaultSchedule = Schedule{
	AMStart: 8*time.Hour + 30*time.Minute, AMEnd: 12 * time.Hour,
	PMStart: 13*time.Hour + 30*time.Minute, PMEnd: 17 * time.Hour,
	Capacity: 20, DaysAhead: 7, CheckInEarly: 30 * time.Minute,
}

var beijing = time.FixedZone("CST", 8*60*60)

// Booking messages.
var (
	ErrBadDay        = msg.New("预约日期“{{.Day}}”格式不对")
	ErrNotWorkday    = msg.New("{{.Day}}不是工作日（周末或节假日），请另选日期")
	ErrPast          = msg.New("{{.Day}}{{.Half}}已经过去，请另选时段")
	ErrTooFar        = msg.New("只能预约{{.N}}个工作日以内，{{.Day}}超出了范围")
	ErrSlotFull      = msg.New("{{.Day}}{{.Half}}{{.Sector}}已约满；还可预约：{{.Next}}")
	ErrDuplicate     = msg.New("您已预约{{.Day}}的{{.Sector}}业务（预约码{{.Code}}），同一天同一业务只能预约一次")
	ErrTooEarly      = msg.New("预约时段{{.From}}开始，请在{{.Open}}之后签到取号")
	ErrBookingGone   = msg.New("预约{{.Code}}已{{.Status}}，不能再使用")
	ErrNoSuchBooking = msg.New("没有找到预约码“{{.Code}}”")
)

// Window returns a slot's start and end in Beijing time.
func (s Schedule) Window(day string, h Half) (start, end time.Time, err error) {
	d, err := time.ParseInLocation("2006-01-02", day, beijing)
	if err != nil {
		return start, end, msg.New(ErrBadDay.Key, "Day", day)
	}
	if h == PM {
		return d.Add(s.PMStart), d.Add(s.PMEnd), nil
	}
	return d.Add(s.AMStart), d.Add(s.AMEnd), nil
}

// CheckBookable says whether a half-day may be booked at now: a working
// day (holidays and 调休 from the calendar), not over, and no more than
// DaysAhead working days away.
func (s Schedule) CheckBookable(cal *workday.Calendar, now time.Time, day string, h Half) error {
	start, end, err := s.Window(day, h)
	if err != nil {
		return err
	}
	ok, err := cal.IsWorkday(start)
	if err != nil {
		return err
	}
	if !ok {
		return msg.New(ErrNotWorkday.Key, "Day", day)
	}
	if !now.Before(end) {
		return msg.New(ErrPast.Key, "Day", day, "Half", HalfName(h))
	}
	n, err := cal.WorkdaysBetween(now, start)
	if err != nil {
		return err
	}
	if n > s.DaysAhead {
		return msg.New(ErrTooFar.Key, "N", s.DaysAhead, "Day", day)
	}
	return nil
}

// Bookable lists the half-days open for booking from now on, in order.
func (s Schedule) Bookable(cal *workday.Calendar, now time.Time) ([]Slot, error) {
	var out []Slot
	d := now.In(beijing)
	for i := 0; i < 31 && len(out) < 2*(s.DaysAhead+1); i++ {
		day := time.Date(d.Year(), d.Month(), d.Day()+i, 0, 0, 0, 0, beijing).Format("2006-01-02")
		for _, h := range []Half{AM, PM} {
			err := s.CheckBookable(cal, now, day, h)
			if m, ok := msg.As(err); ok && m.Is(ErrTooFar) {
				return out, nil
			}
			if err == nil {
				out = append(out, Slot{Day: day, Half: h})
			} else if _, isMsg := msg.As(err); !isMsg {
				return out, err // the calendar does not cover the day
			}
		}
	}
	return out, nil
}

// CheckIn decides the ticket a booking gets at now: a priority ticket from
// CheckInEarly before the slot to its end, an ordinary one after; too
// early is refused with the time to come back.
func (s Schedule) CheckIn(b Booking, now time.Time) (priority bool, err error) {
	if b.Status != BookingActive {
		st := "取消"
		if b.Status == BookingUsed {
			st = "签到使用"
		}
		return false, msg.New(ErrBookingGone.Key, "Code", b.Code, "Status", st)
	}
	start, end, err := s.Window(b.Day, b.Half)
	if err != nil {
		return false, err
	}
	open := start.Add(-s.CheckInEarly)
	if now.Before(open) {
		return false, msg.New(ErrTooEarly.Key, "From", fmt.Sprintf("%s %s", b.Day, start.Format("15:04")), "Open", open.Format("01-02 15:04"))
	}
	return !now.After(end), nil
}

// BookingCode makes a booking's code from its day, sector and number.
func BookingCode(day, sector string, seq int) string {
	d, _ := time.Parse("2006-01-02", day)
	return fmt.Sprintf("%s%c%03d", d.Format("0102"), Letter(sector), seq)
}
