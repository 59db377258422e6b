package counter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/blobs"
	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/printing"
	"github.com/yichuang/yichuang/sync/protocol"
)

type recordingPrinter struct {
	jobs []printing.Job
	pdfs [][]byte
	err  error
}

func (p *recordingPrinter) Print(_ context.Context, pdf []byte, job printing.Job) error {
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return fmt.Errorf("sent to the printer: not a PDF (%d bytes)", len(pdf))
	}
	p.jobs = append(p.jobs, job)
	p.pdfs = append(p.pdfs, pdf)
	return p.err
}

type fixture struct {
	c     *Counter
	db    *store.DB
	clerk clerks.Account
	cat   *catalog.Catalog
	dir   string
}

func newFixture(tb testing.TB) fixture {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	clk := clock.NewManual(time.Date(2026, 11, 26, 10, 30, 0, 0, workday.China))
	db, err := store.Open(ctx, filepath.Join(dir, "yichuang.db"), store.Options{Clock: clk})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.LoadCatalog(ctx, assets.DemoCatalog()); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.ConfigureServicePoint(ctx, servicepoint.ServicePoint{Code: "330522101000", Name: "洪桥镇便民服务中心", Level: catalog.Township}); err != nil {
		tb.Fatal(err)
	}
	if err := db.SetDeviceNumber(ctx, 1); err != nil {
		tb.Fatal(err)
	}
	sup, err := db.CreateFirstSupervisor(ctx, clerks.Account{Login: "zhuguan", Name: "陈主管", Window: 1}, "hq-2026-chen")
	if err != nil {
		tb.Fatal(err)
	}
	clerk, err := db.CreateAccount(ctx, sup, clerks.Account{Login: "wangli", Name: "王丽", Role: clerks.Clerk, Window: 3}, "wl258147")
	if err != nil {
		tb.Fatal(err)
	}
	cat, _ := db.ActiveCatalog(ctx)
	c := &Counter{Store: db, Calendar: workday.Default(), Clock: clk, Blobs: blobs.Store{Dir: filepath.Join(dir, "files"), Keys: db},
		Archive: printing.Archive{Dir: filepath.Join(dir, "prints"), Key: func() (printing.Sealer, error) { return db.DataKey() }},
		Layout:  printing.A4}
	return fixture{c: c, db: db, clerk: clerk, cat: cat, dir: dir}
}

// draft fills in an immediate matter (个体工商户设立登记) the way a clerk would.
func (f fixture) draft(tb testing.TB) cases.Draft {
	tb.Helper()
	m, _ := f.cat.Matter("330000-SS-0001")
	d := cases.Draft{Matters: []string{m.Code},
		Applicant: cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "13857201234"},
		Fields: map[string]string{"organization_form": "个人经营", "business_address": "洪桥镇洪桥路18号", "business_scope": "餐饮服务",
			"registered_capital": "5", "employees": "3", "delivery": "窗口领取"}}
	for _, mat := range m.Materials {
		d.Materials = append(d.Materials, cases.MaterialEntry{Matter: m.Code, Material: mat.ID, State: cases.AllowedStates(mat)[0]})
	}
	return d
}

