// Package halltest provides a set-up hall for tests: a data directory as a
// hall has it after setup, its store on a chosen clock, the counter's
// service over it, cases in every state, a real countyd on loopback and a
// county link enrolled with it, and the PDF and QR readers the tests check
// papers with.
//
// It is shared by the tests of app (the real binary under Xvfb),
// app/services (screens over the real store), app/countylink (sync with a
// real county) and app/kiosk (the controller headless), which used to
// share one package main.
package halltest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/blobs"
	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/sync/protocol"
)

// CST is Beijing time, the halls' clock: the one zone of workday, named
// short for the many tests that write dates in it.
var CST = workday.China

// The hall's first supervisor, as ConfiguredData creates it.
const (
	SupervisorLogin  = "zhuguan"
	SupervisorSecret = "hq-2026-chen"
)

// ConfiguredData prepares a data directory as a hall has it after setup.
func ConfiguredData(t testing.TB) string {
	t.Helper()
	return ConfiguredDevice(t, 1)
}

// ConfiguredDevice is ConfiguredData for machine number device of the hall
// (its tracking codes differ from the other machines').
func ConfiguredDevice(t testing.TB, device int) string {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "yichuang.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.LoadCatalog(ctx, assets.DemoCatalog()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ConfigureKiosk(ctx, servicepoint.Kiosk{Point: servicepoint.ServicePoint{Code: "330522101000", Name: "洪桥镇便民服务中心", Level: catalog.Township},
		Device: device, Paper: servicepoint.PaperA4}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateFirstSupervisor(ctx, clerks.Account{Login: SupervisorLogin, Name: "陈主管", Window: 1}, SupervisorSecret); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Hall is an open data directory.
type Hall struct {
	Dir   string
	DB    *store.DB
	Clock clock.Clock
}

// Open opens the hall's database in dir on clk (nil: the system clock);
// it is closed when the test ends (closing it earlier is fine).
func Open(t testing.TB, dir string, clk clock.Clock) *Hall {
	t.Helper()
	if clk == nil {
		clk = clock.System{}
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "yichuang.db"), store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// The data opens as on a hall PC after a restart: the supervisor signs
	// in once (a machine without its own supervisor opens another way).
	if has, _ := db.HasSupervisor(context.Background()); has && db.Locked() {
		db.Authenticate(context.Background(), SupervisorLogin, SupervisorSecret)
	}
	return &Hall{Dir: dir, DB: db, Clock: clk}
}

// Paper is an archived PDF as the counter kept it (sealed on disk).
func (h *Hall) Paper(t testing.TB, path string) []byte {
	t.Helper()
	b, err := services.Archive(h.Dir, h.DB).Read(path)
	if err != nil {
		t.Fatalf("read archived %s: %v", filepath.Base(path), err)
	}
	return b
}

// At opens a set-up hall (see ConfiguredData) with its clock at a given
// time, and the counter over it with no printer: papers are archived, the
// CUPS path has its own test. It returns the hall, the counter service,
// the supervisor and the clock.
func At(t testing.TB, at time.Time) (*Hall, *services.Intake, clerks.Account, *clock.Manual) {
	t.Helper()
	clk := clock.NewManual(at)
	h := Open(t, ConfiguredData(t), clk)
	svc := h.Intake(t)
	svc.Counter.Printer = nil
	return h, svc, h.Supervisor(t), clk
}

// Files is where the hall keeps scans.
func (h *Hall) Files() blobs.Store { return services.Files(h.Dir, h.DB) }

