package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"runtime"
	"sync"
	"testing"

	"golang.org/x/image/bmp"

	"github.com/yichuang/yichuang/app/photo/phototest"
)

// Photos shared by the tests, made once: each takes a second or two.
var (
	photosOnce sync.Once
	photos     map[string][]byte
)

func testPhotos(t testing.TB) map[string][]byte {
	t.Helper()
	photosOnce.Do(func() {
		form, _ := phototest.Form(1, 1200, false)
		sealed, _ := phototest.Form(2, 1200, true)
		card, _ := phototest.IDCard(1, 1100, false)
		photos = map[string][]byte{
			"form tilted +2.5°": phototest.Photograph(form, phototest.Shot{W: 2400, H: 1800, Fill: 0.9, Tilt: 2.5, Noise: 4, Seed: 1}),
			"form tilted -1.8°": phototest.Photograph(form, phototest.Shot{W: 2400, H: 1800, Fill: 0.9, Tilt: -1.8, Noise: 4, Seed: 2}),
			"form straight":     phototest.Photograph(form, phototest.Shot{W: 2400, H: 1800, Fill: 0.9, Noise: 4, Seed: 3}),
			"sealed form":       phototest.Photograph(sealed, phototest.Shot{W: 2400, H: 1800, Fill: 0.9, Tilt: 1, Noise: 4, Seed: 4}),
			"ID card":           phototest.Photograph(card, phototest.Shot{W: 2400, H: 1800, Fill: 0.45, Tilt: 1, Noise: 4, Seed: 5}),
		}
	})
	return photos
}

// TestNormalizeDocuments: the page or card is cut out of the desk, scaled
// to its document resolution, straightened by the tilt it was shot at,
// grey unless something on it is coloured, and within the budget.
func TestNormalizeDocuments(t *testing.T) {
	ps := testPhotos(t)
	tests := []struct {
		name     string
		longSide int
		gray     bool
		skew     float64 // the tilt it was shot at; 0: left as it is
	}{
		{"form tilted +2.5°", MaxLongSide, true, 2.5},
		{"form tilted -1.8°", MaxLongSide, true, -1.8},
		{"form straight", MaxLongSide, true, 0},
		{"sealed form", MaxLongSide, false, 1},
		{"ID card", CardLongSide, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ps[tt.name]
			r, err := Normalize(in, "x.jpg")
			if err != nil {
				t.Fatal(err)
			}
			// The long side is scaled to its size, then the desk's
			// strips are trimmed off: a few pixels less.
			if got := max(r.Width, r.Height); got > tt.longSide || got < tt.longSide*95/100 {
				t.Errorf("long side: got %d, want %d less at most 5%%", got, tt.longSide)
			}
			if len(r.JPEG) > Budget {
				t.Errorf("size: got %d bytes, want at most %d", len(r.JPEG), Budget)
			}
			if r.Gray != tt.gray {
				t.Errorf("grey: got %v, want %v", r.Gray, tt.gray)
			}
			if math.Abs(r.Skew-tt.skew) > 0.3 {
				t.Errorf("skew: got %.2f°, want %.2f°", r.Skew, tt.skew)
			}
			// The frame is 2400×1800; the paper takes well under all of it.
			if r.Crop.Dx()*r.Crop.Dy() > 2400*1800*3/4 {
				t.Errorf("crop: got %v, want the paper without the desk", r.Crop)
			}
			img, err := jpeg.Decode(bytes.NewReader(r.JPEG))
			if err != nil {
				t.Fatalf("the result does not decode: %v", err)
			}
			if b := img.Bounds(); b.Dx() != r.Width || b.Dy() != r.Height {
				t.Errorf("decoded %v, result says %d×%d", b, r.Width, r.Height)
			}
			// No desk left along the edges: the outer 3 px all round are
			// page (the wedges a tilted page leaves are trimmed).
			dark, all := 0, 0
			for y := range r.Height {
				for x := range r.Width {
					if x >= 3 && y >= 3 && x < r.Width-3 && y < r.Height-3 {
						continue
					}
					all++
					if yy, _, _, _ := img.At(x, y).RGBA(); yy>>8 < 110 {
						dark++
					}
				}
			}
			if dark*100 > all {
				t.Errorf("edges: %d of %d pixels are dark (desk), want under 1%%", dark, all)
			}
			// Straightened: measured again, the lines run level.
			p := resample(img, img.Bounds(), r.Width, r.Height, false)
			if a, ok := p.skewAngle(); ok {
				t.Errorf("after straightening the lines are at %.2f°", a)
			}
		})
	}
}

