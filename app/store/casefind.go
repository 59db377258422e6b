package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/yichuang/yichuang/app/cases"
)

// Finding a case without its code (查询办件 for a citizen who lost the
// receipt). Case documents are sealed at rest, so nothing here may add a
// clear-text name or number to the table: an ID number is found by its
// keyed hash in cases.applicant_id (the column the counter schema already
// had, written by insertCase and writeCase), and a name by opening a
// bounded set of cases — the hall's open ones and those accepted lately —
// rather than by an index a copied disk would give away. That set is
// read as small sealed summaries (casefacts.go), and only the cases a
// clerk is shown are opened whole.

// applicantKey is what cases.applicant_id holds for a case: the keyed hash
// of the applicant's number (resident ID, or an enterprise's USCC); empty
// for a case that has none.
func (db *DB) applicantKey(c cases.Case) string {
	if !db.sealed() {
		// An unsealed machine (before 0.8) keeps no number in the clear
		// beside the document: sealing it later would have to find it.
		return ""
	}
	return db.residentKey(c.Applicant.IDNumber)
}

// sealed says whether the store has its key open (documents are sealed).
func (db *DB) sealed() bool { return db.keys.key.Load() != nil }

// qCasesByApplicantID is 查询办件's search by ID number.
const qCasesByApplicantID = `SELECT doc, rev FROM cases WHERE applicant_id = ? AND reduced_at IS NULL
		ORDER BY accepted_at DESC, rowid DESC LIMIT ?`

// CasesByApplicantID returns the cases whose applicant has this number
// (exact), newest first, at most limit, found by the number's keyed hash.
func (db *DB) CasesByApplicantID(ctx context.Context, idNumber string, limit int) ([]cases.Case, error) {
	idNumber = strings.ToUpper(strings.TrimSpace(idNumber))
	if idNumber == "" || !db.sealed() {
		return nil, nil
	}
	return db.caseList(ctx, qCasesByApplicantID, db.residentKey(idNumber), limit)
}

// caseList reads the cases a query of doc and rev selects, unsealed. Any
// columns after those two are ignored: a compound query names what its
// ORDER BY sorts on.
func (db *DB) caseList(ctx context.Context, query string, args ...any) ([]cases.Case, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	var doc string
	var version int
	dest := []any{&doc, &version}
	for range cols[min(len(cols), 2):] {
		dest = append(dest, new(any))
	}
	var out []cases.Case
	for rows.Next() {
		var c cases.Case
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("scan case: %w", err)
		}
		if err := db.unsealJSON(doc, colCaseDoc, &c); err != nil {
			return nil, err
		}
		c.Version = version
		out = append(out, c)
	}
	return out, rows.Err()
}
