package counter

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image/jpeg"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"

	"github.com/yichuang/yichuang/app/photo"
	"github.com/yichuang/yichuang/app/photo/phototest"
)

// TestAttachKeepsOnlyTheNormalisedPhoto: a document-camera photo is
// stored normalised (a JPEG within the budget, under a .jpg name), and
// nothing of the original is kept: the files folder holds one file, the
// normalised one, and the original's SHA-256 is not stored.
func TestAttachKeepsOnlyTheNormalisedPhoto(t *testing.T) {
	f := newFixture(t)
	form, _ := phototest.Form(1, 1200, false)
	orig := phototest.Photograph(form, phototest.Shot{W: 2400, H: 1800, Fill: 0.9, Tilt: 2, Noise: 4, Seed: 1})
	png := strings.NewReader("\x89PNG\r\n\x1a\n not a picture at all")

	a, err := f.c.Attach(bytes.NewReader(orig), "申请书.png")
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != "image/jpeg" || a.Name != "申请书.jpg" || a.Size > photo.Budget || a.Size >= int64(len(orig))/4 {
		t.Errorf("attachment %+v (original %d bytes), want a JPEG named 申请书.jpg within %d bytes", a, len(orig), photo.Budget)
	}
	stored, err := f.c.Blobs.Open(a.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(stored)); err != nil {
		t.Errorf("stored photo does not decode: %v", err)
	}
	sum := sha256.Sum256(orig)
	if f.c.Blobs.Has(hex.EncodeToString(sum[:])) {
		t.Error("the original photo is stored")
	}
	var files []string
	filepath.WalkDir(f.c.Blobs.Dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, filepath.Base(p))
		}
		return nil
	})
	if len(files) != 1 || files[0] != a.SHA256 {
		t.Errorf("files kept: %v, want only %s", files, a.SHA256)
	}

	// A camera's BMP (15 MB for 5 MP) is normalised like a JPEG.
	var bm bytes.Buffer
	if err := bmp.Encode(&bm, form); err != nil {
		t.Fatal(err)
	}
	if c, err := f.c.Attach(&bm, "扫描.bmp"); err != nil || c.Type != "image/jpeg" || c.Name != "扫描.jpg" || c.Size > photo.Budget {
		t.Errorf("BMP: %+v, %v; want a JPEG named 扫描.jpg within %d bytes", c, err, photo.Budget)
	}

	// What cannot be decoded is kept as it came (as every scan was), not
	// refused: it may be the only copy of someone's papers.
	b, err := f.c.Attach(png, "合同.png")
	if err != nil || b.Name != "合同.png" || b.Type != "image/png" {
		t.Errorf("undecodable photo: %+v, %v; want it kept as scanned", b, err)
	}
}
