// Package setup provides the screen that names the hall this kiosk serves —
// its statistical division code, name and tier — and this machine's number
// in the hall and its printer. Until this is done no case can be numbered,
// so on first start the kiosk shows nothing else.
package setup

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// Configurer saves the configuration (one transaction with its outbox
// event) and pairs a machine with its hall's hub.
type Configurer interface {
	ConfigureKiosk(ctx context.Context, k servicepoint.Kiosk) (servicepoint.Kiosk, error)
	// Pair joins the hall of the hub at addr with the pairing code the
	// hub's supervisor made (over the LAN: called off the UI goroutine).
	Pair(ctx context.Context, addr, code string) error
	// Paired says whether this machine already holds a link to its hub.
	Paired(ctx context.Context) bool
}

// Printer is one of the system's printers, for the picker.
type Printer struct {
	Name    string
	Default bool // the system's default printer
	Ready   bool // false: stopped, paused or offline
}

// Printers is what the printer picker needs: the system's printers and a
// test page. The setup service offers it; a Configurer without it (a test
// fake) leaves the printer a typed name, as before.
type Printers interface {
	Printers(ctx context.Context) ([]Printer, error)
	// TestPage prints the 打印测试页 through queue ("" for the system
	// default) on paper (servicepoint.PaperA4 or PaperRoll80).
	TestPage(ctx context.Context, queue, paper string) error
	// Thermal says whether a printer setting is a thermal printer's
	// address (ESC/POS, sent raw), which no system list holds.
	Thermal(setting string) bool
}

// Screen is the setup form.
type Screen struct {
	// The text fields hand Esc to the screen (see EscEntry).
	Code   *EscEntry
	Name   *EscEntry
	Level  *EscRadioGroup
	Device *EscEntry
	// Printer is the queue's name: picked from the system's printers (the
	// default marked) or typed; empty means the system default.
	Printer *EscSelectEntry
	// PrinterNote warns when there is no default and none is chosen, and
	// says how the test page went.
	PrinterNote *widget.Label
	TestPage    *EscButton
	// PrinterOptions is the picker's list as offered.
	PrinterOptions []string
	Paper          *EscRadioGroup
	Queue          *EscRadioGroup
	Hub            *EscEntry

	// Reader says whether an ID-card reader answers (ShowReader); nil on
	// the first setup.
	Reader *widget.Label
	form   *widget.Form

	// PairCode is the pairing code read off the hub (连接大厅主机).
	PairCode *EscEntry
	Submit   *EscButton
	Message  *widget.Label
	// Cancel (取消) leaves without saving; shown once OnCancel gives it
	// somewhere to go (not on first start, when there is nowhere else).
	Cancel *EscButton
	cancel func()
	// left is set when the screen was left by 取消: a pairing still on its
	// way then does not pull the kiosk back to its own done.
	left bool

	g busy.Guard
	// pg runs the printer list and test page, apart from g: pairing and
	// saving must not wait for lpstat.
	pg      busy.Guard
	content fyne.CanvasObject
}

// Wait blocks until a pairing in flight has shown its result, or ctx ends.
func (s *Screen) Wait(ctx context.Context) error {
	if err := s.pg.Wait(ctx); err != nil {
		return err
	}
	return s.g.Wait(ctx)
}