func TestSubmitPrintsAndArchives(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := &recordingPrinter{}
	f.c.Printer = p
	scan, err := f.c.Attach(strings.NewReader("%PDF-1.4 scanned premises lease"), "租赁协议.pdf")
	if err != nil {
		t.Fatal(err)
	}
	d := f.draft(t)
	d.Attachments = []cases.Attachment{scan}
	cs, err := f.c.Submit(ctx, f.clerk, d, cases.Decision{Kind: cases.Complete})
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != cases.StatusCompleted || cs.Tracking == "" || cs.Clerk.Name != "王丽" {
		t.Fatalf("case = %+v", cs)
	}
	printed, err := f.c.PrintAll(ctx, cs)
	if err != nil {
		t.Fatal(err)
	}
	if len(printed) != 2 || printed[0].Kind != printing.Receipt || printed[1].Kind != printing.PickupVoucher {
		t.Fatalf("printed %+v, want receipt and pickup voucher", printed)
	}
	for _, pr := range printed {
		if pr.PrintErr != nil {
			t.Errorf("%s: %v", pr.Kind, pr.PrintErr)
		}
		if b, err := f.c.Archive.Read(pr.Path); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Errorf("%s not archived at %s: %v", pr.Kind, pr.Path, err)
		}
		if raw, _ := os.ReadFile(pr.Path); bytes.Contains(raw, []byte("%PDF-")) {
			t.Errorf("%s archived in clear at %s", pr.Kind, pr.Path)
		}
	}
	if len(p.jobs) != 2 || !strings.Contains(p.jobs[0].Title, cs.Tracking) {
		t.Errorf("printer jobs = %+v", p.jobs)
	}
	// The query PIN is on the citizen's receipt only, never in the archive.
	if len(cs.QueryPIN) != cases.QueryPINDigits || cs.QueryPINHash == "" {
		t.Fatalf("accepted case without a query PIN: %q %q", cs.QueryPIN, cs.QueryPINHash)
	}
	archived, err := f.c.Archive.Read(printed[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Contains(textOf(t, p.pdfs[0]), cs.QueryPIN), true; got != want {
		t.Errorf("PIN on the printed receipt: got %v, want %v", got, want)
	}
	if got, want := strings.Contains(textOf(t, archived), cs.QueryPIN), false; got != want {
		t.Errorf("PIN on the archived receipt: got %v, want %v", got, want)
	}
	stored, err := f.db.CaseByTracking(ctx, cs.Tracking)
	if err != nil {
		t.Fatal(err)
	}
	if stored.QueryPIN != "" || stored.QueryPINHash != cs.QueryPINHash {
		t.Errorf("stored PIN %q hash %q, want no PIN and the hash", stored.QueryPIN, stored.QueryPINHash)
	}
	if _, err := f.db.VerifyProgress(ctx, cs.Tracking, cs.QueryPIN); err != nil {
		t.Errorf("progress by PIN: %v", err)
	}
	if _, err := f.db.VerifyProgress(ctx, cs.Tracking, "0024"); err == nil {
		t.Errorf("progress by the ID's last four opened a case that has a PIN")
	}
	if err := f.c.Blobs.Verify(scan.SHA256); err != nil {
		t.Error(err)
	}
}

func TestPrinterFailureKeepsTheCase(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	jam := errors.New("lp: Unable to print: paper jam")
	p := &recordingPrinter{err: jam}
	f.c.Printer = p
	cs, err := f.c.Submit(ctx, f.clerk, f.draft(t), cases.Decision{Kind: cases.Complete})
	if err != nil {
		t.Fatal(err)
	}
	pr, err := f.c.Print(ctx, cs, printing.Receipt)
	if err != nil {
		t.Fatalf("Print: %v (a printer failure must not be an error of the action)", err)
	}
	if !errors.Is(pr.PrintErr, jam) {
		t.Errorf("PrintErr = %v, want the jam", pr.PrintErr)
	}
	if _, err := os.Stat(pr.Path); err != nil {
		t.Errorf("the document was not archived: %v", err)
	}
	got, err := f.c.Lookup(ctx, cs.Tracking)
	if err != nil || got.Status != cases.StatusCompleted {
		t.Errorf("case after a printer failure: %+v, %v", got.Status, err)
	}
	// Paper refilled: reprint from the archive.
	p.err = nil
	if again := f.c.Reprint(ctx, pr); again.PrintErr != nil {
		t.Errorf("reprint: %v", again.PrintErr)
	}
	// Without any printer the papers are archived and the clerk is told.
	f.c.Printer = nil
	if pr, err := f.c.Print(ctx, cs, printing.Receipt); err != nil || !errors.Is(pr.PrintErr, ErrNoPrinter) {
		t.Errorf("no printer: %+v, %v", pr, err)
	}
}

func TestSubmitRefusesAndWritesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	before, _ := f.db.PendingCount(ctx)
	d := f.draft(t)
	d.Applicant.IDNumber = "330522199003150020"
	if _, err := f.c.Submit(ctx, f.clerk, d, cases.Decision{Kind: cases.Complete}); !errors.Is(err, cases.ErrDraftInvalid) {
		t.Errorf("bad ID: %v", err)
	}
	d = f.draft(t)
	d.Materials[1].State = cases.Deferred // the application form may not be missing
	if _, err := f.c.Submit(ctx, f.clerk, d, cases.Decision{Kind: cases.AcceptDeferred}); !errors.Is(err, cases.ErrStateNotAllowed) {
		t.Errorf("容缺 on the application form: %v", err)
	}
	if after, _ := f.db.PendingCount(ctx); after != before {
		t.Errorf("refused submissions wrote %d outbox events", after-before)
	}
}

