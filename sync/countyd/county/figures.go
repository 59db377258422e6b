package county

// The dashboard's counts (sync/figures), kept as the events arrive so a
// page over a county of a million cases reads a few thousand summed rows
// instead of every case (issue 20; migrations/*/0014_figures.sql).
//
// figures_daily holds the counts per Beijing day, service point, sector and
// matter. A case contributes to up to three days — the day it was accepted
// (or refused, or filed and returned at pre-review) and the day it was
// decided — and its contribution changes as it moves on (a 补正, a
// decision, a decision taken back). case_figures keeps each case's current
// contribution, so the transaction that changes a case takes the old one
// out and puts the new one in: whatever order or however often its events
// come, the rollup is the sum of every case's contribution as it stands.
// Tickets and ratings are counted once, when their event is applied.
//
// A case counts under its first matter: a 一件事 of three matters is one
// errand and one case, not three. Its sector and department, and whether
// its matter is 最多跑一次 or 零上门, are the catalog's and are looked up when
// the page is read (FigureGroup's Matter), so a county that corrects its
// catalog corrects its figures without rewriting the rollup.

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/figures"
	"github.com/yichuang/yichuang/sync/protocol"
)

// figureCol is one counter column of figures_daily and the field of
// figures.Counts it holds. AtMostOnce and ZeroVisit are not stored: they
// follow from the matter and the catalog.
type figureCol struct {
	name  string
	field func(*figures.Counts) *int64
}

var figureCols = []figureCol{
	{"accepted", func(c *figures.Counts) *int64 { return &c.Accepted }},
	{"immediate", func(c *figures.Counts) *int64 { return &c.Immediate }},
	{"deficient", func(c *figures.Counts) *int64 { return &c.Deficient }},
	{"commitment", func(c *figures.Counts) *int64 { return &c.Commitment }},
	{"proxy", func(c *figures.Counts) *int64 { return &c.Proxy }},
	{"refused", func(c *figures.Counts) *int64 { return &c.Refused }},
	{"returned", func(c *figures.Counts) *int64 { return &c.Returned }},
	{"decided", func(c *figures.Counts) *int64 { return &c.Decided }},
	{"promised", func(c *figures.Counts) *int64 { return &c.Promised }},
	{"on_time", func(c *figures.Counts) *int64 { return &c.OnTime }},
	{"decide_days", func(c *figures.Counts) *int64 { return &c.DecideDays }},
	{"tickets", func(c *figures.Counts) *int64 { return &c.Tickets }},
	{"closed", func(c *figures.Counts) *int64 { return &c.Closed }},
	{"served", func(c *figures.Counts) *int64 { return &c.Served }},
	{"no_shows", func(c *figures.Counts) *int64 { return &c.NoShows }},
	{"called", func(c *figures.Counts) *int64 { return &c.Called }},
	{"wait_secs", func(c *figures.Counts) *int64 { return &c.WaitSecs }},
	{"service_secs", func(c *figures.Counts) *int64 { return &c.ServiceSecs }},
	{"rating1", func(c *figures.Counts) *int64 { return &c.Ratings[1] }},
	{"rating2", func(c *figures.Counts) *int64 { return &c.Ratings[2] }},
	{"rating3", func(c *figures.Counts) *int64 { return &c.Ratings[3] }},
	{"rating4", func(c *figures.Counts) *int64 { return &c.Ratings[4] }},
	{"rating5", func(c *figures.Counts) *int64 { return &c.Ratings[5] }},
}

// qAddFigures, qAddMonthly and qAddDayTotal add a row's counters to its
// day's row, to its month's, and to the county's total of its day.
var (
	qAddFigures  = addFiguresSQL("figures_daily", "day", "service_point", "sector", "matter")
	qAddMonthly  = addFiguresSQL("figures_monthly", "month", "service_point", "sector", "matter")
	qAddDayTotal = addFiguresSQL("figures_days", "day")
)

