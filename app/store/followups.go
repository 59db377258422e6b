package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
)

// 好差评 follow-up (0013). The item is the bad rating itself, named by its
// event's id; what supervisors record is in followup_steps, each step an
// event the hall shares and the county receives.

// colFollowUpText seals a step's text (what a citizen said on the phone).
const colFollowUpText = "followup_steps.text"

// Queries of the follow-up list (queryplan_test.go).
const (
	qFollowUpRatings = `SELECT event_id, kind, ref, level, reasons, note, COALESCE(clerk_id, 0), clerk_name, window_no, matter, at
		FROM ratings WHERE level <= 2 AND event_id IS NOT NULL AND at >= ? ORDER BY at DESC`
	qFollowUpSteps = `SELECT rating_event, kind, COALESCE(by_id, 0), by_name, reached, text, at FROM followup_steps
		WHERE rating_event IN (SELECT event_id FROM ratings WHERE level <= 2 AND event_id IS NOT NULL AND at >= ?) ORDER BY at, event_id`
	qOwnRatings = `SELECT level FROM ratings WHERE clerk_id = ? AND at >= ?`
)

// FollowUpQuery says which follow-ups to list.
type FollowUpQuery struct {
	// Since: ratings given at or after (zero: all).
	Since time.Time
	// ClerkID: only ratings of this clerk's service (0: everyone's).
	ClerkID int64
}