func TestLaterActionsThroughTheStore(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d := f.draft(t)
	d.Materials[2].State = cases.Deferred // premises_proof may be supplemented later
	cs, err := f.c.Submit(ctx, f.clerk, d, cases.Decision{Kind: cases.AcceptDeferred})
	if err != nil {
		t.Fatal(err)
	}
	cs, err = f.c.Supplement(ctx, f.clerk, cs, []cases.MaterialEntry{{Matter: "330000-SS-0001", Material: "premises_proof", State: cases.Copy}})
	if err != nil || cs.Status != cases.StatusAccepted || cs.Version != 2 {
		t.Fatalf("supplement: %v %s v%d", err, cs.Status, cs.Version)
	}
	stale := cs
	stale.Version = 1
	if _, err := f.c.Supplement(ctx, f.clerk, stale, nil); err == nil {
		t.Error("empty supplement accepted")
	}
	evs, _ := f.db.CaseEvents(ctx, cs.ID)
	if len(evs) != 2 || evs[1].Kind != cases.EvSupplemented {
		t.Errorf("events = %+v", evs)
	}
}

// BenchmarkAcceptToReceipt measures what a clerk waits for after pressing
// 受理: the decision committed to SQLite on disk (synchronous=FULL) and the
// A4 receipt PDF ready, in one process. It reports p50/p99 and the heap
// growth across the run (after GC), to show nothing accumulates.
func BenchmarkAcceptToReceipt(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	d := f.draft(b)
	run := func() time.Duration {
		t0 := time.Now()
		cs, err := f.c.Submit(ctx, f.clerk, d, cases.Decision{Kind: cases.Complete})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := f.c.Render(ctx, cs, printing.Receipt); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	for i := 0; i < 20; i++ { // warm: font parsed, pages cached
		run()
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lat = append(lat, run())
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&m1)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(int64(m1.HeapInuse)-int64(m0.HeapInuse))/(1<<20), "heap-growth-MB")
}