// New builds the setup screen, filled with the current configuration; done
// is called with the saved one.
func New(ctx context.Context, c Configurer, current servicepoint.Kiosk, done func(servicepoint.Kiosk)) *Screen {
	s := &Screen{}
	township, village := l10n.L("乡镇（街道）便民服务中心"), l10n.L("村（社区）便民服务站")
	levelOf := func() catalog.Level {
		if s.Level.Selected == village {
			return catalog.Village
		}
		return catalog.Township
	}
	s.Code = newEscEntry(s.leave)
	s.Code.SetPlaceHolder("330522101000")
	s.Code.Validator = func(text string) error {
		_, err := servicepoint.ServicePoint{Code: text, Name: "-", Level: levelOf()}.Normalize()
		if err != nil {
			return errors.New(l10n.Error(err))
		}
		return nil
	}
	s.Name = newEscEntry(s.leave)
	s.Name.SetPlaceHolder(l10n.L("例如：洪桥镇便民服务中心"))
	s.Name.Validator = func(text string) error {
		_, err := servicepoint.ServicePoint{Code: "330522101000", Name: text, Level: catalog.Township}.Normalize()
		if errors.Is(err, servicepoint.ErrNameEmpty) || errors.Is(err, servicepoint.ErrNameLong) {
			return errors.New(l10n.Error(err))
		}
		return nil
	}
	s.Level = newEscRadioGroup([]string{township, village}, func(string) {
		if s.Code.Text != "" {
			s.Code.Validate() // the code's last digits must match the tier
		}
	}, s.leave)
	s.Level.Horizontal = true
	s.Level.Required = true
	s.Level.SetSelected(township)

	s.Device = newEscEntry(s.leave)
	s.Device.SetText("1")
	s.Device.Validator = func(text string) error {
		if _, err := (servicepoint.Kiosk{Point: servicepoint.ServicePoint{Code: "330522101000", Name: "-", Level: catalog.Township}, Device: atoi(text)}).Normalize(); err != nil {
			return errors.New(l10n.Error(err))
		}
		return nil
	}
	s.Printer = newEscSelectEntry(s.leave)
	s.Printer.SetPlaceHolder(l10n.L("留空则使用系统默认打印机"))
	s.PrinterNote = widget.NewLabel("")
	s.PrinterNote.Wrapping = fyne.TextWrapWord
	s.TestPage = newEscButton(l10n.L("打印测试页"), theme.DocumentPrintIcon(), nil, s.leave)
	a4, roll := l10n.L("A4纸"), l10n.L("80毫米热敏卷纸")
	s.Paper = newEscRadioGroup([]string{a4, roll}, nil, s.leave)
	s.Paper.Horizontal = true
	s.Paper.SetSelected(a4)
	paperOf := func() string {
		if s.Paper.Selected == roll {
			return servicepoint.PaperRoll80
		}
		return servicepoint.PaperA4
	}
	local, hub, client := l10n.L("本机单独使用"), l10n.L("本机为大厅主机"), l10n.L("连接大厅主机")
	s.Hub = newEscEntry(s.leave)
	s.Hub.SetPlaceHolder("192.168.1.10:8730")
	s.PairCode = newEscEntry(s.leave)
	s.PairCode.SetPlaceHolder(l10n.L("大厅主机“大厅设备”中生成的20位配对码"))
	s.Queue = newEscRadioGroup([]string{local, hub, client}, func(v string) {
		if v == client {
			s.Hub.Enable()
			s.PairCode.Enable()
		} else {
			s.Hub.Disable()
			s.PairCode.Disable()
		}
	}, s.leave)
	s.Queue.Horizontal = true
	s.Queue.SetSelected(local)
	roleOf := func() string {
		switch s.Queue.Selected {
		case hub:
			return servicepoint.QueueHub
		case client:
			return servicepoint.QueueClient
		}
		return servicepoint.QueueLocal
	}
	switch current.QueueRole {
	case servicepoint.QueueHub:
		s.Queue.SetSelected(hub)
	case servicepoint.QueueClient:
		s.Queue.SetSelected(client)
	}
	s.Hub.SetText(current.HubAddr)
	if current.Point.Code != "" {
		s.Code.SetText(current.Point.Code)
		s.Name.SetText(current.Point.Name)
		if current.Point.Level == catalog.Village {
			s.Level.SetSelected(village)
		}
	}
	if current.Device > 0 {
		s.Device.SetText(strconv.Itoa(current.Device))
	}
	s.Printer.SetText(current.PrinterQueue)
	printerRow := fyne.CanvasObject(s.Printer)
	if ps, ok := c.(Printers); ok {
		s.pickPrinters(ctx, ps, func() string { return paperOf() })
		printerRow = container.NewBorder(nil, nil, nil, s.TestPage, s.Printer)
	} else {
		s.TestPage.Hide()
	}
	if current.Paper == servicepoint.PaperRoll80 {
		s.Paper.SetSelected(roll)
	}
	s.Message = widget.NewLabel("")
	s.Message.Wrapping = fyne.TextWrapWord
	s.Message.Importance = widget.DangerImportance

	form := widget.NewForm(
		&widget.FormItem{Text: l10n.L("层级"), Widget: s.Level},
		&widget.FormItem{Text: l10n.L("区划代码"), Widget: s.Code, HintText: l10n.L("12位统计用区划代码：乡镇以000结尾，村为村级代码")},
		&widget.FormItem{Text: l10n.L("服务点名称"), Widget: s.Name, HintText: l10n.L("打印在回执和通知书上")},
		&widget.FormItem{Text: l10n.L("本机编号"), Widget: s.Device, HintText: l10n.L("1–35，同一大厅的每台机器不同；是查询码的一部分")},
		&widget.FormItem{Text: l10n.L("打印机"), Widget: container.NewVBox(printerRow, s.PrinterNote)},
		&widget.FormItem{Text: l10n.L("纸张"), Widget: s.Paper},
		&widget.FormItem{Text: l10n.L("叫号"), Widget: s.Queue, HintText: l10n.L("村便民服务站一台电脑选“本机单独使用”；大厅有多台终端时，一台为主机，其余连接它")},
		&widget.FormItem{Text: l10n.L("主机地址"), Widget: s.Hub},
		&widget.FormItem{Text: l10n.L("配对码"), Widget: s.PairCode, HintText: l10n.L("只在第一次连接或重新配对时填写；由主管在大厅主机上生成")},
	)
	// Each field records its verdict on every change, focused or not:
	// fyne's entry otherwise keeps the verdict of the empty field while it
	// is focused (a green ✓ beside a code outside the national ranges),
	// and never marks a field that was not typed in.
	checked := []*EscEntry{s.Code, s.Name, s.Device}
	for _, e := range checked {
		e.AlwaysShowValidationError = true
	}
	s.Submit = newEscButton(l10n.L("保存并开始使用"), theme.ConfirmIcon(), func() {
		s.Message.SetText("")
		// Every field is checked and marked, not only the form's first
		// failure: the summary below names only what is marked red.
		bad := form.Validate() != nil
		for _, e := range checked {
			bad = e.Validate() != nil || bad
		}
		if bad {
			s.Message.SetText(l10n.L("请先改正标红的项目"))
			return
		}
		code := strings.TrimSpace(s.PairCode.Text)
		// The hub knows each machine by its number (part of every tracking
		// code): a paired machine that changes its number pairs again, and
		// nothing is saved until it has the code for it.
		renumbered := current.Device > 0 && atoi(s.Device.Text) != current.Device
		if roleOf() == servicepoint.QueueClient && renumbered && code == "" && c.Paired(ctx) {
			s.Message.SetText(l10n.L("更换本机编号后须重新配对：请填写大厅主机“大厅设备”中生成的配对码"))
			return
		}
		k, err := c.ConfigureKiosk(ctx, servicepoint.Kiosk{
			Point:  servicepoint.ServicePoint{Code: s.Code.Text, Name: s.Name.Text, Level: levelOf()},
			Device: atoi(s.Device.Text), PrinterQueue: printerName(s.Printer.Text), Paper: paperOf(),
			QueueRole: roleOf(), HubAddr: s.Hub.Text,
		})
		switch {
		case errors.Is(err, servicepoint.ErrNameEmpty), errors.Is(err, servicepoint.ErrNameLong):
			s.Name.SetValidationError(errors.New(l10n.Error(err)))
			return
		case err != nil:
			// What was typed stays in the form; only the message changes.
			s.Message.SetText(l10n.Error(err))
			return
		}
		if k.QueueRole != servicepoint.QueueClient || (code == "" && c.Paired(ctx)) {
			done(k)
			return
		}
		if code == "" {
			s.Message.SetText(l10n.L("请填写大厅主机“大厅设备”中生成的配对码"))
			return
		}
		// Pairing goes over the LAN to the hub: off the UI goroutine.
		busy.RunErr(&s.g, func() {
			s.Submit.Disable()
			s.Message.Importance = widget.MediumImportance
			s.Message.SetText(l10n.L("正在与大厅主机配对…"))
		}, func() error { return c.Pair(ctx, k.HubAddr, code) }, func(err error) {
			s.Submit.Enable()
			s.Message.Importance = widget.DangerImportance
			if err != nil {
				s.Message.SetText(l10n.Error(err))
				return
			}
			s.PairCode.SetText("")
			s.Message.SetText("")
			if !s.left {
				done(k)
			}
		})
	}, s.leave)
	s.Submit.Importance = widget.HighImportance

	title := widget.NewLabelWithStyle(l10n.L("设置服务点与本机"), fyne.TextAlignLeading, fyne.TextStyle{})
	title.SizeName = theme.SizeNameHeadingText
	intro := widget.NewLabel(l10n.L("本机受理的每一件事都会记在这个服务点名下，并同步到所属县中心（区划代码前6位）。设置后可由管理员修改。"))
	intro.Wrapping = fyne.TextWrapWord
	s.Cancel = newEscButton(l10n.L("取消"), theme.CancelIcon(), func() { s.leave() }, s.leave)
	s.Cancel.Hide()
	s.form = form
	box := container.NewVBox(title, intro, form, s.Message, container.NewHBox(s.Submit, s.Cancel))
	s.content = container.NewVScroll(container.NewCenter(container.NewGridWrap(fyne.NewSize(860, 860), container.NewPadded(box))))
	return s
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0
	}
	return n
}

