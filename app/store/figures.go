package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/figures"
)

// qCaseFigures counts the cases accepted in a span (one range of the
// cases_figures index, no table row read) by what the figures tell apart:
// decision, status, whether an agent filed it, its first matter and
// whether a material was replaced by a 告知承诺 — a few dozen groups in a
// month of thousands of cases. The second part lists the cases stored
// before 0014 that FillCaseFacts has not reached (commitment still NULL)
// with their documents, sealed at rest, for those two facts to be read in
// Go. One statement, so a row filled meanwhile is counted exactly once.
const qCaseFigures = `SELECT decision, status, agent_id IS NOT NULL, first_matter, commitment, COUNT(*), NULL FROM cases
		WHERE accepted_at >= ? AND accepted_at < ? AND commitment IS NOT NULL
		GROUP BY decision, status, agent_id IS NOT NULL, first_matter, commitment
	UNION ALL
	SELECT decision, status, agent_id IS NOT NULL, NULL, NULL, 1, doc FROM cases
		WHERE accepted_at >= ? AND accepted_at < ? AND commitment IS NULL`

// CaseFigures counts the hall's cases accepted on the Beijing days from
// from to to (both included) as sync/figures defines them — the same
// definitions the county's dashboard counts with: 受理, 即办, 容缺, 告知承诺,
// 代办, 不予受理, 预审退回, and 最多跑一次 / 零上门 by the active catalog's
// 跑动次数 (looked up once per distinct first matter). Decisions are the
// county's and are counted there.
func (db *DB) CaseFigures(ctx context.Context, from, to time.Time) (figures.Counts, error) {
	var c figures.Counts
	start := civilStart(from)
	end := civilStart(to).AddDate(0, 0, 1)
	cat, err := db.ActiveCatalog(ctx)
	if err != nil {
		cat = nil // no catalog yet: no matter is known to be 最多跑一次
	}
	rows, err := db.r.QueryContext(ctx, qCaseFigures, stamp(start), stamp(end), stamp(start), stamp(end))
	if err != nil {
		return c, fmt.Errorf("read case figures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var decision, status string
		var matter, doc sql.NullString
		var commitment sql.NullBool
		var proxy bool
		var n int64
		if err := rows.Scan(&decision, &status, &proxy, &matter, &commitment, &n, &doc); err != nil {
			return c, fmt.Errorf("scan case figures: %w", err)
		}
		switch cases.Kind(decision) {
		case cases.Accept, cases.Complete, cases.AcceptDeferred:
			first, committed := matter.String, commitment.Bool
			if !commitment.Valid {
				// Stored before 0014 and not filled yet: only what the
				// figures need of the document is decoded.
				var err error
				if first, committed, err = db.docFacts(doc.String); err != nil {
					return c, err
				}
			}
			c.Accepted += n
			if cases.Kind(decision) == cases.Complete {
				c.Immediate += n
			}
			if cases.Kind(decision) == cases.AcceptDeferred {
				c.Deficient += n
			}
			if committed {
				c.Commitment += n
			}
			if proxy {
				c.Proxy += n
			}
			if cat != nil {
				if m, ok := cat.Matter(first); ok {
					if m.AtMostOnce() {
						c.AtMostOnce += n
					}
					if m.ZeroVisit() {
						c.ZeroVisit += n
					}
				}
			}
		case cases.Reject:
			c.Refused += n
		default:
			if cases.Status(status) == cases.StatusReturned {
				c.Returned += n
			}
		}
	}
	return c, rows.Err()
}

// docFacts reads a sealed case document's first matter and whether a
// material was replaced by a 告知承诺, decoding only those.
func (db *DB) docFacts(doc string) (matter string, commitment bool, err error) {
	var d struct {
		Matters   []string `json:"matters"`
		Materials []struct {
			State cases.MaterialState `json:"state"`
		} `json:"materials"`
	}
	if err := db.unsealJSON(doc, colCaseDoc, &d); err != nil {
		return "", false, err
	}
	if len(d.Matters) > 0 {
		matter = d.Matters[0]
	}
	for _, m := range d.Materials {
		commitment = commitment || m.State == cases.Committed
	}
	return matter, commitment, nil
}

// civilStart is midnight in Beijing of t's Beijing day.
func civilStart(t time.Time) time.Time {
	b := t.In(workday.China)
	return time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, workday.China)
}
