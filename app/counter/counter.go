// Package counter provides the window's work as whole actions: accept a
// draft with a decision, then hand over the right papers; and the later
// actions on a case (补正, 受托人, 出件, 邮寄). It joins the pure rules of
// package cases with the store, the scanned-file store, the PDF documents,
// the archive and the printer, so the screens call one method per button.
//
// The order inside each action is fixed on purpose: the case is committed
// first (one transaction with its event and outbox row), and only then are
// documents rendered, archived and printed. A printer that jams can never
// lose or roll back a case; the clerk reprints from the archive.
package counter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"path/filepath"

	"github.com/yichuang/yichuang/app/blobs"
	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/photo"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/printing"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Store is what the counter needs from the database.
type Store interface {
	ActiveCatalog(ctx context.Context) (*catalog.Catalog, error)
	// CaseCatalog is the catalog version a case was accepted under.
	CaseCatalog(ctx context.Context, version string) (*catalog.Catalog, error)
	ServicePoint(ctx context.Context) (servicepoint.ServicePoint, bool, error)
	CreateCase(ctx context.Context, c cases.Case, actor cases.Actor) (cases.Case, error)
	UpdateCase(ctx context.Context, after cases.Case, kind cases.EventKind, actor cases.Actor, data any) (cases.Case, error)
	CaseByTracking(ctx context.Context, code string) (cases.Case, error)
	CasesInStatus(ctx context.Context, st cases.Status) ([]cases.Case, error)
	UpdateCaseNotify(ctx context.Context, after cases.Case, kind cases.EventKind, actor cases.Actor, data any, notice cases.Notice) (cases.Case, error)
	// AccountIDNumber is an account's own ID number ("" when it has none):
	// an agent's, named in the mandate.
	AccountIDNumber(ctx context.Context, id int64) (string, error)
	RecordDocument(ctx context.Context, caseID, kind, layout, path string) (int64, error)
	MarkPrinted(ctx context.Context, docID int64, printErr error) error
	// ResetQueryPIN stores a case's new query PIN hash with its event, an
	// audit row, and the end of the code's progress-query lock.
	ResetQueryPIN(ctx context.Context, after cases.Case, actor cases.Actor, reset cases.PINReset) (cases.Case, error)
}

// Counter does the window's work.
type Counter struct {
	Store    Store
	Calendar *workday.Calendar
	Clock    clock.Clock
	Blobs    blobs.Store
	Archive  printing.Archive
	// Printer is nil when no printer is configured: documents are archived
	// and can be printed from the archive later.
	Printer printing.Printer
	// Layout is the paper the printer takes.
	Layout printing.Layout
	// Rand draws query PINs; nil means crypto/rand.
	Rand io.Reader
	// Seal returns the service point's configured seal image (PNG), nil
	// when none is configured; a nil Seal means none.
	Seal func(ctx context.Context) ([]byte, error)
}

// withQueryPIN gives a new case its query PIN: the hash goes into the
// record, the PIN in clear stays on the returned value for the citizen's
// copy of the receipt only.
func (c *Counter) withQueryPIN(cs cases.Case) (cases.Case, error) {
	pin, hash, err := cases.NewQueryPIN(c.Rand)
	if err != nil {
		return cs, err
	}
	cs.QueryPIN, cs.QueryPINHash = pin, hash
	return cs, nil
}

func actorOf(a clerks.Account) cases.Actor {
	return cases.Actor{ID: a.ID, Name: a.Name, Window: a.Window}
}

// agentOf names the signed-in agent in a mandate, with their ID number as
// their account holds it on this machine (never as the draft says: the
// letter must name who really files).
func (c *Counter) agentOf(ctx context.Context, actor clerks.Account, p cases.Proxy) (cases.Proxy, error) {
	id, err := c.Store.AccountIDNumber(ctx, actor.ID)
	if err != nil {
		return p, fmt.Errorf("the agent's ID number: %w", err)
	}
	p.Agent, p.AgentIDNumber = actorOf(actor), id
	return p, nil
}

