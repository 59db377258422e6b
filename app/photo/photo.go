// Package photo provides the normalising of a document-camera (高拍仪) or
// phone photo when it is taken: the page found against the desk and cut
// out, turned upright (EXIF orientation) and straightened (small-angle
// deskew), scaled to a document resolution, made grey when it is only
// text, and re-encoded as a JPEG small enough for a village link. A
// 2–8 MB camera photo becomes 100–300 KB that reads as well as the
// original (docs/performance.md, TestNormalizedStaysLegible).
//
// The work is pure Go, deterministic (the same bytes in give the same
// bytes out) and bounded: the frame's size is read from its header first
// and a frame that would decode to more than MaxDecoded bytes is refused
// before any pixel is decoded.
package photo

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"

	"golang.org/x/image/bmp"

	"github.com/yichuang/yichuang/app/msg"
)

const (
	// MaxLongSide is the long side of a normalised page: 1600 px is about
	// 190 dpi across A4's 297 mm, enough for 5-point print and for the
	// 0.5 mm strokes of a handwritten signature.
	MaxLongSide = 1600
	// CardLongSide is the long side of an ID card (or any card-shaped
	// paper cut out of the frame): 1000 px across 85.6 mm is about
	// 300 dpi, more than the card's 1.5 mm print needs.
	CardLongSide = 1000
	// Budget is the largest normalised file: a form or an ID card photo
	// of 300 KB crosses a 1 Mbit/s village link in under 3 seconds.
	Budget = 300_000
	// MaxQuality is the JPEG quality tried first. Above it the file grows
	// fast and text reads no better; below MinQuality blocks show round
	// thin strokes, and the picture is made smaller instead.
	MaxQuality = 82
	MinQuality = 40
	// MaxPixels and MaxDecoded bound what a photo may cost in memory:
	// 24 megapixels covers every document camera sold for service halls
	// (5–16 MP) and a phone's default 12 MP with room to spare; the
	// decoded frame (1–8 bytes a pixel by its colour model) may take at
	// most 96 MiB, whatever its header claims.
	MaxPixels  = 24_000_000
	MaxDecoded = 96 << 20
)

// Messages.
var (
	ErrTooManyPixels = msg.New("照片“{{.Name}}”有{{.W}}×{{.H}}像素，太大了不能处理；请把高拍仪或手机的分辨率调到2400万像素以下再拍")
)

// ErrNotDecodable says the bytes are not a JPEG, PNG or BMP this package
// can decode (truncated, arithmetic-coded, 12-bit …). The caller decides
// whether to keep such a file as it is.
var ErrNotDecodable = errors.New("photo: not a decodable JPEG, PNG or BMP")

// Result is a normalised photo and what was done to it.
type Result struct {
	JPEG          []byte
	Width, Height int
	Quality       int
	// Gray says the colour was dropped: nothing on the page was coloured
	// (a red seal, an ID card's print and portrait keep their colour).
	Gray bool
	// Crop is the part of the frame kept (the page against the desk), in
	// the frame's pixels before orientation; the whole frame when no page
	// edge was found.
	Crop image.Rectangle
	// Orientation is the EXIF orientation applied (1 when none).
	Orientation int
	// Skew is the angle in degrees the page was turned by to straighten
	// it (0 when it was straight or had no lines to go by).
	Skew float64
}

// Is says whether b looks like a photo this package normalises, by its
// first bytes: JPEG, PNG or BMP (a document camera's software may save
// BMP: 15 MB for 5 MP). TIFF is left as it is: a scanner's TIFF may hold
// several pages, and only the first would survive.
func Is(b []byte) bool {
	return bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) || bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) ||
		(bytes.HasPrefix(b, []byte("BM")) && len(b) > 14)
}

// Normalize turns a camera photo into a document photo (see the package
// comment). name is the file's name, used only in the refusal message.
// It returns ErrNotDecodable (wrapped) for bytes it cannot decode and
// ErrTooManyPixels for a frame too large to decode.
func Normalize(b []byte, name string) (Result, error) {
	if !Is(b) {
		return Result{}, ErrNotDecodable
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrNotDecodable, err)
	}
	extra := 0
	if format == "jpeg" && progressive(b) {
		// The decoder keeps every coefficient as an int32 until the last
		// scan: 4 bytes a sample of each component (no camera writes
		// progressive JPEGs; a picture saved from the web may be one).
		extra = 4 * components(cfg.ColorModel)
	}
	if err := checkSize(cfg, extra, name); err != nil {
		return Result{}, err
	}
	var src image.Image
	switch format {
	case "jpeg":
		src, err = jpeg.Decode(bytes.NewReader(b))
	case "png":
		src, err = png.Decode(bytes.NewReader(b))
	case "bmp":
		src, err = bmp.Decode(bytes.NewReader(b))
	default:
		err = fmt.Errorf("format %s", format)
	}
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrNotDecodable, err)
	}
	orient := 1
	if format == "jpeg" {
		orient = exifOrientation(b)
	}
	return normalize(src, orient)
}

