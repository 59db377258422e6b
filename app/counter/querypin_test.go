package counter

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/printing"
)

// archived counts the files in the print archive.
func archived(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// TestResetQueryPINAtTheWindow: a clerk resets a lost PIN for the applicant
// whose ID card matches; the old PIN stops working and the new one works;
// an agent and a stranger are refused; the reset is audited without the
// PIN; the notice with the new PIN goes to the printer and nothing of it
// to the archive.
func TestResetQueryPINAtTheWindow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cs, err := f.c.Submit(ctx, f.clerk, f.draft(t), cases.Decision{Kind: cases.Accept})
	if err != nil {
		t.Fatal(err)
	}
	oldPIN := cs.QueryPIN
	cs.QueryPIN = "" // as the look-up screen has it: the PIN is not in the record
	before := archived(t, f.c.Archive.Dir)
	// No printer, no reset: the new PIN would be on no paper at all.
	if _, err := f.c.ResetQueryPIN(ctx, f.clerk, cs, "330522199003150024"); !errors.Is(err, ErrPINNoPrinter) {
		t.Errorf("reset without a printer: got %v, want %v", err, ErrPINNoPrinter)
	}
	p := &recordingPrinter{}
	f.c.Printer = p

	agent := clerks.Account{ID: 9, Login: "cun01", Name: "李网格", Role: clerks.Agent}
	if _, err := f.c.ResetQueryPIN(ctx, agent, cs, "330522199003150024"); !errors.Is(err, ErrResetByAgent) {
		t.Errorf("an agent resets: got %v, want %v", err, ErrResetByAgent)
	}
	if _, err := f.c.ResetQueryPIN(ctx, f.clerk, cs, "11010519491231002X"); !errors.Is(err, cases.ErrPINResetWho) {
		t.Errorf("a stranger's ID: got %v, want %v", err, cases.ErrPINResetWho)
	}
	if _, err := f.db.VerifyProgress(ctx, cs.Tracking, oldPIN); err != nil {
		t.Fatalf("a refused reset broke the old PIN: %v", err)
	}

	reset, err := f.c.ResetQueryPIN(ctx, f.clerk, cs, "330522199003150024")
	if err != nil {
		t.Fatal(err)
	}
	if len(reset.QueryPIN) != cases.QueryPINDigits || reset.QueryPIN == oldPIN && reset.QueryPINHash == cs.QueryPINHash {
		t.Fatalf("reset PIN %q hash %q, want a new one", reset.QueryPIN, reset.QueryPINHash)
	}
	if _, err := f.db.VerifyProgress(ctx, cs.Tracking, oldPIN); !errors.Is(err, cases.ErrVerify) && reset.QueryPIN != oldPIN {
		t.Errorf("old PIN after the reset: got %v, want %v", err, cases.ErrVerify)
	}
	if _, err := f.db.VerifyProgress(ctx, cs.Tracking, reset.QueryPIN); err != nil {
		t.Errorf("new PIN: got %v, want the progress", err)
	}
	stored, err := f.db.CaseByTracking(ctx, cs.Tracking)
	if err != nil {
		t.Fatal(err)
	}
	if stored.QueryPIN != "" || stored.QueryPINHash != reset.QueryPINHash || stored.Version != reset.Version {
		t.Errorf("stored PIN %q hash %q v%d, want no PIN, the new hash, v%d", stored.QueryPIN, stored.QueryPINHash, stored.Version, reset.Version)
	}
	log, err := f.db.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var resets []store.AuditEntry
	for _, e := range log {
		if e.Action == "case.query_pin_reset" {
			resets = append(resets, e)
		}
	}
	if len(resets) != 1 || resets[0].ActorID != f.clerk.ID || resets[0].Subject != cs.Tracking {
		t.Fatalf("audit rows of resets %+v, want one by clerk %d on %s", resets, f.clerk.ID, cs.Tracking)
	}
	if strings.Contains(resets[0].Detail, reset.QueryPIN) || strings.Contains(resets[0].Detail, reset.QueryPINHash) {
		t.Errorf("the audit row %+v holds the PIN or its hash", resets[0])
	}

	printed, err := f.c.PrintQueryPINNotice(ctx, reset)
	if err != nil || printed.PrintErr != nil {
		t.Fatalf("print the notice: %v %v", err, printed.PrintErr)
	}
	text := textOf(t, p.pdfs[len(p.pdfs)-1])
	if got, want := strings.Contains(compact(text), "查询密码"+reset.QueryPIN), true; got != want {
		t.Errorf("the notice shows the new PIN: got %v, want %v\n%s", got, want, text)
	}
	if printed.Path != "" || archived(t, f.c.Archive.Dir) != before {
		t.Errorf("the notice was archived (%q; %d files, %d before)", printed.Path, archived(t, f.c.Archive.Dir), before)
	}
	// The archiving print path refuses it rather than keep a copy.
	if _, err := f.c.Print(ctx, reset, printing.QueryPINNotice); !errors.Is(err, printing.ErrCitizenOnly) {
		t.Errorf("Print of the notice: got %v, want %v", err, printing.ErrCitizenOnly)
	}
	if got := archived(t, f.c.Archive.Dir); got != before {
		t.Errorf("%d archived files, %d before the reset", got, before)
	}
}