// Attach stores a scanned file and returns its record for the draft.
//
// A photo (JPEG, PNG or BMP, from the document camera, a phone or the clerk's
// file dialog) is normalised first (app/photo): cut to the page, upright,
// at a document resolution, within 300 KB. Only the normalised picture is
// stored, and the original is not kept at all, not even until the county
// has the copy: the original holds nothing the county needs (the
// normalised one is what the clerk and the citizen look at while they
// are still at the window, so an unreadable photo is taken again there),
// and every byte of a citizen's papers kept on a kiosk is one more to
// protect and to erase (docs/security.md, data minimisation). Its EXIF
// block (the phone's location, the camera's serial number) goes with it.
// A photo this package cannot decode is kept as it came, as every scan
// was before, rather than refusing a citizen's papers.
func (c *Counter) Attach(r io.Reader, name string) (cases.Attachment, error) {
	b, err := io.ReadAll(io.LimitReader(r, blobs.MaxSize+1))
	if err != nil {
		return cases.Attachment{}, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) <= blobs.MaxSize && photo.Is(b) {
		res, err := photo.Normalize(b, name)
		switch {
		case err == nil:
			b, name = res.JPEG, photo.Rename(name)
		case errors.Is(err, photo.ErrNotDecodable):
			log.Printf("attach: a photo kept as scanned: %v", err)
		default:
			return cases.Attachment{}, err
		}
	}
	return c.Blobs.Put(bytes.NewReader(b), name)
}

// Submit checks the draft and the decision and, if both hold, commits the
// new case. Invalid fields come back as cases.FieldErrors; a decision the
// catalog does not allow comes back with its reason; nothing is written in
// either case.
func (c *Counter) Submit(ctx context.Context, actor clerks.Account, d cases.Draft, dec cases.Decision) (cases.Case, error) {
	cat, err := c.Store.ActiveCatalog(ctx)
	if err != nil {
		return cases.Case{}, err
	}
	sp, ok, err := c.Store.ServicePoint(ctx)
	if err != nil {
		return cases.Case{}, err
	}
	if !ok {
		return cases.Case{}, errors.New("submit: the service point is not set up")
	}
	now := c.Clock.Now()
	d, err = cases.Normalize(cat, d, now)
	if err != nil {
		return cases.Case{}, err
	}
	// A village agent files only under the resident's mandate; at the
	// counter the applicant (or their 受托人) stands before the clerk.
	if actor.Role == clerks.Agent {
		if d.Proxy == nil {
			return cases.Case{}, cases.ErrNoProxy
		}
		p := *d.Proxy
		if p, err = c.agentOf(ctx, actor, p); err != nil {
			return cases.Case{}, err
		}
		d.Proxy = &p
		if d, err = cases.CheckProxy(d, now); err != nil {
			return cases.Case{}, err
		}
		if err := cases.CheckPledge(cat, d); err != nil {
			return cases.Case{}, err
		}
		if err := cases.CheckAgentMaterials(cat, d); err != nil {
			return cases.Case{}, err
		}
		decide, err := cases.AgentDecision(cat, d, dec)
		if err != nil {
			return cases.Case{}, err
		}
		if !decide {
			// Filed for the township to accept: checked as a decision
			// would be, so the window gets a complete filing, but nothing
			// decided and no date promised by the agent.
			if _, err := cases.Decide(cat, c.Calendar, d, dec, now); err != nil {
				return cases.Case{}, err
			}
			cs := cases.Submit(d, sp.Code, now)
			cs.CatalogVer = cat.Version
			if cs, err = c.withQueryPIN(cs); err != nil {
				return cases.Case{}, err
			}
			return c.Store.CreateCase(ctx, cs, actorOf(actor))
		}
	} else {
		d.Proxy = nil
	}
	out, err := cases.Decide(cat, c.Calendar, d, dec, now)
	if err != nil {
		return cases.Case{}, err
	}
	cs := cases.Case{
		ServicePoint: sp.Code, Draft: d, Decision: dec.Kind, Reason: dec.Reason, Status: out.Status,
		Due: out.Due, MatterDue: out.MatterDue, SupplementBy: out.SupplementBy, Suspensions: out.Suspensions,
		Clerk: actorOf(actor), CatalogVer: cat.Version,
	}
	if cs, err = c.withQueryPIN(cs); err != nil {
		return cases.Case{}, err
	}
	return c.Store.CreateCase(ctx, cs, actorOf(actor))
}

// Lookup finds a case by its tracking code.
func (c *Counter) Lookup(ctx context.Context, code string) (cases.Case, error) {
	return c.Store.CaseByTracking(ctx, code)
}

