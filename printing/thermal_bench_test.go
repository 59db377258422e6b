package printing

import (
	"bytes"
	"context"
	"testing"
)

// BenchmarkThermalReceipt is the kiosk's side of an 80 mm receipt on a
// thermal printer: pdftoppm, dithering and the ESC/POS bytes.
func BenchmarkThermalReceipt(b *testing.B) {
	cat := demoCatalog(b)
	c := restaurantCase(b, cat)
	var receipt bytes.Buffer
	if _, err := WriteCaseDoc(&receipt, Receipt, Roll80, CaseInput{Case: c, Catalog: cat, ServicePoint: "洪桥镇便民服务中心", PrintedAt: printedAt}); err != nil {
		b.Fatal(err)
	}
	var ticket bytes.Buffer
	if _, err := WriteTicket(&ticket, TicketInput{ServicePoint: "洪桥镇便民服务中心", Number: "B012", Sector: "商事登记", Issued: printedAt, QR: "B012"}); err != nil {
		b.Fatal(err)
	}
	for _, doc := range []struct {
		name string
		pdf  []byte
	}{{"ticket", ticket.Bytes()}, {"receipt", receipt.Bytes()}} {
		b.Run(doc.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				pages, err := pdfToImages(context.Background(), doc.pdf, 576)
				if err != nil {
					b.Fatal(err)
				}
				out, _, err := escposJob(pages, 576)
				if err != nil {
					b.Fatal(err)
				}
				n = len(out)
			}
			b.ReportMetric(float64(n), "bytes/job")
		})
	}
}