func addFiguresSQL(table string, key ...string) string {
	var names, marks, sets []string
	for _, c := range figureCols {
		names = append(names, c.name)
		marks = append(marks, "?")
		sets = append(sets, fmt.Sprintf("%s = %s.%s + excluded.%s", c.name, table, c.name, c.name))
	}
	return `INSERT INTO ` + table + ` (` + strings.Join(key, ", ") + `, ` + strings.Join(names, ", ") +
		`) VALUES (` + strings.Repeat("?, ", len(key)) + strings.Join(marks, ", ") + `)
		ON CONFLICT (` + strings.Join(key, ", ") + `) DO UPDATE SET ` + strings.Join(sets, ", ")
}

// sums is the SELECT list summing every counter.
var sums = func() string {
	var s []string
	for _, c := range figureCols {
		s = append(s, "SUM("+c.name+")")
	}
	return strings.Join(s, ", ")
}()

const (
	qCaseFigures    = `SELECT rows FROM case_figures WHERE case_id = ?`
	qSetCaseFigures = `INSERT INTO case_figures (case_id, rows) VALUES (?, ?)
		ON CONFLICT (case_id) DO UPDATE SET rows = excluded.rows`
)

// The dashboard's reads: a span's counts per point, sector and matter
// (from the days, or from whole months), and the county's totals per day
// (the trend). Every table's key starts with the period, so each read
// seeks only its span; a long period reads its whole months from
// figures_monthly and only the days at its ends from figures_daily.
var (
	qFigureGroups = `SELECT service_point, sector, matter, ` + sums + ` FROM figures_daily
		WHERE day >= ? AND day <= ? GROUP BY service_point, sector, matter`
	qFigureGroupsMonthly = `SELECT service_point, sector, matter, ` + sums + ` FROM figures_monthly
		WHERE month >= ? AND month <= ? GROUP BY service_point, sector, matter`
	qFigureDays = `SELECT day, '', '', ` + sums + ` FROM figures_days
		WHERE day >= ? AND day <= ? GROUP BY day`
)

// figureRow is counts on one day of one point, sector and matter: a case's
// contribution is a few of them, and so is a ticket's or a rating's.
type figureRow struct {
	Day    string         `json:"d"`
	Point  string         `json:"p"`
	Sector string         `json:"s,omitempty"`
	Matter string         `json:"m,omitempty"`
	C      figures.Counts `json:"c"`
}

// caseFigures is what a case contributes as it stands: its document, the
// county's decisions on it (oldest first) and the working-day calendar.
func caseFigures(cal *workday.Calendar, d protocol.CaseDoc, history []StatusLogEntry) []figureRow {
	if d.Accepted.IsZero() || d.ServicePoint == "" {
		return nil
	}
	matter := ""
	if ms := cleanMatters(d.Matters); len(ms) > 0 {
		matter = ms[0]
	}
	at := figureRow{Day: dueDay(d.Accepted), Point: d.ServicePoint, Matter: matter}
	var out []figureRow
	switch cases.Kind(d.Decision) {
	case cases.Accept, cases.Complete, cases.AcceptDeferred:
		at.C.Accepted = 1
		if cases.Kind(d.Decision) == cases.Complete {
			at.C.Immediate = 1
		}
		if cases.Kind(d.Decision) == cases.AcceptDeferred {
			at.C.Deficient = 1
		}
		for _, m := range d.Materials {
			if m.State == "commitment" {
				at.C.Commitment = 1
				break
			}
		}
		if d.Proxy != nil {
			at.C.Proxy = 1
		}
	case cases.Reject:
		at.C.Refused = 1
	default:
		if cases.Status(d.Status) == cases.StatusReturned {
			at.C.Returned = 1 // a filing standing returned, by the day it was filed
		}
	}
	if at.C != (figures.Counts{}) {
		out = append(out, at)
	}
	if at.C.Accepted == 0 {
		return out
	}
	decidedAt, ok := decidedAt(d, history)
	if !ok {
		return out
	}
	dec := figureRow{Day: dueDay(decidedAt), Point: d.ServicePoint, Matter: matter}
	dec.C.Decided = 1
	// The working days it took, and whether it beat the promised day, both
	// less the days the clock stood (补正, 特别程序) up to the decision. A
	// day the calendar does not cover leaves the case decided but out of
	// the timeliness figures rather than guessed at.
	var pauses []workday.Pause
	for _, s := range CasePauses(d, history) {
		p := workday.Pause{From: s.From, To: s.To}
		if p.To.IsZero() || p.To.After(decidedAt) {
			p.To = decidedAt
		}
		pauses = append(pauses, p)
	}
	paused, err1 := cal.PausedDays(pauses, decidedAt)
	took, err2 := cal.WorkdaysBetween(d.Accepted, decidedAt)
	if err1 == nil && err2 == nil {
		dec.C.DecideDays = int64(max(took-paused, 0))
	}
	if !d.Due.IsZero() {
		if moved, _, err := cal.MovedDue(d.Due, pauses, decidedAt); err == nil {
			dec.C.Promised = 1
			if dueDay(decidedAt) <= dueDay(moved) {
				dec.C.OnTime = 1
			}
		}
	}
	return append(out, dec)
}