// Supplement records 补正 on a case.
func (c *Counter) Supplement(ctx context.Context, actor clerks.Account, cs cases.Case, received []cases.MaterialEntry) (cases.Case, error) {
	if actor.Role == clerks.Agent {
		if err := cases.AgentMay(cs, cases.PowerSupplement, c.Clock.Now()); err != nil {
			return cs, err
		}
	}
	cat, err := c.Store.CaseCatalog(ctx, cs.CatalogVer)
	if err != nil {
		return cs, err
	}
	if actor.Role == clerks.Agent {
		if err := cases.CheckAgentSupplement(cat, received); err != nil {
			return cs, err
		}
	}
	after, err := cases.Supplement(cat, cs, received, c.Clock.Now())
	if err != nil {
		return cs, err
	}
	return c.Store.UpdateCase(ctx, after, cases.EvSupplemented, actorOf(actor), map[string]any{"received": received})
}

// Authorize registers a person authorized to collect the result.
func (c *Counter) Authorize(ctx context.Context, actor clerks.Account, cs cases.Case, p cases.Person) (cases.Case, error) {
	after, err := cases.Authorize(cs, p, c.Clock.Now())
	if err != nil {
		return cs, err
	}
	added := after.Authorized[len(after.Authorized)-1]
	return c.Store.UpdateCase(ctx, after, cases.EvAuthorized, actorOf(actor), map[string]any{"name": added.Name, "id_number": added.IDNumber})
}

// DeliverByAgent records a village agent handing the result to the
// resident (送达): the resident's ID is checked and a photo of the signed
// receipt is kept as an attachment of the case.
func (c *Counter) DeliverByAgent(ctx context.Context, actor clerks.Account, cs cases.Case, resident cases.Person, receipt cases.Attachment) (cases.Case, error) {
	if actor.Role != clerks.Agent {
		return cs, cases.ErrNotAgentCase
	}
	after, err := cases.DeliverByAgent(cs, actorOf(actor), resident, receipt.SHA256, c.Clock.Now())
	if err != nil {
		return cs, err
	}
	after.Attachments = append(append([]cases.Attachment(nil), after.Attachments...), receipt)
	return c.Store.UpdateCase(ctx, after, cases.EvDelivered, actorOf(actor), after.Pickup)
}

// Deliver records 出件 after checking the collector's ID.
func (c *Counter) Deliver(ctx context.Context, actor clerks.Account, cs cases.Case, collector cases.Person) (cases.Case, error) {
	after, err := cases.Deliver(cs, collector, c.Clock.Now())
	if err != nil {
		return cs, err
	}
	return c.Store.UpdateCase(ctx, after, cases.EvDelivered, actorOf(actor), after.Pickup)
}

// Mail records that the result was mailed.
func (c *Counter) Mail(ctx context.Context, actor clerks.Account, cs cases.Case, m cases.MailRecord) (cases.Case, error) {
	after, err := cases.MailResult(cs, m, c.Clock.Now())
	if err != nil {
		return cs, err
	}
	return c.Store.UpdateCase(ctx, after, cases.EvMailed, actorOf(actor), after.Mail)
}

// Messages of the query PIN's reset.
var (
	ErrResetByAgent = msg.New("村代办员不能重置查询密码：请申请人（或受托人）本人持身份证件到窗口办理")
	ErrPINNoPrinter = msg.New("本机未设置打印机：新的查询密码只印在通知上，请先在设置中指定打印机再重置")
)

// ResetQueryPIN gives a case a new query PIN (重置查询密码) for a citizen
// who lost the paper with it. The clerk has the person's ID card in hand and
// typed its number (idNumber), which must be the applicant's (the legal
// representative's) or a registered 受托人's. Only a window's roles may do
// it: the PIN opens the case to whoever holds the paper, so it is handed
// over across a counter, never by an agent in a village. The new hash is
// stored with the event, an audit row and the end of the code's progress
// lock in one transaction; the returned case carries the PIN in clear for
// PrintQueryPINNotice only.
func (c *Counter) ResetQueryPIN(ctx context.Context, actor clerks.Account, cs cases.Case, idNumber string) (cases.Case, error) {
	if actor.Role != clerks.Clerk && actor.Role != clerks.Supervisor {
		return cs, ErrResetByAgent
	}
	if c.Printer == nil {
		// The new PIN exists only on the notice: without a printer the
		// reset would leave the citizen with no working PIN at all.
		return cs, ErrPINNoPrinter
	}
	after, rec, err := cases.ResetQueryPIN(cs, idNumber, c.Rand, c.Clock.Now())
	if err != nil {
		return cs, err
	}
	stored, err := c.Store.ResetQueryPIN(ctx, after, actorOf(actor), rec)
	if err != nil {
		return cs, err
	}
	stored.QueryPIN = after.QueryPIN
	return stored, nil
}

