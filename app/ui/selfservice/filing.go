package selfservice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/keypad"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// FilingService is what 自助申报 needs: the document camera's scans and
// the filing itself (stored for pre-review, its slip printed).
type FilingService interface {
	// TakeScans collects what the document camera (高拍仪) or scanner
	// dropped into its folder since the last call, each with its picture
	// for the citizen to check; a file that is not an image or PDF, or is
	// too large, comes back as an error and the others are kept.
	TakeScans(ctx context.Context) ([]Scan, []error)
	// ClearScans deletes whatever is in the document camera's folder: a
	// photo left there by one citizen must never reach the next.
	ClearScans(ctx context.Context) error
	// SubmitSelf stores the filing for pre-review and prints its slip. A
	// filing stored whose slip did not print returns the case with a
	// *SlipNotPrinted: the citizen is sent to a window for the paper.
	SubmitSelf(ctx context.Context, d cases.Draft) (cases.Case, error)
}

// SlipNotPrinted says a filing was stored but its slip did not come out of
// the terminal's printer; Err is why (already logged by the service).
type SlipNotPrinted struct{ Err error }

func (e *SlipNotPrinted) Error() string { return "filing stored, slip not printed: " + e.Err.Error() }
func (e *SlipNotPrinted) Unwrap() error { return e.Err }

// Scan is a file from the document camera, stored as an attachment.
type Scan struct {
	cases.Attachment
	// Image is the photo itself, shown as a thumbnail so the citizen says
	// which material it is; nil for a PDF.
	Image []byte
}

// Photo is a scan on screen: its thumbnail, the material the citizen says
// it is, and a button to drop it.
type Photo struct {
	Scan     Scan
	Material *widget.Select
	Remove   *widget.Button
}

// Filing is 自助申报: choose a matter the catalog lets citizens file
// themselves, say who you are, answer the form, give each material (a
// photo from the document camera, shared data or a written commitment),
// and file it for a clerk's pre-review.
type Filing struct {
	t   *Terminal
	svc FilingService

	Matters map[string]*widget.Button
	matter  *catalog.Matter

	Name, ID, Mobile *targetEntry
	Fields           map[string]*targetEntry
	// Keyboard types into the field last touched (the terminal has a
	// touch screen and no keyboard): Chinese by pinyin in 中 mode, letters
	// in 英 mode, and only digits and X in the ID number and mobile.
	Keyboard *ChineseKeyboard
	target   *targetEntry
	Choices  map[string]*widget.Select
	// Materials maps a material id to how it is given.
	Materials map[string]*widget.Select
	// Photos are the document camera's scans, each assigned to a material
	// by the citizen: never matched silently by the order they came in.
	Photos    []*Photo
	photoBox  *fyne.Container
	ScanBtn   *widget.Button
	SubmitBtn *widget.Button
	Message   *widget.Label
	// Done is the filed case's code, shown after submitting.
	Done   *widget.Label
	Result *cases.Case
	// gen counts the citizens: clear starts a new one, and an answer that
	// arrives for an earlier one is dropped, never shown to the next.
	gen     int
	content *fyne.Container
}

// targetEntry is an entry that tells the filing when it gains focus, so
// the on-screen keyboard types into the field the citizen last touched.
type targetEntry struct {
	widget.Entry
	onFocus func(*targetEntry)
	// latin: the field takes no Chinese (ID number, mobile, codes).
	latin bool
}

func newTargetEntry(password bool, onFocus func(*targetEntry)) *targetEntry {
	e := &targetEntry{onFocus: onFocus}
	e.Password = password
	e.ExtendBaseWidget(e)
	return e
}

// FocusGained implements fyne.Focusable.
func (e *targetEntry) FocusGained() {
	e.Entry.FocusGained()
	if e.onFocus != nil {
		e.onFocus(e)
	}
}

// photo is the material choice "a photo from the document camera".
func photo() string { return l10n.L("拍照上传") }

func newFiling(t *Terminal, svc FilingService) *Filing {
	f := &Filing{t: t, svc: svc, content: container.NewStack()}
	f.Reset()
	return f
}

// Reset forgets the filing and empties the document camera's folder, so
// that nothing of this citizen — typed or photographed — reaches the next.
// The terminal calls it when the filing is left (首页, 完成) and at the
// idle wipe. Deleting the few files of one visit is quick enough for the
// UI goroutine, and must be done before the next citizen can tap.
func (f *Filing) Reset() {
	f.clear()
	_ = f.svc.ClearScans(f.t.ctx) // a folder that cannot be emptied is also not read: see TakeScans
}

