// Package escpos provides the bytes of the ESC/POS printer language that a
// thermal ticket printer needs from the kiosk: a 1-bit raster image sent as
// GS v 0 bands between an init (ESC @) and a cut (GS V), and the real-time
// status requests (DLE EOT n) with the parsing of their answers.
//
// It draws nothing and opens nothing: package printing turns a document
// into an image and owns the connection; this package only speaks the
// language, so it can be tested byte by byte.
package escpos

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
)

// Command bytes.
const (
	esc = 0x1B
	gs  = 0x1D
	dle = 0x10
	eot = 0x04
)

// Widths of the printable line, in dots at 203 dpi (8 dots per mm).
const (
	Dots80 = 576 // 80 mm roll: 72 mm printable
	Dots58 = 384 // 58 mm roll: 48 mm printable
)

// Band is how many raster rows one GS v 0 command carries. Printers
// buffer a command whole before printing it; 24 KB per command would stall
// the cheap ones (their receive buffer is 4–64 KB), so a long receipt goes
// as many short bands, printed back to back with no gap.
const Band = 128

// Init is ESC @: the printer forgets any mode left by a previous job
// (another program's code page, bold, line spacing).
var Init = []byte{esc, '@'}

// Cut is GS V 65 n: feed to the cutter plus n motion units and cut fully.
// The cutter sits some millimetres above the print head; function A feeds
// the last printed line past it, so the end of the slip is not cut off.
var Cut = []byte{gs, 'V', 65, 0}

// ErrWidth means an image wider than the raster command can carry or not
// a whole number of bytes wide.
var ErrWidth = errors.New("escpos: raster width must be a positive multiple of 8 dots, at most 65535 bytes")

// Raster appends the GS v 0 bands of a 1-bit image: a set pixel (Black)
// burns a dot. The image's width must be a multiple of 8.
func Raster(dst []byte, img *image.Paletted) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || w%8 != 0 || w/8 > 0xFFFF {
		return dst, ErrWidth
	}
	rowBytes := w / 8
	for y0 := 0; y0 < h; y0 += Band {
		rows := min(Band, h-y0)
		dst = append(dst, gs, 'v', '0', 0, byte(rowBytes), byte(rowBytes>>8), byte(rows), byte(rows>>8))
		for y := y0; y < y0+rows; y++ {
			off := img.PixOffset(b.Min.X, b.Min.Y+y)
			row := img.Pix[off : off+w]
			for x := 0; x < w; x += 8 {
				var v byte
				for i := 0; i < 8; i++ {
					if row[x+i] == Black {
						v |= 0x80 >> i
					}
				}
				dst = append(dst, v)
			}
		}
	}
	return dst, nil
}

// Palette indexes of a 1-bit image.
const (
	White uint8 = 0
	Black uint8 = 1
)

// Palette is the 1-bit palette: index 0 paper, 1 a burnt dot.
var Palette = color.Palette{color.Gray{Y: 0xFF}, color.Gray{Y: 0}}

// Dither reduces an image to 1 bit with Floyd–Steinberg error diffusion,
// its left edge at x0 and exactly width dots wide (narrower content is
// padded with paper). Thermal heads have no grey: diffusion keeps the grey
// of anti-aliased type as dot density, so small CJK strokes stay legible,
// while the pure black and white of a QR code comes through unchanged.
func Dither(src image.Image, x0, width int) *image.Paletted {
	b := src.Bounds()
	h := b.Dy()
	// One conversion to grey up front (draw has fast paths for the usual
	// decoded types), then the diffusion runs on plain bytes.
	grey := image.NewGray(image.Rect(0, 0, width, h))
	for i := range grey.Pix {
		grey.Pix[i] = 0xFF
	}
	draw.Draw(grey, grey.Bounds(), src, image.Pt(b.Min.X+x0, b.Min.Y), draw.Src)
	if w := b.Dx() - x0; w < width { // draw leaves nothing past the source: paper
		for y := 0; y < h; y++ {
			for x := max(w, 0); x < width; x++ {
				grey.Pix[y*grey.Stride+x] = 0xFF
			}
		}
	}
	dst := image.NewPaletted(image.Rect(0, 0, width, h), Palette)
	// Two rows of error, one pixel of slack at each side.
	cur := make([]int32, width+2)
	next := make([]int32, width+2)
	for y := 0; y < h; y++ {
		row := grey.Pix[y*grey.Stride : y*grey.Stride+width]
		for x := 0; x < width; x++ {
			v := int32(row[x]) + cur[x+1]/16
			out := int32(255)
			if v < 128 {
				out = 0
				dst.Pix[y*dst.Stride+x] = Black
			}
			e := v - out
			cur[x+2] += e * 7
			next[x] += e * 3
			next[x+1] += e * 5
			next[x+2] += e
		}
		cur, next = next, cur
		clear(next)
	}
	return dst
}

