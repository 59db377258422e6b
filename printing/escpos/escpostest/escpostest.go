// Package escpostest provides a simulated ESC/POS printer for tests: a TCP
// 9100 listener that answers real-time status requests in a state the test
// sets (ready, out of paper, offline, cover open) and keeps every byte it
// was sent, and a decoder that reads those bytes back into the printed
// images, so a test can check the paper the citizen would hold.
package escpostest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/yichuang/yichuang/printing/escpos"
)

// Printer is a simulated network thermal printer.
type Printer struct {
	ln net.Listener

	mu    sync.Mutex
	state escpos.Status
	mute  bool // connects but never answers a status request
	data  bytes.Buffer
	conns int
	wg    sync.WaitGroup
	// Then, when set, is the state the printer turns to once it has
	// received a whole raster job (paper ran out while printing).
	then *escpos.Status
}

// Listen starts a simulated printer on a free local port; Close stops it.
func Listen() (*Printer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	p := &Printer{ln: ln}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr is host:port of the printer.
func (p *Printer) Addr() string { return p.ln.Addr().String() }

// Close stops listening and waits for the open connections to end.
func (p *Printer) Close() error {
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

// Set puts the printer in a state (the zero Status is ready).
func (p *Printer) Set(s escpos.Status) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state = s
}

// SetAfterJob makes the printer turn to s once a job's cut arrived.
func (p *Printer) SetAfterJob(s escpos.Status) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.then = &s
}

// Mute makes the printer take bytes but never answer status requests
// (an old printer without real-time status).
func (p *Printer) Mute(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mute = on
}

// Bytes is everything the printer has been sent so far, status requests
// included.
func (p *Printer) Bytes() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Clone(p.data.Bytes())
}

// Conns is how many connections the printer accepted.
func (p *Printer) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns
}

func (p *Printer) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns++
		p.mu.Unlock()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer c.Close()
			p.handle(c)
		}()
	}
}

// handle reads one connection command by command, as a printer does: a
// status request is answered at once, everything is recorded.
func (p *Printer) handle(c net.Conn) {
	r := bufio.NewReader(io.TeeReader(c, writerFunc(func(b []byte) {
		p.mu.Lock()
		p.data.Write(b)
		p.mu.Unlock()
	})))
	err := Walk(r, func(cmd Command) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch cmd.Kind {
		case KindStatus:
			if !p.mute {
				_, err := c.Write([]byte{escpos.Answer(p.state, cmd.N)})
				return err
			}
		case KindCut:
			if p.then != nil {
				p.state, p.then = *p.then, nil
			}
		}
		return nil
	})
	_ = err // a closed connection or bytes it cannot read end the job, as on a printer
}

type writerFunc func([]byte)

func (f writerFunc) Write(b []byte) (int, error) { f(b); return len(b), nil }

// Kinds of command the decoder knows.
const (
	KindInit   = "init"   // ESC @
	KindRaster = "raster" // GS v 0
	KindCut    = "cut"    // GS V
	KindStatus = "status" // DLE EOT n
)

// Command is one decoded command.
type Command struct {
	Kind string
	N    byte // DLE EOT n; GS V m
	// Raster: width in dots, rows, and the packed rows (MSB first).
	Width, Rows int
	Data        []byte
}

// ErrUnknown is a byte sequence that is none of the commands the kiosk
// sends: the decoder stops there rather than guess.
var ErrUnknown = errors.New("escpostest: unknown command")

