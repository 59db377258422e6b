// Command app is the Yichuang (一窗) kiosk for township and village service
// halls. It only wires things together: flags, the Fyne app and its window,
// and the controller of package kiosk, which opens the data and shows the
// screens. Only this package imports fyne.io/fyne/v2/app, so everything
// else runs headless in tests.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/idcard/sdt"
	"github.com/yichuang/yichuang/app/kiosk"
	"github.com/yichuang/yichuang/app/locale"
	"github.com/yichuang/yichuang/app/ui/kiosktheme"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/update"
	"github.com/yichuang/yichuang/assets"
)

func main() {
	dataDir := flag.String("data", envOr("YICHUANG_DATA_DIR", defaultDataDir()), "directory for the database, backups and printouts")
	language := flag.String("lang", envOr("YICHUANG_LANG", l10n.Chinese), "UI language: zh-CN or en")
	fullscreen := flag.Bool("fullscreen", false, "fill the screen (kiosk terminals)")
	windowSize := flag.String("window", envOr("YICHUANG_WINDOW", ""), "window size WIDTHxHEIGHT (default: 1280x800, cut down to what the screen shows)")
	keepBackups := flag.Int("keep-backups", 7, "daily backups to keep")
	mode := flag.String("mode", envOr("YICHUANG_MODE", "home"), "first screen after start: home, selfservice, counter, board or agent")
	hubListen := flag.String("hub-listen", envOr("YICHUANG_HUB_LISTEN", ""), "where a hall hub serves the hall's machines (default :8730)")
	idcardLib := flag.String("idcard-lib", envOr("YICHUANG_IDCARD_LIB", ""), "the ID-card reader's SDT library (vendor's libsdtapi.so); empty: no reader, IDs are typed (docs/hardware.md)")
	idcardWLT := flag.String("idcard-wlt", envOr("YICHUANG_IDCARD_WLT", ""), "the vendor's WLT photo decoder library (exports unpack); empty: cards are read without their photo")
	idcardPort := flag.Int("idcard-port", envInt("YICHUANG_IDCARD_PORT", 0), "the reader's SDT port: 1001-1016 USB, 1-16 serial; 0 tries them all")
	showVersion := flag.Bool("version", false, "print the version and commit, then exit")
	check := flag.Bool("self-check", false, "check the database, catalog, working days and printing without a display, then exit")
	testPrint := flag.Bool("print-test", false, "send the printer test page to the kiosk's printer (set in 设置, else the default) without a display, then exit")
	updateKey := flag.String("update-key", envOr("YICHUANG_UPDATE_KEY", update.DefaultKeyFile()), "release public key file pinned at install: updates from the county are checked against it (none: no updates)")
	updateTrack := flag.String("update-track", envOr("YICHUANG_UPDATE_TRACK", "stable"), "release track to follow")
	flag.Parse()
	// The launcher: a release installed from the county, newer than this
	// binary, runs instead (or is rolled back after failed starts).
	handOff(*dataDir, *updateKey, !*showVersion && !*check && !*testPrint)
	if *showVersion {
		fmt.Println(versionLine())
		return
	}
	if *check {
		if err := selfCheck(context.Background(), *dataDir, os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "自检失败 self-check failed: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if *testPrint {
		if err := printTest(context.Background(), *dataDir, os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "测试页没有打印 test page not printed: %v\n", err)
			os.Exit(1)
		}
		return
	}

	// A kiosk runs for weeks on a small machine. Most of its heap is font
	// data that lives as long as the process; a lower GC target keeps the
	// garbage on top of it small (measured in docs/performance.md).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}

	// Before any window: typed Chinese is lost under a non-UTF-8 LC_CTYPE.
	if set, err := locale.EnsureUTF8(locale.OS()); err != nil {
		log.Printf("locale: %v", err)
	} else if set != "" {
		log.Printf("locale: LC_CTYPE was not UTF-8; set to %s so input methods work", set)
	}
	if err := l10n.Use(*language); err != nil {
		log.Printf("translations: %v", err)
	}

	want := preferredWindow
	if *windowSize != "" {
		if s, err := parseSize(*windowSize); err != nil {
			log.Printf("%v; using %.0fx%.0f", err, want.Width, want.Height)
		} else {
			want = s
		}
	}
	opts := kiosk.Options{Dir: *dataDir, KeepBackups: *keepBackups, Clock: kioskClock(),
		Fullscreen: *fullscreen, StartMode: *mode, Version: Version(),
		// The document camera drops its photos here for 自助申报.
		ScanDir: os.Getenv("YICHUANG_SCAN_DIR"), HubListen: *hubListen, IDCardLibrary: *idcardLib,
		UpdateKey: *updateKey, UpdateTrack: *updateTrack}
	if *idcardLib != "" {
		// Loaded on the first read, off the UI goroutine: a missing or
		// broken library shows as "no reader" and IDs are typed.
		r := sdt.New(sdt.Config{Library: *idcardLib, Decoder: *idcardWLT, Port: *idcardPort})
		defer r.Close()
		opts.IDCard = r
	}
	_, w, _ := open(opts, want)
	go func() {
		// Start-up parses the fonts and leaves megabytes of temporary
		// buffers behind; hand them back to the OS once the first screen is
		// up instead of waiting for the scavenger (about 6 MB less RSS).
		time.Sleep(3 * time.Second)
		debug.FreeOSMemory()
	}()
	w.ShowAndRun()
}

