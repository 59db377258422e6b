package printing

import (
	"fmt"
	"io"
	"time"
)

// TicketInput is a queue ticket slip (取号小票) or a booking slip.
type TicketInput struct {
	ServicePoint string
	Number       string // B012, or a booking code
	Sector       string
	Ahead        int
	Wait         time.Duration
	Issued       time.Time
	Priority     string // shown as a line when set, e.g. 绿色通道 / 预约优先
	QR           string // what the QR code holds
	Lines        []string
	Title        string // 取号凭条 or 预约凭条
}

// bigNumber is the ticket number in type large enough to read at arm's length.
type bigNumber string

func (b bigNumber) texts() []string            { return []string{string(b)} }
func (b bigNumber) height(r *renderer) float64 { return r.g.headingSize * 1.2 }
func (b bigNumber) draw(r *renderer) {
	x, y := r.pdf.GetXY()
	r.size(r.g.headingSize * 2.2)
	r.cell(r.w, r.g.headingSize*1.2, string(b), "C")
	r.pdf.SetXY(x, y+b.height(r))
}

// WriteTicket writes a ticket slip on 80 mm roll paper.
func WriteTicket(w io.Writer, in TicketInput) (Meta, error) {
	title := in.Title
	if title == "" {
		title = "取号凭条"
	}
	b := []block{
		header{in.ServicePoint, cnTime(in.Issued)},
		heading{title, in.Sector},
		bigNumber(in.Number),
	}
	if in.Priority != "" {
		b = append(b, para{text: in.Priority, align: "C"})
	}
	if in.Ahead >= 0 && in.Title == "" {
		b = append(b, kv{"前面等候", fmt.Sprintf("%d 人", in.Ahead)}, kv{"预计等候", waitText(in.Wait)})
	}
	for _, l := range in.Lines {
		b = append(b, para{text: l, small: true})
	}
	if in.QR != "" {
		b = append(b, qrBlock{in.QR, in.Number, "请留意大厅显示屏和语音叫号；过号请到服务台重新取号"})
	}
	return renderDoc(w, Roll80, title+" "+in.Number, in.Issued, b)
}

func waitText(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	if m < 1 {
		return "马上"
	}
	if m >= 60 {
		return fmt.Sprintf("约 %d 小时 %d 分钟", m/60, m%60)
	}
	return fmt.Sprintf("约 %d 分钟", m)
}
