// Package board provides the hall display (大厅显示屏): the numbers being
// called and their windows in type readable across the hall, how many wait
// per sector, a scrolling notice, and a spoken announcement of each call.
package board

import (
	"context"
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/ui/kiosktheme"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/workday"
	"slices"
)

// Service is what the display needs.
type Service interface {
	Subscribe(ctx context.Context) (<-chan queue.Event, error)
}

// Rows is how many calls the board lists.
const Rows = 6

// Screen is the display.
type Screen struct {
	Numbers, Windows []*canvas.Text
	Waiting          map[string]*canvas.Text
	side             *fyne.Container
	sectors          []queue.BoardSector
	Notice           *canvas.Text
	Clock            *canvas.Text
	Banner           *canvas.Text
	Voice            *canvas.Text
	// Recent is 最近叫号: the last calls that are over, for a citizen who
	// looked away when the number came up.
	Recent *canvas.Text

	say      func(number string, window int)
	notice   []rune
	lastCall string
	content  fyne.CanvasObject
}

func big(text string, size float32, c fyne.ThemeColorName) *canvas.Text {
	t := canvas.NewText(text, theme.Color(c))
	t.TextSize = size
	return t
}

// New builds the display and follows the queue until ctx ends. say is
// called for each new call (nil: silent).
func New(ctx context.Context, svc Service, hall string, now func() time.Time, say func(number string, window int)) *Screen {
	s := &Screen{Waiting: map[string]*canvas.Text{}, say: say}
	bg := canvas.NewRectangle(kiosktheme.Primary)
	title := big(hall, 40, theme.ColorNameForeground)
	title.Color = theme.Color(theme.ColorNameBackground)
	s.Clock = big("", 34, theme.ColorNameForeground)
	s.Clock.Color = title.Color
	s.Banner = big("", 28, theme.ColorNameError)
	s.Voice = big("", 20, theme.ColorNameForeground)
	s.Voice.Color = title.Color
	// The voice state sits beside the clock: under the notice it pushed the
	// board wider than a 1280-pixel screen and clipped the waiting counts.
	head := container.NewStack(bg, container.NewPadded(container.NewBorder(nil, nil, title,
		container.NewHBox(container.NewCenter(s.Voice), s.Clock))))

	rows := container.NewVBox()
	hdrN, hdrW := big(l10n.L("号码"), 34, theme.ColorNamePlaceHolder), big(l10n.L("请到"), 34, theme.ColorNamePlaceHolder)
	rows.Add(container.NewGridWithColumns(2, hdrN, hdrW))
	// 56 px numbers leave room for the 最近叫号 line on a 768 px screen.
	for i := 0; i < Rows; i++ {
		n, w := big("", 56, theme.ColorNameForeground), big("", 56, theme.ColorNameForeground)
		if i == 0 {
			n.Color, w.Color = kiosktheme.Primary, kiosktheme.Primary
		}
		s.Numbers, s.Windows = append(s.Numbers, n), append(s.Windows, w)
		rows.Add(container.NewGridWithColumns(2, n, w))
	}
	side := container.NewVBox()
	s.side = side
	var defaults []queue.BoardSector
	for _, sec := range queue.DefaultHallConfig().Sectors {
		defaults = append(defaults, queue.BoardSector{Name: sec.Name, Letter: sec.Letter})
	}
	s.setSectors(defaults)
	s.Notice = big("", 32, theme.ColorNameForeground)
	s.Recent = big("", 26, theme.ColorNamePlaceHolder)
	rows.Add(s.Recent)
	sideWidth := canvas.NewRectangle(color.Transparent)
	sideWidth.SetMinSize(fyne.NewSize(420, 1))
	body := container.NewBorder(nil, nil, nil, container.NewStack(sideWidth, side), container.NewPadded(rows))
	s.content = container.NewBorder(container.NewVBox(head, s.Banner), container.NewPadded(s.Notice), nil, nil, body)

	tick := func() {
		s.Clock.Text = now().In(workday.China).Format("15:04")
		s.Clock.Refresh()
		if len(s.notice) > 1 { // scroll the notice one character
			s.notice = append(s.notice[1:], s.notice[0])
			s.Notice.Text = noticeWindow(s.notice)
			s.Notice.Refresh()
		}
	}
	tick()
	go func() {
		t := time.NewTicker(400 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fyne.Do(tick)
			}
		}
	}()
	if ch, err := svc.Subscribe(ctx); err == nil {
		go func() {
			for ev := range ch {
				ev := ev
				fyne.Do(func() { s.Apply(ev) })
			}
		}()
	}
	return s
}

