package intake

import (
	"context"
	"errors"
	"github.com/yichuang/yichuang/app/internal/shot"
	"io"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
)

// fakeService keeps one case in memory and applies the real case rules.
type fakeService struct {
	now     time.Time // zero: the machine's clock
	cat     *catalog.Catalog
	cs      cases.Case
	reveals int
	ratings []rating.Rating
	// notices are the PINs "printed" on 查询密码重置通知; noticeErr is
	// the printer's refusal.
	notices   []string
	noticeErr error
	queries   []CaseQuery
	// printErr and printDetail are the printer's refusal of the
	// receipt on a reprint.
	printErr    error
	printDetail string
}

func (f *fakeService) ResetQueryPIN(_ context.Context, a clerks.Account, cs cases.Case, id string) (cases.Case, Paper, error) {
	if a.Role == clerks.Agent {
		return cs, Paper{}, errors.New("agents may not reset")
	}
	after, _, err := cases.ResetQueryPIN(cs, id, nil, time.Now())
	if err != nil {
		return cs, Paper{}, err
	}
	f.notices = append(f.notices, after.QueryPIN)
	after.QueryPIN = ""
	f.cs = after
	return after, Paper{Title: "查询密码重置通知", Err: f.noticeErr}, nil
}

func (f *fakeService) Catalog(context.Context) (*catalog.Catalog, error) { return f.cat, nil }
func (f *fakeService) Prereview(context.Context) ([]cases.Case, error)   { return nil, nil }
func (f *fakeService) AcceptSubmission(_ context.Context, _ clerks.Account, cs cases.Case, _ cases.Draft, _ cases.Decision) (Outcome, error) {
	return Outcome{Case: cs}, nil
}
func (f *fakeService) ReturnSubmission(_ context.Context, _ clerks.Account, cs cases.Case, _ string) (cases.Case, error) {
	return cs, nil
}
func (f *fakeService) Rate(_ context.Context, r rating.Rating) (rating.Rating, error) {
	r, err := rating.Check(r)
	if err == nil {
		f.ratings = append(f.ratings, r)
	}
	return r, err
}
func (f *fakeService) PrintMandate(context.Context, clerks.Account, cases.Draft) (Paper, error) {
	return Paper{}, nil
}
func (f *fakeService) CaseCatalog(context.Context, cases.Case) (*catalog.Catalog, error) {
	return f.cat, nil
}
func (f *fakeService) Search(context.Context, string) ([]catalog.Hit, error) {
	return nil, nil
}
func (f *fakeService) Attach(io.Reader, string) (cases.Attachment, error) {
	return cases.Attachment{}, nil
}
func (f *fakeService) Decide(context.Context, clerks.Account, cases.Draft, cases.Decision) (Outcome, error) {
	return Outcome{}, errors.New("not used")
}
func (f *fakeService) Print(context.Context, cases.Case) ([]Paper, error) {
	return []Paper{{Title: "受理回执", Err: f.printErr, Detail: f.printDetail}, {Title: "材料补正告知书"}}, nil
}
func (f *fakeService) Reprint(_ context.Context, p Paper) Paper { return p }
func (f *fakeService) Lookup(_ context.Context, code string) (cases.Case, error) {
	if c, err := tracking.Normalize(code); err != nil || c != f.cs.Tracking {
		return cases.Case{}, errors.New("no such case")
	}
	return f.cs, nil
}
func (f *fakeService) DueAt(_ context.Context, cs cases.Case) (time.Time, error) {
	return cs.DueAt(workday.Default(), f.clock())
}
func (f *fakeService) PromisedDue(_ context.Context, m catalog.Matter) (time.Time, error) {
	return cases.PromisedDue(workday.Default(), m, f.clock())
}
func (f *fakeService) clock() time.Time {
	if !f.now.IsZero() {
		return f.now
	}
	return time.Now()
}
func (f *fakeService) Supplement(_ context.Context, _ clerks.Account, cs cases.Case, got []cases.MaterialEntry) (cases.Case, error) {
	after, err := cases.Supplement(f.cat, cs, got, time.Now())
	if err == nil {
		f.cs = after
	}
	return after, err
}
func (f *fakeService) Authorize(_ context.Context, _ clerks.Account, cs cases.Case, p cases.Person) (cases.Case, error) {
	after, err := cases.Authorize(cs, p, time.Now())
	if err == nil {
		f.cs = after
	}
	return after, err
}
func (f *fakeService) Deliver(_ context.Context, _ clerks.Account, cs cases.Case, p cases.Person) (cases.Case, error) {
	after, err := cases.Deliver(cs, p, time.Now())
	if err == nil {
		f.cs = after
	}
	return after, err
}
func (f *fakeService) Mail(_ context.Context, _ clerks.Account, cs cases.Case, m cases.MailRecord) (cases.Case, error) {
	return cases.MailResult(cs, m, time.Now())
}
func (f *fakeService) Reveal(context.Context, clerks.Account, cases.Case) (string, error) {
	f.reveals++
	return f.cs.Applicant.IDNumber, nil
}

