package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/cases"
)

// What the statistics screen and 查询办件 read of a case without opening
// its document (migration 0014). Opening a sealed document costs its AES
// and, mostly, decoding a whole case's JSON; at 250,000 cases the month's
// figures opened ~9,000 of them and a search up to 5,000 for every look.
// So every write of a case's document also writes its facts: the first
// matter and whether a material was replaced by a 告知承诺 (plain columns
// of cases: a catalog code and a yes/no), and a small sealed summary of
// what a search filters and dates by (a case_briefs row: names and ID
// numbers are personal data, so it is sealed like the document, under its
// own column name).

// caseFacts are what is written beside a case's document.
type caseFacts struct {
	firstMatter string
	commitment  bool
	summary     string // sealed; "" for none (a reduced case)
}

// putBrief stores a case's summary in case_briefs, keyed by the row's own
// acceptance stamp; none (a reduced case) removes it.
func (t *tx) putBrief(ctx context.Context, caseID string, f caseFacts) error {
	var err error
	if f.summary == "" {
		_, err = t.ExecContext(ctx, `DELETE FROM case_briefs WHERE accepted_at = (SELECT accepted_at FROM cases WHERE id = ?) AND case_id = ?`,
			caseID, caseID)
	} else {
		_, err = t.ExecContext(ctx, `INSERT INTO case_briefs (accepted_at, case_id, tracking, summary)
			SELECT accepted_at, id, tracking, ? FROM cases WHERE id = ?
			ON CONFLICT (accepted_at, case_id) DO UPDATE SET tracking = excluded.tracking, summary = excluded.summary`, f.summary, caseID)
	}
	if err != nil {
		return fmt.Errorf("store brief of case %s: %w", caseID, err)
	}
	return nil
}

// factsOf works out a case's facts; a reduced case has no summary (查询办件
// never lists it, and a summary would keep the names the reduction drops).
func (t *tx) factsOf(c cases.Case) (caseFacts, error) {
	return t.facts(c, !c.Reduced.IsZero())
}

// facts works out a case's facts, without a summary when reduced.
func (t *tx) facts(c cases.Case, reduced bool) (caseFacts, error) {
	var f caseFacts
	if len(c.Matters) > 0 {
		f.firstMatter = c.Matters[0]
	}
	for _, m := range c.Materials {
		f.commitment = f.commitment || m.State == cases.Committed
	}
	if reduced {
		return f, nil
	}
	var err error
	f.summary, err = t.seal(encodeBrief(c), colCaseSummary)
	return f, err
}

// The brief is a case as far as 查询办件 reads it before choosing what to
// show: the applicant's and legal representative's names and numbers (the
// search), the clerk and the filing agent (mine, an agent's own), the
// status, acceptance and due date with the suspensions that move it
// (today's, late). It is encoded as length-prefixed fields rather than
// JSON: decoding 5,000 of them is what a search waits for, and this takes
// a fraction of encoding/json's time for the same bytes.
const briefVersion = "b1"

// encodeBrief encodes what the brief keeps of c.
func encodeBrief(c cases.Case) []byte {
	br := briefOf(c)
	var b strings.Builder
	b.WriteString(briefVersion)
	put := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	proxy := ""
	if br.Proxy {
		proxy = "1"
	}
	put(br.Name)
	put(br.LegalRepName)
	put(br.IDNumber)
	put(br.LegalRepID)
	put(strconv.FormatInt(br.ClerkID, 10))
	put(proxy)
	put(strconv.FormatInt(br.AgentID, 10))
	put(string(br.Status))
	put(briefTime(br.Accepted))
	put(briefTime(br.Due))
	for _, s := range br.Suspensions {
		put(briefTime(s.From))
		put(briefTime(s.To))
	}
	return []byte(b.String())
}