// PrintQueryPINNotice prints the 查询密码重置通知 of a case just reset
// (cs.QueryPIN set). It is the citizen's copy only and is never archived
// or recorded for a reprint: a lost or jammed notice means another reset.
func (c *Counter) PrintQueryPINNotice(ctx context.Context, cs cases.Case) (Printed, error) {
	p := Printed{Kind: printing.QueryPINNotice, Title: printing.DocTitle(printing.QueryPINNotice) + " " + cs.Tracking}
	pdf, meta, err := c.render(ctx, cs, printing.QueryPINNotice, printing.CitizenCopy)
	if err != nil {
		return p, err
	}
	p.Length = meta.PageHeight
	return c.output(ctx, p, pdf), nil
}

// Printed is what happened to one document.
type Printed struct {
	Kind   printing.DocKind
	DocID  int64
	Title  string
	Length float64 // page length in mm (roll paper)
	// Path is the archived PDF, kept whatever the printer did.
	Path string
	// PrintErr is the printer's refusal, or ErrNoPrinter when none is
	// configured; nil means the print queue accepted the job.
	PrintErr error
}

// ErrNoPrinter means no printer is configured; documents were archived.
var ErrNoPrinter = errors.New("no printer configured")

// Documents lists the papers a case calls for now.
func (c *Counter) Documents(cs cases.Case) []printing.DocKind { return printing.DocsFor(cs) }

// Render writes one document of a case as PDF bytes in the configured
// layout: the archive's copy, which never carries the query PIN.
func (c *Counter) Render(ctx context.Context, cs cases.Case, kind printing.DocKind) ([]byte, printing.Meta, error) {
	return c.render(ctx, cs, kind, printing.ArchiveCopy)
}

func (c *Counter) render(ctx context.Context, cs cases.Case, kind printing.DocKind, copy printing.Copy) ([]byte, printing.Meta, error) {
	cat, err := c.Store.CaseCatalog(ctx, cs.CatalogVer)
	if err != nil {
		return nil, printing.Meta{}, err
	}
	sp, _, err := c.Store.ServicePoint(ctx)
	if err != nil {
		return nil, printing.Meta{}, err
	}
	var buf bytes.Buffer
	in := printing.CaseInput{Case: cs, Catalog: cat, ServicePoint: sp.Name, PrintedAt: c.Clock.Now(), Copy: copy}
	if c.Seal != nil {
		if in.SealPNG, err = c.Seal(ctx); err != nil {
			return nil, printing.Meta{}, fmt.Errorf("render %s: seal image: %w", kind, err)
		}
	}
	meta, err := printing.WriteCaseDoc(&buf, kind, c.layout(), in)
	if err != nil {
		return nil, meta, fmt.Errorf("render %s: %w", kind, err)
	}
	return buf.Bytes(), meta, nil
}

func (c *Counter) layout() printing.Layout {
	if c.Layout == "" {
		return printing.A4
	}
	return c.Layout
}

// Print renders, archives and prints one document. An error means the
// document could not be made at all; a printer problem is reported in
// Printed.PrintErr, with the PDF safe in the archive for a reprint.
func (c *Counter) Print(ctx context.Context, cs cases.Case, kind printing.DocKind) (Printed, error) {
	pdf, meta, err := c.Render(ctx, cs, kind)
	if err != nil {
		return Printed{Kind: kind}, err
	}
	path, err := c.Archive.Save(cs.Tracking, kind, c.layout(), pdf, c.Clock.Now())
	if err != nil {
		return Printed{Kind: kind}, err
	}
	p := Printed{Kind: kind, Path: path, Title: printing.DocTitle(kind) + " " + cs.Tracking, Length: meta.PageHeight}
	if p.DocID, err = c.Store.RecordDocument(ctx, cs.ID, string(kind), string(c.layout()), path); err != nil {
		return p, err
	}
	if printing.HasQueryPIN(kind) && cs.QueryPIN != "" {
		// The citizen's copy, with the PIN, goes to the printer only: it
		// is never archived, so no reprint and no archive copy shows it.
		own, meta, err := c.render(ctx, cs, kind, printing.CitizenCopy)
		if err != nil {
			return p, err
		}
		p.Length = meta.PageHeight
		return c.output(ctx, p, own), nil
	}
	return c.Reprint(ctx, p), nil
}