// setSectors draws the waiting counts of the hall's sectors; the hub's
// board carries them from the hall config, so a new config redraws the
// side without a restart.
func (s *Screen) setSectors(list []queue.BoardSector) {
	if slices.Equal(list, s.sectors) {
		return
	}
	s.sectors = slices.Clone(list)
	s.Waiting = map[string]*canvas.Text{}
	s.side.Objects = []fyne.CanvasObject{big(l10n.L("等候人数"), 34, theme.ColorNamePlaceHolder)}
	for _, sec := range list {
		// Unknown until the hub says: a board that cannot reach the hub
		// must not tell the hall nobody is waiting.
		t := big(unknownCount, 34, theme.ColorNameForeground)
		s.Waiting[sec.Name] = t
		s.side.Add(container.NewBorder(nil, nil, big(fmt.Sprintf("%s %s", sec.Letter, l10n.L(sec.Name)), 30, theme.ColorNameForeground), t))
	}
	s.side.Refresh()
}

// Voice is what the board says about spoken calls.
type Voice int

const (
	VoiceOff Voice = iota
	VoiceOn
	// VoiceNotInstalled: the machine has no speech program.
	VoiceNotInstalled
	// VoiceNoDevice: calls would be spoken to no loudspeaker; staff must
	// not be told they are heard.
	VoiceNoDevice
)

// ShowVoice tells the hall staff whether calls are spoken (V toggles it)
// and, when they cannot be heard, why.
func (s *Screen) ShowVoice(v Voice) {
	switch v {
	case VoiceOn:
		s.Voice.Text = l10n.L("语音播报：开（按 V 切换）")
	case VoiceNoDevice:
		s.Voice.Text = l10n.L("语音播报：无声音设备（请接好音箱后按 V 重试）")
	case VoiceNotInstalled:
		s.Voice.Text = l10n.L("语音播报：未安装语音程序")
	default:
		s.Voice.Text = l10n.L("语音播报：关（按 V 切换）")
	}
	s.Voice.Refresh()
}

// Content returns the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

// Apply shows an event; a new call is also announced.
func (s *Screen) Apply(ev queue.Event) {
	switch ev.Kind {
	case queue.EventOffline:
		s.Banner.Text = l10n.L("叫号主机连接中断，请以窗口工作人员指引为准")
		s.Banner.Refresh()
		for _, t := range s.Waiting {
			t.Text = unknownCount
			t.Refresh()
		}
		return
	case queue.EventOnline:
		s.Banner.Text = ""
		s.Banner.Refresh()
	}
	for i := 0; i < Rows; i++ {
		n, w := "", ""
		if i < len(ev.Board.Calls) {
			c := ev.Board.Calls[i]
			n, w = c.Number, l10n.L("{{.N}}号窗口", map[string]any{"N": c.Window})
		}
		s.Numbers[i].Text, s.Windows[i].Text = n, w
		s.Numbers[i].Refresh()
		s.Windows[i].Refresh()
	}
	s.Recent.Text = recentLine(ev.Board.Recent)
	s.Recent.Refresh()
	if len(ev.Board.Sectors) > 0 {
		s.setSectors(ev.Board.Sectors)
	}
	for sec, t := range s.Waiting {
		t.Text = fmt.Sprint(ev.Board.Waiting[sec])
		t.Refresh()
	}
	if ev.Board.Notice != "" && string(s.notice) != ev.Board.Notice {
		s.notice = []rune(ev.Board.Notice + "　　　　")
		s.Notice.Text = noticeWindow(s.notice)
		s.Notice.Refresh()
	}
	if ev.Kind == queue.EventCalled && ev.Call != nil && s.say != nil {
		key := fmt.Sprintf("%s@%d#%d", ev.Call.Number, ev.Call.Window, ev.Call.Calls)
		if key != s.lastCall {
			s.lastCall = key
			s.say(ev.Call.Number, ev.Call.Window)
		}
	}
}

// RecentShown is how many of the recent calls fit the board's line under
// the current calls at 1280 px.
const RecentShown = 3

// recentLine is the 最近叫号 line, newest first; empty until a call is over.
func recentLine(calls []queue.Call) string {
	if len(calls) == 0 {
		return ""
	}
	line := l10n.L("最近叫号")
	for i, c := range calls[:min(RecentShown, len(calls))] {
		sep := "  "
		if i > 0 {
			sep = " · "
		}
		line += sep + c.Number + " " + l10n.L("{{.N}}号窗口", map[string]any{"N": c.Window})
	}
	return line
}

// unknownCount shows in place of a waiting count the board does not know.
const unknownCount = "—"

// noticeChars is how much of the scrolling notice shows at once: a text's
// minimum width is its whole length, so the board shows a window of it
// rather than let a long notice push the layout off the screen.
const noticeChars = 36

func noticeWindow(r []rune) string {
	if len(r) <= noticeChars {
		return string(r)
	}
	return string(r[:noticeChars])
}
