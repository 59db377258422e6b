package printing

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

// sealPNG draws a red ring on a transparent square, like a scanned seal.
func sealPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 120, 120))
	for y := 0; y < 120; y++ {
		for x := 0; x < 120; x++ {
			d := (x-60)*(x-60) + (y-60)*(y-60)
			if d < 58*58 && d > 52*52 {
				img.Set(x, y, color.NRGBA{R: 220, A: 255})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSealImageIsMarked: a configured seal image is placed in the seal area
// and captioned as an image, not an electronic signature; without one the
// area is still there to stamp.
func TestSealImageIsMarked(t *testing.T) {
	cat := demoCatalog(t)
	c := restaurantCase(t, cat)
	for _, tt := range []struct {
		name    string
		seal    []byte
		caption bool
	}{{"configured image", sealPNG(t), true}, {"no image", nil, false}} {
		for _, layout := range []Layout{A4, Roll80} {
			var buf bytes.Buffer
			if _, err := WriteCaseDoc(&buf, Receipt, layout, CaseInput{Case: c, Catalog: cat, ServicePoint: "洪桥镇便民服务中心", PrintedAt: printedAt, SealPNG: tt.seal}); err != nil {
				t.Fatal(err)
			}
			text := compact(pdfText(t, buf.Bytes()))
			if got := strings.Contains(text, sealImageCaption); got != tt.caption {
				t.Errorf("%s/%s: caption printed = %v, want %v", tt.name, layout, got, tt.caption)
			}
			if !strings.Contains(text, "洪桥镇便民服务中心（受理专用章）（盖章）2026年11月26日") {
				t.Errorf("%s/%s: got %s, want the seal area with issuer and date", tt.name, layout, text)
			}
			if got := bytes.Contains(buf.Bytes(), []byte("/Subtype /Image")); got != (tt.seal != nil) {
				t.Errorf("%s/%s: image embedded = %v", tt.name, layout, got)
			}
			checkArchivable(t, buf.Bytes())
		}
	}
}
