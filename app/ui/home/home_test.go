package home

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/ui/kiosktheme"
	"github.com/yichuang/yichuang/app/workday"
)

type fakeSource struct {
	st  Status
	err error
}

func (f *fakeSource) Status(context.Context) (Status, error) { return f.st, f.err }

func fixedNow() time.Time { return time.Date(2026, 11, 26, 14, 5, 0, 0, workday.China) }

func TestHomeShowsStatusAndDisabledModes(t *testing.T) {
	test.NewTempApp(t).Settings().SetTheme(kiosktheme.New()) // the kiosk's sizes: the width check below depends on them
	src := &fakeSource{st: Status{PointName: "洪桥镇便民服务中心", PointCode: "330522101000", Level: catalog.Township,
		LinkNote: "未配置县中心地址", Pending: 3, CatalogVersion: "2026.11-demo"}}
	opened := ""
	modes := []Mode{
		{Title: "自助服务", Subtitle: "x"},
		{Title: "窗口受理", Subtitle: "y"},
		{Title: "事项查询", Subtitle: "z", Ready: true, Open: func() { opened = "事项查询" }},
	}
	var lang string
	s := New(src, fixedNow, modes, func(code string) { lang = code })
	w := test.NewTempWindow(t, s.Content())
	w.Resize(w.Content().MinSize().Max(w.Canvas().Size()))
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(s.StatusText(), " | ")
	want := "服务点 330522101000 | 离线：未配置县中心地址 |  | 待同步 3 条 | 事项目录 2026.11-demo"
	if got != want {
		t.Errorf("status bar = %q, want %q", got, want)
	}
	if s.now.Text != "2026-11-26 星期四 14:05" {
		t.Errorf("clock = %q", s.now.Text)
	}
	tiles := s.Tiles()
	test.Tap(tiles[0])
	if opened != "" {
		t.Errorf("tapping a 建设中 tile opened %q", opened)
	}
	test.Tap(tiles[2])
	if opened != "事项查询" {
		t.Errorf("tapping a ready tile opened %q, want 事项查询", opened)
	}
	test.Tap(s.language)
	if lang != "en" {
		t.Errorf("language button asked for %q, want en", lang)
	}

	if s.SyncNow.Visible() || s.upload.Visible() {
		t.Error("立即同步 or the upload bar shown before the kiosk is enrolled")
	}

	// Enrolled and online, uploading the second of three attachments, one
	// event refused by the county.
	synced := 0
	s.SetSyncNow(func() { synced++ })
	src.st.Online, src.st.Pending, src.st.Refused = true, 2, 1
	src.st.LastSync = time.Date(2026, 11, 26, 14, 4, 0, 0, workday.China)
	src.st.Uploading, src.st.UploadFile, src.st.Uploads, src.st.UploadFraction = true, 2, 3, 0.5
	s.Refresh(context.Background())
	got = strings.Join(s.StatusText()[1:4], " | ")
	if want := "在线：已连接县中心 | 上次同步 11-26 14:04 | 待同步 2 条 · 拒收 1 条"; got != want {
		t.Errorf("online: %q, want %q", got, want)
	}
	if !s.upload.Visible() || s.Upload.Value != 0.5 || s.uploadText != "上传材料 2/3" {
		t.Errorf("upload bar: visible %v, value %v, text %q", s.upload.Visible(), s.Upload.Value, s.uploadText)
	}
	test.Tap(s.SyncNow)
	if synced != 1 {
		t.Errorf("立即同步 ran %d rounds", synced)
	}
	src.st.Uploading = false
	s.Refresh(context.Background())
	if s.upload.Visible() {
		t.Error("upload bar stays after the upload")
	}

	// The longest state must not make the window wider than a 1280-pixel
	// screen: the bar would push every later screen off its right edge.
	src.st.Online, src.st.LinkNote = false, "时钟不准：本机时间与县中心相差127分钟，请校准本机时间后再同步"
	src.st.Pending, src.st.Refused, src.st.Uploading = 12345, 12, true
	s.Refresh(context.Background())
	if got := s.Content().MinSize().Width; got > 1280 {
		t.Errorf("home needs %v px wide with a long status", got)
	}
}

func TestHomeSaysWhenStatusCannotBeRead(t *testing.T) {
	test.NewTempApp(t)
	s := New(&fakeSource{err: errors.New("disk I/O error")}, fixedNow, nil, nil)
	test.NewTempWindow(t, s.Content())
	if err := s.Refresh(context.Background()); err == nil {
		t.Fatal("Refresh: want the source's error")
	}
	if s.StatusText()[0] != "状态读取失败" {
		t.Errorf("status = %q, want 状态读取失败", s.StatusText()[0])
	}
}

// TestHomeClockIsBeijingTimeOnAUTCMachine: kiosks are often installed with
// the machine set to UTC; the bar's clock and 上次同步 still read the hall's
// time. 17:30 UTC on the 26th is already 01:30 on Friday the 27th in Beijing.
func TestHomeClockIsBeijingTimeOnAUTCMachine(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = time.UTC
	test.NewTempApp(t)
	at := time.Date(2026, 11, 26, 17, 30, 0, 0, time.UTC)
	src := &fakeSource{st: Status{PointName: "洪桥镇便民服务中心", PointCode: "330522101000", Online: true,
		LastSync: at.Add(-time.Minute)}}
	s := New(src, func() time.Time { return at }, nil, nil)
	test.NewTempWindow(t, s.Content())
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := s.now.Text, "2026-11-27 星期五 01:30"; got != want {
		t.Errorf("clock = %q, want %q", got, want)
	}
	if got, want := s.StatusText()[2], "上次同步 11-27 01:29"; got != want {
		t.Errorf("last sync = %q, want %q", got, want)
	}
}