// TestNormalizeIsDeterministic: the same photo gives the same bytes, so
// the same scan taken twice is stored once (blobs are named by SHA-256).
func TestNormalizeIsDeterministic(t *testing.T) {
	in := testPhotos(t)["ID card"]
	a, err := Normalize(in, "a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Normalize(in, "a.jpg")
	if !bytes.Equal(a.JPEG, b.JPEG) {
		t.Error("two runs gave different bytes")
	}
}

// TestNormalizeCameraFrameMemory: a 12 MP, 8 MB-class camera photo is
// normalised within the budget with bounded memory: everything allocated
// (not only the peak) stays under 1.5 bytes a pixel for the decoded frame
// plus 24 MB.
func TestNormalizeCameraFrameMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a 12 MP photo takes a few seconds to make")
	}
	form, _ := phototest.Form(9, 2000, false)
	in := phototest.Photograph(form, phototest.Shot{W: 4000, H: 3000, Fill: 0.92, Tilt: -2, Noise: 6, Seed: 9})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := Normalize(in, "camera.jpg")
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	limit := uint64(4000*3000*3/2 + 24<<20)
	if got := after.TotalAlloc - before.TotalAlloc; got > limit {
		t.Errorf("allocated %d MB for a 12 MP photo, want at most %d MB", got>>20, limit>>20)
	}
	if long := max(r.Width, r.Height); len(r.JPEG) > Budget || long > MaxLongSide || long < MaxLongSide*95/100 {
		t.Errorf("got %d bytes at %d×%d from %d bytes, want at most %d at a long side of %d", len(r.JPEG), r.Width, r.Height, len(in), Budget, MaxLongSide)
	}
	t.Logf("%d bytes → %d bytes, %d×%d q%d, skew %.2f°, allocated %d MB", len(in), len(r.JPEG), r.Width, r.Height, r.Quality, r.Skew, (after.TotalAlloc-before.TotalAlloc)>>20)
}

