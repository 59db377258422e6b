package printing

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/vault"
)

const testQueue = "YichuangTestPDF"

// cupsPDFQueue makes sure cupsd runs and has a cups-pdf queue, the way a
// hall PC is set up (make test installs cups, cups-bsd and
// printer-driver-cups-pdf). It needs root to start cupsd and add a queue.
func cupsPDFQueue(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: starting cupsd and adding a print queue needs root, and this test runs as an ordinary user")
	}
	for _, tool := range []string{"lp", "lpstat", "lpadmin", "cupsd"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install cups, cups-bsd and printer-driver-cups-pdf (make test does)", tool)
		}
	}
	running := func() bool {
		out, _ := exec.Command("lpstat", "-r").Output()
		return strings.Contains(string(out), "is running")
	}
	if !running() {
		if out, err := exec.Command("cupsd").CombinedOutput(); err != nil {
			t.Fatalf("start cupsd: %v %s", err, out)
		}
		for i := 0; i < 50 && !running(); i++ {
			time.Sleep(100 * time.Millisecond)
		}
		if !running() {
			t.Fatal("cupsd did not start")
		}
	}
	if exec.Command("lpstat", "-p", testQueue).Run() != nil {
		ppd := "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"
		if out, err := exec.Command("lpadmin", "-p", testQueue, "-E", "-v", "cups-pdf:/", "-P", ppd).CombinedOutput(); err != nil {
			t.Fatalf("add cups-pdf queue: %v %s", err, out)
		}
	}
}

