package photo

import (
	"image"
	"image/color"
)

// planes is a picture as 8-bit Y, Cb and Cr planes of w×h each (Cb and Cr
// nil for grey): the one form every step works on, so each step is a
// loop over bytes rather than over image.Image's interface calls.
type planes struct {
	w, h      int
	y, cb, cr []uint8
}

func newPlanes(w, h int, colour bool) planes {
	p := planes{w: w, h: h, y: make([]uint8, w*h)}
	if colour {
		p.cb, p.cr = make([]uint8, w*h), make([]uint8, w*h)
	}
	return p
}

// image wraps the planes for the JPEG encoder without copying them.
func (p planes) image() image.Image {
	r := image.Rect(0, 0, p.w, p.h)
	if p.cb == nil {
		return &image.Gray{Pix: p.y, Stride: p.w, Rect: r}
	}
	return &image.YCbCr{Y: p.y, Cb: p.cb, Cr: p.cr, YStride: p.w, CStride: p.w, SubsampleRatio: image.YCbCrSubsampleRatio444, Rect: r}
}

// rowReader reads one row of a source image as Y, Cb, Cr bytes (cb and cr
// nil when only the brightness is wanted). Transparent pixels are laid
// on white paper.
type rowReader func(y, x0, x1 int, ys, cbs, crs []uint8)

func readerFor(src image.Image) rowReader {
	switch s := src.(type) {
	case *image.YCbCr:
		return func(y, x0, x1 int, ys, cbs, crs []uint8) {
			copy(ys, s.Y[s.YOffset(x0, y):s.YOffset(x0, y)+x1-x0])
			if cbs == nil {
				return
			}
			for x := x0; x < x1; x++ {
				i := s.COffset(x, y)
				cbs[x-x0], crs[x-x0] = s.Cb[i], s.Cr[i]
			}
		}
	case *image.Gray:
		return func(y, x0, x1 int, ys, cbs, crs []uint8) {
			copy(ys, s.Pix[s.PixOffset(x0, y):s.PixOffset(x0, y)+x1-x0])
			if cbs != nil {
				fill(cbs[:x1-x0], 128)
				fill(crs[:x1-x0], 128)
			}
		}
	case *image.NRGBA:
		return func(y, x0, x1 int, ys, cbs, crs []uint8) {
			i := s.PixOffset(x0, y)
			for x := 0; x < x1-x0; x, i = x+1, i+4 {
				a := uint32(s.Pix[i+3])
				on := func(c uint8) uint8 { return uint8((uint32(c)*a + 255*(255-a) + 127) / 255) }
				setYCbCr(ys, cbs, crs, x, on(s.Pix[i]), on(s.Pix[i+1]), on(s.Pix[i+2]))
			}
		}
	case *image.RGBA:
		return func(y, x0, x1 int, ys, cbs, crs []uint8) {
			i := s.PixOffset(x0, y)
			for x := 0; x < x1-x0; x, i = x+1, i+4 {
				white := 255 - s.Pix[i+3] // premultiplied: what the paper shows through
				setYCbCr(ys, cbs, crs, x, s.Pix[i]+white, s.Pix[i+1]+white, s.Pix[i+2]+white)
			}
		}
	}
	return func(y, x0, x1 int, ys, cbs, crs []uint8) {
		for x := x0; x < x1; x++ {
			c := color.RGBA64Model.Convert(src.At(x, y)).(color.RGBA64)
			white := 0xffff - uint32(c.A)
			on := func(v uint16) uint8 { return uint8((uint32(v) + white) >> 8) }
			setYCbCr(ys, cbs, crs, x-x0, on(c.R), on(c.G), on(c.B))
		}
	}
}

func setYCbCr(ys, cbs, crs []uint8, x int, r, g, b uint8) {
	yy, cb, cr := color.RGBToYCbCr(r, g, b)
	ys[x] = yy
	if cbs != nil {
		cbs[x], crs[x] = cb, cr
	}
}

func fill(b []uint8, v uint8) {
	for i := range b {
		b[i] = v
	}
}

// resample averages the source pixels of r into a dw×dh picture (dw ≤
// r.Dx(), dh ≤ r.Dy()): each output pixel is the mean of the source box
// it covers, which also averages away the camera's pixel noise. Only one
// source row is held at a time.
func resample(src image.Image, r image.Rectangle, dw, dh int, colour bool) planes {
	out := newPlanes(dw, dh, colour)
	read := readerFor(src)
	sw := r.Dx()
	ys := make([]uint8, sw)
	var cbs, crs []uint8
	if colour {
		cbs, crs = make([]uint8, sw), make([]uint8, sw)
	}
	xs := make([]int, dw+1)
	for i := range xs {
		xs[i] = i * sw / dw
	}
	accY := make([]uint32, dw)
	accB := make([]uint32, dw)
	accR := make([]uint32, dw)
	for oy := range dh {
		y0, y1 := r.Min.Y+oy*r.Dy()/dh, r.Min.Y+(oy+1)*r.Dy()/dh
		clear(accY)
		clear(accB)
		clear(accR)
		for sy := y0; sy < y1; sy++ {
			read(sy, r.Min.X, r.Max.X, ys, cbs, crs)
			for ox := range dw {
				var sum uint32
				for _, v := range ys[xs[ox]:xs[ox+1]] {
					sum += uint32(v)
				}
				accY[ox] += sum
				if colour {
					var b, r uint32
					for i := xs[ox]; i < xs[ox+1]; i++ {
						b += uint32(cbs[i])
						r += uint32(crs[i])
					}
					accB[ox] += b
					accR[ox] += r
				}
			}
		}
		for ox := range dw {
			n := uint32((y1 - y0) * (xs[ox+1] - xs[ox]))
			i := oy*dw + ox
			out.y[i] = uint8((accY[ox] + n/2) / n)
			if colour {
				out.cb[i] = uint8((accB[ox] + n/2) / n)
				out.cr[i] = uint8((accR[ox] + n/2) / n)
			}
		}
	}
	return out
}

// shrink scales the picture by num/den (less than one).
func (p planes) shrink(num, den int) planes {
	return resample(p.image(), image.Rect(0, 0, p.w, p.h), max(1, p.w*num/den), max(1, p.h*num/den), p.cb != nil)
}

// orient applies an EXIF orientation (2–8; anything else leaves the
// picture as it is) so the picture shows upright.
func (p planes) orient(o int) planes {
	if o < 2 || o > 8 {
		return p
	}
	w, h := p.w, p.h
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	// at gives the source pixel shown at (x, y) of the upright picture.
	at := map[int]func(x, y int) int{
		2: func(x, y int) int { return y*w + w - 1 - x },
		3: func(x, y int) int { return (h-1-y)*w + w - 1 - x },
		4: func(x, y int) int { return (h-1-y)*w + x },
		5: func(x, y int) int { return x*w + y },
		6: func(x, y int) int { return (h-1-x)*w + y },
		7: func(x, y int) int { return (h-1-x)*w + w - 1 - y },
		8: func(x, y int) int { return x*w + w - 1 - y },
	}[o]
	out := newPlanes(ow, oh, p.cb != nil)
	for y := range oh {
		for x := range ow {
			i, j := y*ow+x, at(x, y)
			out.y[i] = p.y[j]
			if p.cb != nil {
				out.cb[i], out.cr[i] = p.cb[j], p.cr[j]
			}
		}
	}
	return out
}
