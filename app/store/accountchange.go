package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/yichuang/yichuang/app/clerks"
)

// ChangeAccount makes one change to an existing account (clerks.Change) as
// one transaction: the row, its audit entry and, on a hall's hub, the log
// item that carries the account's new state to every machine. Every change
// but OwnSecret needs an active supervisor as actor; a hall always keeps
// one active supervisor. A new secret also opens this machine's data (its
// key is wrapped for it), as a new account's does.
func (db *DB) ChangeAccount(ctx context.Context, actor clerks.Account, c clerks.Change) (clerks.Account, error) {
	before, hash, err := db.accountRow(ctx, db.r, c.Account.ID)
	if err != nil {
		return clerks.Account{}, err
	}
	if c, err = clerks.CheckChange(actor, before, c, db.clock.Now()); err != nil {
		return before, err
	}
	if c.Kind == clerks.Edit {
		cfg, err := db.HallConfig(ctx)
		if err != nil {
			return before, err
		}
		if err := c.Account.CheckSectors(cfg.SectorNames()); err != nil {
			return before, err
		}
	}
	// argon2id is slow on purpose: outside the transaction.
	if c.Kind == clerks.OwnSecret {
		ok, err := clerks.Verify(hash, c.OldSecret)
		if err != nil {
			return before, fmt.Errorf("verify secret of %s: %w", before.Login, err)
		}
		if !ok {
			return before, clerks.ErrOldSecret
		}
	}
	newHash := ""
	if c.Secret != "" && (c.Kind == clerks.ResetSecret || c.Kind == clerks.OwnSecret) {
		if newHash, err = clerks.Hash(c.Secret); err != nil {
			return before, err
		}
	}
	var after clerks.Account
	err = db.update(ctx, func(t *tx) error {
		var role string
		var active bool
		err := t.QueryRowContext(ctx, `SELECT role, active FROM clerks WHERE id = ?`, actor.ID).Scan(&role, &active)
		if err != nil || !active || (c.Kind != clerks.OwnSecret && role != string(clerks.Supervisor)) {
			return ErrNotSupervisor
		}
		cur, curHash, err := db.accountRow(ctx, t, before.ID)
		if err != nil {
			return err
		}
		if c.Kind == clerks.OwnSecret && curHash != hash {
			return clerks.ErrOldSecret // changed meanwhile: the old secret checked is no longer it
		}
		// A hall keeps an active supervisor: the actor is one, checked
		// above in this transaction, and may not deactivate or demote
		// themselves (clerks.CheckChange).
		detail := ""
		switch c.Kind {
		case clerks.Edit:
			a := c.Account
			sectors, _ := json.Marshal(nonNil(a.Sectors))
			idNumber, err := t.sealIDNumber(a.IDNumber)
			if err != nil {
				return err
			}
			_, err = t.ExecContext(ctx, `UPDATE clerks SET name = ?, role = ?, sectors = ?, window_no = ?, id_number = ?, rev = rev + 1 WHERE id = ?`,
				a.Name, string(a.Role), string(sectors), a.Window, idNumber, cur.ID)
			if err != nil {
				return fmt.Errorf("edit account: %w", err)
			}
			detail = fmt.Sprintf("role=%s window=%d", a.Role, a.Window)
		case clerks.ResetSecret, clerks.OwnSecret:
			// A new secret also ends a lock: the person was just checked.
			if _, err := t.ExecContext(ctx, `UPDATE clerks SET secret_hash = ?, failures = 0, locked_until = NULL, rev = rev + 1 WHERE id = ?`,
				newHash, cur.ID); err != nil {
				return fmt.Errorf("set secret: %w", err)
			}
		case clerks.Unlock:
			if _, err := t.ExecContext(ctx, `UPDATE clerks SET failures = 0, locked_until = NULL, rev = rev + 1 WHERE id = ?`, cur.ID); err != nil {
				return fmt.Errorf("unlock account: %w", err)
			}
		case clerks.Deactivate, clerks.Reactivate:
			if _, err := t.ExecContext(ctx, `UPDATE clerks SET active = ?, rev = rev + 1 WHERE id = ?`, c.Kind == clerks.Reactivate, cur.ID); err != nil {
				return fmt.Errorf("set account active: %w", err)
			}
		}
		if err := audit(ctx, t, sql.NullInt64{Int64: actor.ID, Valid: true}, "account."+string(c.Kind), cur.Login, detail); err != nil {
			return err
		}
		if err := t.accountChanged(ctx, cur.ID); err != nil {
			return err
		}
		after, _, err = db.accountRow(ctx, t, cur.ID)
		return err
	})
	if err != nil {
		return before, err
	}
	if newHash != "" {
		if err := db.UnlockWithSecret(ctx, after.ID, c.Secret); err != nil && !errors.Is(err, ErrNoKeyHere) {
			return after, err
		}
	}
	return after, nil
}

// accountRow reads one account with its secret's hash and lock.
func (db *DB) accountRow(ctx context.Context, q rowQuerier, id int64) (clerks.Account, string, error) {
	var a clerks.Account
	var sectors, idNumber, hash string
	var until sql.NullString
	err := q.QueryRowContext(ctx, `SELECT id, login, name, role, sectors, window_no, active, id_number, secret_hash, locked_until FROM clerks WHERE id = ?`, id).
		Scan(&a.ID, &a.Login, &a.Name, &a.Role, &sectors, &a.Window, &a.Active, &idNumber, &hash, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return a, "", fmt.Errorf("account %d: %w", id, err)
	}
	if err != nil {
		return a, "", fmt.Errorf("read account %d: %w", id, err)
	}
	_ = json.Unmarshal([]byte(sectors), &a.Sectors)
	if a.IDNumber, err = db.unsealString(idNumber, colClerkIDNumber); err != nil {
		return a, "", fmt.Errorf("account %s: %w", a.Login, err)
	}
	if until.Valid {
		a.LockedUntil, _ = unstamp(until.String)
	}
	return a, hash, nil
}