// Intake is the counter's service as the kiosk wires it (with the hall's
// configured printer).
func (h *Hall) Intake(t testing.TB) *services.Intake {
	t.Helper()
	svc, err := services.NewIntake(context.Background(), h.DB, h.Dir, h.Clock)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// Supervisor signs in the hall's first supervisor.
func (h *Hall) Supervisor(t testing.TB) clerks.Account {
	t.Helper()
	sup, err := h.DB.Authenticate(context.Background(), SupervisorLogin, SupervisorSecret)
	if err != nil {
		t.Fatal(err)
	}
	return sup
}

// Account adds a staff account to the hall, as the supervisor does.
func (h *Hall) Account(t testing.TB, sup clerks.Account, a clerks.Account, secret string) clerks.Account {
	t.Helper()
	got, err := h.DB.CreateAccount(context.Background(), sup, a, secret)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// RestaurantDraft is a 个体工商户 application as a clerk fills it in, every
// material received as the catalog first allows; deferred names a material
// marked 容缺 instead ("" for none).
func (h *Hall) RestaurantDraft(t testing.TB, deferred string) cases.Draft {
	t.Helper()
	cat, err := h.DB.ActiveCatalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m, _ := cat.Matter("330000-SS-0001")
	d := cases.Draft{Matters: []string{m.Code}, Applicant: cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "13857201234"},
		Fields: map[string]string{"organization_form": "个人经营", "business_address": "洪桥镇洪桥路18号", "business_scope": "餐饮服务",
			"registered_capital": "5", "employees": "3", "delivery": "窗口领取"}}
	for _, mat := range m.Materials {
		st := cases.AllowedStates(mat)[0]
		if mat.ID == deferred {
			st = cases.Deferred
		}
		d.Materials = append(d.Materials, cases.MaterialEntry{Matter: m.Code, Material: mat.ID, State: st})
	}
	return d
}

// AcceptDeferredCase accepts one 个体工商户 case at the counter with the
// premises proof deferred (容缺), as a clerk would, and returns it.
func (h *Hall) AcceptDeferredCase(t testing.TB, sup clerks.Account) (*services.Intake, cases.Case) {
	t.Helper()
	svc := h.Intake(t)
	cs, err := svc.Counter.Submit(context.Background(), sup, h.RestaurantDraft(t, "premises_proof"), cases.Decision{Kind: cases.AcceptDeferred})
	if err != nil {
		t.Fatal(err)
	}
	return svc, cs
}

// CaseWithScan accepts a case at the counter with one scanned attachment
// of size bytes.
func (h *Hall) CaseWithScan(t testing.TB, sup clerks.Account, size int) cases.Case {
	t.Helper()
	scan := make([]byte, size)
	rand.Read(scan)
	copy(scan, "%PDF-1.4\n") // a PDF by its first bytes, as blobs checks
	att, err := h.Files().Put(bytes.NewReader(scan), "申请书.pdf")
	if err != nil {
		t.Fatal(err)
	}
	d := h.RestaurantDraft(t, "")
	d.Attachments = []cases.Attachment{att}
	cs, err := h.Intake(t).Counter.Submit(context.Background(), sup, d, cases.Decision{Kind: cases.Accept})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// SeedAgentCases gives agent cun01 (created here) cases on every shelf:
// one the county wants corrected, one completed to deliver, one past its
// supplement deadline, and a few not yet synced.
func (h *Hall) SeedAgentCases(t testing.TB) clerks.Account {
	t.Helper()
	ctx := context.Background()
	ag := h.Account(t, h.Supervisor(t), clerks.Account{Login: "cun01", Name: "李网格", Role: clerks.Agent, IDNumber: "330522198507070031"}, "lw-2026-dq")
	svc := h.Intake(t)
	svc.Counter.Printer = nil
	people := []struct{ name, id, village, group string }{
		{"王阿婆", "330522194503120021", "大钱村", "3组"}, {"张小红", "330522199003150024", "大钱村", "3组"},
		{"李四", "330522198805060018", "许家村", "1组"}, {"王阿婆", "330522194503120021", "弁南村", "5组"},
	}
	var filed []cases.Case
	for i, p := range people {
		d := h.RestaurantDraft(t, "")
		d.Applicant.Name, d.Applicant.IDNumber = p.name, p.id
		d.Proxy = &cases.Proxy{Village: p.village, Group: p.group, Mandate: cases.Mandate{Resident: cases.Person{Name: p.name, IDNumber: p.id},
			Powers: cases.Powers, ValidUntil: time.Now().AddDate(0, 3, 0), Evidence: cases.EvidenceLetter}}
		letter, err := svc.Counter.Attach(strings.NewReader("%PDF-1.4 signed mandate of "+p.name), "代办委托书.pdf")
		if err != nil {
			t.Fatal(err)
		}
		d.Attachments = append(d.Attachments, letter)
		d.Proxy.Mandate.Letter = letter.SHA256
		// The agent photographs the resident's ID card, never takes it.
		cat, _ := h.DB.ActiveCatalog(ctx)
		for j, e := range d.Materials {
			if m, ok := cat.Matter(e.Matter); ok {
				for _, mat := range m.Materials {
					if mat.ID == e.Material && mat.PersonalOriginal && e.State == cases.Original {
						d.Materials[j].State = cases.ECopy
					}
				}
			}
		}
		cs, err := svc.Counter.Submit(ctx, ag, d, cases.Decision{Kind: cases.Accept})
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		filed = append(filed, cs)
	}
	// The first three reached the county (acknowledged) and came back decided.
	evs, _ := h.DB.SendableEvents(ctx, 100)
	var acks []protocol.Result
	for _, e := range evs {
		if !strings.Contains(string(e.Payload), filed[3].ID) {
			acks = append(acks, protocol.Result{ID: e.ID, Status: protocol.Applied})
		}
	}
	h.DB.RecordPush(ctx, acks)
	feed := []protocol.CaseStatus{
		{CaseID: filed[0].ID, Status: protocol.CountyCompleted, Pickup: "营业执照已送至洪桥镇便民服务中心3号窗口，请代领后送达", At: time.Now()},
		{CaseID: filed[1].ID, Status: protocol.CountyCorrection, Supplements: []protocol.Supplement{{Matter: "330000-SS-0001", Material: "premises_proof", Name: "经营场所使用证明"}},
			SupplyBy: time.Now().AddDate(0, 0, 4).Format("2006-01-02"), At: time.Now()},
		{CaseID: filed[2].ID, Status: protocol.CountyCorrection, Supplements: []protocol.Supplement{{Name: "户口簿首页及本人页"}},
			SupplyBy: time.Now().AddDate(0, 0, -2).Format("2006-01-02"), At: time.Now()},
	}
	for i, st := range feed {
		b, _ := json.Marshal(st)
		if err := h.DB.ApplyFeed(ctx, []protocol.FeedItem{{Cursor: int64(i + 1), Kind: protocol.FeedCaseStatus, At: time.Now(), Payload: b}}); err != nil {
			t.Fatal(err)
		}
	}
	return ag
}

// Settle waits, with a deadline, until a screen's action (a decision with
// its papers, a filing with its slip, a delivery) has shown its result:
// those run off the UI goroutine.
func Settle(t testing.TB, screen interface{ Wait(context.Context) error }) {
	t.Helper()
	busytest.Settle(t, screen)
}

// PDFText extracts a PDF's text with pdftotext, keeping the layout.
func PDFText(t testing.TB, pdf []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "doc.pdf")
	os.WriteFile(f, pdf, 0o600)
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// ZbarDecode reads the QR code on a PDF's first page.
func ZbarDecode(t testing.TB, pdf []byte) string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "r.pdf")
	os.WriteFile(in, pdf, 0o600)
	if out, err := exec.Command("pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile", in, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	out, err := exec.Command("zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", filepath.Join(dir, "p.png")).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	return string(bytes.TrimSpace(out))
}

// CompactText drops all white space (pdftotext breaks lines anywhere).
func CompactText(s string) string { return strings.Join(strings.Fields(s), "") }

// MustRead reads a file or fails the test.
func MustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