// A village agent files under the resident's mandate (the signed letter
// attached), the county completes the case, and the agent hands the result
// over at the resident's home with a photo of the signed receipt.
func TestAgentFilesUnderAMandateAndDelivers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sup, _ := f.db.Authenticate(ctx, "zhuguan", "hq-2026-chen")
	agent, err := f.db.CreateAccount(ctx, sup, clerks.Account{Login: "cun01", Name: "李网格", Role: clerks.Agent, IDNumber: "330522198512030042"}, "lw-2026-dq")
	if err != nil {
		t.Fatal(err)
	}
	d := f.draft(t)
	if _, err := f.c.Submit(ctx, agent, d, cases.Decision{Kind: cases.Complete}); !errors.Is(err, cases.ErrNoProxy) {
		t.Fatalf("agent without a mandate: %v", err)
	}
	letter, err := f.c.Attach(strings.NewReader("%PDF-1.4 signed 代办委托书"), "委托书.pdf")
	if err != nil {
		t.Fatal(err)
	}
	d.Attachments = []cases.Attachment{letter}
	// The draft cannot name another agent's number: the account's stands.
	d.Proxy = &cases.Proxy{Village: "大钱村", Group: "3组", AgentIDNumber: "330522199003150024", Mandate: cases.Mandate{
		Resident: cases.Person{Name: "张小红", IDNumber: "330522199003150024"}, Powers: []cases.Power{cases.PowerSubmit, cases.PowerCollect},
		ValidUntil: time.Date(2027, 2, 26, 0, 0, 0, 0, workday.China), Evidence: cases.EvidenceLetter, Letter: letter.SHA256}}
	// The agent cannot take the resident's ID card away: 已收原件 is refused.
	if _, err := f.c.Submit(ctx, agent, d, cases.Decision{Kind: cases.Accept}); !errors.Is(err, cases.ErrAgentOriginal) {
		t.Fatalf("agent recording a personal original as received: got %v, want %v", err, cases.ErrAgentOriginal)
	}
	for i, e := range d.Materials {
		if e.State == cases.Original && isPersonalOriginal(f.cat, e) {
			d.Materials[i].State = cases.ECopy
		}
	}
	// The matter is not one a village may accept: 当场办结 is refused, 受理
	// files the case for the township window (待预审), nothing promised.
	if _, err := f.c.Submit(ctx, agent, d, cases.Decision{Kind: cases.Complete}); !errors.Is(err, cases.ErrAgentCannotDecide) {
		t.Fatalf("agent completing a township matter: got %v, want %v", err, cases.ErrAgentCannotDecide)
	}
	cs, err := f.c.Submit(ctx, agent, d, cases.Decision{Kind: cases.Accept})
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != cases.StatusPrereview || !cs.Due.IsZero() {
		t.Fatalf("agent's filing of a township matter: got %s due %v, want %s and no date", cs.Status, cs.Due, cases.StatusPrereview)
	}
	// Filed, not accepted: the agent is on the proxy, no clerk has decided.
	if cs.Proxy == nil || cs.Proxy.Agent.Name != "李网格" || cs.Clerk.Name != "" {
		t.Fatalf("proxy %+v, clerk %+v", cs.Proxy, cs.Clerk)
	}
	// The mandate names the agent by their ID number, as their account holds it.
	if again, err := f.c.Lookup(ctx, cs.Tracking); err != nil || again.Proxy.AgentIDNumber != "330522198512030042" {
		t.Fatalf("the mandate's agent ID number: got %+v, %v; want the account's", again.Proxy, err)
	}
	list, err := f.db.AgentCases(ctx, agent.ID, cases.WorkListSince(f.c.Clock.Now()), cases.WorkListClosed)
	if err != nil || len(list) != 1 || list[0].Case.ID != cs.ID || list[0].Unsent != 1 || list[0].Oldest.IsZero() {
		t.Fatalf("work list: %+v, %v", list, err)
	}
	// A clerk's case never carries a proxy, whatever the draft says.
	if c2, err := f.c.Submit(ctx, f.clerk, d, cases.Decision{Kind: cases.Accept}); err != nil || c2.Proxy != nil {
		t.Errorf("counter case with a proxy: %+v, %v", c2.Proxy, err)
	}

	cs.Status = cases.StatusCompleted // as the county's 办结 would set it
	receipt, _ := f.c.Attach(strings.NewReader("%PDF-1.4 签收回执"), "签收.pdf")
	if _, err := f.c.DeliverByAgent(ctx, f.clerk, cs, cases.Person{Name: "张小红", IDNumber: "330522199003150024"}, receipt); err == nil {
		t.Error("a clerk recorded an agent's delivery")
	}
	got, err := f.c.DeliverByAgent(ctx, agent, cs, cases.Person{Name: "张小红", IDNumber: "330522199003150024"}, receipt)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != cases.StatusDelivered || got.Pickup.Via == nil || got.Pickup.Receipt != receipt.SHA256 || len(got.Attachments) != 2 {
		t.Errorf("delivered: %s %+v, %d attachments", got.Status, got.Pickup, len(got.Attachments))
	}
	if list, _ := f.db.AgentCases(ctx, agent.ID, cases.WorkListSince(f.c.Clock.Now()), cases.WorkListClosed); len(list) != 1 || list[0].Case.Status != cases.StatusDelivered || list[0].Unsent != 2 {
		t.Errorf("work list after delivery: %+v", list)
	}
	if up, _ := f.db.PendingUploads(ctx); !slices.Contains(up, receipt.SHA256) {
		t.Errorf("the receipt photo is not queued for upload: %v", up)
	}
	if _, err := f.c.Supplement(ctx, agent, got, nil); !errors.Is(err, cases.ErrMandatePower) {
		t.Errorf("supplement without the power: %v", err)
	}
}

