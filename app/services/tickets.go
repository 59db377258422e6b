package services

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/yichuang/yichuang/app/counter"
	"github.com/yichuang/yichuang/app/hall"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/ticket"
	"github.com/yichuang/yichuang/printing"
)

// Tickets is the ticket machine's service: the hall's queue, this
// machine's roll printer, and staff sign-in for the 绿色通道.
type Tickets struct {
	hall.Service
	DB      *store.DB
	Printer printing.Printer
	// Point is the hall's name, printed on the slip.
	Point string
}

var _ ticket.Service = (*Tickets)(nil)

func (t *Tickets) print(ctx context.Context, in printing.TicketInput, name string) error {
	var buf bytes.Buffer
	meta, err := printing.WriteTicket(&buf, in)
	if err != nil {
		return fmt.Errorf("render slip %s: %w", name, err)
	}
	return printed("slip", t.Printer.Print(ctx, buf.Bytes(), printing.Job{Title: in.Title + " " + in.Number, Layout: printing.Roll80, Length: meta.PageHeight}))
}

// printed maps a terminal paper's print error (a slip, a guide: not
// archived, so no reprint) to its short message, the same words as at the
// window (counter.PrintMessage), and logs the detail for county IT.
func printed(what string, err error) error {
	if err == nil {
		return nil
	}
	log.Printf("%s not printed: %s", what, printing.DetailOf(err))
	return counter.PrintMessage(err)
}

// PrintTicket prints the slip on the roll printer.
func (t *Tickets) PrintTicket(ctx context.Context, s queue.Slip) error {
	prio := ""
	switch s.Ticket.Priority {
	case queue.PriorityGreen:
		prio = "绿色通道 · 优先办理"
	case queue.PriorityBooking:
		prio = "预约签到 · 优先办理"
	}
	return t.print(ctx, printing.TicketInput{ServicePoint: t.Point, Number: s.Ticket.Number, Sector: s.Ticket.Sector,
		Ahead: s.Ahead, Wait: s.Wait, Issued: s.Ticket.Issued, Priority: prio, QR: s.Ticket.Number + "-" + s.Ticket.Day},
		fmt.Sprintf("%s-%s", s.Ticket.Day, s.Ticket.Number))
}

// PrintBooking prints a booking slip.
func (t *Tickets) PrintBooking(ctx context.Context, b queue.Booking) error {
	return t.print(ctx, printing.TicketInput{ServicePoint: t.Point, Title: "预约凭条", Number: b.Code, Sector: b.Sector, Ahead: -1,
		Issued: b.Created, QR: b.Code, Lines: []string{
			fmt.Sprintf("预约时段：%s %s", b.Day, queue.HalfName(b.Half)),
			"请在时段开始前30分钟内到取号机输入预约码签到，签到后优先叫号。",
		}}, "booking-"+b.Code)
}

// StaffCheck verifies a staff member for the 绿色通道.
func (t *Tickets) StaffCheck(ctx context.Context, login, secret string) error {
	_, err := t.DB.Authenticate(ctx, login, secret)
	return err
}
