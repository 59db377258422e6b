package printing

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestTicketSlip(t *testing.T) {
	var buf bytes.Buffer
	meta, err := WriteTicket(&buf, TicketInput{ServicePoint: "洪桥镇便民服务中心", Number: "B012", Sector: "商事登记", Ahead: 3,
		Wait: 26 * time.Minute, Issued: printedAt, Priority: "绿色通道", QR: "6F1C0D4E-0000-4000-8000-000000000017"})
	if err != nil {
		t.Fatal(err)
	}
	text := compact(pdfText(t, buf.Bytes()))
	for _, want := range []string{"取号凭条", "B012", "商事登记", "3人", "约26分钟", "绿色通道", "2026年11月26日10:42"} {
		if !strings.Contains(text, want) {
			t.Errorf("slip lacks %q:\n%s", want, text)
		}
	}
	if got := decodeQR(t, buf.Bytes()); got != "6F1C0D4E-0000-4000-8000-000000000017" {
		t.Errorf("QR = %q", got)
	}
	if meta.Pages != 1 || meta.PageHeight > 160 {
		t.Errorf("slip %+v: want one short page", meta)
	}
	if *update {
		if err := writeTestdata("ticket-80mm.pdf", buf.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWaitText(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "马上", 26 * time.Minute: "约 26 分钟", 95 * time.Minute: "约 1 小时 35 分钟"} {
		if got := waitText(d); got != want {
			t.Errorf("waitText(%v) = %q, want %q", d, got, want)
		}
	}
}
