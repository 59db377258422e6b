package intake

import (
	"context"
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/idcard/sdt/sdttest"
	"github.com/yichuang/yichuang/app/internal/shot"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/ui/cardread"
	"github.com/yichuang/yichuang/assets"
)

// readerFeed starts the simulated reader's feed for the test's lifetime.
func readerFeed(t *testing.T) (*sdttest.Sim, *cardread.Feed) {
	t.Helper()
	sim := sdttest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return sim, cardread.Start(ctx, sim.Reader(), 5*time.Millisecond)
}

// lineSays waits until the reader's line shows text containing want.
func lineSays(t *testing.T, l *cardread.Line, want string) {
	t.Helper()
	busytest.Until(t, "the reader's line to say "+want, func() bool { return strings.Contains(l.Status.Text, want) })
}

// TestApplicantFromTheCard: the counter's applicant step is filled from
// the card — name, number (concealed), the form's address — with the photo
// shown small; the reader's other states say what to do; an expired card
// is flagged; a reader unplugged and plugged back is found again.
func TestApplicantFromTheCard(t *testing.T) {
	busytest.NewApp(t)
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	sim, feed := readerFeed(t)
	s := New(context.Background(), &fakeService{cat: cat}, clerks.Account{ID: 2, Name: "王丽", Window: 3}, time.Now, nil)
	w := test.NewTempWindow(t, s.Content())
	s.UseCards(feed)
	lineSays(t, s.CardLine, "可刷身份证")
	s.choose(catalog.Hit{Code: "330000-SH-0019", Name: "老年人优待证办理"})

	card := sdttest.Card()
	sim.Put(card, color.RGBA{R: 90, G: 120, B: 200, A: 255})
	busytest.Until(t, "the applicant filled from the card", func() bool { return s.ApplicantID.Text != "" })
	if s.ApplicantName.Text != card.Name || s.ApplicantID.Text != card.IDNumber || !s.ApplicantID.Password {
		t.Errorf("applicant: got %q, %q (concealed %v), want %q, %q concealed", s.ApplicantName.Text, s.ApplicantID.Text, s.ApplicantID.Password, card.Name, card.IDNumber)
	}
	if got := s.FieldEntries["address"].Text; got != card.Address {
		t.Errorf("address: got %q, want %q", got, card.Address)
	}
	if !s.CardLine.Photo.Visible() || s.CardLine.Photo.Image == nil {
		t.Error("the card's photo is not shown")
	}
	shot.Take(t, w, "intake-idcard.png", 1280, 800)
	if line := s.CardLine.Status.Text; strings.Contains(line, card.IDNumber) || !strings.Contains(line, "330522") || s.CardLine.Status.Importance != widget.SuccessImportance {
		t.Errorf("line %q (%v): want the number masked, as a success", line, s.CardLine.Status.Importance)
	}

	sim.Set(sdttest.Removed)
	lineSays(t, s.CardLine, "读卡时身份证被移开")
	if s.CardLine.Photo.Visible() {
		t.Error("the photo stays after the card was taken away")
	}
	sim.Set(sdttest.Failing)
	lineSays(t, s.CardLine, "身份证读取失败")

	// A new errand forgets the card; an expired card fills and is flagged.
	s.reset()
	if s.ApplicantID.Text != "" || s.CardLine.Status.Text != "" {
		t.Fatalf("a new errand keeps the last card: %q, %q", s.ApplicantID.Text, s.CardLine.Status.Text)
	}
	s.UseCards(feed)
	sim.Put(sdttest.ExpiredCard(), color.RGBA{})
	lineSays(t, s.CardLine, "证件已过期")
	if s.CardLine.Status.Importance != widget.DangerImportance || s.ApplicantID.Text != card.IDNumber {
		t.Errorf("expired card: importance %v, ID %q; want danger and the number filled for the clerk to decide", s.CardLine.Status.Importance, s.ApplicantID.Text)
	}

	sim.Set(sdttest.Gone)
	lineSays(t, s.CardLine, "未找到身份证阅读器")
	sim.Set(sdttest.NoCard)
	lineSays(t, s.CardLine, "可刷身份证")
}

// TestDeliveryChecksTheCollectorsCard: at 出件 the collector's card fills
// the collector and says at once whom its holder stands for; a stranger
// and an expired card are said plainly and the clerk decides; with no
// case open the card finds its holder's cases.
func TestDeliveryChecksTheCollectorsCard(t *testing.T) {
	busytest.NewApp(t)
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	applicant := sdttest.Card()
	svc := &fakeService{cat: cat, cs: cases.Case{ID: "case-1", Tracking: "47U8BPC821Y100HJ", Status: cases.StatusCompleted,
		Draft: cases.Draft{Matters: []string{"330000-SS-0001"},
			Applicant: cases.Applicant{Kind: cases.Individual, Name: applicant.Name, IDNumber: applicant.IDNumber, Mobile: "13857201234"}}}}
	sim, feed := readerFeed(t)
	l := NewLookup(context.Background(), svc, clerks.Account{ID: 2, Name: "王丽"})
	w := test.NewTempWindow(t, l.Content())
	l.UseCards(feed, time.Now)
	lineSays(t, l.CardLine, "可刷身份证")

	// No case open: the card looks its holder's cases up.
	sim.Put(applicant, color.RGBA{})
	busytest.Until(t, "the card's cases", func() bool { return len(l.Hits) == 1 })
	if q := svc.queries[len(svc.queries)-1]; q.By != ByIDNumber || q.Text != applicant.IDNumber {
		t.Errorf("got query %+v, want by the card's number", q)
	}

	stranger := sdttest.Card()
	stranger.Name, stranger.IDNumber = "李四", "11010519491231002X"
	expired := sdttest.ExpiredCard()
	for _, tc := range []struct {
		name string
		card func()
		want string
		imp  widget.Importance
	}{
		{"stranger", func() { sim.Put(stranger, color.RGBA{}) }, "都不一致", widget.DangerImportance},
		{"expired", func() { sim.Put(expired, color.RGBA{}) }, "领取人证件已过期", widget.DangerImportance},
		{"applicant", func() { sim.Put(applicant, color.RGBA{}) }, "领取人是申请人本人", widget.SuccessImportance},
	} {
		test.Type(l.Code, "47U8BPC821Y100HJ")
		test.Tap(l.Find)
		settle(t, l)
		sim.Set(sdttest.NoCard)
		lineSays(t, l.CardLine, "可刷身份证")
		tc.card()
		busytest.Until(t, tc.name+"'s check", func() bool { return strings.Contains(l.Message.Text, tc.want) && l.Message.Importance == tc.imp })
		if l.Message.Importance != tc.imp {
			t.Errorf("%s: message %q is %v, want %v", tc.name, l.Message.Text, l.Message.Importance, tc.imp)
		}
		if l.CollectorID.Text == "" || !l.CollectorID.Password {
			t.Errorf("%s: collector's number %q (concealed %v), want it filled and concealed", tc.name, l.CollectorID.Text, l.CollectorID.Password)
		}
		if tc.name == "stranger" {
			shot.Take(t, w, "delivery-idcard-stranger.png", 1280, 800)
		}
		l.Code.SetText("")
	}
	// The applicant's own valid card: the clerk hands the result over.
	test.Tap(l.DeliverBtn)
	settle(t, l)
	if svc.cs.Status != cases.StatusDelivered || svc.cs.Pickup.Collector.IDNumber != applicant.IDNumber {
		t.Errorf("got status %s, collector %+v; want delivered to the applicant", svc.cs.Status, svc.cs.Pickup)
	}
}