// decidedAt is when the case was finally decided: the county's last word
// when that is 办结 or 不予许可 (a decision the county took back no longer
// counts), else the hall's 当场办结 at intake.
func decidedAt(d protocol.CaseDoc, history []StatusLogEntry) (time.Time, bool) {
	if n := len(history); n > 0 {
		last := history[n-1].Status
		if last.Status == protocol.CountyCompleted || last.Status == protocol.CountyDenied {
			return last.At, true
		}
		return time.Time{}, false
	}
	if cases.Kind(d.Decision) == cases.Complete {
		return d.Accepted, true
	}
	return time.Time{}, false
}

// figureKey is a rollup row's key.
type figureKey struct{ day, point, sector, matter string }

// figureDeltas gathers the changes a transaction makes to the rollup, so
// a push of 500 events of one hall's day writes each of its few keys once
// at the end (flush) rather than three rows per event: the rollup cost a
// quarter of the ingest's CPU when written event by event.
type figureDeltas struct {
	order []figureKey // each key once
	by    map[figureKey]*figures.Counts
}

func (f *figureDeltas) add(r figureRow, sign int64) {
	if f.by == nil {
		f.by = map[figureKey]*figures.Counts{}
	}
	k := figureKey{r.Day, r.Point, r.Sector, r.Matter}
	c := f.by[k]
	if c == nil {
		c = &figures.Counts{}
		f.by[k] = c
		f.order = append(f.order, k)
	}
	for _, col := range figureCols {
		*col.field(c) += sign * *col.field(&r.C)
	}
}

// flush writes the gathered changes and forgets them. The keys are
// written in one order (day, point, sector, matter) in every transaction:
// on PostgreSQL two pushes of different points share the county's day
// totals (figures_days), and rows taken in different orders could
// deadlock; in one order the second waits for the first's commit, which
// comes right after this.
func (f *figureDeltas) flush(ctx context.Context, q figureDB) error {
	slices.SortFunc(f.order, func(a, b figureKey) int {
		return cmp.Or(strings.Compare(a.day, b.day), strings.Compare(a.point, b.point),
			strings.Compare(a.sector, b.sector), strings.Compare(a.matter, b.matter))
	})
	for _, k := range f.order {
		c := f.by[k]
		if *c == (figures.Counts{}) {
			continue // taken out and put back: nothing changed
		}
		if err := addFigures(ctx, q, figureRow{Day: k.day, Point: k.point, Sector: k.sector, Matter: k.matter, C: *c}); err != nil {
			return err
		}
	}
	f.order, f.by = nil, nil
	return nil
}

