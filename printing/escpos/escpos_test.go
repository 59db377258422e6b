package escpos_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"testing"

	"github.com/yichuang/yichuang/printing/escpos"
	"github.com/yichuang/yichuang/printing/escpos/escpostest"
)

func TestParseStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		ans  []byte
		want escpos.Status
	}{
		{"ready", []byte{0x12, 0x12, 0x12, 0x12}, escpos.Status{}},
		{"offline", []byte{0x1A, 0x12, 0x12, 0x12}, escpos.Status{Offline: true}},
		{"cover open", []byte{0x1A, 0x16, 0x12, 0x12}, escpos.Status{Offline: true, CoverOpen: true}},
		{"paper end stops printing", []byte{0x1A, 0x32, 0x12, 0x72}, escpos.Status{Offline: true, PaperOut: true}},
		{"roll sensor alone says paper end", []byte{0x12, 0x12, 0x12, 0x72}, escpos.Status{PaperOut: true}},
		{"near end still prints", []byte{0x12, 0x12, 0x12, 0x1E}, escpos.Status{NearEnd: true}},
		{"cutter jam", []byte{0x1A, 0x52, 0x1A, 0x12}, escpos.Status{Offline: true, Error: true, Cutter: true}},
		{"unrecoverable error", []byte{0x1A, 0x12, 0x32, 0x12}, escpos.Status{Offline: true, Error: true}},
	} {
		got, err := escpos.ParseStatus(tc.ans)
		if err != nil || got != tc.want {
			t.Errorf("%s: ParseStatus(% x) = %+v, %v; want %+v", tc.name, tc.ans, got, err, tc.want)
		}
	}
	for _, bad := range [][]byte{nil, {0x12, 0x12, 0x12}, {0x12, 0x12, 0x12, 0x12, 0x12}, {0x00, 0x12, 0x12, 0x12}, {0x12, 0x12, 0x12, 0x92}, {'O', 'K', '\r', '\n'}} {
		if got, err := escpos.ParseStatus(bad); err == nil {
			t.Errorf("ParseStatus(% x) = %+v, nil; want an error", bad, got)
		}
	}
}

// TestAnswerRoundTrip: the simulated printer's answers read back as the
// state it was put in (ParseStatus and Answer agree).
func TestAnswerRoundTrip(t *testing.T) {
	for _, s := range []escpos.Status{{}, {Offline: true}, {CoverOpen: true, Offline: true}, {PaperOut: true, Offline: true, NearEnd: true},
		{NearEnd: true}, {Error: true, Offline: true}, {Error: true, Cutter: true, Offline: true}} {
		ans := []byte{escpos.Answer(s, 1), escpos.Answer(s, 2), escpos.Answer(s, 3), escpos.Answer(s, 4)}
		got, err := escpos.ParseStatus(ans)
		if err != nil || got != s {
			t.Errorf("ParseStatus(Answer(%+v)) = %+v, %v; want %+v", s, got, err, s)
		}
	}
}

func FuzzParseStatus(f *testing.F) {
	f.Add([]byte{0x12, 0x12, 0x12, 0x12})
	f.Add([]byte{0x1A, 0x32, 0x12, 0x72})
	f.Add([]byte{0xFF, 0x00})
	f.Fuzz(func(t *testing.T, ans []byte) {
		s, err := escpos.ParseStatus(ans)
		valid := len(ans) == 4
		for _, b := range ans {
			valid = valid && b&0x93 == 0x12
		}
		if valid != (err == nil) {
			t.Fatalf("ParseStatus(% x) err = %v; valid = %v", ans, err, valid)
		}
		if err != nil {
			if s != (escpos.Status{}) {
				t.Fatalf("ParseStatus(% x) = %+v with error %v; want the zero status", ans, s, err)
			}
			return
		}
		// Every flag comes from its bit, nothing else.
		if s.Offline != (ans[0]&0x08 != 0) || s.CoverOpen != (ans[1]&0x04 != 0) || s.NearEnd != (ans[3]&0x0C != 0) {
			t.Fatalf("ParseStatus(% x) = %+v", ans, s)
		}
		if s.Cutter && !s.Error {
			t.Fatalf("ParseStatus(% x) = %+v: a cutter error is an error", ans, s)
		}
	})
}