// Content returns the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

// ShowReader adds the ID-card reader's row to the settings of a running
// kiosk: the library configured (it is a start-up flag, not saved here)
// and, once probe has answered off the UI goroutine, whether a reader
// answers. probe returns nil when one does.
func (s *Screen) ShowReader(ctx context.Context, library string, probe func(context.Context) error) {
	s.Reader = widget.NewLabel("")
	s.Reader.Wrapping = fyne.TextWrapWord
	s.form.Append(l10n.L("身份证阅读器"), s.Reader)
	if library == "" {
		s.Reader.SetText(l10n.L("未配置读卡库（启动参数 -idcard-lib 或环境变量 YICHUANG_IDCARD_LIB），证件号码手工录入"))
		return
	}
	path := l10n.L("读卡库：{{.Path}}", map[string]any{"Path": library})
	s.Reader.SetText(path + "\n" + l10n.L("正在检测阅读器…"))
	go func() {
		err := probe(ctx)
		fyne.Do(func() {
			if err != nil {
				s.Reader.Importance = widget.WarningImportance
				// The library's own words (dlerror, the SDT code) are for
				// whoever installs the reader; no personal data is in them.
				s.Reader.SetText(path + "\n" + l10n.L("未找到阅读器：{{.Why}}", map[string]any{"Why": err.Error()}))
				return
			}
			s.Reader.Importance = widget.SuccessImportance
			s.Reader.SetText(path + "\n" + l10n.L("已找到阅读器"))
		})
	}()
}

