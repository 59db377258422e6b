// Package hallui provides what the hall's machines show of each other: the
// banner every screen of a hall machine carries (the hub is away; an
// action of this window did not stand because another window's came first),
// and the hub supervisor's list of the hall's machines with pairing codes.
package hallui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/workday"
)

// Notice is an action of this machine that did not stand.
type Notice struct {
	ID   int64
	At   time.Time
	Text error
}

// Status is the hall as this machine sees it.
type Status struct {
	// InHall: this machine is one of a hall's (hub or paired); a machine
	// alone shows nothing.
	InHall bool
	// Online: the hub answers (or, on the hub, serves).
	Online bool
	// Problem says why not, in words for the hall.
	Problem error
	// Notices are this machine's actions that did not stand, unread.
	Notices []Notice
}

// Source reads the hall's state for the banner.
type Source interface {
	HallStatus(ctx context.Context) (Status, error)
	SeenNotice(ctx context.Context, id int64) error
}

// Banner is the strip on top of a hall machine's screens. It stays empty
// while all is well.
type Banner struct {
	// Problem says the hub is away (or this machine left the hall).
	Problem *widget.Label
	// Notices lists actions that did not stand, each with 知道了.
	Notices *fyne.Container
	content *fyne.Container
	src     Source
	ctx     context.Context
	shown   map[int64]bool
}

// Every is how often the banner reads the hall's state: the hub's loss is
// on screen within about this plus the link's own detection time.
const Every = time.Second

// NewBanner builds the banner and keeps it current until ctx ends.
func NewBanner(ctx context.Context, src Source) *Banner {
	b := &Banner{Problem: widget.NewLabel(""), Notices: container.NewVBox(), src: src, ctx: ctx, shown: map[int64]bool{}}
	b.Problem.Importance = widget.DangerImportance
	b.Problem.Wrapping = fyne.TextWrapWord
	b.Problem.Hide()
	b.content = container.NewVBox(b.Problem, b.Notices)
	go func() {
		t := time.NewTicker(Every)
		defer t.Stop()
		for {
			if st, err := src.HallStatus(ctx); err == nil {
				fyne.Do(func() { b.Show(st) })
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return b
}

// Content returns the banner's root object.
func (b *Banner) Content() fyne.CanvasObject { return b.content }

// Show puts a state on the banner.
func (b *Banner) Show(st Status) {
	if st.InHall && !st.Online && st.Problem != nil {
		b.Problem.SetText("⚠ " + l10n.Error(st.Problem))
		b.Problem.Show()
	} else {
		b.Problem.Hide()
	}
	ids := map[int64]bool{}
	for _, n := range st.Notices {
		ids[n.ID] = true
	}
	same := len(ids) == len(b.shown)
	for id := range ids {
		same = same && b.shown[id]
	}
	if same {
		return
	}
	b.shown = ids
	b.Notices.RemoveAll()
	for _, n := range st.Notices {
		n := n
		text := widget.NewLabel(l10n.Error(n.Text))
		text.Wrapping = fyne.TextWrapWord
		text.Importance = widget.WarningImportance
		ok := widget.NewButton(l10n.L("知道了"), func() {
			go func() {
				if err := b.src.SeenNotice(b.ctx, n.ID); err == nil {
					if st, err := b.src.HallStatus(b.ctx); err == nil {
						fyne.Do(func() { b.Show(st) })
					}
				}
			}()
		})
		b.Notices.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), ok, text))
	}
	b.Notices.Refresh()
}

// Machine is one machine of the hall, as the hub knows it.
type Machine struct {
	ID       string
	Device   int
	Name     string
	LastSeen time.Time
	// Removed says why it left the hall ("" while in it).
	Removed string
}

// Admin is what the hub's supervisor does with the hall's machines.
type Admin interface {
	Machines(ctx context.Context) ([]Machine, error)
	// NewCode makes a one-time pairing code, valid until the time given.
	NewCode(ctx context.Context) (string, time.Time, error)
	Remove(ctx context.Context, id string) error
}

// Machines is the hub's list of the hall's machines.
type Machines struct {
	Code     *widget.Label
	MakeCode *widget.Button
	List     *fyne.Container
	Message  *widget.Label
	// Removes are the 移出大厅 buttons, by machine id (tests tap them).
	Removes map[string]*widget.Button
	content fyne.CanvasObject
	svc     Admin
	ctx     context.Context
	now     func() time.Time
	g       busy.Guard
}

