// Package intake provides the counter's screens (窗口受理): taking a matter
// or a bundle (一件事) from search to printed receipt — applicant, one
// combined form, materials checklist with scans, decision — and looking up
// a case later for 补正, 受托人, 出件 and 邮寄. The screens talk to a Service
// and never see SQL, PDF bytes or the printer.
package intake

import (
	"context"
	"io"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/rating"
)

// Service is what the counter screens need; app/services implements it
// over the store, the document printer and the archive.
//
// Decide, AcceptSubmission, Print, Reprint and PrintMandate print, and a
// printer can take its time (or jam): the screens call them off the UI
// goroutine, one at a time, and show the result through fyne.Do.
type Service interface {
	Catalog(ctx context.Context) (*catalog.Catalog, error)
	// CaseCatalog is the catalog a case was accepted under, which names its
	// matters and materials even after a newer catalog dropped them.
	CaseCatalog(ctx context.Context, cs cases.Case) (*catalog.Catalog, error)
	Search(ctx context.Context, query string) ([]catalog.Hit, error)
	Attach(r io.Reader, name string) (cases.Attachment, error)
	// Decide is one counter action: it commits the case with the clerk's
	// decision, then renders, archives and prints its papers. An error
	// means nothing was written (invalid fields come back as
	// cases.FieldErrors); once the case is committed a printer problem
	// never undoes it and comes back in the Outcome instead.
	Decide(ctx context.Context, actor clerks.Account, d cases.Draft, dec cases.Decision) (Outcome, error)
	// Print makes every paper the case calls for now; each is archived
	// whatever the printer does.
	Print(ctx context.Context, cs cases.Case) ([]Paper, error)
	Reprint(ctx context.Context, p Paper) Paper
	// Prereview lists citizens' own filings waiting for a clerk;
	// AcceptSubmission and ReturnSubmission decide one. AcceptSubmission is
	// one action as Decide is: the accepted case, then its receipt.
	Prereview(ctx context.Context) ([]cases.Case, error)
	AcceptSubmission(ctx context.Context, actor clerks.Account, cs cases.Case, d cases.Draft, dec cases.Decision) (Outcome, error)
	ReturnSubmission(ctx context.Context, actor clerks.Account, cs cases.Case, reason string) (cases.Case, error)
	// Rate stores the citizen's 好差评 of a service.
	Rate(ctx context.Context, r rating.Rating) (rating.Rating, error)
	// PrintMandate prints the 代办委托书 of a draft for the resident to
	// sign (village agents).
	PrintMandate(ctx context.Context, actor clerks.Account, d cases.Draft) (Paper, error)
	Lookup(ctx context.Context, code string) (cases.Case, error)
	// FindCases finds cases without their code (a citizen who lost the
	// receipt) or lists the clerk's: today's, their own, late ones. A
	// search by a person's number or name is recorded (查询留痕). A list
	// too long to show comes cut, with an error saying so.
	FindCases(ctx context.Context, actor clerks.Account, q CaseQuery) ([]FoundCase, error)
	// DueAt is the case's promised date as of now: the recorded one moved by
	// the working days its time limit was suspended (补正, 特别程序).
	DueAt(ctx context.Context, cs cases.Case) (time.Time, error)
	// PromisedDue is the date promised for matter m if it is accepted now,
	// by the hall's working-day calendar: the date its receipt will print.
	PromisedDue(ctx context.Context, m catalog.Matter) (time.Time, error)
	Supplement(ctx context.Context, actor clerks.Account, cs cases.Case, received []cases.MaterialEntry) (cases.Case, error)
	Authorize(ctx context.Context, actor clerks.Account, cs cases.Case, p cases.Person) (cases.Case, error)
	Deliver(ctx context.Context, actor clerks.Account, cs cases.Case, collector cases.Person) (cases.Case, error)
	Mail(ctx context.Context, actor clerks.Account, cs cases.Case, m cases.MailRecord) (cases.Case, error)
	// ResetQueryPIN gives the case a new query PIN after the clerk checked
	// the ID card (idNumber, typed or read from it) of the applicant or a
	// 受托人, and prints the 查询密码重置通知 with it (the citizen's copy,
	// never archived). The returned case does not hold the PIN; Paper.Err is
	// why the notice did not print (the PIN is then lost: reset again).
	// It prints, so the screen calls it off the UI goroutine.
	ResetQueryPIN(ctx context.Context, actor clerks.Account, cs cases.Case, idNumber string) (cases.Case, Paper, error)
	// Reveal returns the applicant's full ID number and records who asked.
	Reveal(ctx context.Context, actor clerks.Account, cs cases.Case) (string, error)
}

// CaseQuery is what a clerk looks for at 查询办件.
type CaseQuery struct {
	By   FindBy
	Text string // the ID number or name for ByIDNumber and ByName
}

// FindBy is the kind of a CaseQuery.
type FindBy int

const (
	ByIDNumber FindBy = iota + 1 // the applicant's ID number or USCC, exact
	ByName                       // the applicant's name, exact or its beginning
	Today                        // accepted today
	Mine                         // accepted by the signed-in clerk
	Late                         // past or near their (moved) due date
)

// FoundCase is one case of a search result, with its promised date as of
// now (moved by suspensions) and whether that has passed.
type FoundCase struct {
	Case cases.Case
	Due  time.Time
	Late bool
}

// Paper is one printed (or archived) document.
type Paper struct {
	Title string
	Path  string // the archived PDF
	// Err is why the printer did not take it, one short line for the
	// screen; nil when it did.
	Err error
	// Detail is what the print system itself said (often English), for
	// the 详情 dialog only.
	Detail string
	// Ref lets the service reprint it; the screens do not look inside.
	Ref any
}

// Outcome is a decided case and the papers handed over for it.
type Outcome struct {
	Case   cases.Case
	Papers []Paper
	// PrintErr is why the papers could not all be made (rendered or
	// archived); the case is saved all the same and can be reprinted.
	PrintErr error
}

// StaleError says an action was not taken because the case had changed
// under the clerk: another window (or the county) acted on it first. Case
// is the case as it now stands, for the screen to show.
type StaleError struct {
	Err  error
	Case cases.Case
}

func (e *StaleError) Error() string { return e.Err.Error() }

func (e *StaleError) Unwrap() error { return e.Err }