// figureDB runs the rollup's statements: the applier's prepared ones, or
// any transaction's (txFigures).
type figureDB interface {
	exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	queryRow(ctx context.Context, query string, args ...any) rowScanner
}

// txFigures is a figureDB over a transaction.
type txFigures struct{ q dbtx }

func (t txFigures) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.q.ExecContext(ctx, query, args...)
}

func (t txFigures) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	return t.q.QueryRowContext(ctx, query, args...)
}

// setCaseFigures makes the rollup hold the case's contribution rows in
// place of the one it held: the old taken out, the new put in, gathered
// in deltas for the caller to flush in its transaction. fresh says the
// case is new (nothing to read).
func setCaseFigures(ctx context.Context, q figureDB, deltas *figureDeltas, caseID string, rows []figureRow, fresh bool) error {
	newJSON, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("encode case figures: %w", err)
	}
	var old []figureRow
	if !fresh {
		raw := "null" // what no rows encode to
		switch err := q.queryRow(ctx, qCaseFigures, caseID).Scan(&raw); {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("read case figures: %w", err)
		}
		// Most events (a note, an attachment) change no figure: the stored
		// rows are then the very bytes just encoded, and need no decoding.
		if raw == string(newJSON) {
			return nil
		}
		if err := json.Unmarshal([]byte(raw), &old); err != nil {
			return fmt.Errorf("decode case figures: %w", err)
		}
		if oldJSON, _ := json.Marshal(old); string(oldJSON) == string(newJSON) {
			return nil
		}
	}
	for _, r := range old {
		deltas.add(r, -1)
	}
	for _, r := range rows {
		deltas.add(r, 1)
	}
	if _, err := q.exec(ctx, qSetCaseFigures, caseID, string(newJSON)); err != nil {
		return fmt.Errorf("store case figures: %w", err)
	}
	return nil
}

// setCaseFiguresNow is setCaseFigures written at once (a county decision:
// one case).
func setCaseFiguresNow(ctx context.Context, q dbtx, caseID string, rows []figureRow) error {
	var d figureDeltas
	db := txFigures{q}
	if err := setCaseFigures(ctx, db, &d, caseID, rows, false); err != nil {
		return err
	}
	return d.flush(ctx, db)
}

// addFigures adds a row's counts (negative ones take away) to its day's,
// its month's and the county's day total.
func addFigures(ctx context.Context, q figureDB, r figureRow) error {
	args := []any{r.Day, r.Point, r.Sector, r.Matter}
	for _, c := range figureCols {
		args = append(args, *c.field(&r.C))
	}
	if _, err := q.exec(ctx, qAddFigures, args...); err != nil {
		return fmt.Errorf("add to daily figures: %w", err)
	}
	args[0] = r.Day[:min(len(r.Day), 7)] // YYYY-MM
	if _, err := q.exec(ctx, qAddMonthly, args...); err != nil {
		return fmt.Errorf("add to monthly figures: %w", err)
	}
	args = append([]any{r.Day}, args[4:]...)
	if _, err := q.exec(ctx, qAddDayTotal, args...); err != nil {
		return fmt.Errorf("add to the day's total: %w", err)
	}
	return nil
}

