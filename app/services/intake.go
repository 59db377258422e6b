package services

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/counter"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/intake"
	"github.com/yichuang/yichuang/printing"
)

// Intake gives the counter screens (窗口受理, 查询办件, 预审, the agent's
// filing) what they need, over the store and the counter (documents,
// archive, printer).
type Intake struct {
	DB      *store.DB
	Counter *counter.Counter
	// Level is the hall's level: search offers only the matters done here.
	Level catalog.Level
	// Committed is told when a case was accepted, so the county link
	// sends it now rather than at the next scheduled round.
	Committed func()
	// Hall, on a machine of a hall (not the hub), takes each action to the
	// hub at once and says whether it stood: another window may have acted
	// on the same case first.
	Hall Settler
}

// Settler takes an action to the hall's hub and waits (briefly) for its
// verdict: "accepted", "refused", or "pending" when the hub did not answer
// in time.
type Settler interface {
	Settle(ctx context.Context, eventID string, within time.Duration) (string, error)
}

// SettleWithin is how long an action waits for the hub's verdict before the
// window goes on (the action then stands here and is judged when the hub is
// back).
const SettleWithin = 2 * time.Second

// settled waits for the hub's word on an action just committed on a case.
// If another window's action on the case came first, this one was tried
// again on top of it (and stands, returned as the case now is) or no longer
// made sense: then the clerk gets the reason (nothing is printed), and the
// notice is marked read since it was shown here.
func (s *Intake) settled(ctx context.Context, a clerks.Account, cs cases.Case, err error) (cases.Case, error) {
	if errors.Is(err, store.ErrCaseChangedBy) || errors.Is(err, store.ErrCaseChanged) {
		return cs, s.stale(ctx, cs, err)
	}
	if err != nil {
		return cs, err
	}
	s.accepted()
	if s.Hall == nil {
		return cs, nil
	}
	ev, err := s.DB.HeadEvent(ctx, cs.ID)
	if err != nil {
		return cs, nil
	}
	st, err := s.Hall.Settle(ctx, ev, SettleWithin)
	if err != nil || st != "refused" {
		return cs, nil
	}
	if m, err := s.DB.LostNotice(ctx, ev); err == nil && m != nil {
		if notes, err := s.DB.HallNotices(ctx); err == nil {
			for _, n := range notes {
				if n.Message.Error() == m.Error() {
					s.DB.SeenHallNotice(ctx, n.ID, a.ID)
				}
			}
		}
		return cs, s.stale(ctx, cs, m)
	}
	return s.DB.CaseByID(ctx, cs.ID)
}

// stale is err with the case as it now stands, for the screen to show.
func (s *Intake) stale(ctx context.Context, cs cases.Case, err error) error {
	now, rerr := s.DB.CaseByID(ctx, cs.ID)
	if rerr != nil {
		return err
	}
	return &intake.StaleError{Err: err, Case: now}
}

var _ intake.Service = (*Intake)(nil)

func (s *Intake) Catalog(ctx context.Context) (*catalog.Catalog, error) {
	return s.DB.ActiveCatalog(ctx)
}

// CaseCatalog is the catalog version a case was accepted under.
func (s *Intake) CaseCatalog(ctx context.Context, cs cases.Case) (*catalog.Catalog, error) {
	return s.DB.CaseCatalog(ctx, cs.CatalogVer)
}

func (s *Intake) Search(ctx context.Context, q string) ([]catalog.Hit, error) {
	return s.DB.Search(ctx, q, store.SearchOptions{Level: s.Level})
}

func (s *Intake) Attach(r io.Reader, name string) (cases.Attachment, error) {
	return s.Counter.Attach(r, name)
}

// OpenScan opens one of a filing's scans for 预审, in memory: the file
// stays sealed on disk.
func (s *Intake) OpenScan(_ context.Context, a cases.Attachment) ([]byte, error) {
	b, err := s.Counter.Blobs.Open(a.SHA256)
	if err != nil {
		return nil, fmt.Errorf("open scan %s: %w", a.Name, err)
	}
	return b, nil
}