// withOrientation puts an EXIF block saying o after the JPEG's SOI.
func withOrientation(jpg []byte, o int, order binary.ByteOrder) []byte {
	tiff := make([]byte, 8+2+12+4)
	if order == binary.LittleEndian {
		copy(tiff, "II")
	} else {
		copy(tiff, "MM")
	}
	order.PutUint16(tiff[2:], 42)
	order.PutUint32(tiff[4:], 8)
	order.PutUint16(tiff[8:], 1)
	order.PutUint16(tiff[10:], 0x0112)
	order.PutUint16(tiff[12:], 3)
	order.PutUint32(tiff[14:], 1)
	order.PutUint16(tiff[18:], uint16(o))
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(len(seg)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, app1...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// TestNormalizeHonoursOrientation: a picture stored as the sensor saw it
// comes out upright for each of EXIF's eight orientations. The upright
// picture is 80×40 with a dark block in its top-left corner; the stored
// one has the block where the orientation puts it.
func TestNormalizeHonoursOrientation(t *testing.T) {
	tests := []struct {
		o      int
		w, h   int
		corner string // where the block is in the stored picture
	}{
		{1, 80, 40, "top-left"}, {2, 80, 40, "top-right"}, {3, 80, 40, "bottom-right"}, {4, 80, 40, "bottom-left"},
		{5, 40, 80, "top-left"}, {6, 40, 80, "bottom-left"}, {7, 40, 80, "bottom-right"}, {8, 40, 80, "top-right"},
	}
	for _, tt := range tests {
		for _, order := range []binary.ByteOrder{binary.BigEndian, binary.LittleEndian} {
			img := image.NewGray(image.Rect(0, 0, tt.w, tt.h))
			bw, bh := 20, 10
			if tt.o >= 5 {
				bw, bh = 10, 20
			}
			x0, y0 := 0, 0
			if tt.corner == "top-right" || tt.corner == "bottom-right" {
				x0 = tt.w - bw
			}
			if tt.corner == "bottom-left" || tt.corner == "bottom-right" {
				y0 = tt.h - bh
			}
			for y := range tt.h {
				for x := range tt.w {
					v := uint8(240)
					if x >= x0 && x < x0+bw && y >= y0 && y < y0+bh {
						v = 10
					}
					img.SetGray(x, y, color.Gray{Y: v})
				}
			}
			var b bytes.Buffer
			jpeg.Encode(&b, img, &jpeg.Options{Quality: 100})
			r, err := Normalize(withOrientation(b.Bytes(), tt.o, order), "o.jpg")
			if err != nil {
				t.Fatalf("orientation %d: %v", tt.o, err)
			}
			out, _ := jpeg.Decode(bytes.NewReader(r.JPEG))
			mean := func(x0, y0 int) float64 {
				var s float64
				for y := y0; y < y0+10; y++ {
					for x := x0; x < x0+20; x++ {
						yy, _, _, _ := out.At(x, y).RGBA()
						s += float64(yy >> 8)
					}
				}
				return s / 200
			}
			if b := out.Bounds(); b.Dx() != 80 || b.Dy() != 40 || r.Orientation != tt.o {
				t.Errorf("orientation %d (%v): got %v, orientation %d; want 80×40 upright", tt.o, order, b, r.Orientation)
				continue
			}
			if tl, tr, bl := mean(0, 0), mean(60, 0), mean(0, 30); tl > 80 || tr < 160 || bl < 160 {
				t.Errorf("orientation %d (%v): corners top-left %.0f, top-right %.0f, bottom-left %.0f; want the block top-left only", tt.o, order, tl, tr, bl)
			}
		}
	}
}

// pngHeader is a PNG that claims w×h pixels of the given colour type and
// depth (its IHDR is all there is: the claim must be refused from it).
func pngHeader(w, h uint32, depth, colourType byte) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = depth, colourType
	chunk := append([]byte("IHDR"), ihdr...)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = binary.BigEndian.AppendUint32(out, 13)
	out = append(out, chunk...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
}

// jpegClaiming is a real small JPEG whose frame header is changed to
// claim w×h.
func jpegClaiming(w, h uint16) []byte {
	var b bytes.Buffer
	jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 16, 16)), nil)
	return claim(b.Bytes(), 0xC0, w, h)
}

// progressiveClaiming is a real small progressive colour JPEG
// (testdata/progressive.jpg, made by ImageMagick) claiming w×h.
func progressiveClaiming(t *testing.T, w, h uint16) []byte {
	b, err := os.ReadFile("testdata/progressive.jpg")
	if err != nil {
		t.Fatal(err)
	}
	return claim(b, 0xC2, w, h)
}

func claim(j []byte, sof byte, w, h uint16) []byte {
	i := bytes.Index(j, []byte{0xFF, sof})
	binary.BigEndian.PutUint16(j[i+5:], h)
	binary.BigEndian.PutUint16(j[i+7:], w)
	return j
}

