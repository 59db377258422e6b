// Package setup provides the first-start screen that names the hall this
// kiosk serves: its statistical division code, its name and its tier. Until
// this is done no case can be numbered, so the kiosk shows nothing else.
package setup

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// Configurer saves the service point (one transaction with its outbox event).
type Configurer interface {
	ConfigureServicePoint(ctx context.Context, sp servicepoint.ServicePoint) (servicepoint.ServicePoint, error)
}

// Screen is the setup form.
type Screen struct {
	Code    *widget.Entry
	Name    *widget.Entry
	Level   *widget.RadioGroup
	Submit  *widget.Button
	Message *widget.Label

	content fyne.CanvasObject
}

// New builds the setup screen; done is called with the saved service point.
func New(ctx context.Context, c Configurer, done func(servicepoint.ServicePoint)) *Screen {
	s := &Screen{}
	township, village := l10n.L("乡镇（街道）便民服务中心"), l10n.L("村（社区）便民服务站")
	levelOf := func() catalog.Level {
		if s.Level.Selected == village {
			return catalog.Village
		}
		return catalog.Township
	}
	s.Code = widget.NewEntry()
	s.Code.SetPlaceHolder("330522101000")
	s.Code.Validator = func(text string) error {
		_, err := servicepoint.ServicePoint{Code: text, Name: "-", Level: levelOf()}.Normalize()
		if err != nil {
			return errors.New(l10n.Error(err))
		}
		return nil
	}
	s.Name = widget.NewEntry()
	s.Name.SetPlaceHolder(l10n.L("例如：洪桥镇便民服务中心"))
	s.Name.Validator = func(text string) error {
		_, err := servicepoint.ServicePoint{Code: "330522101000", Name: text, Level: catalog.Township}.Normalize()
		if errors.Is(err, servicepoint.ErrNameEmpty) || errors.Is(err, servicepoint.ErrNameLong) {
			return errors.New(l10n.Error(err))
		}
		return nil
	}
	s.Level = widget.NewRadioGroup([]string{township, village}, func(string) {
		if s.Code.Text != "" {
			s.Code.Validate() // the code's last digits must match the tier
		}
	})
	s.Level.Horizontal = true
	s.Level.Required = true
	s.Level.SetSelected(township)

	s.Message = widget.NewLabel("")
	s.Message.Wrapping = fyne.TextWrapWord
	s.Message.Importance = widget.DangerImportance

	form := widget.NewForm(
		&widget.FormItem{Text: l10n.L("层级"), Widget: s.Level},
		&widget.FormItem{Text: l10n.L("区划代码"), Widget: s.Code, HintText: l10n.L("12位统计用区划代码：乡镇以000结尾，村为村级代码")},
		&widget.FormItem{Text: l10n.L("服务点名称"), Widget: s.Name, HintText: l10n.L("打印在回执和通知书上")},
	)
	s.Submit = widget.NewButtonWithIcon(l10n.L("保存并开始使用"), theme.ConfirmIcon(), func() {
		s.Message.SetText("")
		if err := form.Validate(); err != nil {
			s.Message.SetText(l10n.L("请先改正标红的项目"))
			return
		}
		sp, err := c.ConfigureServicePoint(ctx, servicepoint.ServicePoint{Code: s.Code.Text, Name: s.Name.Text, Level: levelOf()})
		switch {
		case errors.Is(err, servicepoint.ErrNameEmpty), errors.Is(err, servicepoint.ErrNameLong):
			s.Name.SetValidationError(errors.New(l10n.Error(err)))
		case err != nil:
			// What was typed stays in the form; only the message changes.
			s.Message.SetText(l10n.Error(err))
		default:
			done(sp)
		}
	})
	s.Submit.Importance = widget.HighImportance

	title := widget.NewLabelWithStyle(l10n.L("首次使用：设置服务点"), fyne.TextAlignLeading, fyne.TextStyle{})
	title.SizeName = theme.SizeNameHeadingText
	intro := widget.NewLabel(l10n.L("本机受理的每一件事都会记在这个服务点名下，并同步到所属县中心（区划代码前6位）。设置后可由管理员修改。"))
	intro.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(title, intro, form, s.Message, container.NewHBox(s.Submit))
	s.content = container.NewCenter(container.NewGridWrap(fyne.NewSize(720, 520), container.NewPadded(box)))
	return s
}

// Content returns the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }
