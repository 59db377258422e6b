package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Rate stores a citizen's rating with its outbox event in one transaction.
// A second rating of the same service is refused (ErrAlreadyRated) and
// stores nothing.
func (db *DB) Rate(ctx context.Context, r rating.Rating) (rating.Rating, error) {
	r, err := rating.Check(r)
	if err != nil {
		return r, err
	}
	err = db.update(ctx, func(t *tx) error {
		r.At = t.now
		reasons, _ := json.Marshal(r.Reasons)
		if r.Reasons == nil {
			reasons = []byte("[]")
		}
		var n int
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM ratings WHERE kind = ? AND ref = ?`, string(r.Kind), r.Ref).Scan(&n); err != nil {
			return fmt.Errorf("read rating: %w", err)
		}
		if n > 0 {
			return rating.ErrAlreadyRated
		}
		id, err := t.emit(ctx, protocol.RatingGiven, protocol.RatingPayload{Kind: string(r.Kind), Ref: r.Ref, Level: int(r.Level),
			Reasons: r.Reasons, Note: r.Note, ClerkID: r.ClerkID, ClerkName: r.ClerkName, Window: r.Window, Matter: r.Matter, At: r.At})
		if err != nil {
			return err
		}
		note, err := t.sealNote(r.Note)
		if err != nil {
			return err
		}
		_, err = t.ExecContext(ctx, `INSERT INTO ratings (kind, ref, level, reasons, note, clerk_id, clerk_name, window_no, matter, at, event_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, string(r.Kind), r.Ref, int(r.Level), string(reasons), note, nullID(r.ClerkID),
			r.ClerkName, r.Window, r.Matter, stamp(t.now), id)
		var se sqlite3.Error
		if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique {
			return rating.ErrAlreadyRated
		}
		if err != nil {
			return fmt.Errorf("insert rating: %w", err)
		}
		return nil
	})
	return r, err
}

// Queries of the rating screen and the statistics' 好差评 table.
const (
	qRated         = `SELECT COUNT(*) FROM ratings WHERE kind = ? AND ref = ?`
	qRatingTallies = `SELECT kind, clerk_name, matter, level FROM ratings WHERE at >= ?`
)

// Rated reports whether a service has been rated already (the rating
// screen then says so instead of asking again).
func (db *DB) Rated(ctx context.Context, kind rating.Kind, ref string) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, qRated, string(kind), ref).Scan(&n)
	return n > 0, err
}

// RatingTallies adds up the ratings given since a time, per clerk and per
// matter, most rated first.
func (db *DB) RatingTallies(ctx context.Context, since time.Time) (byClerk, byMatter []rating.Tally, err error) {
	rows, err := db.r.QueryContext(ctx, qRatingTallies, stamp(since))
	if err != nil {
		return nil, nil, fmt.Errorf("read ratings: %w", err)
	}
	defer rows.Close()
	type key struct {
		name   string
		sector bool
	}
	clerks, matters := map[key]*rating.Tally{}, map[key]*rating.Tally{}
	add := func(m map[key]*rating.Tally, k key, l rating.Level) {
		if k.name == "" {
			return
		}
		t, ok := m[k]
		if !ok {
			t = &rating.Tally{Key: k.name, Sector: k.sector}
			m[k] = t
		}
		t.Add(l)
	}
	for rows.Next() {
		var kind, clerk, matter string
		var level int
		if err := rows.Scan(&kind, &clerk, &matter, &level); err != nil {
			return nil, nil, fmt.Errorf("scan rating: %w", err)
		}
		add(clerks, key{name: clerk}, rating.Level(level))
		// A ticket knows its sector, not the matter done under it.
		add(matters, key{name: matter, sector: rating.Kind(kind) == rating.Ticket}, rating.Level(level))
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	list := func(m map[key]*rating.Tally) []rating.Tally {
		out := make([]rating.Tally, 0, len(m))
		for _, t := range m {
			out = append(out, *t)
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Total != out[j].Total {
				return out[i].Total > out[j].Total
			}
			return out[i].Key < out[j].Key
		})
		return out
	}
	return list(clerks), list(matters), nil
}
