// Package selfservice provides the 24-hour self-service terminal: big tiles
// for 取号, 预约, 办事指南 and 进度查询 (一码全知), a 长辈模式 for larger,
// higher-contrast text, an idle wipe that clears everything typed when the
// citizen walks away, and an exit that needs a supervisor. It is built for
// a touch screen and a USB QR scanner, with no keyboard.
package selfservice

import (
	"context"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/cardread"
	"github.com/yichuang/yichuang/app/ui/home"
	"github.com/yichuang/yichuang/app/ui/kiosktheme"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/workday"
)

// Service is what the terminal needs.
type Service interface {
	Catalog(ctx context.Context) (*catalog.Catalog, error)
	Search(ctx context.Context, query string) ([]catalog.Hit, error)
	PrintGuide(ctx context.Context, code string) error
	// Progress verifies the last four characters and returns what may be
	// shown; it locks a code after repeated wrong answers and audits each
	// answer given.
	Progress(ctx context.Context, code, last4 string) (cases.Progress, error)
	// ProgressByCard answers for the holder of the ID card the terminal's
	// reader read (never a typed number): their cases, newest first,
	// audited like every answer.
	ProgressByCard(ctx context.Context, idNumber string) ([]cases.Progress, error)
	SupervisorCheck(ctx context.Context, login, pin string) error
}

// Options configure the terminal.
type Options struct {
	Now func() time.Time
	// Idle is the quiet time before the countdown (60 s); Countdown how
	// long it runs (15 s), on screen, before the wipe.
	Idle, Countdown time.Duration
	// After runs f after d and returns a stop function; nil uses
	// time.AfterFunc through fyne.Do. Tests fire timers by hand.
	After func(d time.Duration, f func()) (stop func())
	// SetElderly switches the app's theme for 长辈模式.
	SetElderly func(on bool)
	// Ticket and Booking build the queue screens, shown inside the terminal
	// (so the idle wipe covers them); back returns to the tiles and sector,
	// when not empty, is the hall sector to start with (from a guide page).
	// Nil hides the tile and the guide page's button.
	Ticket, Booking func(back func(), sector string) fyne.CanvasObject
	// SectorFor is the hall sector that takes a catalog sector's matters
	// (queue.HallConfig.SectorFor), "" when none; nil means none.
	SectorFor func(catalogSector string) string
	// Exit leaves self-service after a supervisor's PIN.
	Exit func()
	// Filing enables 自助申报; nil hides the tile.
	Filing FilingService
	// Cards are the terminal's ID-card reader's events (nil: no reader):
	// 进度查询 and booking take them while shown (刷身份证 instead of typing).
	Cards *cardread.Feed
	// Hall is the service point's name and Hotline its service telephone
	// (from the hall config), shown at the top of the home; empty shows
	// nothing.
	Hall, Hotline string
}

// MinTouch is the smallest touch target: 48 px at 1080p.
const MinTouch = 48

// Terminal is the self-service terminal.
type Terminal struct {
	ctx  context.Context
	svc  Service
	opts Options
	cat  *catalog.Catalog

	Elderly  *widget.Button
	elderly  bool
	exit     *widget.Button
	Guide    *GuideScreen
	Progress *ProgressScreen
	Filing   *Filing
	Tiles    map[string]*home.Tile

	ExitLogin, ExitPIN *widget.Entry
	ExitConfirm        *widget.Button
	ExitMessage        *widget.Label

	// HallName, Clock and Hotline head the home: where the citizen is,
	// Beijing date and time, whom to call.
	HallName, Clock, Hotline *widget.Label

	Countdown *widget.Label
	overlay   fyne.CanvasObject
	// current is the page on screen, reset when the citizen leaves it.
	current   Screen
	idleStop  func()
	tickStop  func()
	remaining int

	// guard runs the terminal's slow actions — printing a guide, reading
	// the document camera's folder, filing with its slip — one at a time,
	// off the UI goroutine.
	guard   busy.Guard
	home    fyne.CanvasObject
	body    *fyne.Container
	content *fyne.Container
	wedge   *wedge
}

