// Package home provides the kiosk's first screen: the mode chooser (自助服务,
// 窗口受理, 大厅显示屏, 村代办 …) and the status bar every hall worker glances
// at — which hall this is, whether the county link is up, and how many
// actions still wait to reach the county.
package home

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/ui/kiosktheme"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/workday"
)

// Status is what the status bar shows.
type Status struct {
	PointName string
	PointCode string
	Level     catalog.Level
	// Online: the county center answered recently. LinkNote says why not.
	Online   bool
	LinkNote string
	// Pending counts outbox events not yet acknowledged by the county;
	// Refused those the county refused (a supervisor must look).
	Pending, Refused int
	// LastSync is the last time the county was reached (zero: never).
	LastSync       time.Time
	CatalogVersion string
	// Uploading is set while attachments go up: file n of m, and the
	// fraction of the current file the county holds.
	Uploading           bool
	UploadFile, Uploads int
	UploadFraction      float64
}

// Source reads the status; the kiosk's wiring implements it over the store
// and the sync link.
type Source interface {
	Status(ctx context.Context) (Status, error)
}

// Mode is one entry of the mode chooser.
type Mode struct {
	Title    string
	Subtitle string
	Icon     fyne.Resource
	// Ready is false until the capability has landed; the tile is then
	// shown disabled with 建设中 so nobody mistakes it for broken.
	Ready bool
	Open  func()
}

// Screen is the home screen.
type Screen struct {
	src   Source
	clock func() time.Time

	content  fyne.CanvasObject
	point    *widget.Label
	link     *widget.Label
	linkDot  *canvas.Circle
	pending  *widget.Label
	catalog  *widget.Label
	lastSync *widget.Label
	// SyncNow is the 立即同步 button, hidden until SetSyncNow.
	SyncNow  *widget.Button
	Upload   *widget.ProgressBar
	upload   *fyne.Container
	now      *widget.Label
	title    *widget.Label
	tiles    []*Tile
	language *widget.Button

	uploadText string
}

// New builds the home screen. onLanguage is called with the other language's
// code when the language button is pressed.
func New(src Source, clock func() time.Time, modes []Mode, onLanguage func(code string)) *Screen {
	s := &Screen{src: src, clock: clock}
	s.title = widget.NewLabelWithStyle(l10n.L("一窗 · 便民服务"), fyne.TextAlignLeading, fyne.TextStyle{})
	s.title.SizeName = theme.SizeNameHeadingText
	s.now = widget.NewLabel("")
	s.now.Alignment = fyne.TextAlignTrailing
	header := container.NewBorder(nil, nil, s.title, s.now)

	grid := container.NewGridWithColumns(2)
	for _, m := range modes {
		t := NewTile(m)
		s.tiles = append(s.tiles, t)
		grid.Add(t)
	}

	s.point = widget.NewLabel("")
	s.linkDot = canvas.NewCircle(theme.Color(theme.ColorNameDisabled))
	dot := container.NewGridWrap(fyne.NewSize(12, 12), s.linkDot)
	s.link = widget.NewLabel("")
	s.pending = widget.NewLabel("")
	s.catalog = widget.NewLabel("")
	other, otherLabel := "en", "English"
	if l10n.Current() == l10n.English {
		other, otherLabel = "zh-CN", "中文"
	}
	s.language = widget.NewButton(otherLabel, func() {
		if onLanguage != nil {
			onLanguage(other)
		}
	})
	s.language.Importance = widget.LowImportance
	s.lastSync = widget.NewLabel("")
	s.SyncNow = widget.NewButtonWithIcon(l10n.L("立即同步"), theme.ViewRefreshIcon(), nil)
	s.SyncNow.Importance = widget.LowImportance
	s.SyncNow.Hide()
	s.Upload = widget.NewProgressBar()
	s.Upload.TextFormatter = func() string { return s.uploadText }
	s.upload = container.NewGridWrap(fyne.NewSize(160, s.Upload.MinSize().Height), s.Upload)
	s.upload.Hide()
	// The link's note can be long (why it is offline); it takes the room
	// left and is cut with an ellipsis, so the bar never widens the window.
	s.link.Truncation = fyne.TextTruncateEllipsis
	left := container.NewHBox(s.point, widget.NewSeparator(), container.NewCenter(dot))
	right := container.NewHBox(s.lastSync, widget.NewSeparator(), s.pending, s.upload, s.SyncNow, widget.NewSeparator(), s.catalog, s.language)
	bar := container.NewBorder(nil, nil, left, right, s.link)
	barBg := canvas.NewRectangle(theme.Color(theme.ColorNameHeaderBackground))

	body := container.NewPadded(container.NewVBox(layout.NewSpacer(), grid, layout.NewSpacer()))
	s.content = container.NewBorder(container.NewPadded(header), container.NewStack(barBg, bar), nil, nil,
		container.NewCenter(container.NewGridWrap(fyne.NewSize(760, 420), body)))
	s.tick()
	return s
}

// Content returns the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

// Refresh re-reads the status. It may be called from any goroutine; widget
// changes are handed to the UI thread with fyne.Do.
func (s *Screen) Refresh(ctx context.Context) error {
	st, err := s.src.Status(ctx)
	fyne.Do(func() {
		s.tick()
		if err != nil {
			s.point.SetText(l10n.L("状态读取失败"))
			return
		}
		s.apply(st)
	})
	return err
}

