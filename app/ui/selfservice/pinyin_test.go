package selfservice

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/ui/keypad"
)

// touchField touches a field the way the terminal's touch screen does: a
// press (which focuses an entry), a release, a tap.
func touchField(e *targetEntry) {
	ev := &desktop.MouseEvent{Button: desktop.MouseButtonPrimary}
	ev.Position = fyne.NewPos(5, 5)
	e.MouseDown(ev)
	e.MouseUp(ev)
	test.Tap(e)
}

// tapKeys taps the keys of the filing's on-screen keyboard, one by one.
func tapKeys(t *testing.T, f *Filing, keys ...string) {
	t.Helper()
	for _, k := range keys {
		b := f.Keyboard.Keys[k]
		if b == nil {
			t.Fatalf("no key %q on the keyboard", k)
		}
		test.Tap(b)
	}
}

// tapCandidate taps the candidate with this text, turning pages with 下一页
// until it shows.
func tapCandidate(t *testing.T, f *Filing, text string) {
	t.Helper()
	for {
		for _, b := range f.Keyboard.Candidates {
			if b.Text == text {
				test.Tap(b)
				return
			}
		}
		if f.Keyboard.Next.Disabled() {
			t.Fatalf("candidate %s on no page (composition %q)", text, f.Keyboard.Composition.Text)
		}
		test.Tap(f.Keyboard.Next)
	}
}

func letters(s string) []string {
	var out []string
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

// TestFilingNameInChineseByTouch: a villager with no keyboard writes 张小红
// into the name field with the on-screen keys only (issue 17, item 17).
func TestFilingNameInChineseByTouch(t *testing.T) {
	busytest.NewApp(t)
	j := newJammed(t)
	term := New(context.Background(), j, Options{After: (&timers{}).after, Filing: j})
	test.NewTempWindow(t, term.Content()).Resize(fyne.NewSize(1280, 800))
	test.Tap(term.Tiles["filing"])
	f := term.Filing
	test.Tap(f.Matters["330000-SS-0001"])

	touchField(f.Name)
	if !f.Keyboard.ZhMode() {
		t.Fatalf("the name field starts in 英 mode, want 中")
	}
	tapKeys(t, f, letters("ZHANGX")...)
	tapKeys(t, f, keypad.Backspace) // 退格 edits the pinyin, not the name
	if got := f.Keyboard.Composition.Text; got != "zhang" || f.Name.Text != "" {
		t.Errorf("after ZHANGX and 退格: composition %q, name %q, want zhang and empty", got, f.Name.Text)
	}
	tapKeys(t, f, letters("XIAOHONG")...)
	if got := f.Keyboard.Composition.Text; got != "zhang'xiao'hong" {
		t.Errorf("composition %q, want zhang'xiao'hong", got)
	}
	tapCandidate(t, f, "张")
	if got := f.Keyboard.Composition.Text; got != "xiao'hong" {
		t.Errorf("after picking 张 the composition is %q, want the rest: xiao'hong", got)
	}
	tapCandidate(t, f, "小红")
	if f.Name.Text != "张小红" || f.Keyboard.Composition.Text == "xiao'hong" {
		t.Errorf("name %q, composition %q; want 张小红 and the pinyin gone", f.Name.Text, f.Keyboard.Composition.Text)
	}
	if got := f.Draft().Applicant.Name; got != "张小红" {
		t.Errorf("the filing's applicant is %q, want 张小红", got)
	}
	tapKeys(t, f, keypad.Backspace) // no pinyin left: 退格 edits the name
	if f.Name.Text != "张小" {
		t.Errorf("退格 with no pinyin: name %q, want 张小", f.Name.Text)
	}

	// The ID number takes digits and X as they are, whatever the switch says.
	touchField(f.ID)
	tapKeys(t, f, letters("33010219900101123X")...)
	if f.ID.Text != "33010219900101123X" || f.Keyboard.ZhMode() || !f.Keyboard.Zh.Disabled() {
		t.Errorf("ID %q, 中 mode %v, 中 key disabled %v; want the digits and X, 英, disabled", f.ID.Text, f.Keyboard.ZhMode(), f.Keyboard.Zh.Disabled())
	}
	// Back in a Chinese field, 中 mode comes back; 英 types letters.
	addr := f.Fields["business_address"]
	touchField(addr)
	if !f.Keyboard.ZhMode() {
		t.Errorf("the address is not in 中 mode after the ID number")
	}
	tapKeys(t, f, letters("CUN")...)
	tapCandidate(t, f, "村")
	test.Tap(f.Keyboard.En)
	tapKeys(t, f, "A", "1")
	if addr.Text != "村A1" {
		t.Errorf("address %q, want 村A1", addr.Text)
	}
}

// TestFilingPinyinLeftBehind: switching to 英 keeps the letters typed, and
// the next citizen gets no pinyin or candidate of the last one.
func TestFilingPinyinLeftBehind(t *testing.T) {
	busytest.NewApp(t)
	j := newJammed(t)
	term := New(context.Background(), j, Options{After: (&timers{}).after, Filing: j})
	test.NewTempWindow(t, term.Content()).Resize(fyne.NewSize(1280, 800))
	test.Tap(term.Tiles["filing"])
	test.Tap(term.Filing.Matters["330000-SS-0001"])
	touchField(term.Filing.Name)
	tapKeys(t, term.Filing, letters("WANG")...)
	term.Wipe()
	test.Tap(term.Tiles["filing"])
	f := term.Filing
	test.Tap(f.Matters["330000-SS-0001"])
	touchField(f.Name)
	if f.Keyboard.Composition.Text == "wang" || enabled(f.Keyboard.Candidates) > 0 {
		t.Errorf("after the wipe: composition %q, %d candidates", f.Keyboard.Composition.Text, enabled(f.Keyboard.Candidates))
	}
	tapKeys(t, f, letters("LI")...)
	test.Tap(f.Keyboard.En)
	if f.Name.Text != "li" || f.Keyboard.ZhMode() {
		t.Errorf("英 with pinyin typed: name %q, 中 mode %v; want the letters li typed", f.Name.Text, f.Keyboard.ZhMode())
	}
}

func enabled(bs []*widget.Button) int {
	n := 0
	for _, b := range bs {
		if !b.Disabled() {
			n++
		}
	}
	return n
}
