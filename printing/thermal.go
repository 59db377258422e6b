package printing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/yichuang/yichuang/printing/escpos"
)

// Thermal prints roll documents on an ESC/POS thermal printer, sent raw:
// the ticket printers of halls and terminals, which often have no CUPS
// driver and whose built-in fonts rarely hold every CJK character.
//
// The page goes as a picture of the PDF itself, not as text: the PDF is
// rendered by pdftoppm (poppler-utils) with the subset of the embedded
// font it carries, dithered to 1 bit and sent as GS v 0 bands. Drawing the
// layout a second time straight to an image would keep two renderings of
// every document to keep in step; rendering the PDF gives the citizen
// exactly the paper the archive holds, whatever fonts the printer has.
// pdftoppm costs a child process (a fraction of a second a slip,
// BenchmarkThermalReceipt) and a package the kiosk's .deb recommends;
// without it the job fails as NoCommand.
//
// Before a job the printer's real-time status (DLE EOT 1–4) is read, so
// a slip is not sent into an empty or open printer, and read again after
// the job, so a roll that ran out mid-slip is reported: the clerk sees the
// problem (an *Error of PaperOut, CoverOpen, Offline or Fault) and Observe
// hears every reading, for the status the county sees.
type Thermal struct {
	Addr escpos.Address
	// Observe is told what each status reading found; nil: nobody.
	Observe func(ctx context.Context, h Health)
	// Now dates the readings; nil is time.Now.
	Now func() time.Time
	// Raster draws a PDF's pages as grey images of the layout's printable
	// width in dots; nil renders with pdftoppm.
	Raster func(ctx context.Context, pdf []byte, dots int) ([]image.Image, error)
	// Speed is how fast the printer feeds paper, mm/s, to know when a job
	// has printed before the status after it is read; 0 is 150, a common
	// cheap head.
	Speed float64
	// StatusWait is how long a status answer may take; 0 is 2 s.
	StatusWait time.Duration
}

var _ Printer = Thermal{}

// Health is one reading of a thermal printer's state.
type Health struct {
	Printer string  // the address, as set
	Problem Problem // "" when ready
	NearEnd bool    // the roll is nearly used up (still prints)
	Detail  string  // the raw answer, for a technician
	At      time.Time
}

// Timeouts of the printer's link: a printer answers status in
// milliseconds, so a silent one is off or does not speak DLE EOT.
const (
	thermalDial   = 3 * time.Second
	thermalStatus = 2 * time.Second // Thermal.StatusWait
	// A job as long as lp is given: a printer that stops taking bytes
	// (its buffer full, paper gone mid-receipt) fails the job then.
	thermalJob = 30 * time.Second
)

// OpenPrinter is the Printer a printer setting names: an ESC/POS address
// (escpos.Scheme) or a system queue ("" the default). A malformed ESC/POS
// address prints nothing and says why (settings refuse to save one).
func OpenPrinter(setting string, observe func(context.Context, Health)) Printer {
	if !escpos.IsAddress(setting) {
		return System{Queue: setting}
	}
	a, err := escpos.ParseAddress(setting)
	if err != nil {
		return failing{&Error{Problem: UnknownQueue, Queue: setting, Detail: err.Error(), Err: err}}
	}
	return Thermal{Addr: a, Observe: observe}
}

type failing struct{ err error }

func (f failing) Print(context.Context, []byte, Job) error { return f.err }

func (t Thermal) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t Thermal) fail(p Problem, detail string, err error) *Error {
	return &Error{Problem: p, Queue: t.Addr.String(), Detail: detail, Err: err}
}

// Print renders a roll document and sends it to the printer with a cut.
func (t Thermal) Print(ctx context.Context, pdf []byte, job Job) error {
	if job.Layout != Roll80 {
		// A4 shrunk onto 72 mm is unreadable: refuse rather than waste a slip.
		return t.fail(Refused, fmt.Sprintf("an ESC/POS printer prints roll documents, not %s", job.Layout), nil)
	}
	dots := t.Addr.Dots
	if dots == 0 {
		dots = escpos.Dots80
	}
	raster := t.Raster
	if raster == nil {
		raster = pdfToImages
	}
	pages, err := raster(ctx, pdf, dots)
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return t.fail(NoCommand, "pdftoppm not found: install poppler-utils", err)
		}
		return fmt.Errorf("render for %s: %w", t.Addr, err)
	}
	stream, rows, err := escposJob(pages, dots)
	if err != nil {
		return fmt.Errorf("encode for %s: %w", t.Addr, err)
	}
	ctx, cancel := context.WithTimeout(ctx, thermalJob)
	defer cancel()
	if t.Addr.Net == escpos.NetLP {
		return t.printLP(ctx, stream, job)
	}
	conn, err := t.open(ctx)
	if err != nil {
		t.observe(ctx, Health{Problem: Offline, Detail: err.Error()})
		return t.fail(Offline, err.Error(), err)
	}
	defer conn.Close()
	answers, e := t.check(ctx, conn, "before the job")
	if e != nil {
		return e
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetWriteDeadline(dl) // a device file may have none: ctx still bounds the dial
	}
	if _, err := conn.Write(stream); err != nil {
		// Most often the printer was switched off or unplugged mid-job.
		t.observe(ctx, Health{Problem: Offline, Detail: err.Error()})
		return t.fail(Offline, err.Error(), err)
	}
	// Real-time status is answered at once, while the slip may still be
	// feeding: wait for the paper it takes, so a roll that ends within the
	// slip is seen.
	speed := t.Speed
	if speed <= 0 {
		speed = 150
	}
	wait := min(time.Duration(float64(rows)/8/speed*float64(time.Second)), 5*time.Second)
	select {
	case <-ctx.Done():
		return t.fail(TimedOut, ctx.Err().Error(), ctx.Err())
	case <-time.After(wait):
	}
	if !answers {
		return nil // it did not answer before; asking again only costs the wait
	}
	if _, e := t.check(ctx, conn, "after the job"); e != nil {
		return e
	}
	return nil
}

// Check reads the printer's state without printing: the county link asks
// it before each status report (services.CheckPrinter), between jobs. A
// printer that cannot be reached is a reading (Offline), not an error; one
// that gives no status is ErrNoStatus.
func (t Thermal) Check(ctx context.Context) (Health, error) {
	if t.Addr.Net == escpos.NetLP {
		return Health{}, fmt.Errorf("a CUPS raw queue: %w", ErrNoStatus)
	}
	ctx, cancel := context.WithTimeout(ctx, thermalDial+t.statusWait())
	defer cancel()
	conn, err := t.open(ctx)
	if err != nil {
		h := Health{Problem: Offline, Detail: err.Error()}
		t.observe(ctx, h)
		return t.stamp(h), nil
	}
	defer conn.Close()
	st, raw, err := readStatus(conn, t.statusWait())
	if err != nil {
		return Health{}, err
	}
	h := healthOf(st, raw)
	t.observe(ctx, h)
	return t.stamp(h), nil
}

func (t Thermal) stamp(h Health) Health {
	h.Printer, h.At = t.Addr.String(), t.now()
	return h
}

func (t Thermal) observe(ctx context.Context, h Health) {
	if t.Observe != nil {
		t.Observe(ctx, t.stamp(h))
	}
}

func (t Thermal) statusWait() time.Duration {
	if t.StatusWait > 0 {
		return t.StatusWait
	}
	return thermalStatus
}

// check reads the status and turns a printer that cannot print into the
// job's error; answered says the printer gave a status. A printer that
// does not answer is printed to all the same: many cheap printers speak no
// DLE EOT, and they print.
func (t Thermal) check(ctx context.Context, conn printerConn, when string) (answered bool, _ *Error) {
	st, raw, err := readStatus(conn, t.statusWait())
	if err != nil {
		return false, nil
	}
	h := healthOf(st, raw)
	t.observe(ctx, h)
	if h.Problem != "" {
		return true, t.fail(h.Problem, when+": "+h.Detail, nil)
	}
	return true, nil
}

// healthOf names a status's problem: what the clerk must do first comes
// first (close the cover, then load paper; a fault needs a technician).
func healthOf(st escpos.Status, raw []byte) Health {
	h := Health{NearEnd: st.NearEnd, Detail: fmt.Sprintf("DLE EOT 1-4 answered % x", raw)}
	switch {
	case st.CoverOpen:
		h.Problem = CoverOpen
	case st.PaperOut:
		h.Problem = PaperOut
	case st.Error:
		h.Problem = Fault
	case st.Offline:
		h.Problem = Offline
	}
	if st.NearEnd && h.Problem == "" {
		h.Detail += " (paper near end)"
	}
	return h
}

// printerConn is the link with the printer: a TCP connection or the
// device file.
type printerConn interface {
	io.ReadWriteCloser
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

func (t Thermal) open(ctx context.Context) (printerConn, error) {
	switch t.Addr.Net {
	case escpos.NetTCP:
		d := net.Dialer{Timeout: thermalDial}
		c, err := d.DialContext(ctx, "tcp", t.Addr.Target)
		if err != nil {
			return nil, fmt.Errorf("connect: %w", err)
		}
		return c.(*net.TCPConn), nil
	case escpos.NetDevice:
		// Read and write: usblp hands back the printer's status bytes.
		f, err := os.OpenFile(t.Addr.Target, os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("open device: %w", err)
		}
		return f, nil
	}
	return nil, fmt.Errorf("no link to %q", t.Addr.Net)
}

// ErrNoStatus means the printer gives no status: a device file that cannot
// time a read, a printer that stays silent (many cheap ones speak no DLE
// EOT). Such a printer still prints; Check says so with this error.
var ErrNoStatus = errors.New("the printer gives no real-time status")

// readStatus asks DLE EOT 1–4 and reads the four answers. A link that
// cannot time a read (a device file the poller does not take) is never
// read: a blocked read would hang the job.
func readStatus(conn printerConn, wait time.Duration) (escpos.Status, []byte, error) {
	if err := conn.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return escpos.Status{}, nil, ErrNoStatus
	}
	defer conn.SetReadDeadline(time.Time{})
	if err := conn.SetWriteDeadline(time.Now().Add(wait)); err == nil {
		defer conn.SetWriteDeadline(time.Time{})
	}
	if _, err := conn.Write(escpos.StatusRequest); err != nil {
		return escpos.Status{}, nil, fmt.Errorf("ask status: %w", err)
	}
	raw := make([]byte, 4)
	if _, err := io.ReadFull(conn, raw); err != nil {
		return escpos.Status{}, nil, fmt.Errorf("%w: %v", ErrNoStatus, err)
	}
	st, err := escpos.ParseStatus(raw)
	return st, raw, err
}