var _ intake.ScanOpener = (*Intake)(nil)

// Decide is one counter action: commit the case, tell the county link,
// then render, archive and print its papers. The screen calls it off the
// UI goroutine, so a printer that takes its time never freezes the window.
func (s *Intake) Decide(ctx context.Context, a clerks.Account, d cases.Draft, dec cases.Decision) (intake.Outcome, error) {
	cs, err := s.Counter.Submit(ctx, a, d, dec)
	if err != nil {
		return intake.Outcome{}, err
	}
	s.accepted()
	return s.papers(ctx, cs), nil
}

// accepted tells the county link a case is waiting, so it goes now rather
// than at the next scheduled round.
func (s *Intake) accepted() {
	if s.Committed != nil {
		s.Committed()
	}
}

// papers prints what a committed case calls for; a failure is reported in
// the outcome and never touches the case.
func (s *Intake) papers(ctx context.Context, cs cases.Case) intake.Outcome {
	printed, err := s.Counter.PrintAll(ctx, cs)
	o := intake.Outcome{Case: cs, PrintErr: err}
	for _, p := range printed {
		o.Papers = append(o.Papers, paper(p))
	}
	return o
}

// Prereview lists the citizens' filings waiting for pre-review.
func (s *Intake) Prereview(ctx context.Context) ([]cases.Case, error) {
	return s.Counter.Prereview(ctx)
}

// AcceptSubmission accepts a pre-reviewed filing into the normal flow and
// prints its receipt, as one action like Decide.
func (s *Intake) AcceptSubmission(ctx context.Context, a clerks.Account, cs cases.Case, d cases.Draft, dec cases.Decision) (intake.Outcome, error) {
	got, err := s.Counter.AcceptSubmission(ctx, a, cs, d, dec)
	if got, err = s.settled(ctx, a, got, err); err != nil {
		return intake.Outcome{}, err
	}
	return s.papers(ctx, got), nil
}

// ReturnSubmission returns a filing with its reasons.
func (s *Intake) ReturnSubmission(ctx context.Context, a clerks.Account, cs cases.Case, reason string) (cases.Case, error) {
	got, err := s.Counter.ReturnSubmission(ctx, a, cs, reason)
	return s.settled(ctx, a, got, err)
}

// Rate stores the citizen's rating of a service.
func (s *Intake) Rate(ctx context.Context, r rating.Rating) (rating.Rating, error) {
	return s.DB.Rate(ctx, r)
}

// PrintMandate prints the 代办委托书 for signing.
func (s *Intake) PrintMandate(ctx context.Context, a clerks.Account, d cases.Draft) (intake.Paper, error) {
	p, err := s.Counter.PrintMandate(ctx, a, d)
	if err != nil {
		return intake.Paper{}, err
	}
	return paper(p), nil
}

func paper(p counter.Printed) intake.Paper {
	out := intake.Paper{Title: printing.DocTitle(p.Kind), Path: p.Path, Ref: p}
	if p.PrintErr != nil {
		// The short line for the screen; the command's words behind 详情.
		out.Err, out.Detail = counter.PrintMessage(p.PrintErr), printing.DetailOf(p.PrintErr)
	}
	return out
}

func (s *Intake) Print(ctx context.Context, cs cases.Case) ([]intake.Paper, error) {
	printed, err := s.Counter.PrintAll(ctx, cs)
	out := make([]intake.Paper, 0, len(printed))
	for _, p := range printed {
		out = append(out, paper(p))
	}
	return out, err
}

func (s *Intake) Reprint(ctx context.Context, p intake.Paper) intake.Paper {
	pr, ok := p.Ref.(counter.Printed)
	if !ok {
		return p
	}
	return paper(s.Counter.Reprint(ctx, pr))
}