// TestNormalizeRefuses: frames too large to decode are refused from their
// header with the message a person reads; bytes that are not a decodable
// picture say so (the caller keeps them as they came).
func TestNormalizeRefuses(t *testing.T) {
	var small bytes.Buffer
	png.Encode(&small, image.NewGray(image.Rect(0, 0, 4, 4)))
	var whole bytes.Buffer
	jpeg.Encode(&whole, image.NewGray(image.Rect(0, 0, 64, 64)), nil)
	var bm bytes.Buffer
	bmp.Encode(&bm, image.NewRGBA(image.Rect(0, 0, 40, 30)))
	hugeBMP := bytes.Clone(bm.Bytes())
	binary.LittleEndian.PutUint32(hugeBMP[18:], 8000) // 8000×8000: 64 MP
	binary.LittleEndian.PutUint32(hugeBMP[22:], 8000)
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"JPEG of 65535×65535", jpegClaiming(65535, 65535), ErrTooManyPixels},
		{"JPEG of 6000×4001 (24 MP and a row)", jpegClaiming(6000, 4001), ErrTooManyPixels},
		{"progressive colour JPEG of 4000×3000 (its coefficients too: 180 MB)", progressiveClaiming(t, 4000, 3000), ErrTooManyPixels},
		{"progressive colour JPEG of 2000×1500", progressiveClaiming(t, 2000, 1500), ErrNotDecodable},
		{"baseline JPEG of 4000×3000 (decoding starts, the data is short)", jpegClaiming(4000, 3000), ErrNotDecodable},
		{"PNG of 100000×1000", pngHeader(100000, 1000, 8, 0), ErrTooManyPixels},
		{"16-bit RGBA PNG of 4000×3200 (100 MB decoded)", pngHeader(4000, 3200, 16, 6), ErrTooManyPixels},
		{"PNG of 0×10", pngHeader(0, 10, 8, 0), ErrNotDecodable},
		{"PNG header only", pngHeader(100, 100, 8, 0), ErrNotDecodable},
		{"truncated JPEG", whole.Bytes()[:whole.Len()/2], ErrNotDecodable},
		{"JPEG magic and text", []byte("\xFF\xD8\xFF\xE0 not a picture"), ErrNotDecodable},
		{"PDF", []byte("%PDF-1.4"), ErrNotDecodable},
		{"empty", nil, ErrNotDecodable},
		{"BMP of 8000×8000", hugeBMP, ErrTooManyPixels},
		{"TIFF (may hold several pages: kept as it is)", []byte("II*\x00\x08\x00\x00\x00"), ErrNotDecodable},
		{"a 4×4 PNG", small.Bytes(), nil},
		{"a 40×30 BMP", bm.Bytes(), nil},
	}
	for _, tt := range tests {
		_, err := Normalize(tt.in, "照片.jpg")
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
	_, err := Normalize(jpegClaiming(65535, 65535), "照片.jpg")
	if got, want := err.Error(), "照片“照片.jpg”有65535×65535像素，太大了不能处理；请把高拍仪或手机的分辨率调到2400万像素以下再拍"; got != want {
		t.Errorf("message: got %q, want %q", got, want)
	}
}

func TestRename(t *testing.T) {
	for in, want := range map[string]string{"申请书.png": "申请书.jpg", "IMG_0001.JPG": "IMG_0001.JPG", "a.jpeg": "a.jpeg",
		"扫描件": "扫描件.jpg", ".hidden": ".hidden.jpg", "x.tar.PNG": "x.tar.jpg"} {
		if got := Rename(in); got != want {
			t.Errorf("Rename(%q): got %q, want %q", in, got, want)
		}
	}
}

// FuzzNormalize: whatever the bytes, Normalize neither panics nor
// allocates past its bound, and what it returns is a JPEG within the
// budget.
func FuzzNormalize(f *testing.F) {
	var b bytes.Buffer
	jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, 40, 30)), nil)
	f.Add(b.Bytes())
	f.Add(withOrientation(b.Bytes(), 6, binary.LittleEndian))
	b.Reset()
	png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, 30, 20)))
	f.Add(b.Bytes())
	f.Add(pngHeader(5000, 5000, 16, 6))
	b.Reset()
	bmp.Encode(&b, image.NewGray(image.Rect(0, 0, 12, 9)))
	f.Add(b.Bytes())
	f.Add(jpegClaiming(60000, 2))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := Normalize(in, "f.jpg")
		if err != nil {
			return
		}
		if len(r.JPEG) > Budget {
			t.Fatalf("%d bytes", len(r.JPEG))
		}
		if _, err := jpeg.DecodeConfig(bytes.NewReader(r.JPEG)); err != nil {
			t.Fatalf("result does not decode: %v", err)
		}
	})
}

// BenchmarkNormalize: one 12 MP document-camera photo of a form (about
// 5 MB) normalised; docs/performance.md has the figures.
func BenchmarkNormalize(b *testing.B) {
	form, _ := phototest.Form(9, 2000, false)
	in := phototest.Photograph(form, phototest.Shot{W: 4000, H: 3000, Fill: 0.92, Tilt: -2, Noise: 6, Seed: 9})
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var out int
	for b.Loop() {
		r, err := Normalize(in, "camera.jpg")
		if err != nil {
			b.Fatal(err)
		}
		out = len(r.JPEG)
	}
	b.ReportMetric(float64(out)/1e3, "out-KB")
}
