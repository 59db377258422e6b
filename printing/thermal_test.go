package printing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yichuang/yichuang/printing/escpos"
	"github.com/yichuang/yichuang/printing/escpos/escpostest"
)

// simulatedPrinter starts a TCP 9100 printer for one test.
func simulatedPrinter(t *testing.T) *escpostest.Printer {
	t.Helper()
	p, err := escpostest.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// fast feeds as fast as the test can: the status after a job is read at
// once.
const fast = 1e9

// printedPages decodes what the printer received into its cut pages, saves
// them as PNG in dir and returns their paths.
func printedPages(t *testing.T, stream []byte, dots int) []string {
	t.Helper()
	pages, err := escpostest.Decode(stream)
	if err != nil {
		t.Fatalf("decode the printer's bytes: %v", err)
	}
	dir := t.TempDir()
	var paths []string
	for i, p := range pages {
		if !p.Initialised {
			t.Errorf("page %d: got no ESC @ before its bands, want the printer reset first", i+1)
		}
		if got := p.Image.Bounds().Dx(); got != dots {
			t.Errorf("page %d: got %d dots wide, want %d", i+1, got, dots)
		}
		path := filepath.Join(dir, fmt.Sprintf("page-%d.png", i+1))
		if err := escpostest.SavePNG(path, p.Image); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	return paths
}

// TestThermalTicketAndReceiptQR prints a queue ticket and an 80 mm receipt
// to a simulated network printer, decodes the ESC/POS it received back to
// paper and reads the QR codes on it: the ticket's number and the case's
// tracking code come out as the PDF holds them, on 80 mm and 58 mm rolls.
func TestThermalTicketAndReceiptQR(t *testing.T) {
	need(t, "pdftoppm", "zbarimg")
	cat := demoCatalog(t)
	c := restaurantCase(t, cat)
	var receipt, ticket bytes.Buffer
	rmeta, err := WriteCaseDoc(&receipt, Receipt, Roll80, CaseInput{Case: c, Catalog: cat, ServicePoint: "洪桥镇便民服务中心", PrintedAt: printedAt})
	if err != nil {
		t.Fatal(err)
	}
	tmeta, err := WriteTicket(&ticket, TicketInput{ServicePoint: "洪桥镇便民服务中心", Number: "B012", Sector: "商事登记", Ahead: 3,
		Issued: printedAt, QR: "B012-2026-11-26"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		pdf  []byte
		len  float64
		dots string
		want string
		// shot names the page in docs/screenshots (make screenshots), cut
		// to its first rows.
		shot string
		rows int
	}{
		{"ticket 80mm", ticket.Bytes(), tmeta.PageHeight, "", "B012-2026-11-26", "escpos-ticket.png", 0},
		{"receipt 80mm", receipt.Bytes(), rmeta.PageHeight, "", c.Tracking, "escpos-receipt.png", 1000},
		{"ticket 58mm", ticket.Bytes(), tmeta.PageHeight, "?58", "B012-2026-11-26", "", 0},
		{"receipt 58mm", receipt.Bytes(), rmeta.PageHeight, "?58", c.Tracking, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := simulatedPrinter(t)
			addr, err := escpos.ParseAddress("escpos://" + sim.Addr() + tc.dots)
			if err != nil {
				t.Fatal(err)
			}
			var seen []Health
			p := Thermal{Addr: addr, Speed: fast, Observe: func(_ context.Context, h Health) { seen = append(seen, h) }}
			if err := p.Print(context.Background(), tc.pdf, Job{Title: tc.name, Layout: Roll80, Length: tc.len}); err != nil {
				t.Fatalf("print: %v", err)
			}
			sim.Close()
			paths := printedPages(t, sim.Bytes(), addr.Dots)
			if len(paths) != 1 {
				t.Fatalf("got %d cut pages, want 1", len(paths))
			}
			got, err := escpostest.ReadQR(paths[0])
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("QR on the slip: got %q, want %q", got, tc.want)
			}
			// The paper is as long as the PDF page at 8 dots a mm (scaled to
			// the roll).
			pages, _ := escpostest.Decode(sim.Bytes())
			wantRows := tc.len * float64(addr.Dots) / 72
			if got := float64(pages[0].Image.Bounds().Dy()); got < wantRows-2 || got > wantRows+2 {
				t.Errorf("slip length: got %.0f rows, want %.0f", got, wantRows)
			}
			if dir := os.Getenv("YICHUANG_SCREENSHOTS"); dir != "" && tc.shot != "" {
				img := image.Image(pages[0].Image)
				if tc.rows > 0 {
					img = pages[0].Image.SubImage(image.Rect(0, 0, addr.Dots, tc.rows))
				}
				if err := escpostest.SavePNG(filepath.Join(dir, tc.shot), img); err != nil {
					t.Error(err)
				}
			}
			if len(seen) != 2 || seen[0].Problem != "" || seen[1].Problem != "" {
				t.Errorf("readings: got %+v, want two of a ready printer (before and after)", seen)
			}
		})
	}
}

// TestThermalStatusStopsTheJob: a printer that is out of paper, open,
// offline or broken gets no slip and the job fails with the problem the
// clerk is told; a roll that runs out during the slip fails the job after
// it; a printer that does not speak DLE EOT prints all the same.
func TestThermalStatusStopsTheJob(t *testing.T) {
	var pdf bytes.Buffer
	meta, err := WriteTicket(&pdf, TicketInput{ServicePoint: "洪桥镇便民服务中心", Number: "A001", Sector: "社会事务", Issued: printedAt, QR: "A001"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		state   escpos.Status
		after   *escpos.Status
		mute    bool
		want    Problem
		printed bool
	}{
		{name: "ready", printed: true},
		{name: "near end prints", state: escpos.Status{NearEnd: true}, printed: true},
		{name: "paper out", state: escpos.Status{PaperOut: true, Offline: true}, want: PaperOut},
		{name: "cover open", state: escpos.Status{CoverOpen: true, Offline: true}, want: CoverOpen},
		{name: "offline", state: escpos.Status{Offline: true}, want: Offline},
		{name: "cutter jam", state: escpos.Status{Error: true, Cutter: true, Offline: true}, want: Fault},
		{name: "paper runs out during the slip", after: &escpos.Status{PaperOut: true, Offline: true}, want: PaperOut, printed: true},
		{name: "no real-time status", mute: true, printed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := simulatedPrinter(t)
			sim.Set(tc.state)
			sim.Mute(tc.mute)
			if tc.after != nil {
				sim.SetAfterJob(*tc.after)
			}
			addr, _ := escpos.ParseAddress("escpos://" + sim.Addr())
			var last Health
			p := Thermal{Addr: addr, Speed: fast, StatusWait: 300 * time.Millisecond, Observe: func(_ context.Context, h Health) { last = h }}
			err := p.Print(context.Background(), pdf.Bytes(), Job{Layout: Roll80, Length: meta.PageHeight})
			if got := ProblemOf(err); got != tc.want {
				t.Errorf("problem: got %q (%v), want %q", got, err, tc.want)
			}
			if !tc.mute && last.Problem != tc.want {
				t.Errorf("last reading: got %+v, want problem %q", last, tc.want)
			}
			if tc.want != "" && !strings.HasPrefix(err.Error(), "print to escpos://") {
				t.Errorf("error text %q: want it to name the printer as the status report reads it", err)
			}
			sim.Close()
			pages, err := escpostest.Decode(sim.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if got := len(pages) == 1; got != tc.printed {
				t.Errorf("slip printed: got %v (%d pages), want %v", got, len(pages), tc.printed)
			}
		})
	}
}

// TestThermalUnreachable: nothing listening is an offline printer, to the
// clerk and in the reading.
func TestThermalUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var mu sync.Mutex
	var seen []Health
	p := OpenPrinter("escpos://"+addr, func(_ context.Context, h Health) { mu.Lock(); seen = append(seen, h); mu.Unlock() })
	// The link is what is tested here: any page will do.
	th := p.(Thermal)
	th.Raster = blankPage
	err = th.Print(context.Background(), nil, Job{Layout: Roll80})
	if got := ProblemOf(err); got != Offline {
		t.Fatalf("problem: got %q (%v), want %q", got, err, Offline)
	}
	if len(seen) != 1 || seen[0].Problem != Offline || seen[0].Printer != "escpos://"+addr || seen[0].At.IsZero() {
		t.Errorf("readings: got %+v, want one offline reading of the printer, dated", seen)
	}
	h, err := th.Check(context.Background())
	if err != nil || h.Problem != Offline {
		t.Errorf("Check: got %+v, %v; want offline", h, err)
	}
}

// TestThermalBadAddress: a malformed address that got past 设置 (an
// edited database) prints nothing and says the printer is not found.
func TestThermalBadAddress(t *testing.T) {
	err := OpenPrinter("escpos:COM3", nil).Print(context.Background(), nil, Job{Layout: Roll80})
	if got := ProblemOf(err); got != UnknownQueue || !errors.Is(err, escpos.ErrAddress) {
		t.Errorf("got %q (%v), want %q wrapping ErrAddress", got, err, UnknownQueue)
	}
	if _, ok := OpenPrinter("Counter3", nil).(System); !ok {
		t.Error("a queue name: got no System printer")
	}
}

// TestThermalRefusesA4: an A4 page on a 72 mm line is unreadable; the
// job fails before anything is sent.
func TestThermalRefusesA4(t *testing.T) {
	sim := simulatedPrinter(t)
	addr, _ := escpos.ParseAddress("escpos://" + sim.Addr())
	err := Thermal{Addr: addr, Raster: blankPage}.Print(context.Background(), nil, Job{Layout: A4})
	if got := ProblemOf(err); got != Refused {
		t.Errorf("problem: got %q (%v), want %q", got, err, Refused)
	}
	if sim.Conns() != 0 {
		t.Errorf("connections: got %d, want 0", sim.Conns())
	}
}

// TestThermalDeviceFile writes to a device file (here a plain file, which,
// like a printer without a read-back channel, gives no status) and to a
// CUPS raw queue (a stand-in lp that keeps what it was given).
func TestThermalDeviceFileAndRawQueue(t *testing.T) {
	need(t, "pdftoppm")
	var pdf bytes.Buffer
	meta, err := WriteTicket(&pdf, TicketInput{ServicePoint: "洪桥镇便民服务中心", Number: "A002", Sector: "社会事务", Issued: printedAt, QR: "A002"})
	if err != nil {
		t.Fatal(err)
	}
	job := Job{Title: "取号凭条 A002", Layout: Roll80, Length: meta.PageHeight}

	dev := filepath.Join(t.TempDir(), "lp0")
	if err := os.WriteFile(dev, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := OpenPrinter("escpos:"+dev, nil).Print(context.Background(), pdf.Bytes(), job); err != nil {
		t.Fatalf("print to the device file: %v", err)
	}
	got, _ := os.ReadFile(dev)
	if pages, err := escpostest.Decode(got); err != nil || len(pages) != 1 {
		t.Errorf("device file: got %d pages, %v; want 1", len(pages), err)
	}

	bin := t.TempDir()
	kept := filepath.Join(bin, "kept")
	script := "#!/bin/sh\necho \"$@\" > " + kept + ".args\nfor last; do :; done\ncp \"$last\" " + kept + "\necho 'request id is Ticket-7 (1 file(s))'\n"
	if err := os.WriteFile(filepath.Join(bin, "lp"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if err := OpenPrinter("escpos:lp:Ticket", nil).Print(context.Background(), pdf.Bytes(), job); err != nil {
		t.Fatalf("print to the raw queue: %v", err)
	}
	args, _ := os.ReadFile(kept + ".args")
	if !strings.Contains(string(args), "-d Ticket -o raw") {
		t.Errorf("lp arguments: got %q, want -d Ticket -o raw", args)
	}
	got, _ = os.ReadFile(kept)
	if pages, err := escpostest.Decode(got); err != nil || len(pages) != 1 {
		t.Errorf("raw queue: got %d pages, %v; want 1", len(pages), err)
	}
}

func blankPage(_ context.Context, _ []byte, dots int) ([]image.Image, error) {
	img := image.NewGray(image.Rect(0, 0, dots, 80))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	return []image.Image{img}, nil
}

func TestReadPGM(t *testing.T) {
	img, err := readPGM([]byte("P5\n3 2\n255\n\x00\x80\xff\x01\x02\x03"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := img.Pix, []byte{0, 0x80, 0xff, 1, 2, 3}; !bytes.Equal(got, want) || img.Bounds().Dx() != 3 {
		t.Errorf("got % x (%v), want % x", got, img.Bounds(), want)
	}
	for _, bad := range []string{"", "P6\n3 2\n255\n" + strings.Repeat("x", 18), "P5\n3 2\n65535\n" + strings.Repeat("x", 12), "P5\n3 2\n255\n\x00", "P5 -1 2 255 "} {
		if _, err := readPGM([]byte(bad)); err == nil {
			t.Errorf("readPGM(%q): got no error", bad)
		}
	}
}

func FuzzReadPGM(f *testing.F) {
	f.Add([]byte("P5\n3 2\n255\n\x00\x80\xff\x01\x02\x03"))
	f.Add([]byte("P5 1 1 255 x"))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := readPGM(b)
		if err == nil && len(img.Pix) != img.Bounds().Dx()*img.Bounds().Dy() {
			t.Fatalf("readPGM: %v with %d bytes", img.Bounds(), len(img.Pix))
		}
	})
}

// TestThermalCheck reads the state between jobs: a problem is told to the
// observer and returned; a printer that does not answer is ErrNoStatus,
// not a problem (it still prints).
func TestThermalCheck(t *testing.T) {
	sim := simulatedPrinter(t)
	addr, _ := escpos.ParseAddress("escpos://" + sim.Addr())
	var seen []Health
	p := Thermal{Addr: addr, StatusWait: 300 * time.Millisecond, Observe: func(_ context.Context, h Health) { seen = append(seen, h) }}
	sim.Set(escpos.Status{CoverOpen: true, Offline: true})
	h, err := p.Check(context.Background())
	if err != nil || h.Problem != CoverOpen || len(seen) != 1 || seen[0].Problem != CoverOpen {
		t.Errorf("cover open: got %+v, %v (observed %+v), want cover-open", h, err, seen)
	}
	sim.Set(escpos.Status{NearEnd: true})
	if h, err = p.Check(context.Background()); err != nil || h.Problem != "" || !h.NearEnd {
		t.Errorf("near end: got %+v, %v; want ready, near end", h, err)
	}
	sim.Mute(true)
	if h, err = p.Check(context.Background()); !errors.Is(err, ErrNoStatus) {
		t.Errorf("silent printer: got %+v, %v; want ErrNoStatus", h, err)
	}
	if pages, _ := escpostest.Decode(sim.Bytes()); len(pages) != 0 {
		t.Errorf("a check printed %d pages, want none", len(pages))
	}
}