// A citizen files 个体工商户设立登记 at the terminal with two scans and one
// written commitment; a clerk pre-reviews it and accepts it into the normal
// flow; another submission is returned with its reasons, which are all the
// progress query then shows.
func TestSelfFilingThenPrereview(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d := f.draft(t)
	d.Materials = nil
	m, _ := f.cat.Matter("330000-SS-0001")
	for _, mat := range m.Materials {
		st := cases.ECopy // a scan dropped by the document camera: an electronic copy
		if slices.Contains(cases.AllowedStates(mat), cases.Committed) {
			st = cases.Committed
		}
		d.Materials = append(d.Materials, cases.MaterialEntry{Matter: m.Code, Material: mat.ID, State: st})
	}
	for _, name := range []string{"申请书.jpg", "租赁协议.pdf"} {
		a, err := f.c.Attach(strings.NewReader("%PDF-1.4 "+name), name)
		if err != nil {
			t.Fatal(err)
		}
		d.Attachments = append(d.Attachments, a)
	}

	other, _ := f.cat.Matter("330000-SS-0004") // 有限责任公司设立: window only
	if _, err := f.c.SubmitSelf(ctx, cases.Draft{Matters: []string{other.Code}, Applicant: d.Applicant}); !errors.Is(err, cases.ErrNoSelfService) {
		t.Fatalf("a window-only matter at the terminal: %v", err)
	}
	cs, err := f.c.SubmitSelf(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != cases.StatusPrereview || cs.Tracking == "" || !cs.Due.IsZero() {
		t.Fatalf("submitted: %s %q due %v", cs.Status, cs.Tracking, cs.Due)
	}
	second, err := f.c.SubmitSelf(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	list, err := f.c.Prereview(ctx)
	if err != nil || len(list) != 2 || list[0].ID != cs.ID {
		t.Fatalf("pre-review list: %d, %v", len(list), err)
	}

	got, err := f.c.AcceptSubmission(ctx, f.clerk, list[0], list[0].Draft, cases.Decision{Kind: cases.Accept})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != cases.StatusAccepted || got.Clerk.Name != "王丽" || got.Due.IsZero() {
		t.Fatalf("accepted: %s by %q due %v", got.Status, got.Clerk.Name, got.Due)
	}
	evs, _ := f.db.CaseEvents(ctx, cs.ID)
	if len(evs) != 2 || evs[0].Kind != cases.EvSubmitted || evs[1].Kind != cases.EvAccepted {
		t.Errorf("events %+v", evs)
	}
	if _, _, err := f.c.Render(ctx, got, printing.Receipt); err != nil {
		t.Errorf("receipt of the accepted submission: %v", err)
	}

	if _, err := f.c.ReturnSubmission(ctx, f.clerk, second, "看"); !errors.Is(err, cases.ErrReturnReason) {
		t.Errorf("return without a reason: %v", err)
	}
	ret, err := f.c.ReturnSubmission(ctx, f.clerk, second, "租赁协议照片不清楚，请重新拍照上传")
	if err != nil {
		t.Fatal(err)
	}
	evs2, _ := f.db.SendableEvents(ctx, 100)
	notices := 0
	for _, e := range evs2 {
		if e.Kind == "notice.requested" {
			notices++
			if strings.Contains(string(e.Payload), ret.ID) && !strings.Contains(string(e.Payload), "租赁协议照片不清楚") {
				t.Errorf("the return notice does not give the reason: %s", e.Payload)
			}
		}
	}
	if notices != 2 { // one for the accepted filing, one for the returned
		t.Errorf("%d notices requested, want 2", notices)
	}
	p, err := f.db.VerifyProgress(ctx, ret.Tracking, second.QueryPIN)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != cases.StatusReturned || p.Reason != "租赁协议照片不清楚，请重新拍照上传" || len(p.Supplements) != 0 || !p.Due.IsZero() {
		t.Errorf("progress of a returned submission: %+v", p)
	}
	if list, _ := f.c.Prereview(ctx); len(list) != 0 {
		t.Errorf("still waiting: %d", len(list))
	}
}

// TestMandateLetterNamesTheAgent: the 代办委托书 an agent prints names them
// by their account's ID number, masked; an agent account from before the
// number was asked gets the line to write it by hand.
func TestMandateLetterNamesTheAgent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sup, _ := f.db.Authenticate(ctx, "zhuguan", "hq-2026-chen")
	withID, err := f.db.CreateAccount(ctx, sup, clerks.Account{Login: "cun01", Name: "李网格", Role: clerks.Agent, IDNumber: "933392198507010015"}, "lw-2026-dq")
	if err != nil {
		t.Fatal(err)
	}
	// An agent account made before the number was asked, as it stands
	// in a database from then (or as a hub of that release sends it).
	hash, _ := clerks.Hash("qw-2026-dq")
	if err := f.db.KeepAccount(ctx, protocol.HallAccountState{ID: 50, Login: "cun09", Name: "钱网格", Role: string(clerks.Agent),
		Active: true, SecretHash: hash, Rev: 1}); err != nil {
		t.Fatal(err)
	}
	legacy := clerks.Account{ID: 50, Login: "cun09", Name: "钱网格", Role: clerks.Agent}
	d := f.draft(t)
	d.Proxy = &cases.Proxy{Village: "大钱村", AgentIDNumber: "330522199003150024", Mandate: cases.Mandate{
		Resident: cases.Person{Name: "张小红", IDNumber: "330522199003150024"}, Powers: []cases.Power{cases.PowerSubmit},
		ValidUntil: time.Date(2027, 2, 26, 0, 0, 0, 0, workday.China)}}
	tests := []struct {
		name  string
		agent clerks.Account
		want  []string
		not   []string
	}{
		{"agent with a foreign permanent resident ID", withID, []string{"代办员证件外国人永久居留身份证933392********00**"},
			[]string{"933392198507010015", "手写", "330522199003150024"}},
		{"agent from before the number was asked", legacy, []string{"代办员证件＿", "代办员手写证件名称和号码"},
			[]string{"330522199003150024"}},
	}
	for _, tt := range tests {
		p, err := f.c.PrintMandate(ctx, tt.agent, d)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		pdf, err := f.c.Archive.Read(p.Path)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(textOf(t, pdf)), "")
		for _, w := range tt.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: got %s, want %q in it", tt.name, text, w)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(text, n) {
				t.Errorf("%s: got %s, want no %q", tt.name, text, n)
			}
		}
	}
	if _, err := f.c.PrintMandate(ctx, clerks.Account{ID: 99, Role: clerks.Agent}, d); err == nil {
		t.Error("printed for an account this machine does not hold")
	}
}

