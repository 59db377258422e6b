// Package agent provides the village agent's (村代办员) work list: the
// cases they filed for residents, sorted by what needs them — overdue, 补正
// to fetch from the resident, results to deliver, what has not yet left the
// laptop and how long it has waited — the day's route by village group, and
// the delivery of a result at the resident's home.
package agent

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/idcard"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/cardread"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/workday"
)

// Service is what the work list needs.
type Service interface {
	Catalog(ctx context.Context) (*catalog.Catalog, error)
	// WorkList is the agent's cases, planned for today.
	WorkList(ctx context.Context, agent clerks.Account) ([]cases.WorkItem, error)
	// Deliver records handing the result to the resident, with the photo
	// of the signed receipt.
	Deliver(ctx context.Context, agent clerks.Account, cs cases.Case, resident cases.Person, receipt io.Reader, name string) (cases.Case, error)
}

// Screen is the work list.
type Screen struct {
	ctx   context.Context
	svc   Service
	agent clerks.Account
	now   func() time.Time
	win   fyne.Window
	cat   *catalog.Catalog

	// ScanDir is the document camera's drop folder, where the file dialog
	// opens when no photo was taken from elsewhere yet.
	ScanDir string
	// Cards are the ID-card reader's events (nil: no reader, the number is
	// typed); the delivery form takes them while open.
	Cards *cardread.Feed

	Items   []cases.WorkItem
	Summary *widget.Label
	Message *widget.Label
	// DeliverBtns opens the delivery form per tracking code.
	DeliverBtns map[string]*widget.Button
	Delivery    *Delivery
	// guard runs the delivery (storing the receipt photo, recording it)
	// off the UI goroutine.
	guard   busy.Guard
	list    *fyne.Container
	route   *fyne.Container
	tabs    *container.AppTabs
	content *fyne.Container
}

// New builds the work list for a signed-in agent.
func New(ctx context.Context, svc Service, agent clerks.Account, now func() time.Time, win fyne.Window) *Screen {
	s := &Screen{ctx: ctx, svc: svc, agent: agent, now: now, win: win, DeliverBtns: map[string]*widget.Button{}}
	s.cat, _ = svc.Catalog(ctx)
	s.Summary = widget.NewLabel("")
	s.Summary.Wrapping = fyne.TextWrapWord
	s.Message = widget.NewLabel("")
	s.Message.Wrapping = fyne.TextWrapWord
	s.Message.Hide() // shown when there is something to say
	s.list, s.route = container.NewVBox(), container.NewVBox()
	s.tabs = container.NewAppTabs(
		container.NewTabItem(l10n.L("按状态"), container.NewVScroll(s.list)),
		container.NewTabItem(l10n.L("今日路线"), container.NewVScroll(s.route)),
	)
	s.content = container.NewStack(container.NewBorder(container.NewVBox(s.summaryBar(), s.Message), nil, nil, nil, s.tabs))
	s.Reload()
	return s
}

// Content returns the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

// Wait blocks until a delivery in flight, if any, has shown its result, or
// ctx ends.
func (s *Screen) Wait(ctx context.Context) error { return s.guard.Wait(ctx) }