// escposJob is the whole job: init, every page's bands, a cut after each
// page; rows counts the raster rows (the paper it feeds).
func escposJob(pages []image.Image, dots int) ([]byte, int, error) {
	out := append([]byte(nil), escpos.Init...)
	rows := 0
	for _, p := range pages {
		bw := escpos.Dither(p, 0, dots)
		var err error
		if out, err = escpos.Raster(out, bw); err != nil {
			return nil, 0, err
		}
		out = append(out, escpos.Cut...)
		rows += bw.Bounds().Dy()
	}
	return out, rows, nil
}

// pdfToImages renders each page of a roll PDF at the scale that puts its
// printable width (the page less its margins) on exactly dots dots: 1:1 at
// 203 dpi for 576 dots on 80 mm paper, two thirds for a 58 mm roll.
func pdfToImages(ctx context.Context, pdf []byte, dots int) ([]image.Image, error) {
	tool, err := exec.LookPath("pdftoppm")
	if err != nil {
		return nil, err
	}
	g := geometries[Roll80]
	scale := float64(dots) / (g.pageW - 2*g.margin) // dots per mm
	dir, err := os.MkdirTemp("", "yichuang-escpos-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		return nil, err
	}
	// -r sets the scale (dots per inch); -x/-W crop the margins off.
	dpi := scale * 25.4
	// Grey PGM, not PNG: pdftoppm spends ten times longer compressing a
	// PNG than rendering the page, and the bytes never leave this process.
	args := []string{"-gray", "-r", strconv.FormatFloat(dpi, 'f', 3, 64),
		"-x", strconv.Itoa(int(g.margin*scale + 0.5)), "-y", "0", "-W", strconv.Itoa(dots), "-H", "100000",
		in, filepath.Join(dir, "page")}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("pdftoppm: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	names, err := filepath.Glob(filepath.Join(dir, "page-*.pgm"))
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("pdftoppm wrote no page: %s", bytes.TrimSpace(stderr.Bytes()))
	}
	// page-01.pgm … page-10.pgm: pdftoppm pads the numbers to one width,
	// so the names sort in page order.
	sort.Strings(names)
	var out []image.Image
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		img, err := readPGM(b)
		if err != nil {
			return nil, fmt.Errorf("read rendered page: %w", err)
		}
		out = append(out, img)
	}
	return out, nil
}

// readPGM reads the binary grey map pdftoppm -gray writes: "P5", width,
// height, maxval 255 (whitespace-separated, no comments from pdftoppm),
// one whitespace byte, then the rows.
func readPGM(b []byte) (*image.Gray, error) {
	// The header is the first four whitespace-separated fields.
	var fields []string
	i := 0
	for len(fields) < 4 && i < len(b) {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		start := i
		for i < len(b) && !isSpace(b[i]) && i-start < 16 {
			i++
		}
		fields = append(fields, string(b[start:i]))
	}
	i++ // the single whitespace byte before the data
	if len(fields) != 4 || fields[0] != "P5" {
		return nil, fmt.Errorf("not a binary PGM: %q", fields)
	}
	w, errW := strconv.Atoi(fields[1])
	h, errH := strconv.Atoi(fields[2])
	if errW != nil || errH != nil || fields[3] != "255" || w <= 0 || h <= 0 || w > 1<<14 || h > 1<<20 {
		return nil, fmt.Errorf("not an 8-bit PGM: %q", fields)
	}
	if i > len(b) || len(b)-i < w*h {
		return nil, fmt.Errorf("PGM of %d×%d holds %d bytes", w, h, max(len(b)-i, 0))
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	copy(img.Pix, b[i:i+w*h])
	return img, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// printLP sends the bytes to a CUPS queue that passes them through as
// they are (-o raw): a USB printer CUPS already knows, shared like any
// other queue. CUPS answers nothing of the printer's paper, so the status
// is what lp says.
func (t Thermal) printLP(ctx context.Context, stream []byte, job Job) error {
	dir, err := os.MkdirTemp("", "yichuang-escpos-")
	if err != nil {
		return fmt.Errorf("print: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "job.bin")
	if err := os.WriteFile(path, stream, 0o600); err != nil {
		return fmt.Errorf("print: %w", err)
	}
	args := []string{"-d", t.Addr.Target, "-o", "raw"}
	if job.Title != "" {
		args = append(args, "-t", job.Title)
	}
	return runLP(ctx, t.Addr.Target, append(args, "--", path))
}