// clear forgets everything entered and shows the matter choice: the idle
// wipe and a new citizen start here.
func (f *Filing) clear() {
	f.gen++
	f.matter, f.Result = nil, nil
	// A public screen: the ID number and the mobile are hidden as typed
	// (the check digit catches a typo), so the next person sees neither.
	f.Name, f.ID, f.Mobile = newTargetEntry(false, f.aim), newTargetEntry(true, f.aim), newTargetEntry(true, f.aim)
	f.ID.latin, f.Mobile.latin = true, true
	f.target = nil
	f.Fields, f.Choices, f.Materials = map[string]*targetEntry{}, map[string]*widget.Select{}, map[string]*widget.Select{}
	// A new keyboard per citizen: no pinyin or candidate of the last one.
	f.Keyboard = keypad.NewChinese([]string{"1234567890", "QWERTYUIOP", "ASDFGHJKLX", "ZCVBNM" + keypad.Apostrophe}, f.insert, f.press)
	f.Photos = nil
	f.photoBox = container.NewVBox()
	f.Matters = map[string]*widget.Button{}
	f.Message = widget.NewLabel("")
	f.Message.Wrapping = fyne.TextWrapWord
	f.Message.Importance = widget.DangerImportance
	f.Done = widget.NewLabel("")
	title := widget.NewLabel(l10n.L("自助申报：请选择要办理的事项"))
	title.SizeName = theme.SizeNameSubHeadingText
	list := container.NewVBox(title)
	if f.t.cat != nil {
		for i := range f.t.cat.Matters {
			m := &f.t.cat.Matters[i]
			if !m.SelfService {
				continue
			}
			b := widget.NewButton(m.Name, func() { f.t.Touch(); f.choose(m) })
			f.Matters[m.Code] = b
			list.Add(tall(b, MinTouch+8))
		}
	}
	list.Add(widget.NewLabel(l10n.L("其他事项请到窗口办理，或先查看办事指南。")))
	f.show(container.NewBorder(f.topBar(), nil, nil, nil, container.NewVScroll(list)))
}

func (f *Filing) topBar() fyne.CanvasObject {
	home := widget.NewButtonWithIcon(l10n.L("首页"), theme.HomeIcon(), func() { f.t.Touch(); f.t.Home() })
	return container.NewHBox(touch(home))
}

func (f *Filing) show(o fyne.CanvasObject) {
	f.content.Objects = []fyne.CanvasObject{container.NewPadded(o)}
	f.content.Refresh()
}

func (f *Filing) choose(m *catalog.Matter) {
	f.matter = m
	form := widget.NewForm(
		widget.NewFormItem(l10n.L("姓名"), f.Name),
		widget.NewFormItem(l10n.L("身份证号"), f.ID),
		widget.NewFormItem(l10n.L("手机号"), f.Mobile))
	// The applicant's own answers are asked once, above.
	asked := map[string]bool{"applicant_name": true, "applicant_id": true, "mobile": true, "legal_rep_name": true, "legal_rep_id": true}
	for _, fd := range m.Fields {
		if asked[fd.Key] {
			continue
		}
		if fd.Type == catalog.Choice {
			sel := widget.NewSelect(fd.Choices, nil)
			f.Choices[fd.Key] = sel
			form.Append(fd.Label, sel)
			continue
		}
		e := newTargetEntry(false, f.aim)
		// Codes, numbers and dates are written in digits and letters.
		e.latin = fd.Type != catalog.Text && fd.Type != catalog.PersonName && fd.Type != catalog.Address
		f.Fields[fd.Key] = e
		form.Append(fd.Label, e)
	}
	mats := container.NewVBox()
	for _, mat := range m.Materials {
		var opts []string
		for _, st := range cases.SelfStates(mat) {
			switch st {
			case cases.ECopy:
				if !slices.Contains(opts, photo()) {
					opts = append(opts, photo())
				}
			case cases.Shared, cases.Committed, cases.NotApplicable:
				opts = append(opts, l10n.L(cases.StateName(st)))
			}
		}
		sel := widget.NewSelect(opts, func(string) { f.t.Touch() })
		f.Materials[mat.ID] = sel
		mats.Add(container.NewBorder(nil, nil, nil, container.NewGridWrap(fyne.NewSize(220, sel.MinSize().Height), sel), widget.NewLabel(mat.Name)))
	}
	f.ScanBtn = widget.NewButtonWithIcon(l10n.L("读取高拍仪照片"), theme.MediaPhotoIcon(), func() { f.t.Touch(); f.TakeScans() })
	f.SubmitBtn = widget.NewButtonWithIcon(l10n.L("提交申报"), theme.ConfirmIcon(), func() { f.t.Touch(); f.Submit() })
	f.SubmitBtn.Importance = widget.HighImportance
	note := widget.NewLabel(l10n.L("选“拍照上传”的材料，请放到高拍仪下拍照，再点“读取高拍仪照片”，并为每张照片选择它是哪份材料。"))
	note.Wrapping = fyne.TextWrapWord
	title := widget.NewLabel(m.Name)
	title.SizeName = theme.SizeNameSubHeadingText
	body := container.NewVBox(title, form, f.Keyboard.Content(), widget.NewSeparator(), widget.NewLabel(l10n.L("申请材料")), mats, note, f.photoBox,
		container.NewHBox(touch(f.ScanBtn), layout.NewSpacer(), touch(f.SubmitBtn)), f.Message)
	f.show(container.NewBorder(f.topBar(), nil, nil, nil, container.NewVScroll(body)))
}