// ticketDoc is what the figures read of a ticket a kiosk sends (its
// QueuePayload's doc): the county decodes the few fields it counts rather
// than the kiosk's own type.
type ticketDoc struct {
	Sector     string    `json:"sector"`
	Day        string    `json:"day"`
	Issued     time.Time `json:"issued"`
	Status     string    `json:"status"`
	CalledAt   time.Time `json:"called_at"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
}

// inboxFigures is what a ticket or rating event adds, once, when applied.
func inboxFigures(point string, kind protocol.Kind, v any) (figureRow, bool) {
	r := figureRow{Point: point}
	switch p := v.(type) {
	case *protocol.QueuePayload:
		var t ticketDoc
		if kind != protocol.TicketIssued && kind != protocol.TicketClosed || json.Unmarshal(p.Doc, &t) != nil {
			return r, false
		}
		r.Day, r.Sector = t.Day, t.Sector
		if r.Day == "" {
			r.Day = dueDay(t.Issued)
		}
		if kind == protocol.TicketIssued {
			r.C.Tickets = 1
			return r, r.Day != ""
		}
		r.C.Closed = 1
		switch t.Status {
		case "done":
			r.C.Served = 1
			if d, ok := figures.Service(t.StartedAt, t.FinishedAt); ok {
				r.C.ServiceSecs = int64(d / time.Second)
			}
		case "noshow":
			r.C.NoShows = 1
		}
		if d, ok := figures.Wait(t.Issued, t.CalledAt); ok {
			r.C.Called = 1
			r.C.WaitSecs = int64(d / time.Second)
		}
		return r, r.Day != ""
	case *protocol.RatingPayload:
		if p.Level < 1 || p.Level > 5 || p.At.IsZero() {
			return r, false
		}
		r.Day = dueDay(p.At)
		r.C.Ratings[p.Level] = 1
		// A ticket's rating names the sector it was taken for; a case's
		// or a pickup's names the matter.
		if p.Kind == "ticket" {
			r.Sector = p.Matter
		} else {
			r.Matter = p.Matter
		}
		return r, true
	}
	return r, false
}

// FigureGroup is a period's counts for one service point, sector and
// matter as stored: case rows name a matter (its code) and no sector,
// ticket rows a sector and no matter, rating rows either (a matter by the
// name the kiosk showed). The dashboard maps them onto its groups through
// the catalog.
type FigureGroup struct {
	// Period is set by FigureTrend only: the day (YYYY-MM-DD).
	Period string
	Point  string
	Sector string
	Matter string
	Counts figures.Counts
}

// Figures is the dashboard's read of the rollup. Days are YYYY-MM-DD in
// Beijing time, both ends included.
type Figures interface {
	// FigureGroups sums the span per point, sector and matter.
	FigureGroups(ctx context.Context, from, to string) ([]FigureGroup, error)
	// FigureTrend is the county's total per day of the span.
	FigureTrend(ctx context.Context, from, to string) ([]FigureGroup, error)
}

// splitSpan cuts the days from..to into the whole months inside it and
// the days before and after them: a span within one month, or one that
// holds no whole month, is days only (months "").
func splitSpan(from, to string) (head, months, tail [2]string, err error) {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil {
		return head, months, tail, invalid("figures from %q to %q: want two days as YYYY-MM-DD", from, to)
	}
	first := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, time.UTC)
	if !first.Equal(f) {
		first = first.AddDate(0, 1, 0)
	}
	last := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, -1) // t's month's end
	if !last.Equal(t) {
		last = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	}
	if last.Before(first) {
		return [2]string{from, to}, months, tail, nil
	}
	if first.After(f) {
		head = [2]string{from, first.AddDate(0, 0, -1).Format(time.DateOnly)}
	}
	months = [2]string{first.Format("2006-01"), last.Format("2006-01")}
	if last.Before(t) {
		tail = [2]string{last.AddDate(0, 0, 1).Format(time.DateOnly), to}
	}
	return head, months, tail, nil
}

// readFigures runs one of the reads over a span; keyed rows with the same
// key from its parts are added together.
// spanPart is one read of a span: a query over days or months, added or
// (sign -1) taken away.
type spanPart struct {
	query string
	span  [2]string
	sign  int64
}

// planSpan chooses the reads of a span: its whole months from the monthly
// table and the days at its ends from the daily one — or, where a partial
// month at an end is mostly inside the span, that whole month less the
// few days outside it, so a rolling 30 days reads about a week of days
// rather than thirty (a day is ~2,000 rows at 1M cases a year).
func planSpan(from, to, daily, monthly string) ([]spanPart, error) {
	head, months, tail, err := splitSpan(from, to)
	if err != nil {
		return nil, err
	}
	if monthly == "" || months[0] == "" && head[0] != "" && head[0][:7] == head[1][:7] {
		// Days only: asked for, or a span inside one month.
		return []spanPart{{daily, [2]string{from, to}, 1}}, nil
	}
	parts := []spanPart{}
	if months[0] != "" {
		parts = append(parts, spanPart{monthly, months, 1})
	}
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	// edge reads a partial month's days [a, b]; outside is the rest of
	// its month.
	edge := func(a, b string, atStart bool) {
		if a == "" {
			return
		}
		fa, _ := time.Parse(time.DateOnly, a)
		fb, _ := time.Parse(time.DateOnly, b)
		first := time.Date(fa.Year(), fa.Month(), 1, 0, 0, 0, 0, time.UTC)
		last := first.AddDate(0, 1, -1)
		in := int(fb.Sub(fa).Hours()/24) + 1
		out := int(last.Sub(first).Hours()/24) + 1 - in
		if out >= in {
			parts = append(parts, spanPart{daily, [2]string{a, b}, 1})
			return
		}
		parts = append(parts, spanPart{monthly, [2]string{first.Format("2006-01"), first.Format("2006-01")}, 1})
		if atStart {
			parts = append(parts, spanPart{daily, [2]string{day(first), day(fa.AddDate(0, 0, -1))}, -1})
		} else {
			parts = append(parts, spanPart{daily, [2]string{day(fb.AddDate(0, 0, 1)), day(last)}, -1})
		}
	}
	if head[0] != "" && head[0][:7] != head[1][:7] {
		// No whole month inside, two partial ones: split at the month.
		f, _ := time.Parse(time.DateOnly, head[0])
		end := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, -1)
		edge(head[0], day(end), true)
		edge(day(end.AddDate(0, 0, 1)), head[1], false)
	} else {
		edge(head[0], head[1], true)
	}
	edge(tail[0], tail[1], false)
	return parts, nil
}

// readFigures runs one of the reads over a span; rows with the same key
// from its parts are added together (or taken away).
func readFigures(ctx context.Context, q dbtx, from, to string, daily, monthly string) ([]FigureGroup, error) {
	parts, err := planSpan(from, to, daily, monthly)
	if err != nil {
		return nil, err
	}
	type key struct{ period, point, sector, matter string }
	var order []key
	acc := map[key]*FigureGroup{}
	trend := daily == qFigureDays
	read := func(p spanPart) error {
		rows, err := q.QueryContext(ctx, p.query, p.span[0], p.span[1])
		if err != nil {
			return fmt.Errorf("read figures: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var g FigureGroup
			dest := []any{&g.Point, &g.Sector, &g.Matter}
			if trend {
				var unused1, unused2 string
				dest = []any{&g.Period, &unused1, &unused2}
			}
			for _, c := range figureCols {
				dest = append(dest, c.field(&g.Counts))
			}
			if err := rows.Scan(dest...); err != nil {
				return fmt.Errorf("scan figures: %w", err)
			}
			if p.sign < 0 {
				for _, c := range figureCols {
					*c.field(&g.Counts) = -*c.field(&g.Counts)
				}
			}
			k := key{g.Period, g.Point, g.Sector, g.Matter}
			if have := acc[k]; have != nil {
				have.Counts.Add(g.Counts)
				continue
			}
			order = append(order, k)
			acc[k] = &g
		}
		return rows.Err()
	}
	for _, p := range parts {
		if err := read(p); err != nil {
			return nil, err
		}
	}
	out := make([]FigureGroup, 0, len(order))
	for _, k := range order {
		if g := acc[k]; g.Counts != (figures.Counts{}) {
			out = append(out, *g)
		}
	}
	return out, nil
}

func figureGroups(ctx context.Context, q dbtx, from, to string) ([]FigureGroup, error) {
	return readFigures(ctx, q, from, to, qFigureGroups, qFigureGroupsMonthly)
}

// figureTrend reads the county's totals per day from figures_days: a few
// hundred rows whatever the span's cases; the page adds them into weeks or
// months.
func figureTrend(ctx context.Context, q dbtx, from, to string) ([]FigureGroup, error) {
	return readFigures(ctx, q, from, to, qFigureDays, "")
}

// FigureGroups sums the span per point, sector and matter.
func (s *SQLite) FigureGroups(ctx context.Context, from, to string) ([]FigureGroup, error) {
	return figureGroups(ctx, s.r, from, to)
}

// FigureTrend is the county's total per day of the span.
func (s *SQLite) FigureTrend(ctx context.Context, from, to string) ([]FigureGroup, error) {
	return figureTrend(ctx, s.r, from, to)
}

// FigureGroups sums the span per point, sector and matter.
//
// The year's page groups about 6,000 month rows per point, sector and
// matter, which spills to disk under PostgreSQL's default work_mem (4MB):
// measured on a 1M-case rollup, 752 ms against 178 ms in memory. The read
// runs in its own read-only transaction with work_mem raised for it alone
// (SET LOCAL), so a county needs no server setting for its dashboard.
func (s *Postgres) FigureGroups(ctx context.Context, from, to string) ([]FigureGroup, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("figure groups: begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '`+figureWorkMem+`'`); err != nil {
		return nil, fmt.Errorf("figure groups: work_mem: %w", err)
	}
	return figureGroups(ctx, pgTx{tx}, from, to)
}

