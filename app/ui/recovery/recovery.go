// Package recovery provides the screen shown when the kiosk's database file
// is damaged or unreadable. It explains what happened in plain words and
// offers the newest backup; it never starts a new empty database on its own,
// because that would look like a working kiosk that had forgotten every case.
package recovery

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/workday"
)

// Problem describes the damaged database.
type Problem struct {
	Path string
	// Reason is what went wrong in the user's language; Detail is the
	// technical text for support staff.
	Reason string
	Detail string
	// Newest is the newest backup's day; zero when there is none.
	Newest     time.Time
	NewestSize int64
}

// Screen is the recovery screen.
type Screen struct {
	Restore *widget.Button
	Quit    *widget.Button
	Message *widget.Label
	content fyne.CanvasObject
}

// New builds the screen. restore puts the newest backup in place (keeping
// the damaged file aside) and returns where the damaged file was kept.
func New(p Problem, restore func() (kept string, err error), quit func()) *Screen {
	s := &Screen{}
	title := widget.NewLabelWithStyle(l10n.L("数据库文件损坏或无法读取"), fyne.TextAlignLeading, fyne.TextStyle{})
	title.SizeName = theme.SizeNameHeadingText
	what := widget.NewLabel(l10n.L("本机的数据文件无法正常打开：{{.Reason}}。为避免误以为数据丢失，系统没有新建空白数据库，原文件保持原样。",
		map[string]any{"Reason": p.Reason}))
	tech := widget.NewLabel(l10n.L("技术信息（供技术支持）：{{.Path}} — {{.Detail}}", map[string]any{"Path": p.Path, "Detail": p.Detail}))
	tech.SizeName = theme.SizeNameCaptionText
	tech.Wrapping = fyne.TextWrapWord
	what.Wrapping = fyne.TextWrapWord
	s.Message = widget.NewLabel("")
	s.Message.Wrapping = fyne.TextWrapWord
	s.Quit = widget.NewButton(l10n.L("退出，联系技术支持"), quit)

	var offer *widget.Label
	if p.Newest.IsZero() {
		offer = widget.NewLabel(l10n.L("没有找到可用的备份。请退出并联系县中心技术支持，不要删除数据文件。"))
		s.Restore = widget.NewButton(l10n.L("恢复最新备份"), nil)
		s.Restore.Disable()
	} else {
		offer = widget.NewLabel(l10n.L("可以恢复最新备份（{{.Day}}，{{.Size}}）。备份之后办理的业务需要根据纸质回执补录；损坏的文件会保留在原处以备修复。",
			map[string]any{"Day": p.Newest.In(workday.China).Format("2006-01-02"), "Size": humanSize(p.NewestSize)}))
		s.Restore = widget.NewButtonWithIcon(l10n.L("恢复最新备份"), theme.HistoryIcon(), func() {
			s.Restore.Disable()
			kept, err := restore()
			if err != nil {
				s.Message.Importance = widget.DangerImportance
				s.Message.SetText(l10n.L("恢复没有成功：{{.Why}}", map[string]any{"Why": l10n.Error(err)}))
				s.Restore.Enable()
				return
			}
			s.Message.Importance = widget.SuccessImportance
			s.Message.SetText(l10n.L("已恢复。损坏的文件保留为：{{.Path}}", map[string]any{"Path": kept}))
		})
		s.Restore.Importance = widget.HighImportance
	}
	offer.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(title, what, tech, widget.NewSeparator(), offer, s.Message, container.NewHBox(s.Restore, s.Quit))
	s.content = container.NewCenter(container.NewGridWrap(fyne.NewSize(760, 460), container.NewPadded(box)))
	return s
}

// Content returns the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0fKB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}
