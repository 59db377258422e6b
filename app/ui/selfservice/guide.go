package selfservice

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// GuideScreen is 办事指南: browse by sector or search as you type on the
// on-screen keyboard, then a matter's page, which prints as a PDF.
type GuideScreen struct {
	t *Terminal

	Query      *widget.Entry
	Keyboard   *Keyboard
	Candidates []*widget.Button
	candBox    *fyne.Container
	Sectors    []*widget.Button
	Results    []*widget.Button // the current page
	Prev, Next *widget.Button
	Message    *widget.Label
	resBox     *fyne.Container

	hits   []catalog.Hit
	page   int
	bigram []candidate
	// fit is how many result rows the page has room for, measured at
	// each layout: fewer with 长辈模式's larger text.
	fit int

	// Matter page.
	Matter *catalog.Matter
	Print  *widget.Button
	Detail *widget.Label
	// Ticket and Book open 取号 and 预约 with the matter's hall sector
	// chosen; nil when the terminal has no queue.
	Ticket, Book *widget.Button

	content fyne.CanvasObject
	search  fyne.CanvasObject
}

func newGuide(t *Terminal) *GuideScreen {
	g := &GuideScreen{t: t}
	g.bigram = candidates(t.cat)
	g.Query = widget.NewEntry()
	g.Query.SetPlaceHolder(l10n.L("输入事项名称或拼音首字母，如 bdc（不动产）"))
	g.Query.OnChanged = func(string) { t.Touch(); g.run() }
	g.Keyboard = newKeyboard([]string{"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"}, func(key string) {
		t.Touch()
		g.Query.SetText(edit(g.Query.Text, key))
	})
	g.candBox = container.NewHBox()
	sectors := container.NewGridWithColumns(4)
	for _, s := range catalog.Sectors {
		sec := s
		b := widget.NewButton(l10n.L(sec), func() { t.Touch(); g.browse(sec) })
		g.Sectors = append(g.Sectors, b)
		sectors.Add(tall(b, MinTouch))
	}
	g.Message = widget.NewLabel("")
	g.Message.Wrapping = fyne.TextWrapWord
	g.resBox = container.New(&fitRows{g: g})
	g.Prev = widget.NewButton(l10n.L("上一页"), func() { t.Touch(); g.page--; g.refresh() })
	g.Next = widget.NewButton(l10n.L("下一页"), func() { t.Touch(); g.page++; g.refresh() })
	home := widget.NewButtonWithIcon(l10n.L("首页"), theme.HomeIcon(), func() { t.Touch(); t.Home() })
	// The candidate row keeps its height when empty, so the keyboard never
	// jumps under a finger as candidates come and go.
	left := container.NewVBox(container.NewHBox(touch(home)), sectors, g.Query, tall(g.candBox, MinTouch+8), g.Keyboard.Content())
	right := container.NewBorder(g.Message, container.NewHBox(touch(g.Prev), layout.NewSpacer(), touch(g.Next)), nil, nil, g.resBox)
	// The keys keep their touch size and take the width they need; the
	// results, whose names wrap, take the rest. Two equal columns would
	// make the page twice the keyboard's width, past the screen in 长辈模式.
	g.search = container.NewPadded(container.NewBorder(nil, nil, left, nil, container.NewPadded(right)))
	g.content = container.NewStack(g.search)
	g.refresh()
	return g
}

// pageSize is how many results show at once: as many as the page has
// room for (fewer in 长辈模式), and a few before the first layout.
func (g *GuideScreen) pageSize() int {
	if g.fit > 0 {
		return g.fit
	}
	return 4
}

// rowHeight is the height of one result: two lines of the theme's text,
// so a long matter name wraps instead of being cut, and never less than
// a touch target.
func rowHeight() float32 {
	two := widget.NewLabel("国\n国").MinSize().Height
	return max(two+2*theme.Padding(), MinTouch+8)
}

// fitRows stacks the result rows at rowHeight each and tells the guide
// how many fit. It asks for one row only, so the results never make the
// page taller than the screen: the page asks the rows, not the reverse.
type fitRows struct{ g *GuideScreen }

func (l *fitRows) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(0, rowHeight()) }

func (l *fitRows) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	h, pad := rowHeight(), theme.Padding()
	if n := max(1, int((size.Height+pad)/(h+pad))); n != l.g.fit {
		l.g.fit = n
		l.g.refresh() // lays the new page out again, with this n
		return
	}
	y := float32(0)
	for _, o := range objects {
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h + pad
	}
}

func (g *GuideScreen) run() {
	q := strings.TrimSpace(g.Query.Text)
	g.page = 0
	g.Message.SetText("")
	g.hits = nil
	if q != "" {
		hits, err := g.t.svc.Search(g.t.ctx, q)
		if err != nil {
			g.Message.SetText(l10n.Error(err))
		}
		g.hits = slices.DeleteFunc(hits, func(h catalog.Hit) bool { return h.Bundle })
		if len(g.hits) == 0 && err == nil {
			g.Message.SetText(l10n.L("没有找到，请换个说法，或按业务类别查找"))
		}
	}
	g.showCandidates(q)
	g.refresh()
}