// StatusRequest is DLE EOT 1, 2, 3, 4: the four real-time status bytes
// (printer, offline cause, error cause, roll paper sensor), answered in
// that order even while the printer is offline or out of paper.
var StatusRequest = []byte{dle, eot, 1, dle, eot, 2, dle, eot, 3, dle, eot, 4}

// Status is what a printer answered to StatusRequest.
type Status struct {
	Offline   bool // n=1 bit 3: not ready to print (cover, paper, error)
	CoverOpen bool // n=2 bit 2
	PaperOut  bool // n=2 bit 5 (printing stopped at paper end) or n=4 bits 5–6
	NearEnd   bool // n=4 bits 2–3: the roll is nearly used up; still prints
	// Error is a mechanical, cutter or unrecoverable error (n=2 bit 6,
	// n=3 bits 2, 3, 5, 6); Cutter says the cutter is the cause.
	Error  bool
	Cutter bool
}

// ErrNotStatus means an answer byte is not a status byte: every status
// byte has bit 1 and bit 4 set and bits 0 and 7 clear, so a byte that does
// not is noise on the line (or another protocol answering on the port).
var ErrNotStatus = errors.New("escpos: not a real-time status byte")

// ParseStatus reads the four answers to StatusRequest, in order.
func ParseStatus(ans []byte) (Status, error) {
	if len(ans) != 4 {
		return Status{}, fmt.Errorf("escpos: %d status bytes, want 4", len(ans))
	}
	for i, b := range ans {
		if b&0x93 != 0x12 {
			return Status{}, fmt.Errorf("%w: DLE EOT %d answered %#02x", ErrNotStatus, i+1, b)
		}
	}
	printer, offline, errs, paper := ans[0], ans[1], ans[2], ans[3]
	s := Status{
		Offline:   printer&0x08 != 0,
		CoverOpen: offline&0x04 != 0,
		PaperOut:  offline&0x20 != 0 || paper&0x60 != 0,
		NearEnd:   paper&0x0C != 0,
		Cutter:    errs&0x08 != 0,
	}
	s.Error = offline&0x40 != 0 || errs&(0x04|0x08|0x20|0x40) != 0
	return s, nil
}

// Answer is the inverse of ParseStatus, for simulated printers: the status
// byte a printer in state s sends for DLE EOT n (1–4).
func Answer(s Status, n byte) byte {
	b := byte(0x12)
	switch n {
	case 1:
		if s.Offline || s.CoverOpen || s.PaperOut || s.Error {
			b |= 0x08
		}
	case 2:
		if s.CoverOpen {
			b |= 0x04
		}
		if s.PaperOut {
			b |= 0x20
		}
		if s.Error {
			b |= 0x40
		}
	case 3:
		if s.Cutter {
			b |= 0x08
		} else if s.Error {
			b |= 0x20
		}
	case 4:
		if s.NearEnd || s.PaperOut {
			b |= 0x0C
		}
		if s.PaperOut {
			b |= 0x60
		}
	}
	return b
}
