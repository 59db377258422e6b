package county

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
)

// 好差评 at the county (0015): each rating as a row, for the back office's
// statistics; each bad one a follow-up item, as at the kiosks, named by
// its event's id; the steps the hall's supervisors recorded. The rules of
// a follow-up (its due day in working days, when it is done, overdue) are
// app/rating's, the kiosk's own, so the hall and the county judge an item
// alike.

// Statements of the apply (queryplan_test.go).
const (
	qInsertRating = `INSERT INTO ratings (event_id, service_point, device_id, kind, ref, level, reasons, note, clerk_id, clerk_name, window_no, matter, rated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	qInsertFollowUpStep = `INSERT INTO followup_steps (event_id, rating_event, service_point, kind, by_id, by_name, reached, text, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`
)

// applyRating keeps a rating's row beside its inbox copy (the inbox is the
// record as received; this is what pages read).
func (a *applier) applyRating(ctx context.Context, ev protocol.Event, p *protocol.RatingPayload) error {
	reasons, err := json.Marshal(p.Reasons)
	if err != nil || p.Reasons == nil {
		reasons = []byte("[]")
	}
	if _, err := a.exec(ctx, qInsertRating, ev.ID, a.dev.Point.Code, a.dev.ID, p.Kind, p.Ref, p.Level, string(reasons), p.Note,
		p.ClerkID, p.ClerkName, p.Window, p.Matter, ts(ev.Created)); err != nil {
		return fmt.Errorf("insert rating: %w", err)
	}
	return nil
}

// applyFollowUpStep keeps a 回访 or 整改 a hall's supervisor recorded. It
// is not checked against the rating: the step may come first (the hall's
// machines reach the county each on its own), and a step without a rating
// is listed nowhere.
func (a *applier) applyFollowUpStep(ctx context.Context, ev protocol.Event, p *protocol.FollowUpPayload) error {
	kind := string(rating.Called)
	if ev.Kind == protocol.FollowUpRectified {
		kind = string(rating.Rectified)
	}
	reached := 0
	if p.Reached {
		reached = 1
	}
	if _, err := a.exec(ctx, qInsertFollowUpStep, ev.ID, p.Rating, a.dev.Point.Code, kind, p.ByID, p.ByName, reached, p.Text,
		ts(p.At)); err != nil {
		return fmt.Errorf("insert follow-up step: %w", err)
	}
	return nil
}

// FollowUpFilter chooses follow-ups for the back office's list.
type FollowUpFilter struct {
	Point string // a service point's code; "" all
	// State: "" all, or rating.Open (not done, overdue or not),
	// rating.Overdue, rating.Done.
	State rating.State
	// From, To bound the rating's time, [From, To); zero: unbounded.
	From, To time.Time
	// Limit is the most items returned (0: MaxFollowUps).
	Limit int
}

// MaxFollowUps bounds one list.
const MaxFollowUps = 500

// FollowUp is a follow-up as the county knows it.
type FollowUp struct {
	rating.FollowUp
	Point  string
	Device string
}

// RatingFilter chooses the ratings the statistics count.
type RatingFilter struct {
	Point    string
	From, To time.Time // [From, To); zero: unbounded
}

// RatingTally is one row of the statistics: a clerk, a window, a matter or
// a point, with its counts per level. Point is "" for a matter (matters
// are the county's, counted across points).
type RatingTally struct {
	Point string
	rating.Tally
	// Window is set for a window's row (Key is then its number).
	Window int
}

// RatingStats are the statistics for a period, each list most rated first.
type RatingStats struct {
	All                                  rating.Tally
	ByPoint, ByClerk, ByWindow, ByMatter []RatingTally
}

const qFollowUps = `SELECT event_id, service_point, device_id, kind, ref, level, reasons, note, clerk_id, clerk_name, window_no, matter, rated_at
	FROM ratings WHERE level <= 2`

// where is the filter's conditions on ratings (each " AND …"), with their
// arguments: the follow-up list and its steps read the same ratings.
func (f FollowUpFilter) where() (string, []any) {
	var where string
	var args []any
	if f.Point != "" {
		where += ` AND service_point = ?`
		args = append(args, f.Point)
	}
	if !f.From.IsZero() {
		where += ` AND rated_at >= ?`
		args = append(args, ts(f.From))
	}
	if !f.To.IsZero() {
		where += ` AND rated_at < ?`
		args = append(args, ts(f.To))
	}
	return where, args
}

// followUps is FollowUps for both stores. The state is judged in Go, by
// app/rating's rules on the county's calendar (a due day in working days,
// which SQL cannot count), over the point's and period's bad ratings: a
// few per point and day.
func followUps(ctx context.Context, q dbtx, cal *workday.Calendar, f FollowUpFilter, now time.Time) ([]FollowUp, bool, error) {
	where, args := f.where()
	query := qFollowUps + where + ` ORDER BY rated_at DESC, event_id`
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, false, fmt.Errorf("read bad ratings: %w", err)
	}
	var all []FollowUp
	byID := map[string]int{}
	for rows.Next() {
		var it FollowUp
		r := &it.Rating
		var kind, reasons, at string
		var level int
		if err := rows.Scan(&it.ID, &it.Point, &it.Device, &kind, &r.Ref, &level, &reasons, &r.Note, &r.ClerkID, &r.ClerkName,
			&r.Window, &r.Matter, &at); err != nil {
			rows.Close()
			return nil, false, fmt.Errorf("scan bad rating: %w", err)
		}
		r.Kind, r.Level = rating.Kind(kind), rating.Level(level)
		json.Unmarshal([]byte(reasons), &r.Reasons)
		r.At = parseTS(sql.NullString{String: at, Valid: true})
		if cal != nil {
			it.Due, _ = rating.Due(cal, r.At) // a year not covered: no due day, never overdue
		}
		byID[it.ID] = len(all)
		all = append(all, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if len(all) > 0 {
		if err := addSteps(ctx, q, f, all, byID); err != nil {
			return nil, false, err
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxFollowUps {
		limit = MaxFollowUps
	}
	var out []FollowUp
	for _, it := range all {
		st := it.State(now)
		switch {
		case f.State == "":
		case f.State == rating.Open && st == rating.Done:
			continue
		case f.State != rating.Open && st != f.State:
			continue
		}
		if len(out) == limit {
			return out, true, nil
		}
		out = append(out, it)
	}
	return out, false, nil
}

// addSteps reads the steps of the listed follow-ups (the same point and
// period; a step is recorded after its rating, so the period's start
// bounds the steps too).
func addSteps(ctx context.Context, q dbtx, f FollowUpFilter, all []FollowUp, byID map[string]int) error {
	where, args := f.where()
	query := `SELECT rating_event, kind, by_id, by_name, reached, text, at FROM followup_steps
		WHERE rating_event IN (SELECT event_id FROM ratings WHERE level <= 2` + where + `) ORDER BY at, event_id`
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read follow-up steps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind, at string
		var reached int
		var s rating.Step
		if err := rows.Scan(&id, &kind, &s.ByID, &s.ByName, &reached, &s.Text, &at); err != nil {
			return fmt.Errorf("scan follow-up step: %w", err)
		}
		i, ok := byID[id]
		if !ok {
			continue
		}
		s.Kind, s.Reached, s.At = rating.StepKind(kind), reached == 1, parseTS(sql.NullString{String: at, Valid: true})
		all[i].Steps = append(all[i].Steps, s)
	}
	return rows.Err()
}

// ratingStats is RatingStats for both stores: the period's ratings
// grouped in SQL by everything a row of the statistics is keyed by, and
// added up here into the four lists.
func ratingStats(ctx context.Context, q dbtx, f RatingFilter) (RatingStats, error) {
	query, args := `SELECT service_point, clerk_name, window_no, matter, kind = 'ticket', level, COUNT(*) FROM ratings WHERE 1 = 1`, []any{}
	if f.Point != "" {
		query += ` AND service_point = ?`
		args = append(args, f.Point)
	}
	if !f.From.IsZero() {
		query += ` AND rated_at >= ?`
		args = append(args, ts(f.From))
	}
	if !f.To.IsZero() {
		query += ` AND rated_at < ?`
		args = append(args, ts(f.To))
	}
	query += ` GROUP BY service_point, clerk_name, window_no, matter, kind = 'ticket', level`
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return RatingStats{}, fmt.Errorf("count ratings: %w", err)
	}
	defer rows.Close()
	type key struct {
		point, name string
		window      int
		sector      bool
	}
	points, clerks, windows, matters := map[key]*RatingTally{}, map[key]*RatingTally{}, map[key]*RatingTally{}, map[key]*RatingTally{}
	add := func(m map[key]*RatingTally, k key, l rating.Level, n int) {
		t, ok := m[k]
		if !ok {
			t = &RatingTally{Point: k.point, Window: k.window, Tally: rating.Tally{Key: k.name, Sector: k.sector}}
			m[k] = t
		}
		for range n {
			t.Add(l)
		}
	}
	var st RatingStats
	for rows.Next() {
		var point, clerk, matter string
		var window, level, n int
		var ticket bool
		if err := rows.Scan(&point, &clerk, &window, &matter, &ticket, &level, &n); err != nil {
			return st, fmt.Errorf("scan rating count: %w", err)
		}
		l := rating.Level(level)
		for range n {
			st.All.Add(l)
		}
		add(points, key{point: point, name: point}, l, n)
		if clerk != "" {
			add(clerks, key{point: point, name: clerk}, l, n)
		}
		if window > 0 {
			add(windows, key{point: point, name: fmt.Sprint(window), window: window}, l, n)
		}
		if matter != "" {
			add(matters, key{name: matter, sector: ticket}, l, n)
		}
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	list := func(m map[key]*RatingTally) []RatingTally {
		out := make([]RatingTally, 0, len(m))
		for _, t := range m {
			out = append(out, *t)
		}
		sort.Slice(out, func(i, j int) bool {
			a, b := out[i], out[j]
			switch {
			case a.Total != b.Total:
				return a.Total > b.Total
			case a.Point != b.Point:
				return a.Point < b.Point
			case a.Window != b.Window:
				return a.Window < b.Window
			}
			return a.Key < b.Key
		})
		return out
	}
	st.ByPoint, st.ByClerk, st.ByWindow, st.ByMatter = list(points), list(clerks), list(windows), list(matters)
	return st, nil
}

// FollowUps lists follow-ups, newest rating first; more says the list was
// cut at the limit.
func (s *SQLite) FollowUps(ctx context.Context, f FollowUpFilter) ([]FollowUp, bool, error) {
	cal, err := s.cals.get(ctx, s.r)
	if err != nil {
		return nil, false, err
	}
	return followUps(ctx, s.r, cal, f, s.now())
}

// RatingStats counts a period's ratings per point, clerk, window and matter.
func (s *SQLite) RatingStats(ctx context.Context, f RatingFilter) (RatingStats, error) {
	return ratingStats(ctx, s.r, f)
}

// FollowUps lists follow-ups, newest rating first; more says the list was
// cut at the limit.
func (s *Postgres) FollowUps(ctx context.Context, f FollowUpFilter) ([]FollowUp, bool, error) {
	cal, err := s.cals.get(ctx, s.read())
	if err != nil {
		return nil, false, err
	}
	return followUps(ctx, s.read(), cal, f, s.now())
}

// RatingStats counts a period's ratings per point, clerk, window and matter.
func (s *Postgres) RatingStats(ctx context.Context, f RatingFilter) (RatingStats, error) {
	return ratingStats(ctx, s.read(), f)
}