// Walk reads commands until EOF and hands each to fn.
func Walk(r *bufio.Reader, fn func(Command) error) error {
	read := func(n int) ([]byte, error) {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, err
	}
	for {
		head, err := r.ReadByte()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var cmd Command
		switch head {
		case 0x1B:
			b, err := read(1)
			if err != nil || b[0] != '@' {
				return fmt.Errorf("%w: ESC %x", ErrUnknown, b)
			}
			cmd.Kind = KindInit
		case 0x10:
			b, err := read(2)
			if err != nil || b[0] != 0x04 || b[1] < 1 || b[1] > 4 {
				return fmt.Errorf("%w: DLE %x", ErrUnknown, b)
			}
			cmd.Kind, cmd.N = KindStatus, b[1]
		case 0x1D:
			b, err := read(2)
			if err != nil {
				return fmt.Errorf("%w: GS %x", ErrUnknown, b)
			}
			switch {
			case b[0] == 'v' && b[1] == '0':
				h, err := read(5)
				if err != nil {
					return fmt.Errorf("raster header: %w", err)
				}
				xBytes, rows := int(h[1])|int(h[2])<<8, int(h[3])|int(h[4])<<8
				if xBytes == 0 || rows == 0 {
					return fmt.Errorf("%w: empty raster %dx%d", ErrUnknown, xBytes, rows)
				}
				data, err := read(xBytes * rows)
				if err != nil {
					return fmt.Errorf("raster data: %w", err)
				}
				cmd = Command{Kind: KindRaster, N: h[0], Width: xBytes * 8, Rows: rows, Data: data}
			case b[0] == 'V':
				cmd.Kind, cmd.N = KindCut, b[1]
				if b[1] == 65 || b[1] == 66 {
					if _, err := read(1); err != nil {
						return fmt.Errorf("cut: %w", err)
					}
				}
			default:
				return fmt.Errorf("%w: GS %x", ErrUnknown, b)
			}
		default:
			return fmt.Errorf("%w: %#02x", ErrUnknown, head)
		}
		if err := fn(cmd); err != nil {
			return err
		}
	}
}

// Page is one cut piece of paper.
type Page struct {
	Image *image.Gray // black dots on white
	// Initialised says an ESC @ came before the page's first band.
	Initialised bool
	Bands       int
}

// Decode reads a byte stream back into the pieces of paper it would print:
// bands are stacked until a cut. Status requests are skipped; bytes after
// the last cut (a page never cut) are an error, as a slip left hanging in
// the printer is a fault.
func Decode(stream []byte) ([]Page, error) {
	var pages []Page
	var cur Page
	var rows [][]byte
	width := 0
	err := Walk(bufio.NewReader(bytes.NewReader(stream)), func(c Command) error {
		switch c.Kind {
		case KindInit:
			if len(rows) == 0 {
				cur.Initialised = true
			}
		case KindRaster:
			if width != 0 && c.Width != width {
				return fmt.Errorf("band width %d after %d", c.Width, width)
			}
			width = c.Width
			cur.Bands++
			for i := 0; i < c.Rows; i++ {
				rows = append(rows, c.Data[i*c.Width/8:(i+1)*c.Width/8])
			}
		case KindCut:
			if len(rows) == 0 {
				return nil // a cut with nothing printed: feeds blank paper
			}
			cur.Image = image.NewGray(image.Rect(0, 0, width, len(rows)))
			for y, row := range rows {
				for x := 0; x < width; x++ {
					v := color.Gray{Y: 0xFF}
					if row[x/8]&(0x80>>(x%8)) != 0 {
						v = color.Gray{}
					}
					cur.Image.SetGray(x, y, v)
				}
			}
			pages = append(pages, cur)
			cur, rows, width = Page{}, nil, 0
		}
		return nil
	})
	if err != nil {
		return pages, err
	}
	if len(rows) > 0 {
		return pages, errors.New("escpostest: printed rows never cut")
	}
	return pages, nil
}

// SavePNG writes a decoded page where zbarimg and a person can read it.
func SavePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// SlipQR decodes a stream that must hold exactly one slip, saves it as a
// PNG in dir and returns the text of its QR code.
func SlipQR(stream []byte, dir, name string) (string, error) {
	pages, err := Decode(stream)
	if err != nil || len(pages) != 1 {
		return "", fmt.Errorf("got %d slips (%v), want 1", len(pages), err)
	}
	path := filepath.Join(dir, name)
	if err := SavePNG(path, pages[0].Image); err != nil {
		return "", err
	}
	return ReadQR(path)
}

// ReadQR is the text of the QR code zbarimg finds in a PNG.
func ReadQR(path string) (string, error) {
	out, err := exec.Command("zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", path).Output()
	if err != nil {
		return "", fmt.Errorf("zbarimg found no QR code in %s: %w", path, err)
	}
	return strings.TrimSpace(string(out)), nil
}