func TestParseAddress(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want escpos.Address
	}{
		{"escpos://192.168.1.50", escpos.Address{Net: escpos.NetTCP, Target: "192.168.1.50:9100", Dots: escpos.Dots80}},
		{" escpos://192.168.1.50:9101/ ", escpos.Address{Net: escpos.NetTCP, Target: "192.168.1.50:9101", Dots: escpos.Dots80}},
		{"escpos://printer.hall.local?58", escpos.Address{Net: escpos.NetTCP, Target: "printer.hall.local:9100", Dots: escpos.Dots58}},
		{"escpos://[fe80::1]:9100", escpos.Address{Net: escpos.NetTCP, Target: "[fe80::1]:9100", Dots: escpos.Dots80}},
		{"escpos:/dev/usb/lp0", escpos.Address{Net: escpos.NetDevice, Target: "/dev/usb/lp0", Dots: escpos.Dots80}},
		{"escpos:/dev/usb/lp1?58mm", escpos.Address{Net: escpos.NetDevice, Target: "/dev/usb/lp1", Dots: escpos.Dots58}},
		{"escpos:lp:票据打印机", escpos.Address{Net: escpos.NetLP, Target: "票据打印机", Dots: escpos.Dots80}},
	} {
		got, err := escpos.ParseAddress(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseAddress(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			continue
		}
		// The setting written back reads the same.
		if again, err := escpos.ParseAddress(got.String()); err != nil || again != got {
			t.Errorf("ParseAddress(%q) = %+v, %v; want %+v", got.String(), again, err, got)
		}
	}
	for _, bad := range []string{"escpos:", "escpos://", "escpos://:9100", "escpos:lp:", "escpos:lp:a b", "escpos:COM3", "escpos://host?72", "HP-LaserJet"} {
		if got, err := escpos.ParseAddress(bad); !errors.Is(err, escpos.ErrAddress) {
			t.Errorf("ParseAddress(%q) = %+v, %v; want ErrAddress", bad, got, err)
		}
	}
	if escpos.IsAddress("HP-LaserJet") || !escpos.IsAddress("escpos:/dev/usb/lp0") {
		t.Error("IsAddress tells a CUPS queue from an ESC/POS address wrongly")
	}
}

func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"escpos://192.168.1.50", "escpos:/dev/usb/lp0?58", "escpos:lp:q", "escpos://[::1]:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := escpos.ParseAddress(s)
		if err != nil {
			return
		}
		again, err := escpos.ParseAddress(a.String())
		if err != nil || again != a {
			t.Fatalf("ParseAddress(%q) = %+v; its String %q reads %+v, %v", s, a, a.String(), again, err)
		}
	})
}

// TestRasterRoundTrip: an image sent as bands, with init and cut, decodes
// back to the same dots, in more than one band.
func TestRasterRoundTrip(t *testing.T) {
	const w, h = 64, escpos.Band*2 + 5
	img := image.NewPaletted(image.Rect(0, 0, w, h), escpos.Palette)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if (x*7+y*3)%5 == 0 {
				img.Pix[y*img.Stride+x] = escpos.Black
			}
		}
	}
	stream, err := escpos.Raster(append([]byte(nil), escpos.Init...), img)
	if err != nil {
		t.Fatal(err)
	}
	stream = append(stream, escpos.Cut...)
	pages, err := escpostest.Decode(stream)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 1 || !pages[0].Initialised || pages[0].Bands != 3 {
		t.Fatalf("got %d pages %+v, want one initialised page of 3 bands", len(pages), pages)
	}
	got := pages[0].Image
	if got.Bounds() != img.Bounds() {
		t.Fatalf("got %v, want %v", got.Bounds(), img.Bounds())
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if black := got.GrayAt(x, y).Y == 0; black != (img.Pix[y*img.Stride+x] == escpos.Black) {
				t.Fatalf("dot %d,%d: got black=%v", x, y, black)
			}
		}
	}
	if _, err := escpos.Raster(nil, image.NewPaletted(image.Rect(0, 0, 60, 1), escpos.Palette)); !errors.Is(err, escpos.ErrWidth) {
		t.Errorf("a 60-dot row: got %v, want ErrWidth", err)
	}
	// Bytes after the last band that are never cut are a slip left hanging.
	if _, err := escpostest.Decode(stream[:len(stream)-len(escpos.Cut)]); err == nil {
		t.Error("an uncut job decoded without error")
	}
}

// TestDither: black and white come through as they are, mid grey as about
// half the dots, and narrower content is padded with paper.
func TestDither(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 48, 40))
	for y := 0; y < 40; y++ {
		for x := 0; x < 48; x++ {
			v := uint8(255)
			switch {
			case x < 16:
				v = 0
			case x < 32:
				v = 128
			}
			src.SetGray(x, y, color.Gray{Y: v})
		}
	}
	got := escpos.Dither(src, 0, 64)
	count := func(x0, x1 int) int {
		n := 0
		for y := 0; y < 40; y++ {
			for x := x0; x < x1; x++ {
				if got.Pix[y*got.Stride+x] == escpos.Black {
					n++
				}
			}
		}
		return n
	}
	if n := count(0, 16); n != 16*40 {
		t.Errorf("black area: got %d dots, want %d", n, 16*40)
	}
	if n := count(16, 32); n < 16*40*4/10 || n > 16*40*6/10 {
		t.Errorf("grey area: got %d dots, want about %d", n, 16*40/2)
	}
	if n := count(32, 64); n != 0 {
		t.Errorf("white and padding: got %d dots, want 0", n)
	}
	if !bytes.Equal(escpos.StatusRequest, []byte{0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 3, 0x10, 4, 4}) {
		t.Errorf("StatusRequest = % x", escpos.StatusRequest)
	}
}
