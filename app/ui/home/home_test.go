package home

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/catalog"
)

type fakeSource struct {
	st  Status
	err error
}

func (f *fakeSource) Status(context.Context) (Status, error) { return f.st, f.err }

func fixedNow() time.Time { return time.Date(2026, 11, 26, 14, 5, 0, 0, time.Local) }

func TestHomeShowsStatusAndDisabledModes(t *testing.T) {
	test.NewTempApp(t)
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
	want := "洪桥镇便民服务中心（330522101000） | 离线：未配置县中心地址 | 待同步 3 条 | 事项目录 2026.11-demo"
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

	src.st.Online, src.st.Pending = true, 0
	s.Refresh(context.Background())
	if got := s.StatusText()[1:3]; got[0] != "在线：已连接县中心" || got[1] != "待同步 0 条" {
		t.Errorf("after going online: %q", got)
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