// TestAgentSupplementRecordsAPhoto: an agent's 代为补正 of an ID card is
// recorded as 电子副本（已核验）, an ordinary paper as received.
func TestAgentSupplementRecordsAPhoto(t *testing.T) {
	busytest.NewApp(t)
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	svc := &fakeService{cat: cat, cs: cases.Case{ID: "case-1", Tracking: "47U8BPC821Y100HJ", Status: cases.StatusDeferred,
		Draft: cases.Draft{Matters: []string{"330000-SS-0001"},
			Applicant: cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "13857201234"},
			Materials: []cases.MaterialEntry{{Matter: "330000-SS-0001", Material: "id_card", State: cases.Deferred},
				{Matter: "330000-SS-0001", Material: "premises_proof", State: cases.Deferred}}}}}
	l := NewLookup(context.Background(), svc, clerks.Account{ID: 5, Name: "李网格", Role: clerks.Agent})
	test.NewTempWindow(t, l.Content())
	test.Type(l.Code, "47u8 bpc8 21y1 00hj")
	test.Tap(l.Find)
	if len(l.Supplied) != 2 {
		t.Fatalf("supplement checks: got %d, want 2", len(l.Supplied))
	}
	for _, c := range l.Supplied {
		c.SetChecked(true)
	}
	test.Tap(l.SupplementDone)
	settle(t, l)
	want := map[string]cases.MaterialState{"id_card": cases.ECopy, "premises_proof": cases.Original}
	for _, e := range svc.cs.Materials {
		if got := e.State; got != want[e.Material] {
			t.Errorf("%s: got %s, want %s", e.Material, got, want[e.Material])
		}
	}
}