// output is the one place a paper goes to the printer, on every path
// (receipts and notices, the citizen's copy with the PIN, the mandate
// letter, the PIN notice, reprints from the archive, the terminal's
// slip): no printer configured is ErrNoPrinter, the printer's answer is
// recorded against the archived document (DocID 0: none, e.g. the PIN
// notice) and a failure is logged with its detail, for county IT. The log
// line names the document and the queue's words, never the citizen.
func (c *Counter) output(ctx context.Context, p Printed, pdf []byte) Printed {
	if c.Printer == nil {
		p.PrintErr = ErrNoPrinter
	} else {
		p.PrintErr = c.Printer.Print(ctx, pdf, printing.Job{Title: p.Title, Layout: c.layout(), Length: p.Length})
		if p.PrintErr != nil && printing.ProblemOf(p.PrintErr) == "" {
			// A Printer other than System (a driver, a test's) said no in
			// its own words: a refusal, shown as one.
			p.PrintErr = &printing.Error{Problem: printing.Refused, Detail: p.PrintErr.Error(), Err: p.PrintErr}
		}
	}
	if p.DocID != 0 {
		if err := c.Store.MarkPrinted(ctx, p.DocID, p.PrintErr); err != nil && p.PrintErr == nil {
			p.PrintErr = fmt.Errorf("record print: %w", err)
		}
	}
	if p.PrintErr != nil {
		log.Printf("paper %s not printed: %s", p.Kind, printing.DetailOf(p.PrintErr))
	}
	return p
}

// PrintMandate prints the 代办委托书 for the resident to sign, before the
// case exists: it is archived under the agent's login and the time, and
// sent to the printer the agent carries (or the station's).
func (c *Counter) PrintMandate(ctx context.Context, actor clerks.Account, d cases.Draft) (Printed, error) {
	if actor.Role != clerks.Agent || d.Proxy == nil {
		return Printed{Kind: printing.Mandate}, cases.ErrNotAgentCase
	}
	cat, err := c.Store.ActiveCatalog(ctx)
	if err != nil {
		return Printed{Kind: printing.Mandate}, err
	}
	sp, _, err := c.Store.ServicePoint(ctx)
	if err != nil {
		return Printed{Kind: printing.Mandate}, err
	}
	p, err := c.agentOf(ctx, actor, *d.Proxy)
	if err != nil {
		return Printed{Kind: printing.Mandate}, err
	}
	d.Proxy = &p
	var buf bytes.Buffer
	meta, err := printing.WriteMandateLetter(&buf, c.layout(), printing.MandateInput{Draft: d, Catalog: cat, ServicePoint: sp.Name, PrintedAt: c.Clock.Now()})
	if err != nil {
		return Printed{Kind: printing.Mandate}, err
	}
	path, err := c.Archive.Save(actor.Login, printing.Mandate, c.layout(), buf.Bytes(), c.Clock.Now())
	if err != nil {
		return Printed{Kind: printing.Mandate}, err
	}
	out := Printed{Kind: printing.Mandate, Path: path, Title: "代办委托书", Length: meta.PageHeight}
	return c.output(ctx, out, buf.Bytes()), nil
}

// Reprint sends an archived document to the printer (again) and records
// the outcome.
func (c *Counter) Reprint(ctx context.Context, p Printed) Printed {
	pdf, err := c.Archive.Read(p.Path)
	if err != nil && c.Printer != nil {
		p.PrintErr = fmt.Errorf("read the archived %s: %w", filepath.Base(p.Path), err)
		if err := c.Store.MarkPrinted(ctx, p.DocID, p.PrintErr); err != nil {
			log.Printf("record print: %v", err)
		}
		log.Printf("paper %s not printed: %v", p.Kind, p.PrintErr)
		return p
	}
	return c.output(ctx, p, pdf)
}