// Reload reads the work list again.
func (s *Screen) Reload() {
	items, err := s.svc.WorkList(s.ctx, s.agent)
	if err != nil {
		s.say(l10n.Error(err))
		return
	}
	s.Items = items
	s.DeliverBtns = map[string]*widget.Button{}
	s.list.RemoveAll()
	count := map[cases.Shelf]int{}
	for _, w := range items {
		count[w.Shelf]++
	}
	var parts []string
	for _, sh := range cases.Shelves {
		if count[sh] > 0 && sh != cases.ShelfDone {
			parts = append(parts, fmt.Sprintf("%s %d", l10n.L(cases.ShelfName(sh)), count[sh]))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, l10n.L("暂无待办"))
	}
	s.Summary.SetText(l10n.L("我的工作单：") + strings.Join(parts, " · "))
	shelf := cases.Shelf("")
	for _, w := range items {
		if w.Shelf == cases.ShelfDone {
			continue
		}
		if w.Shelf != shelf {
			shelf = w.Shelf
			h := widget.NewLabel(l10n.L(cases.ShelfName(shelf)))
			h.SizeName = theme.SizeNameSubHeadingText
			if shelf == cases.ShelfOverdue {
				h.Importance = widget.DangerImportance
			}
			s.list.Add(h)
		}
		s.list.Add(s.row(w))
	}
	s.route.RemoveAll()
	for _, st := range cases.Route(items) {
		where := strings.TrimSpace(st.Village + " " + st.Group)
		h := widget.NewLabel(where)
		h.SizeName = theme.SizeNameSubHeadingText
		s.route.Add(h)
		for _, w := range st.Items {
			c := w.Case
			what := l10n.L(cases.ShelfName(w.Shelf))
			if w.Shelf == cases.ShelfDeliver {
				what = l10n.L("送达")
			}
			s.route.Add(widget.NewLabel(fmt.Sprintf("· [%s]  %s  %s（%s）  %s", what, tracking.Format(c.Tracking), c.Applicant.Name,
				ids.MaskIDNumber(c.Applicant.IDNumber), s.matterNames(c))))
		}
	}
	if len(s.route.Objects) == 0 {
		s.route.Add(widget.NewLabel(l10n.L("今天没有需要上门的办件")))
	}
}

func (s *Screen) matterNames(c cases.Case) string {
	var names []string
	if s.cat == nil {
		return strings.Join(c.Matters, "、")
	}
	for _, code := range c.Matters {
		if m, ok := s.cat.Matter(code); ok {
			names = append(names, m.Name)
		}
	}
	return strings.Join(names, "、")
}

// line is one case in a sentence: who, what, where, and what is pressing.
func (s *Screen) line(w cases.WorkItem) string {
	c := w.Case
	text := fmt.Sprintf("%s  %s（%s）  %s", tracking.Format(c.Tracking), c.Applicant.Name, ids.MaskIDNumber(c.Applicant.IDNumber), s.matterNames(c))
	if p := c.Proxy; p != nil {
		text += "  " + strings.TrimSpace(p.Village+" "+p.Group)
	}
	return text
}

func (s *Screen) row(w cases.WorkItem) fyne.CanvasObject {
	lines := []string{s.line(w)}
	switch {
	case w.Late > 0 && (w.Case.Status == cases.StatusCorrection || w.Case.Status == cases.StatusDeferred):
		lines = append(lines, l10n.L("补正期限{{.Date}}已过{{.N}}个工作日，出发前请联系村民并告知窗口", map[string]any{"Date": w.By.In(workday.China).Format("2006-01-02"), "N": w.Late}))
	case w.Late > 0:
		lines = append(lines, l10n.L("承诺办结日期{{.Date}}已过{{.N}}个工作日", map[string]any{"Date": w.By.In(workday.China).Format("2006-01-02"), "N": w.Late}))
	case !w.By.IsZero() && (w.Shelf == cases.ShelfCorrection):
		lines = append(lines, l10n.L("请于{{.Date}}前向村民收取：", map[string]any{"Date": w.By.In(workday.China).Format("2006-01-02")}))
	}
	for _, e := range w.Fetch {
		lines = append(lines, "    · "+cases.MaterialName(s.cat, e.Matter, e.Material))
	}
	for _, name := range w.FetchMore {
		lines = append(lines, "    · "+name)
	}
	if w.Unsent > 0 {
		lines = append(lines, l10n.L("{{.N}}条记录尚未上传，已在本机{{.Age}}", map[string]any{"N": w.Unsent, "Age": age(w.Waiting)}))
	}
	if w.Shelf == cases.ShelfDeliver && w.Case.County != nil && w.Case.County.Pickup != "" {
		lines = append(lines, l10n.L("县中心：{{.Pickup}}", map[string]any{"Pickup": w.Case.County.Pickup}))
	}
	text := widget.NewLabel(strings.Join(lines, "\n"))
	text.Wrapping = fyne.TextWrapWord
	if w.Shelf != cases.ShelfDeliver {
		return text
	}
	cs := w.Case
	btn := widget.NewButtonWithIcon(l10n.L("送达"), theme.ConfirmIcon(), func() { s.openDelivery(cs) })
	btn.Importance = widget.HighImportance
	s.DeliverBtns[cs.Tracking] = btn
	return container.NewBorder(nil, nil, nil, btn, text)
}

