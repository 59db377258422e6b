package county

// A dashboard rollup of a county's size, written with SQL on either store,
// for BenchmarkDashboard (issue 20: p95 ≤ 300 ms at 1M cases). Generating
// a million cases through Apply takes more than half an hour here, and the
// dashboard never reads cases: it reads figures_daily, figures_monthly and
// figures_days, whose size depends on points × matters × days, not on the
// number of cases. So the benchmark times the reads over a rollup of the
// density a million cases a year make, and this file makes it the same on
// every run and on both stores.

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/figures"
)

// RollupSpec is the shape of a generated rollup.
type RollupSpec struct {
	Points, Matters, Sectors int
	// Share is the share of point-matter pairs with cases on a day.
	Share float64
	// From and To are the first and last day (YYYY-MM-DD, both included).
	From, To string
	Seed     uint64
}

// MillionCases is the density of a county of a million cases a year: 20
// points × 300 matters, 37 % of the pairs with cases on each day at 1.23
// cases each (2,740 a day), tickets per point and sector, from October
// 2025 to 20 November 2026 (416 days: a year and the days before it, so a
// year's page and a rolling 30 days both end in partial months).
var MillionCases = RollupSpec{Points: 20, Matters: 300, Sectors: 8, Share: 0.37,
	From: "2025-10-01", To: "2026-11-20", Seed: 20}

// RollupSize is what was written.
type RollupSize struct {
	Daily, Monthly, Days int64
	Accepted             int64
}

// GenerateRollupSQLite writes spec's rollup into s, which must have none.
func GenerateRollupSQLite(ctx context.Context, s *SQLite, spec RollupSpec) (RollupSize, error) {
	var n RollupSize
	err := s.update(ctx, func(tx *sql.Tx) (err error) {
		n, err = generateRollup(ctx, tx, spec)
		return err
	})
	return n, err
}

// GenerateRollupPostgres writes spec's rollup into s, which must have
// none, and then has it vacuumed and the planner's statistics gathered, as
// autovacuum would after a load of this size.
func GenerateRollupPostgres(ctx context.Context, s *Postgres, spec RollupSpec) (RollupSize, error) {
	var n RollupSize
	err := s.update(ctx, func(tx dbtx) (err error) {
		n, err = generateRollup(ctx, tx, spec)
		return err
	})
	if err != nil {
		return n, err
	}
	// Then autovacuum has nothing left to do during a measurement, and
	// the load's dirty pages are written: the server's CPU time is the
	// reads'.
	for _, q := range []string{`VACUUM ANALYZE figures_daily, figures_monthly, figures_days`, `CHECKPOINT`} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return n, fmt.Errorf("settle the rollup: %s: %w", q, err)
		}
	}
	return n, nil
}

// generateRollup writes the day rows from a seeded generator, then the
// month and county-day tables as sums of them — so the three agree as
// Apply keeps them agreeing.
func generateRollup(ctx context.Context, tx dbtx, spec RollupSpec) (RollupSize, error) {
	from, err := time.Parse(time.DateOnly, spec.From)
	if err != nil {
		return RollupSize{}, fmt.Errorf("rollup from: %w", err)
	}
	to, err := time.Parse(time.DateOnly, spec.To)
	if err != nil {
		return RollupSize{}, fmt.Errorf("rollup to: %w", err)
	}
	var n RollupSize
	w := rollupWriter{ctx: ctx, tx: tx}
	r := rand.New(rand.NewPCG(spec.Seed, 0x6a09e667f3bcc908))
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		for p := range spec.Points {
			point := fmt.Sprintf("3305221%02d000", p+1)
			for m := range spec.Matters {
				if r.Float64() >= spec.Share {
					continue
				}
				// A case row names its matter and no sector (figures.go).
				var c [23]int64
				accepted := int64(1)
				if r.Float64() < 0.234 {
					accepted = 2
				}
				c[0] = accepted
				c[1] = r.Int64N(accepted + 1) // immediate
				c[2] = b2i(r.Float64() < 0.05)
				c[3] = b2i(r.Float64() < 0.04)
				c[4] = b2i(r.Float64() < 0.08)
				c[5] = b2i(r.Float64() < 0.01)
				c[6] = b2i(r.Float64() < 0.02)
				c[7] = r.Int64N(accepted + 1) // decided
				c[8] = c[7]                   // promised
				c[9] = r.Int64N(c[7] + 1)     // on time
				c[10] = c[7] * r.Int64N(8)    // decide days
				if r.Float64() < 0.5 {
					c[18+r.IntN(5)] = 1 // a rating, 1–5
				}
				if err := w.add(day, point, "", fmt.Sprintf("M%03d", m+1), c); err != nil {
					return n, err
				}
				n.Daily++
				n.Accepted += accepted
			}
			for s := range spec.Sectors {
				// A ticket row names its sector and no matter.
				var c [23]int64
				t := 10 + r.Int64N(20)
				c[11], c[12] = t, t-r.Int64N(3)
				c[14] = t - c[12]
				c[13], c[15] = c[12], c[12]
				c[16], c[17] = c[12]*(60+r.Int64N(900)), c[12]*(120+r.Int64N(600))
				if err := w.add(day, point, fmt.Sprintf("S%02d", s+1), "", c); err != nil {
					return n, err
				}
				n.Daily++
			}
		}
	}
	if err := w.flush(); err != nil {
		return n, err
	}
	var sets []string
	for _, c := range figureCols {
		sets = append(sets, "SUM("+c.name+")")
	}
	names := figureColNames()
	for _, q := range []struct {
		query string
		rows  *int64
	}{
		{`INSERT INTO figures_monthly (month, service_point, sector, matter, ` + names + `)
			SELECT substr(day, 1, 7), service_point, sector, matter, ` + strings.Join(sets, ", ") + `
			FROM figures_daily GROUP BY substr(day, 1, 7), service_point, sector, matter`, &n.Monthly},
		{`INSERT INTO figures_days (day, ` + names + `)
			SELECT day, ` + strings.Join(sets, ", ") + ` FROM figures_daily GROUP BY day`, &n.Days},
	} {
		res, err := tx.ExecContext(ctx, q.query)
		if err != nil {
			return n, fmt.Errorf("sum the rollup: %w", err)
		}
		if *q.rows, err = res.RowsAffected(); err != nil {
			return n, fmt.Errorf("sum the rollup: %w", err)
		}
	}
	return n, nil
}