// aim makes e the field the on-screen keyboard types into; in a field
// that takes no Chinese (ID number, mobile) the keyboard types letters.
func (f *Filing) aim(e *targetEntry) {
	f.target = e
	f.Keyboard.LatinOnly(e.latin)
}

// press applies 退格 or 清空 to the field last touched.
func (f *Filing) press(key string) {
	f.t.Touch()
	e := f.target
	if e == nil {
		return
	}
	switch key {
	case KeyBackspace:
		e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	case KeyClear:
		e.SetText("")
	}
}

// insert types text from the on-screen keyboard (a key, or a 字/词 chosen
// from the candidates) into the field last touched.
func (f *Filing) insert(text string) {
	f.t.Touch()
	if f.target == nil {
		return
	}
	for _, r := range text {
		f.target.TypedRune(r)
	}
}

// TakeScans gives each material set to 拍照上传 and still without a photo
// the next scan from the document camera's folder, in order. Reading the
// folder and storing the files runs off the UI goroutine.
func (f *Filing) TakeScans() {
	type taken struct {
		got  []Scan
		errs []error
	}
	gen := f.gen
	busy.Run(&f.t.guard, func() {
		f.setBusy(true)
		f.Message.SetText(l10n.L("正在读取高拍仪照片…"))
	}, func() (taken, error) {
		got, errs := f.svc.TakeScans(f.t.ctx)
		return taken{got, errs}, nil
	}, func(r taken, _ error) {
		if f.gen != gen {
			return // the citizen left: these photos are nobody's now
		}
		f.setBusy(false)
		f.placeScans(r.got, r.errs)
	})
}

// placeScans shows the new scans as thumbnails, each waiting for the
// citizen to say which material it is.
func (f *Filing) placeScans(got []Scan, errs []error) {
	var msgs []string
	for _, err := range errs {
		msgs = append(msgs, l10n.Error(err))
	}
	for _, sc := range got {
		f.addPhoto(sc)
	}
	switch {
	case len(got) > 0:
		msgs = append(msgs, l10n.L("已读取{{.N}}张照片，请为每张照片选择它是哪份材料", map[string]any{"N": len(got)}))
	case len(msgs) == 0:
		msgs = append(msgs, l10n.L("高拍仪还没有新照片"))
	}
	f.Message.SetText(strings.Join(msgs, "\n"))
	f.photoBox.Refresh()
}

// photoMaterials are the materials of the matter that a photo may be,
// by name.
func (f *Filing) photoMaterials() (names []string, ids map[string]string) {
	ids = map[string]string{}
	for _, mat := range f.matter.Materials {
		if slices.Contains(cases.SelfStates(mat), cases.ECopy) {
			names = append(names, mat.Name)
			ids[mat.Name] = mat.ID
		}
	}
	return names, ids
}

func (f *Filing) addPhoto(sc Scan) {
	names, ids := f.photoMaterials()
	p := &Photo{Scan: sc}
	p.Material = widget.NewSelect(names, func(name string) {
		f.t.Touch()
		// Saying what a photo is also says how that material is given.
		if sel := f.Materials[ids[name]]; sel != nil && sel.Selected != photo() {
			sel.SetSelected(photo())
		}
	})
	p.Material.PlaceHolder = l10n.L("这是哪份材料？")
	var row fyne.CanvasObject
	p.Remove = widget.NewButtonWithIcon(l10n.L("删除"), theme.DeleteIcon(), func() {
		f.t.Touch()
		f.Photos = slices.DeleteFunc(f.Photos, func(q *Photo) bool { return q == p })
		f.photoBox.Remove(row)
	})
	var thumb fyne.CanvasObject
	if sc.Image != nil {
		img := canvas.NewImageFromReader(bytes.NewReader(sc.Image), sc.Name)
		img.FillMode = canvas.ImageFillContain
		img.SetMinSize(fyne.NewSize(160, 120))
		thumb = img
	} else {
		icon := widget.NewIcon(theme.FileIcon())
		thumb = container.NewGridWrap(fyne.NewSize(160, 120), icon)
	}
	row = container.NewBorder(nil, nil, thumb, touch(p.Remove), container.NewVBox(tall(p.Material, MinTouch)))
	f.Photos = append(f.Photos, p)
	f.photoBox.Add(row)
}

