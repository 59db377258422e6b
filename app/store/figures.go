package store

import (
	"context"
	"fmt"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/figures"
)

// qCaseFigures reads what the figures count of each case accepted in a
// span (the cases_accepted index): its decision and status, whether an
// agent filed it, and its document (sealed at rest: its first matter and
// whether a material was replaced by a 告知承诺 are read in Go).
const qCaseFigures = `SELECT decision, status, agent_id IS NOT NULL, doc FROM cases WHERE accepted_at >= ? AND accepted_at < ?`

// CaseFigures counts the hall's cases accepted on the Beijing days from
// from to to (both included) as sync/figures defines them — the same
// definitions the county's dashboard counts with: 受理, 即办, 容缺, 告知承诺,
// 代办, 不予受理, 预审退回, and 最多跑一次 / 零上门 by the active catalog's
// 跑动次数. Decisions are the county's and are counted there.
func (db *DB) CaseFigures(ctx context.Context, from, to time.Time) (figures.Counts, error) {
	var c figures.Counts
	start := civilStart(from)
	end := civilStart(to).AddDate(0, 0, 1)
	cat, err := db.ActiveCatalog(ctx)
	if err != nil {
		cat = nil // no catalog yet: no matter is known to be 最多跑一次
	}
	rows, err := db.r.QueryContext(ctx, qCaseFigures, stamp(start), stamp(end))
	if err != nil {
		return c, fmt.Errorf("read case figures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var decision, status, doc string
		var proxy bool
		if err := rows.Scan(&decision, &status, &proxy, &doc); err != nil {
			return c, fmt.Errorf("scan case figures: %w", err)
		}
		switch cases.Kind(decision) {
		case cases.Accept, cases.Complete, cases.AcceptDeferred:
			// Only what the figures need of the document is decoded.
			var d struct {
				Matters   []string `json:"matters"`
				Materials []struct {
					State cases.MaterialState `json:"state"`
				} `json:"materials"`
			}
			if err := db.unsealJSON(doc, colCaseDoc, &d); err != nil {
				return c, err
			}
			matter, commitment := "", false
			if len(d.Matters) > 0 {
				matter = d.Matters[0]
			}
			for _, m := range d.Materials {
				commitment = commitment || m.State == cases.Committed
			}
			c.Accepted++
			if cases.Kind(decision) == cases.Complete {
				c.Immediate++
			}
			if cases.Kind(decision) == cases.AcceptDeferred {
				c.Deficient++
			}
			if commitment {
				c.Commitment++
			}
			if proxy {
				c.Proxy++
			}
			if cat != nil {
				if m, ok := cat.Matter(matter); ok {
					if m.AtMostOnce() {
						c.AtMostOnce++
					}
					if m.ZeroVisit() {
						c.ZeroVisit++
					}
				}
			}
		case cases.Reject:
			c.Refused++
		default:
			if cases.Status(status) == cases.StatusReturned {
				c.Returned++
			}
		}
	}
	return c, rows.Err()
}

// civilStart is midnight in Beijing of t's Beijing day.
func civilStart(t time.Time) time.Time {
	b := t.In(workday.China)
	return time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, workday.China)
}