// PrintAll prints every document the case calls for.
func (c *Counter) PrintAll(ctx context.Context, cs cases.Case) ([]Printed, error) {
	var out []Printed
	for _, k := range c.Documents(cs) {
		p, err := c.Print(ctx, cs, k)
		if err != nil {
			return out, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Messages of self-filing.
var (
	ErrSelfMaterial = msg.New("材料“{{.Material}}”请拍照上传，或选择数据共享、告知承诺")
)

// SubmitSelf stores a citizen's own filing from the terminal (自助申报) as a
// case waiting for pre-review, with its tracking code and outbox event:
// every matter must allow self-service, the applicant and the form are
// checked as at the window, and every material must be answered — a scan
// (an electronic copy, never an original received), shared data or a
// written commitment.
func (c *Counter) SubmitSelf(ctx context.Context, d cases.Draft) (cases.Case, error) {
	cat, err := c.Store.ActiveCatalog(ctx)
	if err != nil {
		return cases.Case{}, err
	}
	sp, ok, err := c.Store.ServicePoint(ctx)
	if err != nil || !ok {
		return cases.Case{}, errors.Join(errors.New("submit: the service point is not set up"), err)
	}
	for _, code := range d.Matters {
		m, ok := cat.Matter(code)
		if !ok {
			return cases.Case{}, cases.ErrNoMatter
		}
		if !m.SelfService {
			return cases.Case{}, msg.New(cases.ErrNoSelfService.Key, "Matter", m.Name)
		}
	}
	now := c.Clock.Now()
	d.Proxy = nil
	if d, err = cases.Normalize(cat, d, now); err != nil {
		return cases.Case{}, err
	}
	for _, e := range d.Materials {
		if e.State == cases.Pending || e.State == cases.Deferred {
			return cases.Case{}, msg.New(ErrSelfMaterial.Key, "Material", cases.MaterialName(cat, e.Matter, e.Material))
		}
	}
	if err := cases.CheckSelfMaterials(cat, d); err != nil {
		return cases.Case{}, err
	}
	cs := cases.Submit(d, sp.Code, now)
	cs.CatalogVer = cat.Version
	if cs, err = c.withQueryPIN(cs); err != nil {
		return cases.Case{}, err
	}
	return c.Store.CreateCase(ctx, cs, cases.Actor{Name: "自助终端"})
}

// Prereview lists the submissions waiting for a clerk, oldest first.
func (c *Counter) Prereview(ctx context.Context) ([]cases.Case, error) {
	return c.Store.CasesInStatus(ctx, cases.StatusPrereview)
}

// AcceptSubmission passes a pre-reviewed submission into the normal flow
// with the clerk's decision (受理 or 容缺受理) and the dates from now.
func (c *Counter) AcceptSubmission(ctx context.Context, actor clerks.Account, cs cases.Case, d cases.Draft, dec cases.Decision) (cases.Case, error) {
	if dec.Kind != cases.Accept && dec.Kind != cases.AcceptDeferred {
		return cs, cases.ErrNotPrereview
	}
	cat, err := c.Store.CaseCatalog(ctx, cs.CatalogVer)
	if err != nil {
		return cs, err
	}
	now := c.Clock.Now()
	// The clerk may have corrected material states while checking the scans.
	d, err = cases.Normalize(cat, d, now)
	if err != nil {
		return cs, err
	}
	out, err := cases.Decide(cat, c.Calendar, d, dec, now)
	if err != nil {
		return cs, err
	}
	cs.Draft = d
	after, err := cases.AcceptSubmission(cs, dec, out, actorOf(actor), cat.Version)
	if err != nil {
		return cs, err
	}
	after.Accepted = now
	notice := cases.Notice{Template: protocol.NoticePrereviewAccepted,
		Text: fmt.Sprintf("【一窗】您自助申报的事项（查询码%s）已通过预审并受理，承诺办结日期%s。", tracking.Format(after.Tracking), after.Due.In(workday.China).Format("2006-01-02"))}
	return c.Store.UpdateCaseNotify(ctx, after, cases.DecisionEvent(dec.Kind), actorOf(actor), map[string]string{"prereview": "accepted"}, notice)
}

// ReturnSubmission sends a submission back with its reasons (退回补正).
func (c *Counter) ReturnSubmission(ctx context.Context, actor clerks.Account, cs cases.Case, reason string) (cases.Case, error) {
	after, err := cases.ReturnSubmission(cs, reason)
	if err != nil {
		return cs, err
	}
	notice := cases.Notice{Template: protocol.NoticePrereviewReturned,
		Text: fmt.Sprintf("【一窗】您自助申报的事项（查询码%s）预审退回：%s。请补正后重新提交，或凭查询码在自助终端查看。", tracking.Format(after.Tracking), after.Reason)}
	return c.Store.UpdateCaseNotify(ctx, after, cases.EvReturned, actorOf(actor), map[string]string{"reason": after.Reason}, notice)
}