// briefTime is a time as encoding/json writes it (so it reads back as the
// document's does); "" for the zero time.
func briefTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// CaseBrief is a case as 查询办件 reads it before choosing what to show:
// the applicant's and legal representative's names and numbers (the
// search), the clerk and the filing agent (mine, an agent's own), the
// status, acceptance and due date with the suspensions that move it
// (today's, late). A third of a cases.Case's size: a search holds 5,000.
type CaseBrief struct {
	ID, Tracking string
	Name         string
	LegalRepName string
	IDNumber     string
	LegalRepID   string
	ClerkID      int64
	// Proxy says whether a village agent filed the case, AgentID who.
	Proxy       bool
	AgentID     int64
	Status      cases.Status
	Accepted    time.Time
	Due         time.Time
	Suspensions []cases.Suspension // only their spans
}

// Case is the brief as a case holding only its fields: what the search's
// filters and cases.Case.DueAt read.
func (b CaseBrief) Case() cases.Case {
	c := cases.Case{ID: b.ID, Tracking: b.Tracking, Status: b.Status, Accepted: b.Accepted, Due: b.Due,
		Clerk: cases.Actor{ID: b.ClerkID}, Suspensions: b.Suspensions}
	c.Applicant = cases.Applicant{Name: b.Name, LegalRepName: b.LegalRepName, IDNumber: b.IDNumber, LegalRepID: b.LegalRepID}
	if b.Proxy {
		c.Proxy = &cases.Proxy{Agent: cases.Actor{ID: b.AgentID}}
	}
	return c
}

// briefOf is what the brief keeps of a whole case.
func briefOf(c cases.Case) CaseBrief {
	b := CaseBrief{ID: c.ID, Tracking: c.Tracking, Name: c.Applicant.Name, LegalRepName: c.Applicant.LegalRepName,
		IDNumber: c.Applicant.IDNumber, LegalRepID: c.Applicant.LegalRepID, ClerkID: c.Clerk.ID, Status: c.Status,
		Accepted: c.Accepted, Due: c.Due}
	if c.Proxy != nil {
		b.Proxy, b.AgentID = true, c.Proxy.Agent.ID
	}
	for _, s := range c.Suspensions {
		b.Suspensions = append(b.Suspensions, cases.Suspension{From: s.From, To: s.To})
	}
	return b
}

// decodeBrief reads an encoded brief (its ID, tracking code and version
// are columns of their own).
func decodeBrief(raw []byte) (CaseBrief, error) {
	var b CaseBrief
	s := string(raw)
	if !strings.HasPrefix(s, briefVersion) {
		return b, fmt.Errorf("decode %s: unknown version", colCaseSummary)
	}
	s = s[len(briefVersion):]
	fields := make([]string, 0, 12)
	for s != "" {
		colon := strings.IndexByte(s, ':')
		if colon < 0 {
			return b, fmt.Errorf("decode %s: damaged field", colCaseSummary)
		}
		n, err := strconv.Atoi(s[:colon])
		if err != nil || n < 0 || colon+1+n > len(s) {
			return b, fmt.Errorf("decode %s: damaged field", colCaseSummary)
		}
		fields = append(fields, s[colon+1:colon+1+n])
		s = s[colon+1+n:]
	}
	if len(fields) < 10 || (len(fields)-10)%2 != 0 {
		return b, fmt.Errorf("decode %s: %d fields", colCaseSummary, len(fields))
	}
	var err error
	times := func(s string) time.Time {
		if s == "" || err != nil {
			return time.Time{}
		}
		var t time.Time
		t, err = time.Parse(time.RFC3339Nano, s)
		return t
	}
	b.Name, b.LegalRepName, b.IDNumber, b.LegalRepID = fields[0], fields[1], fields[2], fields[3]
	if b.ClerkID, err = strconv.ParseInt(fields[4], 10, 64); err != nil {
		return b, fmt.Errorf("decode %s: clerk: %w", colCaseSummary, err)
	}
	if fields[5] == "1" {
		b.Proxy = true
		if b.AgentID, err = strconv.ParseInt(fields[6], 10, 64); err != nil {
			return b, fmt.Errorf("decode %s: agent: %w", colCaseSummary, err)
		}
	}
	b.Status = cases.Status(fields[7])
	b.Accepted, b.Due = times(fields[8]), times(fields[9])
	for i := 10; i < len(fields); i += 2 {
		b.Suspensions = append(b.Suspensions, cases.Suspension{From: times(fields[i]), To: times(fields[i+1])})
	}
	if err != nil {
		return b, fmt.Errorf("decode %s: %w", colCaseSummary, err)
	}
	return b, nil
}