func TestLookupSupplementAndDeliver(t *testing.T) {
	busytest.NewApp(t)
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	svc := &fakeService{cat: cat, cs: cases.Case{ID: "case-1", Tracking: "47U8BPC821Y100HJ", Status: cases.StatusDeferred,
		Draft: cases.Draft{Matters: []string{"330000-SS-0001"},
			Applicant: cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "13857201234"},
			Materials: []cases.MaterialEntry{{Matter: "330000-SS-0001", Material: "id_card", State: cases.Shared},
				{Matter: "330000-SS-0001", Material: "premises_proof", State: cases.Deferred}}}}}
	l := NewLookup(context.Background(), svc, clerks.Account{ID: 2, Name: "王丽"})
	test.NewTempWindow(t, l.Content())

	test.Type(l.Code, "47u8 bpc8 21y1 00hj")
	test.Tap(l.Find)
	if !strings.Contains(l.Details.Text, "330522********00**") || strings.Contains(l.Details.Text, "330522199003150024") {
		t.Fatalf("details must show the masked ID only:\n%s", l.Details.Text)
	}
	if len(l.Supplied) != 1 {
		t.Fatalf("%d supplement checks, want 1", len(l.Supplied))
	}
	l.Supplied[0].SetChecked(true)
	test.Tap(l.SupplementDone)
	settle(t, l)
	if l.Message.Text != "补正已记录" || svc.cs.Status != cases.StatusAccepted {
		t.Fatalf("after 补正: %q, status %s", l.Message.Text, svc.cs.Status)
	}

	test.Tap(l.Reveal)
	if svc.reveals != 1 || !strings.Contains(l.Message.Text, "330522199003150024") {
		t.Errorf("reveal: %d calls, message %q", svc.reveals, l.Message.Text)
	}

	// The county's decision arrives (issue: sync); then the result is handed over.
	svc.cs.Status = cases.StatusCompleted
	test.Tap(l.Find)
	test.Type(l.CollectorName, "李四")
	test.Type(l.CollectorID, "11010519491231002X")
	test.Tap(l.DeliverBtn)
	settle(t, l)
	if !strings.Contains(l.Message.Text, "领取人不是申请人") {
		t.Fatalf("stranger collecting: %q", l.Message.Text)
	}
	test.Type(l.AuthName, "李四")
	test.Type(l.AuthID, "11010519491231002X")
	test.Tap(l.AuthorizeBtn)
	settle(t, l)
	if l.Message.Text != "受托人已登记" {
		t.Fatalf("authorize: %q", l.Message.Text)
	}
	test.Type(l.CollectorName, "李四")
	test.Type(l.CollectorID, "11010519491231002X")
	test.Tap(l.DeliverBtn)
	settle(t, l)
	if l.Message.Text != "已出件" || svc.cs.Status != cases.StatusDelivered {
		t.Errorf("deliver to the authorized person: %q, %s", l.Message.Text, svc.cs.Status)
	}
	// The collector rates the pickup on the turned screen.
	if !l.RateBtn.Visible() {
		t.Fatal("no 请群众评价 after 出件")
	}
	test.Tap(l.RateBtn)
	test.Tap(l.Rating.Levels[4])
	if len(svc.ratings) != 1 || svc.ratings[0].Kind != rating.Pickup || svc.ratings[0].Ref != svc.cs.ID || svc.ratings[0].Level != 4 {
		t.Errorf("pickup rating %+v", svc.ratings)
	}

	l.Code.SetText("0000000000000000")
	test.Tap(l.Find)
	if l.Message.Importance != widget.DangerImportance || l.Message.Text == "" {
		t.Errorf("unknown code: message %q", l.Message.Text)
	}
}

// The applicant's ID number and mobile show only while the clerk types
// them: after moving on, dots (the value itself is kept).
func TestPrivateEntryHidesWhenLeft(t *testing.T) {
	test.NewTempApp(t)
	e := newPrivateEntry()
	other := widget.NewEntry()
	w := test.NewTempWindow(t, container.NewVBox(e, other))
	w.Canvas().Focus(e)
	test.Type(e, "330522199003150024")
	if e.Password {
		t.Fatal("hidden while typing")
	}
	w.Canvas().Focus(other)
	if !e.Password || e.Text != "330522199003150024" {
		t.Errorf("after leaving: password %v, text %q", e.Password, e.Text)
	}
	w.Canvas().Focus(e)
	if e.Password {
		t.Error("still hidden when the clerk comes back to check it")
	}
}

// staleService answers an action as the hall does when another window came
// first: the action did not stand, here is the case as it is now.
type staleService struct {
	*fakeService
	now cases.Case
}

func (s *staleService) Deliver(context.Context, clerks.Account, cases.Case, cases.Person) (cases.Case, error) {
	lost := msg.New("您于{{.Tried}}办理的“{{.What}}”（查询码{{.Code}}）未生效：该件已于{{.At}}由{{.Where}}{{.Done}}",
		"Tried", "11:03", "What", msg.Term("出件"), "Code", "47U8BPC821Y100HJ", "At", "11:00", "Where", msg.New("{{.N}}号窗口", "N", 2),
		"Done", msg.Term("出件"))
	return cases.Case{}, &StaleError{Err: lost, Case: s.now}
}

