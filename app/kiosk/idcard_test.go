package kiosk

import (
	"context"
	"image/color"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/idcard/sdt/sdttest"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
)

// TestReaderReachesTheScreens: the reader given in Options reaches the
// counter (its card fills the applicant), the terminal, and 设置, which
// names its library and says it answers; leaving the counter stops the
// counter's reading.
func TestReaderReachesTheScreens(t *testing.T) {
	sim := sdttest.New(t)
	a := busytest.NewApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	k := New(a, w, Options{Dir: halltest.ConfiguredData(t), KeepBackups: 7, Clock: clock.System{}, StartMode: "home", Version: "0.0.0-test",
		IDCard: sim.Reader(), IDCardLibrary: sim.Library})
	k.Start()
	t.Cleanup(k.Close)
	unlock(t, k, w)
	sup, err := k.db.Authenticate(context.Background(), halltest.SupervisorLogin, halltest.SupervisorSecret)
	if err != nil {
		t.Fatal(err)
	}
	k.clerk = sup
	k.showCounter()
	busytest.Until(t, "the counter's reader line", func() bool { return strings.Contains(shown(w), "可刷身份证") })
	sim.Put(sdttest.Card(), color.RGBA{})
	busytest.Until(t, "the card's name on the counter", func() bool { return strings.Contains(shown(w), "已读取居民身份证：张*") })

	k.showSelfService()
	// The terminal's reader feeds 进度查询 and booking once opened: its
	// tiles show no reader line.
	if strings.Contains(shown(w), "可刷身份证") {
		t.Error("the terminal's tiles show the reader's line")
	}
	k.showHome()
	cfg, _, _ := k.db.Kiosk(context.Background())
	k.showSettingsFrom(cfg, func() {}, k.showHome)
	busytest.Until(t, "the settings' reader row", func() bool {
		return strings.Contains(k.setup.Reader.Text, sim.Library) && strings.Contains(k.setup.Reader.Text, "已找到阅读器")
	})
}
