package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/yichuang/yichuang/app/hall"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/printing"
)

// hubPort is where a hall hub serves its terminals.
const hubPort = ":8730"

// startQueue sets up the hall's queue for this machine's role: in-process
// (village station), in-process and served on the LAN (hall hub), or a
// client of the hub.
func (k *kiosk) startQueue(ctx context.Context, cfg servicepoint.Kiosk) hall.Service {
	switch cfg.QueueRole {
	case servicepoint.QueueClient:
		return hall.NewClient("http://"+cfg.HubAddr, cfg.HallKey)
	case servicepoint.QueueHub:
		l := hall.NewLocal(k.db, k.clock, hallNotice)
		go func() {
			if err := hall.Listen(ctx, hubPort, l, cfg.HallKey); err != nil {
				log.Printf("hall hub: %v", err)
			}
		}()
		return l
	}
	return hall.NewLocal(k.db, k.clock, hallNotice)
}

const hallNotice = "办事请先取号，留意叫号；老年人、残疾人可请工作人员开通绿色通道。请保管好随身物品。"

// ticketService is the ticket machine's service: the queue, this machine's
// roll printer, and staff sign-in for the 绿色通道.
type ticketService struct {
	hall.Service
	db      *store.DB
	printer printing.Printer
	dir     string
	point   string
}

func (t *ticketService) print(ctx context.Context, in printing.TicketInput, name string) error {
	var buf bytes.Buffer
	meta, err := printing.WriteTicket(&buf, in)
	if err != nil {
		return err
	}
	dir := filepath.Join(t.dir, "tickets")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(dir, name+".pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return err
	}
	err = t.printer.Print(ctx, path, printing.Job{Title: in.Title + " " + in.Number, Layout: printing.Roll80, Length: meta.PageHeight})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, printing.ErrNoPrinter):
		return errSlipNoPrinter
	}
	return msg.New(errSlipPrinter.Key, "Why", err.Error())
}

// Slip printer messages.
var (
	errSlipNoPrinter = msg.New("本机没有连接打印机")
	errSlipPrinter   = msg.New("打印机没有响应（{{.Why}}）")
)

// PrintTicket prints the slip on the roll printer.
func (t *ticketService) PrintTicket(ctx context.Context, s queue.Slip) error {
	prio := ""
	switch s.Ticket.Priority {
	case queue.PriorityGreen:
		prio = "绿色通道 · 优先办理"
	case queue.PriorityBooking:
		prio = "预约签到 · 优先办理"
	}
	return t.print(ctx, printing.TicketInput{ServicePoint: t.point, Number: s.Ticket.Number, Sector: s.Ticket.Sector,
		Ahead: s.Ahead, Wait: s.Wait, Issued: s.Ticket.Issued, Priority: prio, QR: s.Ticket.Number + "-" + s.Ticket.Day},
		fmt.Sprintf("%s-%s", s.Ticket.Day, s.Ticket.Number))
}

// PrintBooking prints a booking slip.
func (t *ticketService) PrintBooking(ctx context.Context, b queue.Booking) error {
	return t.print(ctx, printing.TicketInput{ServicePoint: t.point, Title: "预约凭条", Number: b.Code, Sector: b.Sector, Ahead: -1,
		Issued: b.Created, QR: b.Code, Lines: []string{
			fmt.Sprintf("预约时段：%s %s", b.Day, queue.HalfName(b.Half)),
			"请在时段开始前30分钟内到取号机输入预约码签到，签到后优先叫号。",
		}}, "booking-"+b.Code)
}

// StaffCheck verifies a staff member for the 绿色通道.
func (t *ticketService) StaffCheck(ctx context.Context, login, secret string) error {
	_, err := t.db.Authenticate(ctx, login, secret)
	return err
}