// TestLookupShowsWhatAnotherWindowDid: the clerk's 出件 lost to window 2's;
// the screen says so and shows the case as it now stands (handed out), so
// the clerk does not try again.
func TestLookupShowsWhatAnotherWindowDid(t *testing.T) {
	busytest.NewApp(t)
	cat, _ := catalog.Parse(assets.DemoCatalog())
	cs := cases.Case{ID: "case-1", Tracking: "47U8BPC821Y100HJ", Status: cases.StatusCompleted,
		Draft: cases.Draft{Matters: []string{"330000-SS-0001"},
			Applicant: cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024"}}}
	delivered := cs
	delivered.Status = cases.StatusDelivered
	svc := &staleService{fakeService: &fakeService{cat: cat, cs: cs}, now: delivered}
	l := NewLookup(context.Background(), svc, clerks.Account{ID: 3, Name: "赵", Window: 3})
	test.NewTempWindow(t, l.Content())
	test.Type(l.Code, "47U8BPC821Y100HJ")
	test.Tap(l.Find)
	test.Type(l.CollectorName, "张小红")
	test.Type(l.CollectorID, "330522199003150024")
	test.Tap(l.DeliverBtn)
	settle(t, l)
	if !strings.Contains(l.Message.Text, "该件已于11:00由2号窗口出件") || l.Message.Importance != widget.DangerImportance {
		t.Errorf("message %q (%v), want window 2's 出件", l.Message.Text, l.Message.Importance)
	}
	if !strings.Contains(l.Details.Text, "已领取") || l.Case.Status != cases.StatusDelivered {
		t.Errorf("the case shown is still %s:\n%s", l.Case.Status, l.Details.Text)
	}
	if l.RateBtn.Visible() {
		t.Error("rating offered for a hand-over that did not stand")
	}
}

// TestLookupResetsTheQueryPIN: a clerk resets a lost PIN after typing the
// number from the card of the person at the counter; a number that is not
// the applicant's or a 受托人's is refused; the new PIN is printed and never
// shown on the screen; an agent is not offered the reset at all.
func TestLookupResetsTheQueryPIN(t *testing.T) {
	busytest.NewApp(t)
	cat, _ := catalog.Parse(assets.DemoCatalog())
	oldPIN, hash, err := cases.NewQueryPIN(nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := &fakeService{cat: cat, cs: cases.Case{ID: "case-1", Tracking: "47U8BPC821Y100HJ", Status: cases.StatusAccepted, QueryPINHash: hash,
		Draft: cases.Draft{Matters: []string{"330000-SS-0001"},
			Applicant: cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024"}}}}
	l := NewLookup(context.Background(), svc, clerks.Account{ID: 2, Name: "王丽", Role: clerks.Clerk, Window: 3})
	test.NewTempWindow(t, l.Content())
	test.Type(l.Code, "47U8BPC821Y100HJ")
	test.Tap(l.Find)
	if l.ResetPINBtn == nil || !l.ResetPINBtn.Visible() {
		t.Fatal("no 重置查询密码 on a found case")
	}

	test.Type(l.ResetID, "11010519491231002X")
	test.Tap(l.ResetPINBtn)
	settle(t, l)
	if !strings.Contains(l.Message.Text, "不一致") || l.Message.Importance != widget.DangerImportance || len(svc.notices) != 0 {
		t.Fatalf("a stranger's card: message %q, %d notices", l.Message.Text, len(svc.notices))
	}
	if got, want := cases.Verify(svc.cs, oldPIN), true; got != want {
		t.Errorf("old PIN after a refused reset: got %v, want %v", got, want)
	}

	l.ResetID.SetText("330522199003150024")
	test.Tap(l.ResetPINBtn)
	settle(t, l)
	if len(svc.notices) != 1 || l.Message.Importance != widget.SuccessImportance || !strings.Contains(l.Message.Text, "查询密码已重置") {
		t.Fatalf("reset: message %q (%v), %d notices", l.Message.Text, l.Message.Importance, len(svc.notices))
	}
	newPIN := svc.notices[0]
	if cases.Verify(svc.cs, oldPIN) || !cases.Verify(svc.cs, newPIN) {
		t.Errorf("after the reset the old PIN opens the case %v, the new one %v; want false, true", cases.Verify(svc.cs, oldPIN), cases.Verify(svc.cs, newPIN))
	}
	if strings.Contains(l.Message.Text+l.Details.Text, newPIN) || l.Case.QueryPIN != "" {
		t.Errorf("the new PIN is on the screen: %q %q", l.Message.Text, l.Details.Text)
	}
	if l.ResetID.Text != "" {
		t.Errorf("the number typed stays for the next citizen: %q", l.ResetID.Text)
	}

	// A jammed printer: the clerk is told the notice did not come out.
	svc.noticeErr = errors.New("打印机卡纸")
	l.ResetID.SetText("330522199003150024")
	test.Tap(l.ResetPINBtn)
	settle(t, l)
	if strings.Contains(l.Message.Text, "查询密码已重置，原密码作废") || l.Message.Importance != widget.DangerImportance {
		t.Errorf("jammed notice: message %q (%v)", l.Message.Text, l.Message.Importance)
	}

	agent := NewLookup(context.Background(), svc, clerks.Account{ID: 9, Name: "李网格", Role: clerks.Agent})
	test.NewTempWindow(t, agent.Content())
	test.Type(agent.Code, "47U8BPC821Y100HJ")
	test.Tap(agent.Find)
	if agent.ResetPINBtn != nil || agent.ResetID != nil {
		t.Error("an agent is offered 重置查询密码")
	}
}

// TestLookupShowsTheMovedDueDate: a 容缺 case still owing materials shows
// its clock stopped, and the promised date moved by the working days the
// citizen took, with the first promise beside it.
func TestLookupShowsTheMovedDueDate(t *testing.T) {
	busytest.NewApp(t)
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	cst := time.FixedZone("CST", 8*3600)
	accepted := time.Date(2026, 11, 26, 10, 0, 0, 0, cst)                        // Thursday
	svc := &fakeService{cat: cat, now: time.Date(2026, 12, 1, 15, 0, 0, 0, cst), // the next Tuesday
		cs: cases.Case{ID: "case-1", Tracking: "47U8BPC821Y100HJ", Status: cases.StatusDeferred,
			Accepted: accepted, Due: time.Date(2026, 12, 3, 0, 0, 0, 0, cst),
			Suspensions: []cases.Suspension{{Kind: cases.SuspendCorrection, From: accepted}},
			Draft: cases.Draft{Matters: []string{"330000-SS-0001"},
				Applicant: cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "13857201234"},
				Materials: []cases.MaterialEntry{{Matter: "330000-SS-0001", Material: "premises_proof", State: cases.Deferred}}}}}
	l := NewLookup(context.Background(), svc, clerks.Account{ID: 2, Name: "王丽"})
	w := test.NewTempWindow(t, l.Content())
	test.Type(l.Code, "47u8 bpc8 21y1 00hj")
	test.Tap(l.Find)
	// Fri 27, Mon 30 and Tue 1 are suspended: 3 Dec moves to 8 Dec.
	for _, want := range []string{"承诺办结日期：2026-12-08（原承诺2026-12-03", "暂停计时（补正中）"} {
		if !strings.Contains(l.Details.Text, want) {
			t.Errorf("details lack %q:\n%s", want, l.Details.Text)
		}
	}
	shot.Take(t, w, "lookup-clock-stopped.png", 1100, 700)
}

// FindCases searches the fake's one case as the service does: the number
// exactly, the name by its beginning; lists hold it.
func (f *fakeService) FindCases(_ context.Context, _ clerks.Account, q CaseQuery) ([]FoundCase, error) {
	f.queries = append(f.queries, q)
	hit := false
	switch q.By {
	case ByIDNumber:
		hit = strings.EqualFold(q.Text, f.cs.Applicant.IDNumber)
	case ByName:
		hit = strings.HasPrefix(f.cs.Applicant.Name, q.Text)
	default:
		hit = true
	}
	if !hit {
		return nil, nil
	}
	due, _ := f.DueAt(context.Background(), f.cs)
	return []FoundCase{{Case: f.cs, Due: due, Late: q.By == Late}}, nil
}

// TestLookupFindsWithoutTheCode: a name typed where the code goes, an ID
// number typed there or in its own entry, and the lists each show the
// case in a list with the number masked; an ID number typed in the code's
// entry moves to the private entry and is shown as dots; tapping a row
// opens the case, and a new search takes the shown case off the screen.
func TestLookupFindsWithoutTheCode(t *testing.T) {
	busytest.NewApp(t)
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	const id = "330522199003150024"
	svc := &fakeService{cat: cat, cs: cases.Case{ID: "case-1", Tracking: "47U8BPC821Y100HJ", Status: cases.StatusAccepted,
		Draft: cases.Draft{Matters: []string{"330000-SS-0001"}, Applicant: cases.Applicant{Name: "张小红", IDNumber: id}}}}
	l := NewLookup(context.Background(), svc, clerks.Account{ID: 2, Name: "王丽", Role: clerks.Clerk, Window: 3})
	w := test.NewTempWindow(t, l.Content())
	w.Resize(w.Content().MinSize().Max(fyne.NewSize(1000, 700)))

	shown := func(name string) {
		t.Helper()
		busytest.Settle(t, l)
		if len(l.Found.Objects) != 1 {
			t.Fatalf("%s: got %d rows, want 1 (message %q)", name, len(l.Found.Objects), l.Message.Text)
		}
		row := l.Found.Objects[0].(*widget.Button).Text
		if strings.Contains(row, id) || !strings.Contains(row, ids.MaskIDNumber(id)) || !strings.Contains(row, "张小红") {
			t.Errorf("%s: row %q; want the name and the masked number", name, row)
		}
	}
	for _, tc := range []struct {
		name string
		do   func()
		want FindBy
	}{
		{"name in the code entry", func() { l.Code.SetText("张小"); l.Find.OnTapped() }, ByName},
		{"ID in the code entry", func() { l.Code.SetText(id); l.Find.OnTapped() }, ByIDNumber},
		{"ID in its own entry", func() { l.IDQuery.SetText(id); l.FindID.OnTapped() }, ByIDNumber},
		{"today's", func() { l.TodayBtn.OnTapped() }, Today},
		{"mine", func() { l.MineBtn.OnTapped() }, Mine},
		{"late", func() { l.LateBtn.OnTapped() }, Late},
	} {
		tc.do()
		shown(tc.name)
		if tc.want == ByName {
			shot.Take(t, w, "lookup-found.png", 1100, 700)
		}
		if got := svc.queries[len(svc.queries)-1].By; got != tc.want {
			t.Errorf("%s: searched by %v, want %v", tc.name, got, tc.want)
		}
	}
	if l.Code.Text != "" || !l.IDQuery.Password {
		t.Errorf("code entry %q, ID entry concealed %v; want the number moved out of the code entry and shown as dots", l.Code.Text, l.IDQuery.Password)
	}

	test.Tap(l.Found.Objects[0].(*widget.Button))
	if l.Case.ID != "case-1" || !strings.Contains(l.Details.Text, "张小红") || len(l.Found.Objects) != 0 {
		t.Fatalf("after tapping the row: case %q, details %q, %d rows left", l.Case.ID, l.Details.Text, len(l.Found.Objects))
	}
	l.Code.SetText("王")
	l.Find.OnTapped()
	busytest.Settle(t, l)
	if l.Case.ID != "" || l.Details.Text != "" || len(l.Found.Objects) != 0 || l.Message.Text != "没有找到办件" {
		t.Errorf("after a search that finds nothing: case %q, details %q, %d rows, message %q; want the screen cleared", l.Case.ID, l.Details.Text, len(l.Found.Objects), l.Message.Text)
	}
}