// PromisedDue is matter m's promised date if accepted now, by the rule and
// calendar the case's receipt is dated with.
func (s *Intake) PromisedDue(_ context.Context, m catalog.Matter) (time.Time, error) {
	return cases.PromisedDue(s.Counter.Calendar, m, s.Counter.Clock.Now())
}

func (s *Intake) DueAt(_ context.Context, cs cases.Case) (time.Time, error) {
	return cs.DueAt(s.Counter.Calendar, s.Counter.Clock.Now())
}

// Lookup finds a case by its tracking code.
func (s *Intake) Lookup(ctx context.Context, code string) (cases.Case, error) {
	return s.Counter.Lookup(ctx, code)
}

func (s *Intake) Supplement(ctx context.Context, a clerks.Account, cs cases.Case, got []cases.MaterialEntry) (cases.Case, error) {
	out, err := s.Counter.Supplement(ctx, a, cs, got)
	return s.settled(ctx, a, out, err)
}

func (s *Intake) Authorize(ctx context.Context, a clerks.Account, cs cases.Case, p cases.Person) (cases.Case, error) {
	out, err := s.Counter.Authorize(ctx, a, cs, p)
	return s.settled(ctx, a, out, err)
}

func (s *Intake) Deliver(ctx context.Context, a clerks.Account, cs cases.Case, p cases.Person) (cases.Case, error) {
	out, err := s.Counter.Deliver(ctx, a, cs, p)
	return s.settled(ctx, a, out, err)
}

func (s *Intake) Mail(ctx context.Context, a clerks.Account, cs cases.Case, m cases.MailRecord) (cases.Case, error) {
	out, err := s.Counter.Mail(ctx, a, cs, m)
	return s.settled(ctx, a, out, err)
}

// ResetQueryPIN resets a case's query PIN, waits for the hall's word as
// every later action does, and only then prints the notice: a reset that
// lost to another window's action on the case prints nothing. The PIN in
// clear goes to the printer and nowhere else.
func (s *Intake) ResetQueryPIN(ctx context.Context, a clerks.Account, cs cases.Case, idNumber string) (cases.Case, intake.Paper, error) {
	out, err := s.Counter.ResetQueryPIN(ctx, a, cs, idNumber)
	got, err := s.settled(ctx, a, out, err)
	if err != nil {
		return cs, intake.Paper{}, err
	}
	if got.QueryPINHash != out.QueryPINHash {
		// Replayed over another window's action: the hash that stands is
		// not the one of the PIN in hand, so there is nothing to print.
		got.QueryPIN = ""
		return got, intake.Paper{}, errPINNotKept
	}
	printed, err := s.Counter.PrintQueryPINNotice(ctx, out)
	got.QueryPIN = ""
	if err != nil {
		return got, intake.Paper{}, err
	}
	p := intake.Paper{Title: printing.DocTitle(printed.Kind)}
	if printed.PrintErr != nil {
		// Not "archived, reprint": this notice has no copy to reprint.
		p.Err, p.Detail = msg.New(errPINNotice.Key, "Why", counter.PrintMessage(printed.PrintErr)), printing.DetailOf(printed.PrintErr)
	}
	return got, p, nil
}

var (
	errPINNotKept = msg.New("此件刚被其他窗口更新，本次重置未生效，请重新查询后再重置")
	errPINNotice  = msg.New("查询密码已重置，但通知没有打印出来（{{.Why}}）。通知不存档、不能补打：请排除打印故障后再次重置")
)

// Reveal shows the full ID number only after writing who asked (查询留痕).
func (s *Intake) Reveal(ctx context.Context, a clerks.Account, cs cases.Case) (string, error) {
	if err := s.DB.Audit(ctx, a.ID, "reveal.id_number", cs.Tracking, ""); err != nil {
		return "", err
	}
	if cs.Applicant.Kind == cases.Enterprise {
		return cs.Applicant.LegalRepID, nil
	}
	return cs.Applicant.IDNumber, nil
}
