package photo

import (
	"image"
	"math"
	"slices"
)

// analysisSide is the long side of the small copy the page is looked for
// in: at 512 px a 4000 px frame is read in 8×8 blocks, fine enough to
// place the page's edge within a few millimetres and cheap to scan.
const analysisSide = 512

// analysis is the small copy of the whole frame.
type analysis struct {
	planes
	// sx, sy are frame pixels per analysis pixel.
	sx, sy float64
}

func analyse(src image.Image) analysis {
	b := src.Bounds()
	s := min(1.0, float64(analysisSide)/float64(max(b.Dx(), b.Dy())))
	w, h := max(1, int(float64(b.Dx())*s)), max(1, int(float64(b.Dy())*s))
	_, isGray := src.(*image.Gray)
	p := resample(src, b, w, h, !isGray)
	return analysis{planes: p, sx: float64(b.Dx()) / float64(w), sy: float64(b.Dy()) / float64(h)}
}

// otsu returns the threshold that best splits the values into a dark and
// a bright class (Otsu 1979) with both classes' means.
func otsu(v []uint8) (t int, dark, bright float64) {
	var hist [256]int
	for _, x := range v {
		hist[x]++
	}
	total := len(v)
	var sum float64
	for i, n := range hist {
		sum += float64(i * n)
	}
	var sumB float64
	var wB int
	best := -1.0
	for i := range 256 {
		wB += hist[i]
		if wB == 0 {
			continue
		}
		wF := total - wB
		if wF == 0 {
			break
		}
		sumB += float64(i * hist[i])
		mB, mF := sumB/float64(wB), (sum-sumB)/float64(wF)
		if between := float64(wB) * float64(wF) * (mB - mF) * (mB - mF); between > best {
			best, t, dark, bright = between, i, mB, mF
		}
	}
	return t, dark, bright
}

// pageBox finds the page (or card) as the bright region against a darker
// desk: the rows, then the columns, where most of the small copy is
// brighter than the Otsu threshold. A frame with no such contrast, or a
// region too small or nearly the whole frame, is kept whole: cropping is
// only worth the risk when the desk takes a real part of the picture.
func (a analysis) pageBox(frame image.Rectangle) image.Rectangle {
	t, dark, bright := otsu(a.y)
	if bright-dark < 60 {
		return frame
	}
	// A row (a column) belongs to the page when at least half as much of
	// it is bright as of the brightest row: relative, so a card that
	// takes a third of the frame's width is found like a page that takes
	// nine tenths of its height.
	rows := make([]int, a.h)
	for y := range a.h {
		for _, v := range a.y[y*a.w : (y+1)*a.w] {
			if int(v) > t {
				rows[y]++
			}
		}
	}
	y0, y1 := longestRun(a.h, func(y int) bool { return 2*rows[y] >= slices.Max(rows) })
	if y1 <= y0 {
		return frame
	}
	cols := make([]int, a.w)
	for y := y0; y < y1; y++ {
		for x, v := range a.y[y*a.w : (y+1)*a.w] {
			if int(v) > t {
				cols[x]++
			}
		}
	}
	x0, x1 := longestRun(a.w, func(x int) bool { return 2*cols[x] >= slices.Max(cols) })
	if x1 <= x0 {
		return frame
	}
	// One small-copy pixel of margin: the edge found is where most of a
	// row is page, a tilted page's corners reach a little further.
	x0, y0 = max(0, x0-1), max(0, y0-1)
	x1, y1 = min(a.w, x1+1), min(a.h, y1+1)
	area := float64((x1-x0)*(y1-y0)) / float64(a.w*a.h)
	if area < 0.08 || area > 0.92 {
		return frame
	}
	r := image.Rect(frame.Min.X+int(float64(x0)*a.sx), frame.Min.Y+int(float64(y0)*a.sy),
		frame.Min.X+int(math.Ceil(float64(x1)*a.sx)), frame.Min.Y+int(math.Ceil(float64(y1)*a.sy)))
	return r.Intersect(frame)
}