// TestPrintThroughCUPS prints a receipt through the kiosk's print path to a
// real CUPS queue backed by cups-pdf and checks the printed file.
func TestPrintThroughCUPS(t *testing.T) {
	cupsPDFQueue(t)
	cat := demoCatalog(t)
	c := restaurantCase(t, cat)
	var buf bytes.Buffer
	if _, err := WriteCaseDoc(&buf, Receipt, A4, CaseInput{Case: c, Catalog: cat, ServicePoint: "洪桥镇便民服务中心", PrintedAt: printedAt}); err != nil {
		t.Fatal(err)
	}
	key := vault.New()
	archive := Archive{Dir: t.TempDir(), Key: func() (Sealer, error) { return key, nil }}
	path, err := archive.Save(c.Tracking, Receipt, A4, buf.Bytes(), printedAt)
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(path); bytes.Contains(raw, []byte("%PDF")) {
		t.Error("the archived receipt is in clear")
	}
	pdf, err := archive.Read(path)
	if err != nil || !bytes.Equal(pdf, buf.Bytes()) {
		t.Fatalf("read the archived receipt: %v", err)
	}
	title := fmt.Sprintf("yichuang-cups-%d", time.Now().UnixNano())
	home, _ := os.UserHomeDir()
	outDirs := []string{filepath.Join(home, "PDF"), "/var/spool/cups-pdf/ANONYMOUS"}
	if err := (System{Queue: testQueue}).Print(context.Background(), pdf, Job{Title: title, Layout: A4}); err != nil {
		t.Fatalf("Print: %v", err)
	}
	var printed string
	for i := 0; i < 300 && printed == ""; i++ {
		for _, d := range outDirs {
			if m, _ := filepath.Glob(filepath.Join(d, title+"*.pdf")); len(m) > 0 {
				printed = m[0]
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if printed == "" {
		out, _ := exec.Command("lpstat", "-W", "all", "-o", testQueue).CombinedOutput()
		t.Fatalf("no file from cups-pdf in %v after 30 s; jobs:\n%s", outDirs, out)
	}
	defer os.Remove(printed)
	// cups-pdf creates the file first and writes it as Ghostscript goes:
	// wait until it is a whole PDF (its %%EOF written) rather than a while.
	var b []byte
	for i := 0; i < 300; i++ {
		if b, err = os.ReadFile(printed); err == nil && bytes.Contains(tail(b, 64), []byte("%%EOF")) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	// cups-pdf re-renders through Ghostscript, which turns our font into
	// glyph drawings without text, so the check is what a person sees:
	// the printed page's QR code still reads as the tracking code.
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("printed file %s is not a PDF", printed)
	}
	if got := decodeQR(t, b); got != c.Tracking {
		t.Errorf("the printed receipt's QR reads %q, want %q", got, c.Tracking)
	}
}

func TestPrintToMissingQueueReportsTheReason(t *testing.T) {
	cupsPDFQueue(t)
	err := (System{Queue: "NoSuchPrinter"}).Print(context.Background(), []byte("%PDF-1.4\n"), Job{Title: "x", Layout: A4})
	if got := ProblemOf(err); got != UnknownQueue {
		t.Errorf("Print to a missing queue: problem %q (%v), want %q", got, err, UnknownQueue)
	}
	if !strings.Contains(DetailOf(err), "does not exist") {
		t.Errorf("detail %q, want lp's own words kept for 详情", DetailOf(err))
	}
}

// TestQueuesAndTestPageThroughCUPS lists the real CUPS queues and prints the
// 打印测试页 through the cups-pdf one: the page lands as a PDF whose text is
// the test page's.
func TestQueuesAndTestPageThroughCUPS(t *testing.T) {
	cupsPDFQueue(t)
	qs, err := Queues(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, q := range qs {
		found = found || q.Name == testQueue
	}
	if !found {
		t.Fatalf("Queues() = %+v, want %s among them", qs, testQueue)
	}
	title := fmt.Sprintf("yichuang-testpage-%d", time.Now().UnixNano())
	if err := PrintTestPage(context.Background(), System{Queue: testQueue}, TestPageInput{ServicePoint: "洪桥镇便民服务中心", Queue: testQueue, At: printedAt}, title); err != nil {
		t.Fatalf("PrintTestPage: %v", err)
	}
	home, _ := os.UserHomeDir()
	var printed string
	for i := 0; i < 300 && printed == ""; i++ {
		for _, d := range []string{filepath.Join(home, "PDF"), "/var/spool/cups-pdf/ANONYMOUS"} {
			if m, _ := filepath.Glob(filepath.Join(d, title+"*.pdf")); len(m) > 0 {
				printed = m[0]
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if printed == "" {
		t.Fatal("no test page from cups-pdf after 30 s")
	}
	defer os.Remove(printed)
	var b []byte
	for i := 0; i < 300; i++ {
		if b, err = os.ReadFile(printed); err == nil && bytes.Contains(tail(b, 64), []byte("%%EOF")) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("printed test page %s is not a PDF", printed)
	}
}

func TestLpArgs(t *testing.T) {
	tests := []struct {
		queue string
		job   Job
		want  string
	}{
		{"", Job{Title: "受理回执 X", Layout: A4}, "-t 受理回执 X -o media=A4 -- f.pdf"},
		{"Counter3", Job{Layout: Roll80, Length: 143.2}, "-d Counter3 -o media=Custom.80x143mm -- f.pdf"},
		{"", Job{Layout: Roll80, Length: 20}, "-o media=Custom.80x60mm -- f.pdf"},
	}
	for _, tt := range tests {
		if got := strings.Join(lpArgs(tt.queue, "f.pdf", tt.job), " "); got != tt.want {
			t.Errorf("lpArgs(%q, %+v) = %q, want %q", tt.queue, tt.job, got, tt.want)
		}
	}
}

func TestArchiveKeepsEveryPrint(t *testing.T) {
	a := Archive{Dir: t.TempDir()}
	p1, err := a.Save("4P2K1X0Q1A4T00C7", Receipt, A4, []byte("%PDF-1"), printedAt)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := a.Save("4P2K1X0Q1A4T00C7", Receipt, A4, []byte("%PDF-2"), printedAt)
	if err != nil {
		t.Fatal(err)
	}
	if p1 == p2 || !strings.Contains(p1, filepath.Join("2026", "11")) {
		t.Errorf("archive paths %s and %s", p1, p2)
	}
	b1, _ := os.ReadFile(p1)
	b2, _ := os.ReadFile(p2)
	if string(b1) != "%PDF-1" || string(b2) != "%PDF-2" {
		t.Error("a reprint overwrote the first archived copy")
	}
}

// tail is the last n bytes of b (all of b when shorter).
func tail(b []byte, n int) []byte { return b[max(0, len(b)-n):] }
