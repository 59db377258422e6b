// Package shot saves what a Fyne test window shows as a PNG for the docs
// (docs/screenshots), when YICHUANG_SCREENSHOTS names the folder; `make
// screenshots` sets it. Without it, tests take no pictures.
package shot

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/yichuang/yichuang/app/ui/kiosktheme"
)

// Take saves w, resized to width×height in the kiosk's theme, as name.
func Take(t *testing.T, w fyne.Window, name string, width, height float32) {
	t.Helper()
	dir := os.Getenv("YICHUANG_SCREENSHOTS")
	if dir == "" {
		return
	}
	// Settings, not test.ApplyTheme: the window may run under a wrapping
	// test app (busytest), which ApplyTheme refuses.
	settings := fyne.CurrentApp().Settings()
	before := settings.Theme()
	settings.SetTheme(kiosktheme.New())
	t.Cleanup(func() { settings.SetTheme(before) })
	w.Content().Refresh()
	w.Resize(fyne.NewSize(width, height))
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, w.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}