func (g *GuideScreen) browse(sector string) {
	g.Query.OnChanged = nil
	g.Query.SetText("")
	g.Query.OnChanged = func(string) { g.t.Touch(); g.run() }
	g.hits = nil
	if g.t.cat != nil {
		for _, m := range g.t.cat.Matters {
			if m.Sector == sector {
				g.hits = append(g.hits, catalog.Hit{Code: m.Code, Name: m.Name, Sector: m.Sector})
			}
		}
	}
	g.page = 0
	g.Message.SetText(l10n.L("{{.Sector}}：共 {{.N}} 项", map[string]any{"Sector": l10n.L(sector), "N": len(g.hits)}))
	g.showCandidates("")
	g.refresh()
}

// Hits returns the current results (for tests).
func (g *GuideScreen) Hits() []catalog.Hit { return g.hits }

func (g *GuideScreen) refresh() {
	size := g.pageSize()
	pages := max(1, (len(g.hits)+size-1)/size)
	g.page = min(max(g.page, 0), pages-1)
	g.Results = nil
	g.resBox.Objects = nil
	for _, h := range g.hits[min(g.page*size, len(g.hits)):min((g.page+1)*size, len(g.hits))] {
		hit := h
		// The name is a wrapping label over a button without text: a
		// button's own text never wraps, and a long name would widen
		// the page past the screen.
		b := widget.NewButton("", func() { g.t.Touch(); g.open(hit.Code) })
		name := widget.NewLabel(h.Name)
		name.Wrapping = fyne.TextWrapWord
		g.Results = append(g.Results, b)
		g.resBox.Add(container.NewStack(b, name))
	}
	g.resBox.Refresh()
	if g.page > 0 {
		g.Prev.Enable()
	} else {
		g.Prev.Disable()
	}
	if g.page < pages-1 {
		g.Next.Enable()
	} else {
		g.Next.Disable()
	}
}

// candidate is a two-character word from matter names with its pinyin.
type candidate struct {
	word, full, initials string
	n                    int
}

// candidates builds the Chinese candidates the keyboard offers for typed
// pinyin: every two-character run of Han characters in matter names and
// aliases, most frequent first.
func candidates(cat *catalog.Catalog) []candidate {
	if cat == nil {
		return nil
	}
	count := map[string]int{}
	add := func(s string) {
		r := []rune(s)
		for i := 0; i+1 < len(r); i++ {
			if unicode.Is(unicode.Han, r[i]) && unicode.Is(unicode.Han, r[i+1]) {
				count[string(r[i:i+2])]++
			}
		}
	}
	for _, m := range cat.Matters {
		add(m.Name)
		for _, a := range m.Aliases {
			add(a)
		}
	}
	out := make([]candidate, 0, len(count))
	for w, n := range count {
		full, ini := catalog.PinyinKeys(w)
		out = append(out, candidate{w, full, ini, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].word < out[j].word
	})
	return out
}

func (g *GuideScreen) showCandidates(q string) {
	g.Candidates = nil
	g.candBox.Objects = nil
	q = strings.ToLower(q)
	if q != "" && catalogLatin(q) {
		for _, c := range g.bigram {
			if len(g.Candidates) == 8 {
				break
			}
			if (len(q) <= 2 && strings.HasPrefix(c.initials, q)) || strings.HasPrefix(c.full, q) {
				word := c.word
				b := widget.NewButton(word, func() { g.t.Touch(); g.Query.SetText(word) })
				g.Candidates = append(g.Candidates, b)
				g.candBox.Add(touch(b))
			}
		}
	}
	g.candBox.Refresh()
}