// New builds the terminal and shows its home.
func New(ctx context.Context, svc Service, opts Options) *Terminal {
	if opts.Idle == 0 {
		opts.Idle = 60 * time.Second
	}
	if opts.Countdown == 0 {
		opts.Countdown = 15 * time.Second
	}
	if opts.After == nil {
		opts.After = func(d time.Duration, f func()) func() {
			t := time.AfterFunc(d, func() { fyne.Do(f) })
			return func() { t.Stop() }
		}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	t := &Terminal{ctx: ctx, svc: svc, opts: opts, Tiles: map[string]*home.Tile{}}
	t.cat, _ = svc.Catalog(ctx)
	t.wedge = &wedge{}
	t.Guide = newGuide(t)
	t.Progress = newProgress(t)
	if opts.Filing != nil {
		t.Filing = newFiling(t, opts.Filing)
	}
	t.home = t.buildHome()
	t.Countdown = widget.NewLabel("")
	t.Countdown.SizeName = theme.SizeNameHeadingText
	t.Countdown.Alignment = fyne.TextAlignCenter
	t.Countdown.Wrapping = fyne.TextWrapWord
	stay := widget.NewButton(l10n.L("继续使用"), t.Touch)
	stay.Importance = widget.HighImportance
	// The shade takes every touch on the screen, so a tap anywhere keeps
	// the visit and never also presses the key or tile beneath it.
	shade := newShield(t.Touch)
	card := canvas.NewRectangle(theme.Color(theme.ColorNameBackground))
	card.CornerRadius = theme.Padding() * 2
	notice := container.NewStack(card, container.NewPadded(container.NewPadded(container.NewVBox(t.Countdown, container.NewCenter(touch(stay))))))
	t.overlay = container.NewStack(shade, container.NewCenter(container.NewGridWrap(fyne.NewSize(640, 220), notice)))
	t.overlay.Hide()
	t.body = container.NewStack(t.home)
	t.content = container.NewStack(t.body, t.overlay)
	t.Touch()
	go t.runClock(ctx)
	return t
}

// runClock keeps the home's clock current until ctx ends. It runs on its
// own ticker, not on Options.After, which belongs to the idle countdown.
func (t *Terminal) runClock(ctx context.Context) {
	tk := time.NewTicker(10 * time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			fyne.Do(t.TickClock)
		}
	}
}

// Content returns the terminal's root object.
func (t *Terminal) Content() fyne.CanvasObject { return t.content }

// Wait blocks until the terminal's action in flight, if any, has shown its
// result, or ctx ends.
func (t *Terminal) Wait(ctx context.Context) error { return t.guard.Wait(ctx) }

// tall gives a widget that fills its width at least the minimum touch height.
func tall(o fyne.CanvasObject, h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(1, max(h, MinTouch)))
	return container.NewStack(r, o)
}

// touch gives a widget at least the minimum touch size. The size is asked
// of the widget at each layout, not fixed when built, so a button grows with
// 长辈模式 instead of clipping its text.
func touch(o fyne.CanvasObject) fyne.CanvasObject {
	return container.New(touchLayout{}, o)
}

type touchLayout struct{}

func (touchLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		s = s.Max(o.MinSize())
	}
	return s.Max(fyne.NewSize(MinTouch, MinTouch))
}