// longestRun returns the longest run [from, to) of indexes below n where
// ok holds, bridging gaps of up to two (a dark line across a form must
// not cut the page in two).
func longestRun(n int, ok func(int) bool) (int, int) {
	bestFrom, bestTo := 0, 0
	from, last := -1, -10
	for i := range n {
		if !ok(i) {
			continue
		}
		if i-last > 3 {
			from = i
		}
		last = i
		if i+1-from > bestTo-bestFrom {
			bestFrom, bestTo = from, i+1
		}
	}
	return bestFrom, bestTo
}

// coloured says whether the kept part of the frame shows real colour: at
// least 0.2% of it (a red seal on A4, an ID card's portrait and print)
// further from grey than a camera's colour cast. Pages of only black text
// are kept grey, which saves about a fifth of the bytes and nothing of
// the reading.
func (a analysis) coloured(crop, frame image.Rectangle) bool {
	if a.cb == nil {
		return false
	}
	x0, x1 := int(float64(crop.Min.X-frame.Min.X)/a.sx), int(float64(crop.Max.X-frame.Min.X)/a.sx)
	y0, y1 := int(float64(crop.Min.Y-frame.Min.Y)/a.sy), int(float64(crop.Max.Y-frame.Min.Y)/a.sy)
	x1, y1 = min(max(x1, x0+1), a.w), min(max(y1, y0+1), a.h)
	// The cast is the page's own tint (warm lamps, a blue morning): the
	// median chroma, which a few coloured pixels do not move.
	var hb, hr [256]int
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			hb[a.cb[y*a.w+x]]++
			hr[a.cr[y*a.w+x]]++
		}
	}
	n := (x1 - x0) * (y1 - y0)
	mb, mr := median(hb[:], n), median(hr[:], n)
	col := 0
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			db, dr := int(a.cb[y*a.w+x])-mb, int(a.cr[y*a.w+x])-mr
			if db*db+dr*dr > 20*20 {
				col++
			}
		}
	}
	return float64(col) >= 0.002*float64(n)
}

func median(hist []int, n int) int {
	c := 0
	for i, k := range hist {
		c += k
		if 2*c >= n {
			return i
		}
	}
	return 128
}

// skewAngle measures the angle (degrees, within ±maxSkew) of the text
// lines by projection profiles: dark pixels summed along lines at each
// angle pile up into the sharpest profile along the real lines (the sum of
// squared bins is largest there). ok is false when the picture has too few
// dark pixels to be text, too many to be a page, or no angle clearly
// beats the upright one.
func (p planes) skewAngle() (float64, bool) {
	const maxSkew = 5.0
	if p.w < 100 || p.h < 100 {
		return 0, false
	}
	// Only the inner part is looked at: the corners of a cropped photo
	// hold wedges of desk that would pile up along the page's edges.
	mx, my := p.w/10, p.h/10
	inner := make([]uint8, 0, (p.w-2*mx)*(p.h-2*my))
	for y := my; y < p.h-my; y++ {
		inner = append(inner, p.y[y*p.w+mx:y*p.w+p.w-mx]...)
	}
	t, dark, bright := otsu(inner)
	if bright-dark < 60 {
		return 0, false
	}
	// Every other pixel (or fewer) of the document picture is plenty
	// for 0.05°.
	step := max(1, max(p.w, p.h)/800)
	var xs, ys []float64
	samples := 0
	for y := my; y < p.h-my; y += step {
		for x := mx; x < p.w-mx; x += step {
			samples++
			if int(p.y[y*p.w+x]) <= t {
				xs = append(xs, float64(x/step))
				ys = append(ys, float64(y/step))
			}
		}
	}
	if len(xs) < 200 || len(xs) > samples*2/5 {
		return 0, false
	}
	diag := math.Hypot(float64(p.w/step), float64(p.h/step))
	bins := make([]int32, int(2*diag)+3)
	score := func(deg float64) float64 {
		s, c := math.Sincos(deg * math.Pi / 180)
		clear(bins)
		for i := range xs {
			bins[int(ys[i]*c-xs[i]*s+diag+0.5)]++
		}
		var sum float64
		for _, b := range bins {
			sum += float64(b) * float64(b)
		}
		return sum
	}
	best, bestScore := 0.0, score(0)
	upright := bestScore
	for d := -maxSkew; d <= maxSkew+1e-9; d += 0.25 {
		if s := score(d); s > bestScore {
			best, bestScore = d, s
		}
	}
	coarse := best
	for d := coarse - 0.25; d <= coarse+0.25+1e-9; d += 0.05 {
		if s := score(d); s > bestScore {
			best, bestScore = d, s
		}
	}
	best = math.Round(best*100) / 100
	// Below 0.3° nobody sees the tilt and turning costs a little
	// sharpness; a profile hardly sharper than upright is no line at all (an ID
	// card's few lines beside its portrait sharpen it by about 3%).
	if math.Abs(best) < 0.3 || bestScore < upright*1.01 {
		return 0, false
	}
	return best, true
}