func (s *Screen) tick() {
	// The hall reads Beijing time whatever zone the machine is set to.
	t := s.clock().In(workday.China)
	weekdays := []string{l10n.L("星期日"), l10n.L("星期一"), l10n.L("星期二"), l10n.L("星期三"),
		l10n.L("星期四"), l10n.L("星期五"), l10n.L("星期六")}
	s.now.SetText(fmt.Sprintf("%s %s %s", t.Format("2006-01-02"), weekdays[t.Weekday()], t.Format("15:04")))
}

func (s *Screen) apply(st Status) {
	if st.PointName != "" {
		s.title.SetText(l10n.L("一窗 · {{.Name}}", map[string]any{"Name": st.PointName}))
		// The name is the screen's title; the bar keeps the code that
		// support staff ask for, and room for the link's state.
		s.point.SetText(l10n.L("服务点 {{.Code}}", map[string]any{"Code": st.PointCode}))
	} else {
		s.point.SetText(l10n.L("服务点未设置"))
	}
	if st.Online {
		s.linkDot.FillColor = theme.Color(theme.ColorNameSuccess)
		s.link.SetText(l10n.L("在线：已连接县中心"))
	} else {
		s.linkDot.FillColor = theme.Color(theme.ColorNameWarning)
		s.link.SetText(l10n.L("离线：{{.Why}}", map[string]any{"Why": st.LinkNote}))
	}
	s.linkDot.Refresh()
	if st.LastSync.IsZero() {
		s.lastSync.SetText("")
	} else {
		s.lastSync.SetText(l10n.L("上次同步 {{.Time}}", map[string]any{"Time": st.LastSync.In(workday.China).Format("01-02 15:04")}))
	}
	s.pending.SetText(l10n.L("待同步 {{.N}} 条", map[string]any{"N": st.Pending}))
	if st.Refused > 0 {
		s.pending.SetText(l10n.L("待同步 {{.N}} 条 · 拒收 {{.R}} 条", map[string]any{"N": st.Pending, "R": st.Refused}))
	}
	if st.Uploading {
		s.uploadText = l10n.L("上传材料 {{.I}}/{{.N}}", map[string]any{"I": st.UploadFile, "N": st.Uploads})
		s.Upload.SetValue(st.UploadFraction)
		s.upload.Show()
	} else {
		s.upload.Hide()
	}
	if st.CatalogVersion != "" {
		s.catalog.SetText(l10n.L("事项目录 {{.V}}", map[string]any{"V": st.CatalogVersion}))
	} else {
		s.catalog.SetText(l10n.L("事项目录未载入"))
	}
}

// SetSyncNow shows the 立即同步 button, which calls f.
func (s *Screen) SetSyncNow(f func()) {
	s.SyncNow.OnTapped = f
	s.SyncNow.Show()
}

// Tile is a large mode button: icon, title, one line of explanation, and a
// 建设中 note while the mode is not ready.
type Tile struct {
	widget.BaseWidget
	mode  Mode
	bg    *canvas.Rectangle
	body  *fyne.Container
	title *widget.Label
}

var _ fyne.Tappable = (*Tile)(nil)

// NewTile returns a tile for m.
func NewTile(m Mode) *Tile {
	t := &Tile{mode: m}
	t.ExtendBaseWidget(t)
	t.bg = canvas.NewRectangle(kiosktheme.Primary)
	t.bg.CornerRadius = 10
	t.title = widget.NewLabelWithStyle(m.Title, fyne.TextAlignCenter, fyne.TextStyle{})
	t.title.SizeName = theme.SizeNameSubHeadingText
	sub := widget.NewLabelWithStyle(m.Subtitle, fyne.TextAlignCenter, fyne.TextStyle{})
	sub.Wrapping = fyne.TextWrapWord
	items := []fyne.CanvasObject{layout.NewSpacer()}
	if m.Icon != nil {
		icon := widget.NewIcon(m.Icon)
		items = append(items, container.NewCenter(container.NewGridWrap(fyne.NewSize(40, 40), icon)))
	}
	items = append(items, t.title, sub)
	if !m.Ready {
		wip := widget.NewLabelWithStyle(l10n.L("建设中"), fyne.TextAlignCenter, fyne.TextStyle{})
		items = append(items, wip)
		wip.Importance = widget.WarningImportance
		// Still legible: a clerk should see what is coming, just not tap it.
		t.bg.FillColor = theme.Color(theme.ColorNameDisabledButton)
	} else {
		t.bg.FillColor = theme.Color(theme.ColorNameHeaderBackground)
		t.bg.StrokeColor = kiosktheme.Primary
		t.bg.StrokeWidth = 2
	}
	items = append(items, layout.NewSpacer())
	t.body = container.NewVBox(items...)
	return t
}

// Ready reports whether the tile's mode can be opened.
func (t *Tile) Ready() bool { return t.mode.Ready }

// Title returns the tile's title.
func (t *Tile) Title() string { return t.mode.Title }

// Tapped opens the mode when it is ready; a disabled tile ignores taps.
func (t *Tile) Tapped(*fyne.PointEvent) {
	if t.mode.Ready && t.mode.Open != nil {
		t.mode.Open()
	}
}

// CreateRenderer draws the background behind the padded content.
func (t *Tile) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(t.bg, container.NewPadded(t.body)))
}

// Tiles returns the mode tiles in order (for tests and keyboard focus).
func (s *Screen) Tiles() []*Tile { return s.tiles }

// StatusText returns the status bar's texts in order (for tests).
func (s *Screen) StatusText() []string {
	return []string{s.point.Text, s.link.Text, s.lastSync.Text, s.pending.Text, s.catalog.Text}
}