// OnCancel offers 取消 (and Esc, through TypedKey or from a text field):
// cancel is called and nothing typed is saved.
func (s *Screen) OnCancel(cancel func()) {
	s.cancel = cancel
	s.Cancel.Show()
}

// TypedKey takes the window's keys while the screen shows: Esc is 取消.
func (s *Screen) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape {
		s.leave()
	}
}

// leave is 取消: once, and only when offered.
func (s *Screen) leave() {
	if s.cancel == nil || s.left {
		return
	}
	s.left = true
	s.cancel()
}

// defaultMark follows the default printer's name in the picker's list.
func defaultMark() string { return l10n.L("（默认）") }

// printerName is the queue name of a picker entry (without the mark).
func printerName(text string) string {
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(text), defaultMark()))
}

// pickPrinters fills the picker with the system's printers (off the UI
// goroutine: lpstat may take a while), warns when printing would fail for
// want of a default, and wires 打印测试页 to the queue in the field.
func (s *Screen) pickPrinters(ctx context.Context, ps Printers, paper func() string) {
	var list []Printer
	note := func() {
		s.PrinterNote.Importance = widget.MediumImportance
		name := printerName(s.Printer.Text)
		if ps.Thermal(name) {
			s.PrinterNote.SetText(l10n.L("热敏打印机（ESC/POS）：不经系统打印队列直接发送；纸张请选80毫米热敏卷纸"))
			return
		}
		hasDefault := false
		for _, p := range list {
			hasDefault = hasDefault || p.Default
			if p.Name == name && !p.Ready {
				s.PrinterNote.Importance = widget.WarningImportance
				s.PrinterNote.SetText(l10n.L("这台打印机已暂停或离线"))
				return
			}
		}
		switch {
		case len(list) == 0:
			s.PrinterNote.Importance = widget.WarningImportance
			s.PrinterNote.SetText(l10n.L("系统里没有打印机：请先安装打印机，否则回执只能存档、不能打印"))
		case name == "" && !hasDefault:
			s.PrinterNote.Importance = widget.WarningImportance
			s.PrinterNote.SetText(l10n.L("系统没有默认打印机：请从列表中选择一台，否则无法打印"))
		default:
			s.PrinterNote.SetText("")
		}
	}
	s.Printer.OnChanged = func(string) { note() }
	busy.Run(&s.pg, func() {
		s.PrinterNote.SetText(l10n.L("正在查找打印机…"))
	}, func() ([]Printer, error) { return ps.Printers(ctx) }, func(got []Printer, err error) {
		if err != nil {
			s.PrinterNote.Importance = widget.WarningImportance
			s.PrinterNote.SetText(l10n.Error(err))
			return
		}
		list = got
		options := make([]string, 0, len(got))
		for _, p := range got {
			if p.Default {
				options = append(options, p.Name+defaultMark())
			} else {
				options = append(options, p.Name)
			}
		}
		s.PrinterOptions = options
		s.Printer.SetOptions(options)
		note()
	})
	s.TestPage.OnTapped = func() {
		queue, paperName := printerName(s.Printer.Text), paper()
		busy.Run(&s.pg, func() {
			s.TestPage.Disable()
			s.PrinterNote.Importance = widget.MediumImportance
			s.PrinterNote.SetText(l10n.L("正在打印测试页…"))
		}, func() (struct{}, error) { return struct{}{}, ps.TestPage(ctx, queue, paperName) }, func(_ struct{}, err error) {
			s.TestPage.Enable()
			if err != nil {
				s.PrinterNote.Importance = widget.DangerImportance
				s.PrinterNote.SetText(l10n.L("测试页没有打印：{{.Why}}", map[string]any{"Why": l10n.Error(err)}))
				return
			}
			s.PrinterNote.Importance = widget.SuccessImportance
			s.PrinterNote.SetText(l10n.L("测试页已送打印机，请到打印机取纸查看"))
		})
	}
}