// CaseBriefsOpenOrSince returns the cases still open at the hall and
// those accepted at or after since, newest first, at most limit — the set
// 查询办件 searches by name and picks today's, mine and late cases from —
// each as its brief. A case stored before 0014 that FillCaseFacts has not
// reached yet is read whole and briefed here. CasesByIDs then reads the
// few a clerk is shown.
func (db *DB) CaseBriefsOpenOrSince(ctx context.Context, since time.Time, limit int) ([]CaseBrief, error) {
	args := make([]any, 0, len(agentOpenStatuses)+4)
	args = append(args, stamp(since), stamp(since), stamp(since))
	for _, s := range agentOpenStatuses {
		args = append(args, s)
	}
	args = append(args, limit)
	rows, err := db.r.QueryContext(ctx, qCaseBriefsOpenOrSince, args...)
	if err != nil {
		return nil, fmt.Errorf("list case briefs: %w", err)
	}
	defer rows.Close()
	// Sized for the usual full set at once: growing a slice of 5,000
	// by doubling copies it over and over.
	out := make([]CaseBrief, 0, min(limit, searchSetCap))
	for rows.Next() {
		var id, tracking string
		var summary, doc sql.NullString
		if err := rows.Scan(&id, &tracking, &summary, &doc); err != nil {
			return nil, fmt.Errorf("scan case brief: %w", err)
		}
		var b CaseBrief
		if summary.Valid {
			raw, err := db.unseal(summary.String, colCaseSummary)
			if err != nil {
				return nil, err
			}
			if b, err = decodeBrief(raw); err != nil {
				return nil, err
			}
			b.ID, b.Tracking = id, tracking
		} else {
			var c cases.Case
			if err := db.unsealJSON(doc.String, colCaseDoc, &c); err != nil {
				return nil, err
			}
			b = briefOf(c)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// qCaseBriefsOpenOrSince is the set 查询办件 picks today's, mine and late
// from, in three parts read in order and merged: the briefs of the cases
// accepted since (case_briefs alone, in its key order), the cases accepted
// since that have none yet (stored before 0014, found by cases_unfilled,
// read whole), and the older cases still open with their briefs
// (cases_status_accepted; the few a hall has). One "accepted since OR not
// closed" filter would walk every case the kiosk ever took. The outer
// SELECT leaves out the columns the merge sorts by: each column a row
// returns is a copy into Go.
var qCaseBriefsOpenOrSince = `SELECT id, tracking, summary, d FROM (
	SELECT case_id AS id, tracking, summary, NULL AS d, accepted_at FROM case_briefs WHERE accepted_at >= ?
	UNION ALL
	SELECT id, tracking, NULL, doc, accepted_at FROM cases WHERE commitment IS NULL AND reduced_at IS NULL AND accepted_at >= ?
	UNION ALL
	SELECT c.id, c.tracking, b.summary, CASE WHEN b.summary IS NULL THEN c.doc END, c.accepted_at FROM cases c
		LEFT JOIN case_briefs b ON b.accepted_at = c.accepted_at AND b.case_id = c.id
		WHERE c.reduced_at IS NULL AND c.accepted_at < ? AND c.status IN (` + placeholders(len(agentOpenStatuses)) + `)
	ORDER BY accepted_at DESC, id DESC LIMIT ?)`

// searchSetCap bounds what CaseBriefsOpenOrSince sets aside before reading.
const searchSetCap = 5000

// CasesByIDs returns the whole cases of ids, by id; an id not stored has
// none.
func (db *DB) CasesByIDs(ctx context.Context, ids []string) (map[string]cases.Case, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	list, err := db.caseList(ctx, qCasesByIDs(len(ids)), args...)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]cases.Case, len(list))
	for _, c := range list {
		byID[c.ID] = c
	}
	return byID, nil
}

// qCasesByIDs reads n cases by their ids (the primary key).
func qCasesByIDs(n int) string {
	return `SELECT doc, rev FROM cases WHERE id IN (` + placeholders(n) + `)`
}

// fillBatch is how many cases one transaction of FillCaseFacts fills: a
// few tens of milliseconds of the writer, which a counter's commit waits
// for at worst.
var fillBatch = 500

// qUnfilled is the next batch of cases stored before 0014 whose facts are
// still missing, oldest first, after the last one seen: each call of
// FillCaseFacts moves up the index once, so it ends even if a row could not
// be filled. cases_unfilled holds only those rows. Oldest first, because
// the briefs then go into case_briefs in its key order and fill its pages;
// newest first put each one before the last and left them half empty.
const qUnfilled = `SELECT id, doc, reduced_at IS NOT NULL, accepted_at, rowid FROM cases
	WHERE commitment IS NULL AND (accepted_at, rowid) > (?, ?)
	ORDER BY accepted_at, rowid LIMIT ?`

// FillCaseFacts writes the facts of the cases stored before 0014 (the
// kiosk's hourly maintenance runs it), in transactions of at most
// fillBatch cases, until none is left or ctx ends; it returns how many it
// filled. It opens the documents, so it needs the data key. The readers
// are right before, during and after: they open a row's document while its
// facts are missing.
func (db *DB) FillCaseFacts(ctx context.Context) (int, error) {
	if db.Locked() {
		return 0, ErrLocked
	}
	total := 0
	// Below every stamp and rowid: the first batch starts at the oldest.
	after := fillMark{}
	for ctx.Err() == nil {
		n := 0
		err := db.update(ctx, func(t *tx) error {
			var err error
			n, after, err = t.fillFacts(ctx, after)
			return err
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("fill case facts: %w", err)
		}
		if n < fillBatch {
			return total, nil
		}
	}
	return total, ctx.Err()
}

// fillMark is where a fill has got to: the last row of its last batch.
type fillMark struct {
	accepted string
	rowid    int64
}

// fillFacts fills one batch after a row and returns its size and last row.
func (t *tx) fillFacts(ctx context.Context, after fillMark) (int, fillMark, error) {
	rows, err := t.QueryContext(ctx, qUnfilled, after.accepted, after.rowid, fillBatch)
	if err != nil {
		return 0, after, err
	}
	type row struct {
		id, doc string
		reduced bool
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.doc, &r.reduced, &after.accepted, &after.rowid); err != nil {
			rows.Close()
			return 0, after, err
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, after, err
	}
	for _, r := range todo {
		var c cases.Case
		if err := t.db.unsealJSON(r.doc, colCaseDoc, &c); err != nil {
			return 0, after, fmt.Errorf("case %s: %w", r.id, err)
		}
		// The column, not the document, says whether the case is reduced
		// (and so gets no brief).
		f, err := t.facts(c, r.reduced)
		if err != nil {
			return 0, after, err
		}
		// The revision stays: nothing a window holds has changed.
		if _, err := t.ExecContext(ctx, `UPDATE cases SET first_matter = ?, commitment = ? WHERE id = ?`,
			f.firstMatter, f.commitment, r.id); err != nil {
			return 0, after, fmt.Errorf("store facts of case %s: %w", r.id, err)
		}
		if err := t.putBrief(ctx, r.id, f); err != nil {
			return 0, after, err
		}
	}
	return len(todo), after, nil
}
