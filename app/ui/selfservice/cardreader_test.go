package selfservice

import (
	"context"
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/idcard/sdt/sdttest"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/ui/cardread"
	"github.com/yichuang/yichuang/assets"
)

// TestProgressByCard: at 进度查询 the holder's card stands for code and
// PIN and shows their cases, the number masked; a card taken away
// mid-read, an expired card and an unplugged reader are said; a card put
// down at the tiles queries nothing, and the page opened after does not
// take it either.
func TestProgressByCard(t *testing.T) {
	busytest.NewApp(t)
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	sim := sdttest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	card := sdttest.Card()
	f := &fake{cat: cat, holder: card.IDNumber}
	term := New(ctx, f, Options{After: (&timers{}).after, SetElderly: func(bool) {}, Now: time.Now,
		Cards: cardread.Start(ctx, sim.Reader(), 5*time.Millisecond)})
	w := test.NewTempWindow(t, term.Content())
	w.Resize(fyne.NewSize(1280, 800))
	p := term.Progress
	says := func(l string, within func() string) {
		t.Helper()
		busytest.Until(t, "the progress page to say "+l, func() bool { return strings.Contains(within(), l) })
	}
	line := func() string { return p.CardLine.Status.Text }

	term.openProgress()
	says("可刷身份证", line)
	sim.Put(card, color.RGBA{G: 200, A: 255})
	says("您名下的其他办件", func() string { return p.Details.Text })
	if !strings.Contains(p.Details.Text, "47U8") || strings.Contains(line(), card.IDNumber) || !p.CardLine.Photo.Visible() {
		t.Errorf("details %q, line %q: want the newest case, the number masked and the photo", p.Details.Text, line())
	}

	sim.Set(sdttest.Removed)
	says("读卡时身份证被移开", line)
	sim.Put(sdttest.ExpiredCard(), color.RGBA{})
	says("过期证件不能用于查询", func() string { return p.Message.Text })
	if f.byCard != 1 || p.Details.Text != "" {
		t.Errorf("an expired card queried (%d queries, details %q)", f.byCard, p.Details.Text)
	}
	sim.Set(sdttest.Gone)
	says("未找到身份证阅读器", line)
	sim.Set(sdttest.NoCard)
	says("可刷身份证", line)

	term.Home()
	if p.Details.Text != "" || line() != "" {
		t.Fatalf("leaving keeps the citizen's answer: %q, %q", p.Details.Text, line())
	}
	sim.Put(card, color.RGBA{})
	deadline := time.Now().Add(300 * time.Millisecond)
	busytest.Until(t, "a few polls", func() bool { return time.Now().After(deadline) })
	if f.byCard != 1 {
		t.Errorf("a card at the tiles queried: %d queries, want 1", f.byCard)
	}
	term.openProgress()
	says("证件已读取过", line)
	if f.byCard != 1 || p.Details.Text != "" {
		t.Errorf("the card read at the tiles was used by the next page: %d queries, details %q", f.byCard, p.Details.Text)
	}
}
