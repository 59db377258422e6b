package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/yichuang/yichuang/app/lockout"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/workday"
)

// Progress look-up limits: five wrong verifications lock a code for a
// quarter of an hour, enough to stop anyone trying the 10,000 endings.
const (
	ProgressMaxFailures = 5
	ProgressLockFor     = 15 * time.Minute
)

// progressPolicy is the query check's lockout rule.
var progressPolicy = lockout.Policy{Max: ProgressMaxFailures, For: ProgressLockFor}

// qProgressCase is the citizen's progress query (办件进度查询).
const qProgressCase = `SELECT doc, updated_at FROM cases WHERE tracking = ?`

// VerifyProgress answers the self-service progress query: the tracking
// code and the last four characters of the applicant's ID number or mobile.
// An unknown code, a mistyped one and a wrong verification all get the same
// answer, so the terminal never tells whether a code exists. Every answer
// given writes an audit row (查询留痕).
func (db *DB) VerifyProgress(ctx context.Context, code, last4 string) (cases.Progress, error) {
	c, err := tracking.Normalize(code)
	if err != nil {
		return cases.Progress{}, cases.ErrVerify
	}
	var out cases.Progress
	var fail error
	cal, _ := db.Calendar(ctx) // nil (no moved date) rather than no answer
	err = db.update(ctx, func(t *tx) error {
		var att lockout.State
		var lockedUntil sql.NullString
		err := t.QueryRowContext(ctx, `SELECT failures, locked_until FROM progress_attempts WHERE tracking = ?`, c).Scan(&att.Failures, &lockedUntil)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if lockedUntil.Valid {
			att.LockedUntil, _ = unstamp(lockedUntil.String)
		}
		if att.Locked(t.now) {
			fail = msg.New(cases.ErrVerifyLocked.Key, "Until", att.LockedUntil.In(workday.China).Format("15:04"))
			return nil
		}
		var doc, updated string
		err = t.QueryRowContext(ctx, qProgressCase, c).Scan(&doc, &updated)
		var cs cases.Case
		if err == nil {
			err = t.db.unsealJSON(doc, colCaseDoc, &cs)
		} else if errors.Is(err, sql.ErrNoRows) {
			err = nil
		}
		if err != nil {
			return fmt.Errorf("read case: %w", err)
		}
		if cs.ID == "" {
			// Not here: a mistyped code, or a case taken in at another
			// machine of the hall that has not reached this one yet. The
			// answer is the same as for a wrong check, so it tells nothing;
			// it is not counted, since the lock protects a case's last four
			// and a code counted here would lock its citizen out once the
			// case arrives.
			fail = cases.ErrVerify
			return nil
		}
		if !cases.Verify(cs, last4) {
			att = progressPolicy.Fail(att, t.now)
			var until any
			fail = cases.ErrVerify
			if att.Locked(t.now) {
				until = stamp(att.LockedUntil)
				fail = msg.New(cases.ErrVerifyLocked.Key, "Until", att.LockedUntil.In(workday.China).Format("15:04"))
			}
			_, err := t.ExecContext(ctx, `INSERT INTO progress_attempts (tracking, failures, locked_until) VALUES (?, ?, ?)
				ON CONFLICT (tracking) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until`, c, att.Failures, until)
			return err
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM progress_attempts WHERE tracking = ?`, c); err != nil {
			return err
		}
		// The status is as fresh as the last pull from the county; a kiosk
		// that never reached the county says so rather than look current.
		when, _ := unstamp(updated)
		synced := false
		var pulled string
		if err := t.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, settingLastPull).Scan(&pulled); err == nil {
			if at, err := unstamp(pulled); err == nil {
				when, synced = at, true
			}
		}
		// The promised date as of now: moved by the working days the
		// clock was stopped (补正, 特别程序).
		out = cases.ProgressOf(cs, when, synced).MoveDue(cs, cal, t.now)
		return audit(ctx, t, sql.NullInt64{}, "progress.query", c, "self-service")
	})
	if err != nil {
		return cases.Progress{}, err
	}
	return out, fail
}

// holderCases bounds a card holder's progress answer: the terminal shows
// the newest few; older cases are the counter's to find.
const holderCases = 10

// ProgressByHolder answers 进度查询 by ID card at the terminal: the cases
// of the applicant whose card lies on the reader, newest first, each with
// what the code-and-PIN query would show. The card itself, read by the
// terminal's reader, stands for the PIN; a typed number never reaches this.
// Every answer writes an audit row with the number masked (查询留痕).
func (db *DB) ProgressByHolder(ctx context.Context, idNumber string) ([]cases.Progress, error) {
	list, err := db.CasesByApplicantID(ctx, idNumber, holderCases)
	if err != nil {
		return nil, fmt.Errorf("cases of the card holder: %w", err)
	}
	cal, _ := db.Calendar(ctx) // nil (no moved date) rather than no answer
	var out []cases.Progress
	err = db.update(ctx, func(t *tx) error {
		var pulled string
		synced, last := false, time.Time{}
		if err := t.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, settingLastPull).Scan(&pulled); err == nil {
			if at, err := unstamp(pulled); err == nil {
				last, synced = at, true
			}
		}
		for _, cs := range list {
			when := last
			if !synced {
				var updated string
				if err := t.QueryRowContext(ctx, `SELECT updated_at FROM cases WHERE tracking = ?`, cs.Tracking).Scan(&updated); err == nil {
					when, _ = unstamp(updated)
				}
			}
			out = append(out, cases.ProgressOf(cs, when, synced).MoveDue(cs, cal, t.now))
		}
		return audit(ctx, t, sql.NullInt64{}, "progress.query_by_card", ids.MaskIDNumber(idNumber), fmt.Sprintf("self-service hits=%d", len(out)))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