func (touchLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (t *Terminal) tile(key, title, sub string, icon fyne.Resource, tap func()) fyne.CanvasObject {
	tl := home.NewTile(home.Mode{Title: title, Subtitle: sub, Icon: icon, Ready: true, Open: func() { t.Touch(); tap() }})
	t.Tiles[key] = tl
	// Three rows of these, the title and 工作人员退出 fit a 768 px high
	// screen in 长辈模式 too.
	return container.NewGridWrap(fyne.NewSize(380, 176), tl)
}

func (t *Terminal) buildHome() fyne.CanvasObject {
	title := widget.NewLabel(l10n.L("24小时自助服务"))
	title.SizeName = theme.SizeNameHeadingText
	t.HallName = widget.NewLabel(t.opts.Hall)
	t.HallName.Truncation = fyne.TextTruncateEllipsis
	t.Clock = widget.NewLabel("")
	t.Hotline = widget.NewLabel("")
	if t.opts.Hotline != "" {
		t.Hotline.SetText(l10n.L("服务热线 {{.Phone}}", map[string]any{"Phone": t.opts.Hotline}))
	} else {
		t.Hotline.Hide()
	}
	t.TickClock()
	grid := container.NewGridWithColumns(2)
	if t.opts.Ticket != nil {
		grid.Add(t.tile("ticket", l10n.L("取号"), l10n.L("按业务取号，预约签到"), theme.ContentAddIcon(), func() { t.open(t.opts.Ticket(t.Home, ""), nil) }))
	}
	if t.opts.Booking != nil {
		grid.Add(t.tile("booking", l10n.L("预约"), l10n.L("预约7个工作日内的时段"), theme.CalendarIcon(), func() { t.open(t.opts.Booking(t.Home, ""), nil) }))
	}
	grid.Add(t.tile("guide", l10n.L("办事指南"), l10n.L("要带什么材料、多久办好"), theme.DocumentIcon(), func() { t.open(t.Guide.content, t.Guide) }))
	grid.Add(t.tile("progress", l10n.L("进度查询"), l10n.L("扫描回执二维码或输入查询码"), theme.SearchIcon(), t.openProgress))
	if t.Filing != nil {
		grid.Add(t.tile("filing", l10n.L("自助申报"), l10n.L("拍照上传材料，窗口预审后受理"), theme.DocumentCreateIcon(), func() { t.open(t.Filing.content, t.Filing) }))
	}
	t.Elderly = widget.NewButtonWithIcon(l10n.L("长辈模式：大字"), theme.ZoomInIcon(), func() { t.Touch(); t.SetElderly(!t.elderly) })
	t.exit = widget.NewButton(l10n.L("工作人员退出"), func() { t.Touch(); t.open(t.exitScreen(), nil) })
	t.exit.Importance = widget.LowImportance
	exit := t.exit
	// The hall's name takes what width is left and truncates: a long
	// township name must not push 长辈模式 off the screen.
	head := container.NewBorder(nil, nil, title, container.NewHBox(t.Clock, touch(t.Elderly)), t.HallName)
	return container.NewPadded(container.NewBorder(head,
		container.NewHBox(t.Hotline, layout.NewSpacer(), touch(exit)), nil, nil, container.NewCenter(grid)))
}

// TickClock shows the date and time in Beijing time, whatever zone the
// machine is set to (the terminal's clock runs it every few seconds).
func (t *Terminal) TickClock() {
	now := t.opts.Now().In(workday.China)
	t.Clock.SetText(l10n.L("{{.Month}}月{{.Date}}日 {{.Weekday}} {{.Time}}", map[string]any{
		"Month": int(now.Month()), "Date": now.Day(), "Weekday": l10n.Weekday(now.Weekday()), "Time": now.Format("15:04")}))
}

// SetElderly turns 长辈模式 on or off: larger, higher-contrast text and
// fewer results per page.
func (t *Terminal) SetElderly(on bool) {
	t.elderly = on
	if on {
		t.Elderly.SetText(l10n.L("长辈模式：已开启"))
	} else {
		t.Elderly.SetText(l10n.L("长辈模式：大字"))
	}
	if t.opts.SetElderly != nil {
		t.opts.SetElderly(on)
	}
	t.Guide.refresh()
}

// ElderlyOn reports whether 长辈模式 is on.
func (t *Terminal) ElderlyOn() bool { return t.elderly }

// Screen is a terminal page that holds what one citizen typed, chose or
// was shown. The terminal resets the page on screen whenever the citizen
// leaves it — 首页, 返回, 完成 or the idle wipe — so a page opened again,
// by the same person or the next, starts empty. A page does not clear
// itself on its way out: leaving goes through Home, and Home resets.
type Screen interface {
	Reset()
}

// open shows a page that belongs to the visit; s (nil for a page built
// afresh each time it opens) is reset when the citizen leaves it.
func (t *Terminal) open(o fyne.CanvasObject, s Screen) {
	if t.current != nil && t.current != s {
		t.current.Reset()
	}
	t.current = s
	t.show(o)
}

func (t *Terminal) show(o fyne.CanvasObject) {
	t.body.Objects = []fyne.CanvasObject{o}
	t.body.Refresh()
}

// Home returns to the tiles and resets the page the citizen left.
func (t *Terminal) Home() {
	t.opts.Cards.Route(nil, nil) // a card put down at the tiles fills nothing
	t.open(t.home, nil)
}

// openProgress shows 进度查询, which takes the reader's cards while shown.
func (t *Terminal) openProgress() {
	t.open(t.Progress.content, t.Progress)
	t.opts.Cards.Route(t.Progress, t.Progress.ReadCard)
}

// Touch records activity: it restarts the idle timer and hides the countdown.
func (t *Terminal) Touch() {
	if t.idleStop != nil {
		t.idleStop()
	}
	if t.tickStop != nil {
		t.tickStop()
		t.tickStop = nil
	}
	if t.overlay.Visible() {
		t.overlay.Hide()
		t.content.Refresh()
	}
	t.idleStop = t.opts.After(t.opts.Idle, t.startCountdown)
}

func (t *Terminal) startCountdown() {
	t.remaining = int(t.opts.Countdown / time.Second)
	t.overlay.Show()
	// Show only flags the overlay: without a refresh of its parent the
	// window is not repainted and the countdown runs unseen.
	t.content.Refresh()
	t.tick()
}

func (t *Terminal) tick() {
	if t.remaining <= 0 {
		t.Wipe()
		return
	}
	t.Countdown.SetText(l10n.L("{{.N}}秒后返回首页，点击屏幕继续", map[string]any{"N": t.remaining}))
	t.remaining--
	t.tickStop = t.opts.After(time.Second, t.tick)
}

// Wipe clears everything entered, ends 长辈模式 and returns home: the next
// person at the terminal sees nothing of the last. Every page is reset,
// not only the one on screen, and the document camera's folder is
// emptied (Filing.Reset).
func (t *Terminal) Wipe() {
	t.Home()
	for _, s := range t.screens() {
		s.Reset()
	}
	t.ExitLogin, t.ExitPIN = nil, nil
	t.wedge.reset()
	if t.elderly {
		t.SetElderly(false)
	}
	t.overlay.Hide()
	t.content.Refresh()
	t.idleStop = t.opts.After(t.opts.Idle, t.startCountdown)
}

// screens are the terminal's own pages (取号 and 预约 are built afresh
// each time they open, and dropped when left).
func (t *Terminal) screens() []Screen {
	s := []Screen{t.Guide, t.Progress}
	if t.Filing != nil {
		s = append(s, t.Filing)
	}
	return s
}

// Type feeds a key from a hardware keyboard or a QR scanner (a keyboard
// wedge), which arrive at the window when no field has focus.
func (t *Terminal) Type(r rune) {
	t.Touch()
	t.wedge.add(r)
}

// Enter ends a scanned or typed line: a tracking code opens the progress
// query with it filled in.
func (t *Terminal) Enter() {
	t.Touch()
	line := t.wedge.take()
	if code, ok := scannedCode(line); ok {
		t.openProgress()
		t.Progress.setCode(code)
	}
}

func (t *Terminal) exitScreen() fyne.CanvasObject {
	t.ExitLogin, t.ExitPIN = widget.NewEntry(), widget.NewPasswordEntry()
	t.ExitMessage = widget.NewLabel("")
	t.ExitMessage.Importance = widget.DangerImportance
	ok := widget.NewButton(l10n.L("确认退出"), func() {
		t.Touch()
		err := t.svc.SupervisorCheck(t.ctx, strings.TrimSpace(strings.ToLower(t.ExitLogin.Text)), t.ExitPIN.Text)
		t.ExitPIN.SetText("")
		if err != nil {
			t.ExitMessage.SetText(l10n.Error(err))
			return
		}
		if t.opts.Exit != nil {
			t.opts.Exit()
		}
	})
	t.ExitConfirm = ok
	back := widget.NewButton(l10n.L("返回"), func() { t.Touch(); t.Home() })
	form := widget.NewForm(widget.NewFormItem(l10n.L("主管登录名"), t.ExitLogin), widget.NewFormItem(l10n.L("PIN"), t.ExitPIN))
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(520, 320), container.NewVBox(
		widget.NewLabel(l10n.L("退出自助服务需要主管确认")), form, t.ExitMessage, container.NewHBox(touch(back), layout.NewSpacer(), touch(ok)))))
}

// ElderlyTheme is the theme of 长辈模式: 1.5× text and padding, black on
// white.
func ElderlyTheme() fyne.Theme { return &kiosktheme.Theme{Scale: 1.5, HighContrast: true} }

// shield is a plain area that takes every tap on it.
type shield struct {
	widget.BaseWidget
	tapped func()
}

func newShield(tapped func()) *shield {
	s := &shield{tapped: tapped}
	s.ExtendBaseWidget(s)
	return s
}

// Tapped implements fyne.Tappable.
func (s *shield) Tapped(*fyne.PointEvent) { s.tapped() }

func (s *shield) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(theme.Color(theme.ColorNameShadow)))
}