// age says how long something has waited, in days or hours.
func age(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return l10n.L("{{.N}}天", map[string]any{"N": int(d.Hours() / 24)})
	case d >= time.Hour:
		return l10n.L("{{.N}}小时", map[string]any{"N": int(d.Hours())})
	}
	return l10n.L("不到1小时")
}

// Delivery is the form for handing a result to the resident.
type Delivery struct {
	Case                 cases.Case
	Name, ID             *widget.Entry
	PhotoBtn, ConfirmBtn *widget.Button
	PhotoNote, Message   *widget.Label
	photo                []byte
	photoName            string

	// CardLine shows the reader's state and the resident's card, masked.
	CardLine *cardread.Line
}

func (s *Screen) openDelivery(cs cases.Case) {
	d := &Delivery{Case: cs, Name: widget.NewEntry(), ID: widget.NewEntry(),
		PhotoNote: widget.NewLabel(l10n.L("尚未拍照")), Message: widget.NewLabel("")}
	d.Name.SetText(cs.Applicant.Name)
	d.ID.SetPlaceHolder(l10n.L("核对村民身份证，输入身份证号"))
	d.CardLine = cardread.NewLine(s.now)
	d.Message.Wrapping = fyne.TextWrapWord
	d.Message.Importance = widget.DangerImportance
	d.PhotoBtn = widget.NewButtonWithIcon(l10n.L("附上签收回执照片"), theme.FileImageIcon(), func() {
		if s.win == nil {
			return
		}
		fd := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
			if err != nil || rc == nil {
				return
			}
			defer rc.Close()
			if u := rc.URI(); u.Scheme() == "file" {
				s.rememberFolder(filepath.Dir(u.Path()))
			}
			b, err := io.ReadAll(rc)
			if err == nil {
				s.SetReceiptPhoto(b, rc.URI().Name())
			}
		}, s.win)
		home, _ := os.UserHomeDir()
		if dir := StartFolder(s.lastFolder(), s.ScanDir, home, isDir); dir != "" {
			if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
				fd.SetLocation(l)
			}
		}
		fd.Show()
	})
	d.ConfirmBtn = widget.NewButtonWithIcon(l10n.L("确认送达"), theme.ConfirmIcon(), func() { s.confirmDelivery() })
	d.ConfirmBtn.Importance = widget.HighImportance
	back := widget.NewButtonWithIcon(l10n.L("返回工作单"), theme.NavigateBackIcon(), s.closeDelivery)
	s.Delivery = d
	s.Cards.Route(d, s.readCard)
	title := widget.NewLabel(l10n.L("送达办理结果：{{.Line}}", map[string]any{"Line": s.line(cases.WorkItem{Tracked: cases.Tracked{Case: cs}})}))
	title.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(widget.NewFormItem(l10n.L("领取人"), d.Name), widget.NewFormItem(l10n.L("身份证号"), d.ID))
	s.content.Objects = []fyne.CanvasObject{container.NewVBox(title, d.CardLine.Content(), form, container.NewHBox(d.PhotoBtn, d.PhotoNote),
		container.NewHBox(back, layout.NewSpacer(), d.ConfirmBtn), d.Message)}
	s.content.Refresh()
}

// folderKey is the preference that remembers the last photo's folder.
const folderKey = "agent.photoFolder"