// NewMachines builds the list; back leaves it.
func NewMachines(ctx context.Context, svc Admin, now func() time.Time, back func()) *Machines {
	m := &Machines{svc: svc, ctx: ctx, now: now, Code: widget.NewLabel(""), List: container.NewVBox(), Message: widget.NewLabel(""),
		Removes: map[string]*widget.Button{}}
	m.Code.SizeName = theme.SizeNameHeadingText
	m.Code.Hide()
	m.Message.Wrapping = fyne.TextWrapWord
	m.MakeCode = widget.NewButtonWithIcon(l10n.L("生成配对码"), theme.ContentAddIcon(), m.makeCode)
	m.MakeCode.Importance = widget.HighImportance
	title := widget.NewLabel(l10n.L("大厅设备"))
	title.SizeName = theme.SizeNameHeadingText
	intro := widget.NewLabel(l10n.L("大厅的每台机器（窗口、自助终端、显示屏）都须由主管在这里生成配对码后加入：在新机器的设置中选择“连接大厅主机”，填写本机地址和配对码。配对码10分钟内有效、只能用一次。"))
	intro.Wrapping = fyne.TextWrapWord
	m.content = container.NewBorder(container.NewVBox(title, intro, container.NewHBox(m.MakeCode), m.Code, m.Message, widget.NewSeparator()),
		container.NewHBox(layout.NewSpacer(), widget.NewButtonWithIcon(l10n.L("返回"), theme.NavigateBackIcon(), back)),
		nil, nil, container.NewVScroll(m.List))
	m.Reload()
	return m
}

// Content returns the screen's root object.
func (m *Machines) Content() fyne.CanvasObject { return m.content }

// Wait blocks until an action in flight (a code, a removal) has shown its
// result, or ctx ends.
func (m *Machines) Wait(ctx context.Context) error { return m.g.Wait(ctx) }

func (m *Machines) makeCode() {
	busy.Run(&m.g, func() { m.MakeCode.Disable() }, func() ([2]any, error) {
		code, until, err := m.svc.NewCode(m.ctx)
		return [2]any{code, until}, err
	}, func(v [2]any, err error) {
		m.MakeCode.Enable()
		if err != nil {
			m.Message.SetText(l10n.Error(err))
			return
		}
		m.Code.SetText(v[0].(string))
		m.Code.Show()
		m.Message.SetText(l10n.L("配对码在{{.Until}}前有效，只能使用一次", map[string]any{"Until": v[1].(time.Time).In(workday.China).Format("15:04")}))
	})
}

// Reload reads the list again.
func (m *Machines) Reload() {
	list, err := m.svc.Machines(m.ctx)
	if err != nil {
		m.Message.SetText(l10n.Error(err))
		return
	}
	m.List.RemoveAll()
	if len(list) == 0 {
		m.List.Add(widget.NewLabel(l10n.L("还没有其他机器加入本大厅")))
	}
	for _, x := range list {
		x := x
		seen := l10n.L("从未连接")
		if !x.LastSeen.IsZero() {
			seen = l10n.L("最近联系：{{.At}}", map[string]any{"At": x.LastSeen.In(workday.China).Format("01-02 15:04")})
		}
		line := widget.NewLabel(fmt.Sprintf("%s  %s  %s", l10n.L("{{.N}}号机", map[string]any{"N": x.Device}), x.Name, seen))
		if x.Removed != "" {
			line.SetText(line.Text + "  " + l10n.L("已移出：{{.Why}}", map[string]any{"Why": x.Removed}))
			line.Importance = widget.LowImportance
			m.List.Add(line)
			continue
		}
		rm := widget.NewButtonWithIcon(l10n.L("移出大厅"), theme.DeleteIcon(), func() {
			busy.RunErr(&m.g, nil, func() error { return m.svc.Remove(m.ctx, x.ID) }, func(err error) {
				if err != nil {
					m.Message.SetText(l10n.Error(err))
				}
				m.Reload()
			})
		})
		rm.Importance = widget.DangerImportance
		m.Removes[x.ID] = rm
		m.List.Add(container.NewBorder(nil, nil, nil, rm, line))
	}
	m.List.Refresh()
}