// open makes the Fyne app, the kiosk's window at want (cut down to the
// screen once the driver knows it) and the controller, started on opts: the
// whole kiosk but the event loop, which the caller runs. TestEveryScreenFits
// opens the kiosk this same way under Xvfb.
func open(opts kiosk.Options, want fyne.Size) (fyne.App, fyne.Window, *kiosk.Controller) {
	a := fyneapp.NewWithID("cn.yichuang.kiosk")
	a.Settings().SetTheme(kiosktheme.New())
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon()))
	w := a.NewWindow("一窗 Yichuang")
	// Cut down to the real screen as soon as the driver can say what that
	// is (fitToScreen): never taller or wider than the screen.
	w.Resize(want)
	fitToScreen(a, w, want)
	w.SetFullScreen(opts.Fullscreen)
	k := kiosk.New(a, w, opts)
	w.SetCloseIntercept(func() { k.Close(); a.Quit() })
	k.Start()
	return a, w, k
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// defaultDataDir is the per-user data directory: $XDG_DATA_HOME/yichuang
// (~/.local/share/yichuang) on Linux, %LOCALAPPDATA%\Yichuang on Windows.
func defaultDataDir() string {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "Yichuang")
		}
	case "darwin":
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, "Library", "Application Support", "Yichuang")
		}
	default:
		if d := os.Getenv("XDG_DATA_HOME"); d != "" {
			return filepath.Join(d, "yichuang")
		}
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, ".local", "share", "yichuang")
		}
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("yichuang-%d", os.Getuid()))
}

// kioskClock is the machine's clock, or, when YICHUANG_CLOCK holds a time
// (RFC 3339), the machine's clock moved to start there: to show or
// photograph the hall at 10:30 when it is night. Never for a kiosk in
// service: the county refuses signatures from a clock that far off.
func kioskClock() clock.Clock {
	v := os.Getenv("YICHUANG_CLOCK")
	if v == "" {
		return clock.System{}
	}
	at, err := time.Parse(time.RFC3339, v)
	if err != nil {
		log.Printf("YICHUANG_CLOCK=%q is not an RFC 3339 time; the machine's clock is used", v)
		return clock.System{}
	}
	log.Printf("clock moved to start at %s (YICHUANG_CLOCK): for demonstrations only", at.Format(time.RFC3339))
	return clock.Shifted{By: time.Until(at)}
}