// StartFolder is where the file dialog opens: the folder the last photo
// came from, else the scanner's drop folder, else the user's pictures or
// documents (by their English or Chinese desktop names), else home; ""
// when none exists (the dialog then picks). The file system root, where
// fyne starts by default, is no place an agent keeps photos.
func StartFolder(last, scanDir, home string, isDir func(string) bool) string {
	candidates := []string{last, scanDir}
	if home != "" {
		for _, name := range []string{"Pictures", "图片", "Documents", "文档", ""} {
			candidates = append(candidates, filepath.Join(home, name))
		}
	}
	for _, dir := range candidates {
		if dir != "" && isDir(dir) {
			return dir
		}
	}
	return ""
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// lastFolder is the folder the last receipt photo came from, kept in the
// app's preferences so it outlives the session.
func (s *Screen) lastFolder() string {
	if a := fyne.CurrentApp(); a != nil {
		return a.Preferences().String(folderKey)
	}
	return ""
}

func (s *Screen) rememberFolder(dir string) {
	if a := fyne.CurrentApp(); a != nil {
		a.Preferences().SetString(folderKey, dir)
	}
}

// SetReceiptPhoto keeps the photo of the signed receipt (the file dialog's
// path; tests and cameras that drop files use it directly).
func (s *Screen) SetReceiptPhoto(b []byte, name string) {
	s.Delivery.photo, s.Delivery.photoName = b, name
	s.Delivery.PhotoNote.SetText(l10n.L("已拍照：{{.Name}}", map[string]any{"Name": name}))
}

// confirmDelivery stores the receipt photo and records the delivery off
// the UI goroutine (a photo of several MB is hashed and written to disk);
// the button stays disabled until the answer is shown.
func (s *Screen) confirmDelivery() {
	d := s.Delivery
	if len(d.photo) == 0 {
		d.Message.SetText(l10n.Error(cases.ErrReceiptPhoto))
		return
	}
	resident := cases.Person{Name: strings.TrimSpace(d.Name.Text), IDNumber: d.ID.Text}
	busy.Run(&s.guard, func() {
		d.ConfirmBtn.Disable()
		d.Message.Importance = widget.MediumImportance
		d.Message.SetText(l10n.L("正在保存…"))
	}, func() (cases.Case, error) {
		return s.svc.Deliver(s.ctx, s.agent, d.Case, resident, bytes.NewReader(d.photo), d.photoName)
	}, func(_ cases.Case, err error) {
		d.ConfirmBtn.Enable()
		d.Message.Importance = widget.DangerImportance
		if err != nil {
			d.Message.SetText(l10n.Error(err))
			return
		}
		d.Message.SetText("")
		if s.Delivery == d {
			s.closeDelivery()
		} else {
			s.Reload() // the agent went back to the list meanwhile
		}
		s.Message.Importance = widget.SuccessImportance
		s.say(l10n.L("已送达 {{.Code}}，联网后自动上传", map[string]any{"Code": tracking.Format(d.Case.Tracking)}))
	})
}

// readCard takes an event of the reader while the delivery form is open:
// the resident's card fills the collector (the number as dots) and says at
// once whether it is the applicant's and whether it has expired; the agent
// decides, and the delivery checks the number again.
func (s *Screen) readCard(e idcard.Event) {
	d := s.Delivery
	if d == nil {
		return
	}
	d.CardLine.Show(e)
	if e.Err != nil {
		return
	}
	c := e.Card
	d.Name.SetText(c.Name)
	d.ID.SetText(c.IDNumber)
	d.ID.Password = true // a number from the card is never shown in full
	d.ID.Refresh()
	text, imp := cardread.CollectorCheck(d.Case, c, s.now())
	d.Message.Importance = imp
	d.Message.SetText(text)
}

func (s *Screen) closeDelivery() {
	s.Cards.Release(s.Delivery)
	s.Delivery = nil
	s.content.Objects = []fyne.CanvasObject{container.NewBorder(container.NewVBox(s.summaryBar(), s.Message), nil, nil, nil, s.tabs)}
	s.Reload()
	s.content.Refresh()
}

func (s *Screen) say(text string) {
	s.Message.SetText(text)
	s.Message.Show()
}

func (s *Screen) summaryBar() fyne.CanvasObject {
	return container.NewHBox(s.Summary, layout.NewSpacer(), widget.NewButtonWithIcon(l10n.L("刷新"), theme.ViewRefreshIcon(), s.Reload))
}
