package main

import (
	"fmt"
	"log"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.4/glfw"
)

// preferredWindow is the size the screens are laid out for: a township
// hall's 1280×800 counter monitor. Halls also have 1366×768 and 1280×720
// screens; on those the window starts at the part of this size the screen
// can show (issue 17: the window started 800 px tall on a 768 px screen and
// its bottom row — 下一步, 首页 — was off the screen).
var preferredWindow = fyne.NewSize(1280, 800)

// fitWindow is want cut down to the screen's usable area (both in Fyne's
// units). An unknown screen (zero) leaves want as it is.
func fitWindow(want, screen fyne.Size) fyne.Size {
	if screen.Width > 0 && screen.Width < want.Width {
		want.Width = screen.Width
	}
	if screen.Height > 0 && screen.Height < want.Height {
		want.Height = screen.Height
	}
	return want
}

// parseSize reads "1366x768" (YICHUANG_WINDOW, -window): a hall whose
// screen the kiosk cannot ask (a remote desktop, a projector that lies about
// its mode) names its size.
func parseSize(s string) (fyne.Size, error) {
	w, h, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "x")
	if !ok {
		return fyne.Size{}, fmt.Errorf("window size %q: want WIDTHxHEIGHT, e.g. 1366x768", s)
	}
	wi, err1 := strconv.Atoi(w)
	hi, err2 := strconv.Atoi(h)
	if err1 != nil || err2 != nil || wi < 640 || hi < 480 {
		return fyne.Size{}, fmt.Errorf("window size %q: want WIDTHxHEIGHT of at least 640x480", s)
	}
	return fyne.NewSize(float32(wi), float32(hi)), nil
}

// fitToScreen resizes w, once the driver runs, to what the screen it is on
// can show. Fyne has no screen-size API, and before the window exists it
// does not know the scale; so this runs when the app has started, on the
// main thread where GLFW may be asked (GLFW is Fyne's own desktop driver,
// initialised by then), and asks for the work area of the primary monitor:
// the screen less the panels a window manager reserves. A real kiosk
// terminal runs fullscreen (-fullscreen) and is not touched here; a counter
// PC runs a window that must never start taller or wider than its screen.
// The pixel size is turned into Fyne units with the canvas's scale.
func fitToScreen(a fyne.App, w fyne.Window, want fyne.Size) {
	a.Lifecycle().SetOnStarted(func() {
		screen := primaryWorkArea()
		if scale := w.Canvas().Scale(); scale > 0 {
			screen = fyne.NewSize(screen.Width/scale, screen.Height/scale)
		}
		got := fitWindow(want, screen)
		if got != want {
			log.Printf("window: the screen shows %.0f×%.0f; the window starts at %.0f×%.0f instead of %.0f×%.0f",
				screen.Width, screen.Height, got.Width, got.Height, want.Width, want.Height)
		}
		w.Resize(got)
	})
}

// primaryWorkArea is the primary monitor's usable area in pixels, or zero
// when there is no monitor to ask (then the window keeps its size).
func primaryWorkArea() (s fyne.Size) {
	defer func() {
		if recover() != nil { // GLFW not initialised: a driver other than GLFW
			s = fyne.Size{}
		}
	}()
	m := glfw.GetPrimaryMonitor()
	if m == nil {
		return fyne.Size{}
	}
	_, _, width, height := m.GetWorkarea()
	if width <= 0 || height <= 0 {
		if mode := m.GetVideoMode(); mode != nil {
			width, height = mode.Width, mode.Height
		}
	}
	return fyne.NewSize(float32(width), float32(height))
}