// TestGeneratedRollupAgrees: the month and county-day tables are the sums
// of the day rows (a page reading whole months agrees with one reading
// every day), the counts are the generator's, and a seed gives the same
// rollup every time.
func TestGeneratedRollupAgrees(t *testing.T) {
	ctx := context.Background()
	spec := RollupSpec{Points: 3, Matters: 20, Sectors: 2, Share: 0.37, From: "2026-01-20", To: "2026-04-10", Seed: 7}
	var got [2][]FigureGroup
	for i := range got {
		s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "county.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		n, err := GenerateRollupSQLite(ctx, s, spec)
		if err != nil {
			t.Fatal(err)
		}
		if n.Days != 81 || n.Monthly == 0 || n.Daily <= n.Monthly {
			t.Fatalf("rows: got %+v, want 81 days and fewer month rows than day rows", n)
		}
		// A span with partial months at both ends and one whole month.
		for _, span := range [][2]string{{spec.From, spec.To}, {"2026-01-25", "2026-03-28"}} {
			whole, err := s.FigureGroups(ctx, span[0], span[1])
			if err != nil {
				t.Fatal(err)
			}
			days, err := readFigures(ctx, s.r, span[0], span[1], qFigureGroups, "")
			if err != nil {
				t.Fatal(err)
			}
			if g, w := groupsByKey(whole), groupsByKey(days); !maps.Equal(g, w) {
				t.Errorf("%v: got %d groups from months and days, want the %d of the days alone, equal", span, len(g), len(w))
			}
			trend, err := s.FigureTrend(ctx, span[0], span[1])
			if err != nil {
				t.Fatal(err)
			}
			var byGroup, byDay figures.Counts
			for _, g := range whole {
				byGroup.Add(g.Counts)
			}
			for _, d := range trend {
				byDay.Add(d.Counts)
			}
			if byGroup != byDay {
				t.Errorf("%v: got a county total per day of %+v, want the groups' %+v", span, byDay, byGroup)
			}
			if span[0] == spec.From && byGroup.Accepted != n.Accepted {
				t.Errorf("accepted: got %d, want the generator's %d", byGroup.Accepted, n.Accepted)
			}
		}
		got[i], err = s.FigureGroups(ctx, spec.From, spec.To)
		if err != nil {
			t.Fatal(err)
		}
	}
	if !maps.Equal(groupsByKey(got[0]), groupsByKey(got[1])) {
		t.Errorf("two rollups of one seed differ")
	}
}

func groupsByKey(gs []FigureGroup) map[string]figures.Counts {
	m := map[string]figures.Counts{}
	for _, g := range gs {
		m[g.Period+"|"+g.Point+"|"+g.Sector+"|"+g.Matter] = g.Counts
	}
	return m
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func figureColNames() string {
	var s []string
	for _, c := range figureCols {
		s = append(s, c.name)
	}
	return strings.Join(s, ", ")
}

// rollupWriter inserts day rows in statements of rollupBatch rows: one
// statement a row would make the load take minutes on PostgreSQL.
type rollupWriter struct {
	ctx  context.Context
	tx   dbtx
	args []any
	rows int
}

// rollupBatch rows of 27 values stay under both stores' limits on
// parameters (SQLite 32,766, PostgreSQL 65,535).
const rollupBatch = 500

func (w *rollupWriter) add(day, point, sector, matter string, c [23]int64) error {
	w.args = append(w.args, day, point, sector, matter)
	for _, v := range c {
		w.args = append(w.args, v)
	}
	w.rows++
	if w.rows == rollupBatch {
		return w.flush()
	}
	return nil
}

func (w *rollupWriter) flush() error {
	if w.rows == 0 {
		return nil
	}
	row := "(" + strings.Repeat("?, ", 4+len(figureCols)-1) + "?)"
	q := `INSERT INTO figures_daily (day, service_point, sector, matter, ` + figureColNames() + `) VALUES ` +
		strings.Repeat(row+", ", w.rows-1) + row
	if _, err := w.tx.ExecContext(w.ctx, q, w.args...); err != nil {
		return fmt.Errorf("write the rollup's days: %w", err)
	}
	w.args, w.rows = w.args[:0], 0
	return nil
}

// FigureRead is one query a dashboard read runs over a span.
type FigureRead struct{ Name, Query, From, To string }

// FigureReads are the queries FigureGroups and FigureTrend run over a
// span (planSpan's parts, PostgreSQL's placeholders), for the benchmark to
// log their plans over the generated rollup.
func FigureReads(from, to string) ([]FigureRead, error) {
	names := map[string]string{qFigureGroups: "figures_daily", qFigureGroupsMonthly: "figures_monthly", qFigureDays: "figures_days"}
	var out []FigureRead
	for _, read := range [][2]string{{qFigureGroups, qFigureGroupsMonthly}, {qFigureDays, ""}} {
		parts, err := planSpan(from, to, read[0], read[1])
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			out = append(out, FigureRead{names[p.query], rebind(p.query), p.span[0], p.span[1]})
		}
	}
	return out, nil
}