// straighten turns the picture so that lines at deg (image coordinates:
// positive descends to the right) run level, about its centre, keeping
// its size; corners that come from outside are filled with the page's
// own brightness.
func (p planes) straighten(deg float64) planes {
	_, _, bright := otsu(p.y)
	paper := uint8(min(255, bright))
	out := newPlanes(p.w, p.h, p.cb != nil)
	s, c := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(p.w-1)/2, float64(p.h-1)/2
	type plane struct {
		src, dst []uint8
		bg       uint8
	}
	ps := []plane{{p.y, out.y, paper}}
	if p.cb != nil {
		ps = append(ps, plane{p.cb, out.cb, 128}, plane{p.cr, out.cr, 128})
	}
	for y := range p.h {
		v := float64(y) - cy
		for x := range p.w {
			u := float64(x) - cx
			sx, sy := u*c-v*s+cx, u*s+v*c+cy
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			i := y*p.w + x
			if x0 < 0 || y0 < 0 || x0+1 >= p.w || y0+1 >= p.h {
				for _, pl := range ps {
					pl.dst[i] = pl.bg
				}
				continue
			}
			fx, fy := sx-float64(x0), sy-float64(y0)
			j := y0*p.w + x0
			for _, pl := range ps {
				a := float64(pl.src[j])*(1-fx) + float64(pl.src[j+1])*fx
				b := float64(pl.src[j+p.w])*(1-fx) + float64(pl.src[j+p.w+1])*fx
				pl.dst[i] = uint8(a*(1-fy) + b*fy + 0.5)
			}
		}
	}
	return out
}

// trimEdges cuts the desk left along the edges once the page is
// straight: the box cut out of the frame held a tilted page, whose
// corners' wedges of desk are now strips along its sides. Rows (then
// columns) are taken off each edge while they are mostly not page, at
// most a twentieth of the picture a side (a page's margin is blank
// paper, so the text is never reached).
func (p planes) trimEdges() planes {
	t, dark, bright := otsu(p.y)
	if bright-dark < 60 || p.w < 100 || p.h < 100 {
		return p
	}
	count := func(n, m int, at func(i, j int) uint8) []int {
		c := make([]int, n)
		for i := range n {
			for j := range m {
				if int(at(i, j)) > t {
					c[i]++
				}
			}
		}
		return c
	}
	edges := func(c []int) (int, int) {
		most := slices.Max(c) * 9 / 10
		lo, hi := 0, len(c)
		for lo < len(c)/20 && c[lo] < most {
			lo++
		}
		for hi > len(c)-len(c)/20 && c[hi-1] < most {
			hi--
		}
		return lo, hi
	}
	y0, y1 := edges(count(p.h, p.w, func(y, x int) uint8 { return p.y[y*p.w+x] }))
	x0, x1 := edges(count(p.w, y1-y0, func(x, y int) uint8 { return p.y[(y0+y)*p.w+x] }))
	if x0 == 0 && y0 == 0 && x1 == p.w && y1 == p.h {
		return p
	}
	out := newPlanes(x1-x0, y1-y0, p.cb != nil)
	for y := y0; y < y1; y++ {
		copy(out.y[(y-y0)*out.w:], p.y[y*p.w+x0:y*p.w+x1])
		if p.cb != nil {
			copy(out.cb[(y-y0)*out.w:], p.cb[y*p.w+x0:y*p.w+x1])
			copy(out.cr[(y-y0)*out.w:], p.cr[y*p.w+x0:y*p.w+x1])
		}
	}
	return out
}