// checkSize refuses a frame whose decoding would cost too much memory,
// from its header alone; extra is what the decoder keeps a pixel besides
// the picture.
func checkSize(cfg image.Config, extra int, name string) error {
	w, h := cfg.Width, cfg.Height
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: %d×%d pixels", ErrNotDecodable, w, h)
	}
	px := int64(w) * int64(h)
	if px > MaxPixels || px*int64(bytesPerPixel(cfg.ColorModel)+extra) > MaxDecoded {
		return msg.New(ErrTooManyPixels.Key, "Name", name, "W", w, "H", h)
	}
	return nil
}

// bytesPerPixel is what the decoders allocate a pixel for each colour
// model (YCbCr counted as 4:4:4, its largest).
func bytesPerPixel(m color.Model) int {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4
}

// components is how many colour components a JPEG of the model has.
func components(m color.Model) int {
	switch m {
	case color.GrayModel:
		return 1
	case color.CMYKModel:
		return 4
	}
	return 3
}

// normalize runs the steps on a decoded frame.
func normalize(src image.Image, orient int) (Result, error) {
	b := src.Bounds()
	// 1. A small copy of the whole frame to find the page and its colour.
	ana := analyse(src)
	crop := ana.pageBox(b)
	colour := ana.coloured(crop, b)
	// 2. The page scaled to the document resolution, from the full frame.
	w, h := crop.Dx(), crop.Dy()
	long := MaxLongSide
	if crop != b && isCard(w, h) {
		long = CardLongSide
	}
	scale := min(1.0, float64(long)/float64(max(w, h)))
	dw, dh := max(1, int(float64(w)*scale+0.5)), max(1, int(float64(h)*scale+0.5))
	p := resample(src, crop, dw, dh, colour)
	// 3. Upright, then straight: the skew is measured on lines that run
	// across the page, which they do only once the page is upright.
	p = p.orient(orient)
	skew := 0.0
	if a, ok := p.skewAngle(); ok {
		skew = a
		p = p.straighten(a)
	}
	// A page cut out of the desk keeps strips of desk along its sides
	// (the corners of its tilted box): they go.
	if crop != b {
		p = p.trimEdges()
	}
	// 4. The best quality that fits the budget.
	out, q, err := encodeWithin(p, Budget)
	if err != nil {
		return Result{}, err
	}
	return Result{JPEG: out, Width: q.w, Height: q.h, Quality: q.quality, Gray: p.cb == nil,
		Crop: crop, Orientation: max(orient, 1), Skew: skew}, nil
}

// isCard says whether a cut-out paper has an ID card's shape (85.6 ×
// 54 mm, 1.59:1, a little more or less as it lies tilted). A4 and A5
// (1.41:1, less when tilted) never pass for one.
func isCard(w, h int) bool {
	r := float64(max(w, h)) / float64(min(w, h))
	return r >= 1.5 && r <= 1.7
}

// encoded is what encodeWithin settled on.
type encoded struct{ w, h, quality int }

// encodeWithin encodes p at the highest quality from MaxQuality down to
// MinQuality whose file fits budget (a binary search: the size grows
// with the quality); when even MinQuality does not fit, the picture is
// made a fifth smaller and searched again, a few times at most.
func encodeWithin(p planes, budget int) ([]byte, encoded, error) {
	for range 6 {
		img := p.image()
		var best []byte
		bestQ := 0
		lo, hi := MinQuality, MaxQuality
		for lo <= hi {
			q := (lo + hi) / 2
			b, err := encode(img, q)
			if err != nil {
				return nil, encoded{}, err
			}
			if len(b) <= budget {
				best, bestQ = b, q
				lo = q + 1
			} else {
				hi = q - 1
			}
		}
		if best != nil {
			return best, encoded{p.w, p.h, bestQ}, nil
		}
		if p.w < 64 || p.h < 64 {
			break
		}
		p = p.shrink(4, 5)
	}
	// Only noise of a size no document has gets here: keep the smallest.
	b, err := encode(p.image(), MinQuality)
	return b, encoded{p.w, p.h, MinQuality}, err
}

func encode(img image.Image, q int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		return nil, fmt.Errorf("encode jpeg: %w", err)
	}
	return buf.Bytes(), nil
}

// Rename gives a normalised photo's file name: the same name with .jpg,
// as what is stored is now a JPEG ("申请书.png" → "申请书.jpg").
func Rename(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 {
		return name + ".jpg"
	}
	switch strings.ToLower(name[i:]) {
	case ".jpg", ".jpeg":
		return name
	}
	return name[:i] + ".jpg"
}