func compact(s string) string { return strings.Join(strings.Fields(s), "") }

// pensionDraft fills in 城乡居民基本养老保险参保登记, a matter whose catalog
// entry lets an agent file on a resident's written pledge.
func (f fixture) pensionDraft(tb testing.TB) cases.Draft {
	tb.Helper()
	m, ok := f.cat.Matter("330000-SH-0001")
	if !ok || !m.PledgeMandate {
		tb.Fatal("the demo catalog's 330000-SH-0001 no longer allows a pledge")
	}
	d := cases.Draft{Matters: []string{m.Code},
		Applicant: cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "13857201234"},
		Fields: map[string]string{"applicant_name": "张小红", "applicant_id": "330522199003150024", "mobile": "13857201234",
			"address": "洪桥镇大钱村3组18号", "village": "大钱村", "contribution_grade": "500元", "bank_name": "长兴农商银行",
			"bank_account": "6228480012345678901"}}
	for _, mat := range m.Materials {
		st := cases.AllowedStates(mat)[0]
		if mat.SharedData {
			st = cases.Shared
		}
		d.Materials = append(d.Materials, cases.MaterialEntry{Matter: m.Code, Material: mat.ID, State: st})
	}
	return d
}

// TestAgentPledgeFollowsTheCatalog: counter.Submit takes an agent's filing
// under a 村民书面承诺 only for matters whose catalog entry allows it; a
// signed letter is accepted for either.
func TestAgentPledgeFollowsTheCatalog(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sup, _ := f.db.Authenticate(ctx, "zhuguan", "hq-2026-chen")
	agent, err := f.db.CreateAccount(ctx, sup, clerks.Account{Login: "cun01", Name: "李网格", Role: clerks.Agent, IDNumber: "330522198507070031"}, "lw-2026-dq")
	if err != nil {
		t.Fatal(err)
	}
	business := f.draft(t) // 个体工商户设立登记: no pledge in the catalog
	for i, e := range business.Materials {
		if e.State == cases.Original && isPersonalOriginal(f.cat, e) {
			business.Materials[i].State = cases.ECopy
		}
	}
	tests := []struct {
		name     string
		d        cases.Draft
		evidence string
		want     error
	}{
		{"pension registration on a pledge", f.pensionDraft(t), cases.EvidenceCommitment, nil},
		{"pension registration on a signed letter", f.pensionDraft(t), cases.EvidenceLetter, nil},
		{"business registration on a pledge", business, cases.EvidenceCommitment, cases.ErrPledgeNotAllowed},
		{"business registration on a signed letter", business, cases.EvidenceLetter, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.d
			d.Proxy = &cases.Proxy{Village: "大钱村", Group: "3组", Mandate: cases.Mandate{
				Resident: cases.Person{Name: "张小红", IDNumber: "330522199003150024"}, Powers: []cases.Power{cases.PowerSubmit, cases.PowerCollect},
				ValidUntil: time.Date(2027, 2, 26, 0, 0, 0, 0, workday.China), Evidence: tt.evidence}}
			if tt.evidence == cases.EvidenceLetter {
				letter, err := f.c.Attach(strings.NewReader("%PDF-1.4 signed 代办委托书 "+tt.name), "委托书.pdf")
				if err != nil {
					t.Fatal(err)
				}
				d.Attachments = append(d.Attachments, letter)
				d.Proxy.Mandate.Letter = letter.SHA256
			}
			n, _ := f.db.CaseCount(ctx)
			cs, err := f.c.Submit(ctx, agent, d, cases.Decision{Kind: cases.Accept})
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			m, _ := f.db.CaseCount(ctx)
			if tt.want != nil {
				if m != n {
					t.Errorf("a refused filing was stored: %d cases, %d before", m, n)
				}
				return
			}
			if m != n+1 || cs.Proxy == nil || cs.Proxy.Mandate.Evidence != tt.evidence {
				t.Errorf("filed: %d cases (%d before), proxy %+v, want one more under %q", m, n, cs.Proxy, tt.evidence)
			}
		})
	}
}