func catalogLatin(q string) bool {
	for _, r := range q {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// open shows a matter's guide page.
func (g *GuideScreen) open(code string) {
	if g.t.cat == nil {
		return
	}
	m, ok := g.t.cat.Matter(code)
	if !ok {
		return
	}
	g.Matter = m
	title := widget.NewLabel(m.Name)
	title.SizeName = theme.SizeNameHeadingText
	title.Wrapping = fyne.TextWrapWord
	g.Detail = widget.NewLabel(matterText(m))
	g.Detail.Wrapping = fyne.TextWrapWord
	msg := widget.NewLabel("")
	var printBtn *widget.Button
	printBtn = widget.NewButtonWithIcon(l10n.L("打印办事指南"), theme.DocumentPrintIcon(), func() {
		g.t.Touch()
		// Rendered and printed off the UI goroutine: the citizen keeps a
		// live screen while the printer warms up.
		busy.RunErr(&g.t.guard, func() {
			printBtn.Disable()
			msg.SetText(l10n.L("正在打印…"))
		}, func() error { return g.t.svc.PrintGuide(g.t.ctx, m.Code) }, func(err error) {
			printBtn.Enable()
			if err != nil {
				msg.SetText(l10n.Error(err))
				return
			}
			msg.SetText(l10n.L("已打印，请在出纸口取走"))
		})
	})
	g.Print = printBtn
	g.Print.Importance = widget.HighImportance
	back := widget.NewButtonWithIcon(l10n.L("返回"), theme.NavigateBackIcon(), func() {
		g.t.Touch()
		g.content.(*fyne.Container).Objects = []fyne.CanvasObject{g.search}
		g.content.Refresh()
	})
	bar := container.NewHBox(touch(back), layout.NewSpacer())
	g.Ticket, g.Book = nil, nil
	sector := g.hallSector(m)
	if g.t.opts.Ticket != nil {
		g.Ticket = widget.NewButtonWithIcon(l10n.L("取号"), theme.ContentAddIcon(), func() {
			g.t.Touch()
			g.t.open(g.t.opts.Ticket(g.t.Home, sector), nil)
		})
		bar.Add(touch(g.Ticket))
	}
	if g.t.opts.Booking != nil {
		g.Book = widget.NewButtonWithIcon(l10n.L("预约"), theme.CalendarIcon(), func() {
			g.t.Touch()
			g.t.open(g.t.opts.Booking(g.t.Home, sector), nil)
		})
		bar.Add(touch(g.Book))
	}
	bar.Add(touch(g.Print))
	page := container.NewBorder(bar, msg, nil, nil,
		container.NewVScroll(container.NewVBox(title, g.Detail)))
	g.content.(*fyne.Container).Objects = []fyne.CanvasObject{container.NewPadded(page)}
	g.content.Refresh()
}

// hallSector is the hall's sector for a matter, "" when the hall has none
// that takes the matter's catalog sector (the queue screens then open
// with nothing chosen).
func (g *GuideScreen) hallSector(m *catalog.Matter) string {
	if g.t.opts.SectorFor == nil {
		return ""
	}
	return g.t.opts.SectorFor(m.Sector)
}

// matterText is the guide page: what to bring and what to expect.
func matterText(m *catalog.Matter) string {
	var b strings.Builder
	levels := map[catalog.Level]string{catalog.Village: "村（社区）便民服务站", catalog.Township: "乡镇（街道）便民服务中心", catalog.County: "县行政服务中心"}
	var where []string
	for _, l := range []catalog.Level{catalog.Village, catalog.Township, catalog.County} {
		if m.DoneAt(l) {
			where = append(where, levels[l])
		}
	}
	fmt.Fprintf(&b, "%s：%s\n%s：%s\n", l10n.L("所属业务"), l10n.L(m.Sector), l10n.L("办理部门"), m.Department)
	fmt.Fprintf(&b, "%s：%s\n", l10n.L("可在哪里办"), strings.Join(where, "、"))
	if m.Kind == catalog.Immediate {
		fmt.Fprintf(&b, "%s：%s\n", l10n.L("办理时限"), l10n.L("即办件，材料齐全当场办结"))
	} else {
		fmt.Fprintf(&b, "%s：%s\n", l10n.L("办理时限"), l10n.L("承诺{{.P}}个工作日办结（法定{{.L}}个工作日）", map[string]any{"P": m.PromisedDays, "L": m.LegalDays}))
	}
	fees := l10n.L("不收费")
	if len(m.Fees) > 0 {
		var fs []string
		for _, f := range m.Fees {
			fs = append(fs, fmt.Sprintf("%s %s元", f.Item, f.Yuan))
		}
		fees = strings.Join(fs, "；")
	}
	fmt.Fprintf(&b, "%s：%s\n\n%s\n", l10n.L("收费"), fees, l10n.L("办理条件"))
	for i, c := range m.Conditions {
		fmt.Fprintf(&b, "%d. %s\n", i+1, c)
	}
	fmt.Fprintf(&b, "\n%s\n", l10n.L("需要的材料"))
	for i, mat := range m.Materials {
		var notes []string
		if !mat.Required {
			notes = append(notes, l10n.L("如有"))
		}
		if mat.Originals > 0 {
			notes = append(notes, l10n.L("原件{{.N}}份", map[string]any{"N": mat.Originals}))
		}
		if mat.Copies > 0 {
			notes = append(notes, l10n.L("复印件{{.N}}份", map[string]any{"N": mat.Copies}))
		}
		if mat.SharedData {
			notes = append(notes, l10n.L("可通过数据共享免交"))
		}
		if mat.Commitment {
			notes = append(notes, l10n.L("可签告知承诺书代替"))
		}
		if mat.Deferrable {
			notes = append(notes, l10n.L("缺少时可先受理、后补交"))
		}
		if mat.Sample != "" {
			notes = append(notes, mat.Sample)
		}
		fmt.Fprintf(&b, "%d. %s（%s）\n", i+1, mat.Name, strings.Join(notes, "；"))
	}
	return b.String()
}

// Reset empties the search and closes the matter page for the next person.
func (g *GuideScreen) Reset() {
	g.Query.OnChanged = nil
	g.Query.SetText("")
	g.Query.OnChanged = func(string) { g.t.Touch(); g.run() }
	g.hits, g.Matter, g.page = nil, nil, 0
	g.Message.SetText("")
	g.showCandidates("")
	g.content.(*fyne.Container).Objects = []fyne.CanvasObject{g.search}
	g.content.Refresh()
	g.refresh()
}
