package services_test

import (
	"bytes"
	"context"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/photo"
	"github.com/yichuang/yichuang/app/photo/phototest"
	"github.com/yichuang/yichuang/app/services"
)

// TestTakenScanShowsTheNormalisedPhoto: a photo the document camera drops
// is stored normalised, and the thumbnail the citizen checks is that
// stored picture (what the county will read), not the camera's original;
// the drop folder is left empty.
func TestTakenScanShowsTheNormalisedPhoto(t *testing.T) {
	_, svc, _, _ := halltest.At(t, time.Date(2026, 11, 26, 10, 15, 0, 0, halltest.CST))
	scans := t.TempDir()
	card, _ := phototest.IDCard(2, 1000, false)
	orig := phototest.Photograph(card, phototest.Shot{W: 2400, H: 1800, Fill: 0.45, Tilt: -1.5, Noise: 4, Seed: 2})
	if err := os.WriteFile(filepath.Join(scans, "IMG_0001.jpg"), orig, 0o600); err != nil {
		t.Fatal(err)
	}
	f := &services.Filing{Counter: svc.Counter, ScanDir: scans}
	got, errs := f.TakeScans(context.Background())
	if len(errs) != 0 || len(got) != 1 {
		t.Fatalf("took %d scans, errors %v", len(got), errs)
	}
	stored, err := svc.Counter.Blobs.Open(got[0].SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[0].Image, stored) || len(stored) > photo.Budget {
		t.Errorf("thumbnail %d bytes, stored %d (budget %d), original %d: want the thumbnail to be the stored photo", len(got[0].Image), len(stored), photo.Budget, len(orig))
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(stored))
	if long := max(cfg.Width, cfg.Height); err != nil || long > photo.CardLongSide || long < photo.CardLongSide*95/100 {
		t.Errorf("stored card %d×%d (%v), want its long side %d (less the desk trimmed)", cfg.Width, cfg.Height, err, photo.CardLongSide)
	}
	if left, _ := os.ReadDir(scans); len(left) != 0 {
		t.Errorf("drop folder holds %v", left)
	}
}
