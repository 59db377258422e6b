package main

import (
	"context"
	"errors"
	"io"

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

// intakeService gives the counter screens what they need, over the store
// and the counter (documents, archive, printer).
type intakeService struct {
	db    *store.DB
	c     *counter.Counter
	level catalog.Level
	// committed is told when a case was accepted, so the county link
	// sends it now rather than at the next scheduled round.
	committed func()
}

var _ intake.Service = (*intakeService)(nil)

// Printer messages, in the clerk's words.
var (
	errNoPrinter = msg.New("本机未设置打印机，文件已存档，可在设置中指定打印机后重新打印")
	errPrinter   = msg.New("打印机没有接受（{{.Why}}），文件已存档，可重新打印")
)

func (s *intakeService) Catalog(ctx context.Context) (*catalog.Catalog, error) {
	return s.db.ActiveCatalog(ctx)
}

// CaseCatalog is the catalog version a case was accepted under.
func (s *intakeService) CaseCatalog(ctx context.Context, cs cases.Case) (*catalog.Catalog, error) {
	return s.db.CaseCatalog(ctx, cs.CatalogVer)
}

func (s *intakeService) Search(ctx context.Context, q string) ([]catalog.Hit, error) {
	return s.db.Search(ctx, q, store.SearchOptions{Level: s.level})
}

func (s *intakeService) Attach(r io.Reader, name string) (cases.Attachment, error) {
	return s.c.Attach(r, name)
}

// Decide is one counter action: commit the case, tell the county link,
// then render, archive and print its papers. The screen calls it off the
// UI goroutine, so a printer that takes its time never freezes the window.
func (s *intakeService) Decide(ctx context.Context, a clerks.Account, d cases.Draft, dec cases.Decision) (intake.Outcome, error) {
	cs, err := s.c.Submit(ctx, a, d, dec)
	if err != nil {
		return intake.Outcome{}, err
	}
	s.accepted()
	return s.papers(ctx, cs), nil
}

// accepted tells the county link a case is waiting, so it goes now rather
// than at the next scheduled round.
func (s *intakeService) accepted() {
	if s.committed != nil {
		s.committed()
	}
}

// papers prints what a committed case calls for; a failure is reported in
// the outcome and never touches the case.
func (s *intakeService) papers(ctx context.Context, cs cases.Case) intake.Outcome {
	printed, err := s.c.PrintAll(ctx, cs)
	o := intake.Outcome{Case: cs, PrintErr: err}
	for _, p := range printed {
		o.Papers = append(o.Papers, paper(p))
	}
	return o
}

// Prereview lists the citizens' filings waiting for pre-review.
func (s *intakeService) Prereview(ctx context.Context) ([]cases.Case, error) {
	return s.c.Prereview(ctx)
}

// AcceptSubmission accepts a pre-reviewed filing into the normal flow and
// prints its receipt, as one action like Decide.
func (s *intakeService) AcceptSubmission(ctx context.Context, a clerks.Account, cs cases.Case, d cases.Draft, dec cases.Decision) (intake.Outcome, error) {
	got, err := s.c.AcceptSubmission(ctx, a, cs, d, dec)
	if err != nil {
		return intake.Outcome{}, err
	}
	s.accepted()
	return s.papers(ctx, got), nil
}

// ReturnSubmission returns a filing with its reasons.
func (s *intakeService) ReturnSubmission(ctx context.Context, a clerks.Account, cs cases.Case, reason string) (cases.Case, error) {
	return s.c.ReturnSubmission(ctx, a, cs, reason)
}

// Rate stores the citizen's rating of a service.
func (s *intakeService) Rate(ctx context.Context, r rating.Rating) (rating.Rating, error) {
	return s.db.Rate(ctx, r)
}

// PrintMandate prints the 代办委托书 for signing.
func (s *intakeService) PrintMandate(ctx context.Context, a clerks.Account, d cases.Draft) (intake.Paper, error) {
	p, err := s.c.PrintMandate(ctx, a, d)
	if err != nil {
		return intake.Paper{}, err
	}
	return paper(p), nil
}

func paper(p counter.Printed) intake.Paper {
	out := intake.Paper{Title: printing.DocTitle(p.Kind), Path: p.Path, Ref: p}
	switch {
	case p.PrintErr == nil:
	case errors.Is(p.PrintErr, counter.ErrNoPrinter), errors.Is(p.PrintErr, printing.ErrNoPrinter):
		out.Err = errNoPrinter
	default:
		out.Err = msg.New(errPrinter.Key, "Why", p.PrintErr.Error())
	}
	return out
}

func (s *intakeService) Print(ctx context.Context, cs cases.Case) ([]intake.Paper, error) {
	printed, err := s.c.PrintAll(ctx, cs)
	out := make([]intake.Paper, 0, len(printed))
	for _, p := range printed {
		out = append(out, paper(p))
	}
	return out, err
}

func (s *intakeService) Reprint(ctx context.Context, p intake.Paper) intake.Paper {
	pr, ok := p.Ref.(counter.Printed)
	if !ok {
		return p
	}
	return paper(s.c.Reprint(ctx, pr))
}

func (s *intakeService) Lookup(ctx context.Context, code string) (cases.Case, error) {
	return s.c.Lookup(ctx, code)
}

func (s *intakeService) Supplement(ctx context.Context, a clerks.Account, cs cases.Case, got []cases.MaterialEntry) (cases.Case, error) {
	return s.c.Supplement(ctx, a, cs, got)
}

func (s *intakeService) Authorize(ctx context.Context, a clerks.Account, cs cases.Case, p cases.Person) (cases.Case, error) {
	return s.c.Authorize(ctx, a, cs, p)
}

func (s *intakeService) Deliver(ctx context.Context, a clerks.Account, cs cases.Case, p cases.Person) (cases.Case, error) {
	return s.c.Deliver(ctx, a, cs, p)
}

func (s *intakeService) Mail(ctx context.Context, a clerks.Account, cs cases.Case, m cases.MailRecord) (cases.Case, error) {
	return s.c.Mail(ctx, a, cs, m)
}

// Reveal shows the full ID number only after writing who asked (查询留痕).
func (s *intakeService) Reveal(ctx context.Context, a clerks.Account, cs cases.Case) (string, error) {
	if err := s.db.Audit(ctx, a.ID, "reveal.id_number", cs.Tracking, ""); err != nil {
		return "", err
	}
	if cs.Applicant.Kind == cases.Enterprise {
		return cs.Applicant.LegalRepID, nil
	}
	return cs.Applicant.IDNumber, nil
}