// FollowUps lists the follow-ups of bad ratings, newest rating first, each
// with its steps and its due day on the calendar (zero when the calendar
// does not cover it yet). Texts come masked: a phone number or an ID a
// citizen typed in a note, or a supervisor wrote down from a call, is not
// shown on any screen.
func (db *DB) FollowUps(ctx context.Context, cal *workday.Calendar, q FollowUpQuery) ([]rating.FollowUp, error) {
	since := stamp(q.Since)
	if q.Since.IsZero() {
		since = ""
	}
	rows, err := db.r.QueryContext(ctx, qFollowUpRatings, since)
	if err != nil {
		return nil, fmt.Errorf("read bad ratings: %w", err)
	}
	var out []rating.FollowUp
	byID := map[string]int{}
	for rows.Next() {
		var f rating.FollowUp
		var kind, reasons, note, at string
		var level int
		if err := rows.Scan(&f.ID, &kind, &f.Rating.Ref, &level, &reasons, &note, &f.Rating.ClerkID, &f.Rating.ClerkName,
			&f.Rating.Window, &f.Rating.Matter, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan bad rating: %w", err)
		}
		if q.ClerkID != 0 && f.Rating.ClerkID != q.ClerkID {
			continue
		}
		f.Rating.Kind, f.Rating.Level = rating.Kind(kind), rating.Level(level)
		json.Unmarshal([]byte(reasons), &f.Rating.Reasons)
		if f.Rating.At, err = unstamp(at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("rating time: %w", err)
		}
		if note != "" {
			plain, err := db.unsealString(note, colRatingNote)
			if err != nil {
				rows.Close()
				return nil, err
			}
			f.Rating.Note = ids.MaskText(plain)
		}
		if cal != nil {
			f.Due, _ = rating.Due(cal, f.Rating.At) // a year not yet covered: no due day, never overdue
		}
		byID[f.ID] = len(out)
		out = append(out, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	srows, err := db.r.QueryContext(ctx, qFollowUpSteps, since)
	if err != nil {
		return nil, fmt.Errorf("read follow-up steps: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var id, kind, text, at string
		var s rating.Step
		if err := srows.Scan(&id, &kind, &s.ByID, &s.ByName, &s.Reached, &text, &at); err != nil {
			return nil, fmt.Errorf("scan follow-up step: %w", err)
		}
		i, ok := byID[id]
		if !ok {
			continue
		}
		s.Kind = rating.StepKind(kind)
		plain, err := db.unsealString(text, colFollowUpText)
		if err != nil {
			return nil, err
		}
		s.Text = ids.MaskText(plain)
		if s.At, err = unstamp(at); err != nil {
			return nil, fmt.Errorf("step time: %w", err)
		}
		out[i].Steps = append(out[i].Steps, s)
	}
	return out, srows.Err()
}

// FollowUpCounts counts the follow-ups not done, and of them the overdue
// ones, for the badge where a supervisor lands.
func (db *DB) FollowUpCounts(ctx context.Context, cal *workday.Calendar, now time.Time) (open, overdue int, err error) {
	fs, err := db.FollowUps(ctx, cal, FollowUpQuery{})
	if err != nil {
		return 0, 0, err
	}
	open, overdue = rating.Count(fs, now)
	return open, overdue, nil
}

// RecordFollowUp records a supervisor's 回访 or 整改 on a follow-up, with
// its event, in one transaction. Only a supervisor of this hall records;
// a 整改 comes after a 回访 (the citizen is heard before the hall says
// what it changed).
func (db *DB) RecordFollowUp(ctx context.Context, id string, s rating.Step) (rating.Step, error) {
	s, err := rating.CheckStep(s)
	if err != nil {
		return s, err
	}
	err = db.update(ctx, func(t *tx) error {
		var role string
		err := t.QueryRowContext(ctx, `SELECT role FROM clerks WHERE id = ? AND active = 1`, s.ByID).Scan(&role)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read clerk: %w", err)
		}
		if role != string(clerks.Supervisor) {
			return rating.ErrNotSupervise
		}
		var level int
		err = t.QueryRowContext(ctx, `SELECT level FROM ratings WHERE event_id = ?`, id).Scan(&level)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !rating.NeedsFollowUp(rating.Level(level)) {
			return rating.ErrNoFollowUp
		}
		if err != nil {
			return fmt.Errorf("read rating: %w", err)
		}
		if s.Kind == rating.Rectified {
			var calls int
			if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM followup_steps WHERE rating_event = ? AND kind = 'called'`, id).Scan(&calls); err != nil {
				return fmt.Errorf("read follow-up steps: %w", err)
			}
			if calls == 0 {
				return rating.ErrCallFirst
			}
		}
		s.At = t.now
		kind := protocol.FollowUpCalled
		if s.Kind == rating.Rectified {
			kind = protocol.FollowUpRectified
		}
		p := protocol.FollowUpPayload{Rating: id, ByID: s.ByID, ByName: s.ByName, Reached: s.Reached, Text: s.Text, At: s.At}
		evID, err := t.emit(ctx, kind, p)
		if err != nil {
			return err
		}
		return t.insertStep(ctx, evID, kind, p, "")
	})
	return s, err
}

// insertStep keeps a follow-up step once, whichever road it came by.
func (t *tx) insertStep(ctx context.Context, eventID string, kind protocol.Kind, p protocol.FollowUpPayload, origin string) error {
	text, err := t.seal([]byte(p.Text), colFollowUpText)
	if err != nil {
		return err
	}
	step := rating.Called
	if kind == protocol.FollowUpRectified {
		step = rating.Rectified
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO followup_steps (event_id, rating_event, kind, by_id, by_name, reached, text, at, origin)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
		eventID, p.Rating, string(step), nullID(p.ByID), p.ByName, p.Reached, text, stamp(p.At), origin); err != nil {
		return fmt.Errorf("insert follow-up step: %w", err)
	}
	return nil
}

// followUpStep applies a step recorded at another machine of the hall.
func (a *applier) followUpStep(ctx context.Context, ev protocol.Event) (verdict, error) {
	var p protocol.FollowUpPayload
	if err := json.Unmarshal(ev.Payload, &p); err != nil {
		return refused(protocol.CodeBadPayload, "the payload does not decode: %v", err), nil
	}
	if err := p.Check(); err != nil {
		return refused(protocol.CodeBadPayload, "%v", err), nil
	}
	var n int
	if err := a.t.QueryRowContext(ctx, `SELECT COUNT(*) FROM followup_steps WHERE event_id = ?`, ev.ID).Scan(&n); err != nil {
		return verdict{}, fmt.Errorf("read follow-up step: %w", err)
	}
	if n > 0 {
		return verdict{status: protocol.HallAccepted, repeat: true}, nil
	}
	return accepted(), a.t.insertStep(ctx, ev.ID, ev.Kind, p, a.originOr("hall"))
}

// OwnRatings is what a clerk sees of their own 好差评: their counts per
// level since a time, and how the follow-ups of their bad ratings ended.
// Nothing of the citizen: no note, no reference to the service.
type OwnRatings struct {
	Tally     rating.Tally
	FollowUps []rating.FollowUp
}

// OwnRatings reads a clerk's own ratings since a time.
func (db *DB) OwnRatings(ctx context.Context, cal *workday.Calendar, clerkID int64, since time.Time) (OwnRatings, error) {
	var o OwnRatings
	rows, err := db.r.QueryContext(ctx, qOwnRatings, clerkID, stamp(since))
	if err != nil {
		return o, fmt.Errorf("read own ratings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l int
		if err := rows.Scan(&l); err != nil {
			return o, fmt.Errorf("scan rating: %w", err)
		}
		o.Tally.Add(rating.Level(l))
	}
	if err := rows.Err(); err != nil {
		return o, err
	}
	fs, err := db.FollowUps(ctx, cal, FollowUpQuery{Since: since, ClerkID: clerkID})
	if err != nil {
		return o, err
	}
	for i := range fs {
		fs[i].Rating.Note, fs[i].Rating.Ref = "", ""
	}
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Rating.At.After(fs[j].Rating.At) })
	o.FollowUps = fs
	return o, nil
}