// setBusy disables the filing's buttons while an action is in flight.
func (f *Filing) setBusy(on bool) {
	for _, b := range []*widget.Button{f.ScanBtn, f.SubmitBtn} {
		if b == nil {
			continue
		}
		if on {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

// Draft is the filing as entered.
func (f *Filing) Draft() cases.Draft {
	d := cases.Draft{Matters: []string{f.matter.Code}, Fields: map[string]string{},
		Applicant: cases.Applicant{Kind: cases.Individual, Name: strings.TrimSpace(f.Name.Text), IDNumber: f.ID.Text, Mobile: f.Mobile.Text}}
	for k, e := range f.Fields {
		d.Fields[k] = e.Text
	}
	for k, s := range f.Choices {
		d.Fields[k] = s.Selected
	}
	for _, mat := range f.matter.Materials {
		st := cases.Pending
		switch f.Materials[mat.ID].Selected {
		case photo():
			for _, p := range f.Photos {
				if p.Material.Selected == mat.Name {
					st = cases.ECopy // a photo, never an original received
					d.Attachments = append(d.Attachments, p.Scan.Attachment)
				}
			}
		case l10n.L(cases.StateName(cases.Shared)):
			st = cases.Shared
		case l10n.L(cases.StateName(cases.Committed)):
			st = cases.Committed
		case l10n.L(cases.StateName(cases.NotApplicable)):
			st = cases.NotApplicable
		}
		d.Materials = append(d.Materials, cases.MaterialEntry{Matter: f.matter.Code, Material: mat.ID, State: st})
	}
	return d
}

// Submit files it; the slip is printed and the code shown. Filing and
// printing run as one call off the UI goroutine, the buttons disabled.
func (f *Filing) Submit() {
	for _, p := range f.Photos {
		if p.Material.Selected == "" {
			f.Message.SetText(l10n.L("请为每张照片选择它是哪份材料，不需要的照片请删除"))
			return
		}
	}
	gen, d := f.gen, f.Draft()
	busy.Run(&f.t.guard, func() {
		f.setBusy(true)
		f.Message.SetText(l10n.L("正在提交并打印回执…"))
	}, func() (cases.Case, error) { return f.svc.SubmitSelf(f.t.ctx, d) }, func(cs cases.Case, err error) {
		if f.gen != gen {
			return // filed for a citizen who walked away; the next sees nothing of it
		}
		f.setBusy(false)
		f.submitted(cs, err)
	})
}

func (f *Filing) submitted(cs cases.Case, err error) {
	var slip *SlipNotPrinted
	printed := !errors.As(err, &slip)
	if !printed {
		err = nil // stored all the same: only the paper is missing
	}
	if err != nil {
		text := l10n.Error(err)
		var fe cases.FieldErrors
		if errors.As(err, &fe) {
			for k, e := range fe {
				text += fmt.Sprintf("\n%s：%s", f.label(k), l10n.Error(e))
			}
		}
		f.Message.SetText(text)
		return
	}
	f.Result = &cs
	f.Done.SetText(l10n.L("已提交，查询码 {{.Code}}", map[string]any{"Code": tracking.Format(cs.Tracking)}))
	f.Done.SizeName = theme.SizeNameHeadingText
	// Only a slip the printer took is one to take away; otherwise the
	// citizen must not wait at an empty tray.
	next := widget.NewLabel(l10n.L("请取走打印的回执。工作人员预审后即受理，进度可凭查询码在本大厅任一自助终端或窗口查询。"))
	if !printed {
		next.SetText(l10n.L("回执没有打印出来，请记下上面的查询码，到窗口领取回执。工作人员预审后即受理。"))
		next.Importance = widget.WarningImportance
	}
	next.Wrapping = fyne.TextWrapWord
	done := widget.NewButton(l10n.L("完成"), func() { f.t.Touch(); f.t.Home() })
	f.show(container.NewCenter(container.NewVBox(f.Done, next, container.NewCenter(touch(done)))))
}

func (f *Filing) label(key string) string {
	switch key {
	case cases.KeyApplicantName:
		return l10n.L("姓名")
	case cases.KeyApplicantID:
		return l10n.L("身份证号")
	case cases.KeyApplicantMobile:
		return l10n.L("手机号")
	}
	for _, fd := range f.matter.Fields {
		if fd.Key == key {
			return fd.Label
		}
	}
	return key
}