// figureWorkMem is the memory PostgreSQL may sort and group the dashboard's
// rows in: the year's 1M-case rollup grouped in memory with 32MB.
const figureWorkMem = "32MB"

// FigureTrend is the county's total per day of the span.
func (s *Postgres) FigureTrend(ctx context.Context, from, to string) ([]FigureGroup, error) {
	return figureTrend(ctx, s.read(), from, to)
}

// backfillFigures builds the rollup from what a county stored before 0014:
// every case's contribution from its document and decisions, and every
// ticket and rating in the inbox.
func backfillFigures(ctx context.Context, q dbtx, cals *calendarCache) error {
	cal, err := cals.get(ctx, q)
	if err != nil {
		return err
	}
	all, err := caseDocs(ctx, q)
	if err != nil {
		return err
	}
	db := txFigures{q}
	var deltas figureDeltas
	for _, r := range all {
		var d protocol.CaseDoc
		if json.Unmarshal([]byte(r.doc), &d) != nil {
			continue // a document that does not read counts nowhere, as in Apply
		}
		history, err := statusLog(ctx, q, r.id)
		if err != nil {
			return err
		}
		if err := setCaseFigures(ctx, db, &deltas, r.id, caseFigures(cal, d, history), true); err != nil {
			return err
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT service_point, kind, payload FROM inbox WHERE kind IN (?, ?, ?)`,
		string(protocol.TicketIssued), string(protocol.TicketClosed), string(protocol.RatingGiven))
	if err != nil {
		return fmt.Errorf("read queue and rating events: %w", err)
	}
	var adds []figureRow
	for rows.Next() {
		var point, kind, payload string
		if err := rows.Scan(&point, &kind, &payload); err != nil {
			rows.Close()
			return fmt.Errorf("scan inbox: %w", err)
		}
		v := inboxKinds[protocol.Kind(kind)]()
		if json.Unmarshal([]byte(payload), v) != nil {
			continue
		}
		if r, ok := inboxFigures(point, protocol.Kind(kind), v); ok {
			adds = append(adds, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read inbox: %w", err)
	}
	for _, r := range adds {
		deltas.add(r, 1)
	}
	return deltas.flush(ctx, db)
}
