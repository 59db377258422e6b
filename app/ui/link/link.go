// Package link provides the supervisor's 县中心连接 screen: enrolling the
// kiosk with the county center once (address and enrollment code), the
// state of sync, 立即同步, and the events the county refused, each with the
// county's reason and a 重试 button.
package link

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/workday"
)

// Info is the kiosk's standing with the county.
type Info struct {
	Enrolled  bool
	CountyURL string
	DeviceID  string
	// Online, LastPush, LastPull, Pending, Uploads and Note describe sync.
	Online             bool
	LastPush, LastPull time.Time
	Pending, Uploads   int
	Note               string
	// Version is the kiosk's own version; Update, when not "", is where
	// the county's latest release is, in the supervisor's words.
	Version, Update string
}

// Refused is an event the county refused.
type Refused struct {
	ID, Kind, Tracking, Reason string
	At                         time.Time
}

// Service is what the screen needs.
type Service interface {
	Info(ctx context.Context) (Info, error)
	Enroll(ctx context.Context, countyURL, code string) error
	Refused(ctx context.Context) ([]Refused, error)
	Retry(ctx context.Context, eventID string) error
	SyncNow()
}

// Screen is the 县中心连接 screen.
type Screen struct {
	ctx context.Context
	svc Service

	URL, Code *widget.Entry
	EnrollBtn *widget.Button
	SyncBtn   *widget.Button
	Message   *widget.Label
	State     *widget.Label
	refused   *fyne.Container
	Retry     map[string]*widget.Button
	body      *fyne.Container
	content   fyne.CanvasObject
	// Async runs the network call off the UI thread and its result back on
	// it; tests run both in place.
	Async func(work func() error, done func(error))
}

// New builds the screen; back returns to where the supervisor came from.
func New(ctx context.Context, svc Service, back func()) *Screen {
	s := &Screen{ctx: ctx, svc: svc, Retry: map[string]*widget.Button{}}
	s.Async = func(work func() error, done func(error)) {
		go func() {
			err := work()
			fyne.Do(func() { done(err) })
		}()
	}
	s.URL = widget.NewEntry()
	s.URL.SetPlaceHolder("https://zwfw.example.gov.cn")
	s.Code = widget.NewEntry()
	s.Code.SetPlaceHolder("XXXX-XXXX-XXXX")
	s.Message = widget.NewLabel("")
	s.Message.Wrapping = fyne.TextWrapWord
	s.State = widget.NewLabel("")
	s.State.Wrapping = fyne.TextWrapWord
	s.EnrollBtn = widget.NewButtonWithIcon(l10n.L("登记本机"), theme.ConfirmIcon(), s.enroll)
	s.EnrollBtn.Importance = widget.HighImportance
	s.SyncBtn = widget.NewButtonWithIcon(l10n.L("立即同步"), theme.ViewRefreshIcon(), func() {
		svc.SyncNow()
		s.Reload()
		s.Message.SetText(l10n.L("已开始同步，结果见上方状态"))
	})
	s.refused = container.NewVBox()
	form := widget.NewForm(
		widget.NewFormItem(l10n.L("县中心地址"), s.URL),
		widget.NewFormItem(l10n.L("登记码"), s.Code),
	)
	title := widget.NewLabel(l10n.L("县中心连接"))
	title.SizeName = theme.SizeNameHeadingText
	top := container.NewBorder(nil, nil, title, widget.NewButtonWithIcon(l10n.L("返回"), theme.NavigateBackIcon(), back))
	s.body = container.NewVBox(s.State, widget.NewSeparator(),
		widget.NewLabel(l10n.L("登记：县中心为本服务点生成登记码（72小时内有效，只能用一次），在此输入后本机即可同步。")),
		form, container.NewHBox(s.EnrollBtn, s.SyncBtn), s.Message, widget.NewSeparator(),
		widget.NewLabel(l10n.L("县中心拒收的记录")), s.refused)
	s.content = container.NewBorder(container.NewVBox(top, widget.NewSeparator()), nil, nil, nil, container.NewVScroll(container.NewPadded(s.body)))
	s.Reload()
	return s
}

// Content returns the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

// Changed is told that the link's state moved (a sync round ended, an
// upload went through): the screen reads it again. The kiosk calls it on
// the UI goroutine from the link's change hook while the screen is shown.
func (s *Screen) Changed() { s.Reload() }

// Reload re-reads the state and the refused events. The body is laid out
// again afterwards: a wrapped label that grew by a line does not move what
// is below it by itself, and the lines then overlap.
func (s *Screen) Reload() {
	defer s.body.Refresh()
	info, err := s.svc.Info(s.ctx)
	if err != nil {
		s.State.SetText(l10n.Error(err))
		return
	}
	s.State.SetText(describe(info))
	if info.Enrolled && s.URL.Text == "" {
		s.URL.SetText(info.CountyURL)
	}
	s.EnrollBtn.SetText(l10n.L("登记本机"))
	if info.Enrolled {
		s.EnrollBtn.SetText(l10n.L("重新登记"))
		s.SyncBtn.Enable()
	} else {
		s.SyncBtn.Disable()
	}
	refused, err := s.svc.Refused(s.ctx)
	if err != nil {
		s.Message.SetText(l10n.Error(err))
		return
	}
	s.refused.RemoveAll()
	s.Retry = map[string]*widget.Button{}
	if len(refused) == 0 {
		s.refused.Add(widget.NewLabel(l10n.L("没有")))
	}
	for _, r := range refused {
		r := r
		what := r.Kind
		if r.Tracking != "" {
			what = l10n.L("办件 {{.Code}}（{{.Kind}}）", map[string]any{"Code": tracking.Format(r.Tracking), "Kind": r.Kind})
		}
		text := widget.NewLabel(fmt.Sprintf("%s  %s\n%s", r.At.In(workday.China).Format("01-02 15:04"), what, l10n.L("县中心答复：{{.Why}}", map[string]any{"Why": r.Reason})))
		text.Wrapping = fyne.TextWrapWord
		btn := widget.NewButtonWithIcon(l10n.L("重试"), theme.ViewRefreshIcon(), func() {
			if err := s.svc.Retry(s.ctx, r.ID); err != nil {
				s.Message.SetText(l10n.Error(err))
				return
			}
			s.svc.SyncNow()
			s.Reload()
			s.Message.SetText(l10n.L("已重新排队，下次同步时发送"))
		})
		s.Retry[r.ID] = btn
		s.refused.Add(container.NewBorder(nil, nil, nil, btn, text))
	}
}

func describe(i Info) string {
	if !i.Enrolled {
		return l10n.L("本机尚未在县中心登记：办件保存在本机，登记后自动补传。")
	}
	when := func(t time.Time) string {
		if t.IsZero() {
			return l10n.L("从未")
		}
		return t.In(workday.China).Format("2006-01-02 15:04")
	}
	state := l10n.L("在线")
	if !i.Online {
		state = l10n.L("离线")
		if i.Note != "" {
			state += "（" + i.Note + "）"
		}
	}
	lines := []string{
		l10n.L("县中心 {{.URL}}，设备号 {{.ID}}", map[string]any{"URL": i.CountyURL, "ID": i.DeviceID}),
		l10n.L("状态：{{.State}}；最近上传 {{.Push}}；最近接收 {{.Pull}}", map[string]any{"State": state, "Push": when(i.LastPush), "Pull": when(i.LastPull)}),
		l10n.L("待上传记录 {{.N}} 条，待上传材料 {{.F}} 个", map[string]any{"N": i.Pending, "F": i.Uploads}),
	}
	if i.Version != "" {
		v := l10n.L("本机版本 {{.V}}", map[string]any{"V": i.Version})
		if i.Update != "" {
			v += l10n.L("；更新：{{.U}}", map[string]any{"U": i.Update})
		}
		lines = append(lines, v)
	}
	return strings.Join(lines, "\n")
}

func (s *Screen) enroll() {
	url, code := strings.TrimSpace(s.URL.Text), strings.TrimSpace(s.Code.Text)
	switch {
	case !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://"):
		s.Message.SetText(l10n.L("请填写县中心地址，以 https:// 开头"))
		return
	case len(strings.ReplaceAll(code, "-", "")) < 8:
		s.Message.SetText(l10n.L("请填写县中心给出的登记码"))
		return
	}
	s.EnrollBtn.Disable()
	s.Message.SetText(l10n.L("正在连接县中心…"))
	s.Async(func() error { return s.svc.Enroll(s.ctx, url, code) }, func(err error) {
		s.EnrollBtn.Enable()
		if err != nil {
			s.Message.SetText(l10n.Error(err))
			return
		}
		s.Code.SetText("")
		s.Reload()
		s.Message.SetText(l10n.L("登记成功，开始同步"))
	})
}