// textOf is the text of a PDF, by pdftotext.
func textOf(t *testing.T, pdf []byte) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func isPersonalOriginal(cat *catalog.Catalog, e cases.MaterialEntry) bool {
	m, _ := cat.Matter(e.Matter)
	for _, mat := range m.Materials {
		if mat.ID == e.Material {
			return mat.PersonalOriginal
		}
	}
	return false
}

// TestAgentSupplementIsAPhotoOfPersonalOriginals: an agent's 代为补正 of a
// missing ID card is refused as 已收原件 and recorded as 电子副本（已核验）;
// the case then goes on.
func TestAgentSupplementIsAPhotoOfPersonalOriginals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sup, _ := f.db.Authenticate(ctx, "zhuguan", "hq-2026-chen")
	agent, err := f.db.CreateAccount(ctx, sup, clerks.Account{Login: "cun01", Name: "李网格", Role: clerks.Agent, IDNumber: "330522198512030042"}, "lw-2026-dq")
	if err != nil {
		t.Fatal(err)
	}
	d := f.draft(t)
	letter, err := f.c.Attach(strings.NewReader("%PDF-1.4 signed 代办委托书"), "委托书.pdf")
	if err != nil {
		t.Fatal(err)
	}
	d.Attachments = []cases.Attachment{letter}
	d.Proxy = &cases.Proxy{Village: "大钱村", Mandate: cases.Mandate{
		Resident: cases.Person{Name: "张小红", IDNumber: "330522199003150024"}, Powers: []cases.Power{cases.PowerSubmit, cases.PowerSupplement},
		ValidUntil: time.Date(2027, 2, 26, 0, 0, 0, 0, workday.China), Evidence: cases.EvidenceLetter, Letter: letter.SHA256}}
	for i, e := range d.Materials {
		if e.State == cases.Original && isPersonalOriginal(f.cat, e) {
			d.Materials[i].State = cases.ECopy
		}
	}
	cs, err := f.c.Submit(ctx, agent, d, cases.Decision{Kind: cases.Accept})
	if err != nil {
		t.Fatal(err)
	}
	// The ID card is owed (as a county's 补正 or a 容缺 leaves it).
	var owed cases.MaterialEntry
	for i, e := range cs.Materials {
		if isPersonalOriginal(f.cat, e) {
			cs.Materials[i].State, owed = cases.Deferred, e
			break
		}
	}
	if owed.Material == "" {
		t.Fatal("the draft has no personal original")
	}
	owed.State = cases.Original
	if _, err := f.c.Supplement(ctx, agent, cs, []cases.MaterialEntry{owed}); !errors.Is(err, cases.ErrAgentOriginal) {
		t.Fatalf("agent's 代为补正 as 已收原件: got %v, want %v", err, cases.ErrAgentOriginal)
	}
	owed.State = cases.ECopy
	got, err := f.c.Supplement(ctx, agent, cs, []cases.MaterialEntry{owed})
	if err != nil {
		t.Fatalf("agent's 代为补正 as a photo: %v", err)
	}
	for _, e := range got.Materials {
		if e.Material == owed.Material && e.Matter == owed.Matter && e.State != cases.ECopy {
			t.Errorf("recorded state: got %s, want %s", e.State, cases.ECopy)
		}
	}
}
