package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/vault"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Account messages.
var (
	ErrLoginTaken    = msg.New("登录名“{{.Login}}”已被使用")
	ErrNotSupervisor = msg.New("只有主管可以添加或停用人员")
)

// HasSupervisor reports whether an active supervisor account exists; until
// one does, the kiosk shows the one-time setup screen.
func (db *DB) HasSupervisor(ctx context.Context) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM clerks WHERE role = 'supervisor' AND active = 1`).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("count supervisors: %w", err)
	}
	return n > 0, nil
}

// CreateFirstSupervisor creates the first supervisor. It refuses once any
// supervisor exists, so the setup screen cannot be used to add a second
// one behind the first's back.
func (db *DB) CreateFirstSupervisor(ctx context.Context, a clerks.Account, secret string) (clerks.Account, error) {
	a.Role = clerks.Supervisor
	return db.createAccount(ctx, nil, a, secret)
}

// CreateAccount adds an account; actor must be an active supervisor.
func (db *DB) CreateAccount(ctx context.Context, actor clerks.Account, a clerks.Account, secret string) (clerks.Account, error) {
	return db.createAccount(ctx, &actor, a, secret)
}

func (db *DB) createAccount(ctx context.Context, actor *clerks.Account, a clerks.Account, secret string) (clerks.Account, error) {
	a, err := a.Normalize(db.clock.Now())
	if err != nil {
		return a, err
	}
	// The sectors are the hall's as this machine (the hub, or a machine
	// alone) holds its county's config now.
	cfg, err := db.HallConfig(ctx)
	if err != nil {
		return a, err
	}
	if err := a.CheckSectors(cfg.SectorNames()); err != nil {
		return a, err
	}
	if err := clerks.CheckSecret(secret); err != nil {
		return a, err
	}
	hash, err := clerks.Hash(secret) // slow on purpose: outside the transaction
	if err != nil {
		return a, err
	}
	sectors, _ := json.Marshal(nonNil(a.Sectors))
	// The first supervisor of a machine without a data key makes it, in
	// the same transaction as the account (a hub logs the account, sealed).
	var newKey *vault.Key
	if actor == nil && db.Locked() {
		keyed, err := db.Keyed(ctx)
		if err != nil {
			return a, err
		}
		if !keyed {
			newKey = vault.New()
			db.keys.key.Store(newKey)
		}
	}
	sealedN := 0
	err = db.update(ctx, func(t *tx) error {
		var supervisors int
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM clerks WHERE role = 'supervisor' AND active = 1`).Scan(&supervisors); err != nil {
			return err
		}
		actorID := sql.NullInt64{}
		if actor == nil {
			if supervisors > 0 {
				return clerks.ErrSupervisorOK
			}
		} else {
			var role string
			var active bool
			err := t.QueryRowContext(ctx, `SELECT role, active FROM clerks WHERE id = ?`, actor.ID).Scan(&role, &active)
			if err != nil || role != string(clerks.Supervisor) || !active {
				return ErrNotSupervisor
			}
			actorID = sql.NullInt64{Int64: actor.ID, Valid: true}
		}
		var taken int
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM clerks WHERE login = ?`, a.Login).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return msg.New(ErrLoginTaken.Key, "Login", a.Login)
		}
		idNumber, err := t.sealIDNumber(a.IDNumber)
		if err != nil {
			return err
		}
		res, err := t.ExecContext(ctx, `INSERT INTO clerks (login, name, role, sectors, window_no, secret_hash, created_at, id_number)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.Login, a.Name, string(a.Role), string(sectors), a.Window, hash, stamp(t.now), idNumber)
		if err != nil {
			return fmt.Errorf("insert account: %w", err)
		}
		if a.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		if newKey != nil {
			if sealedN, err = t.establish(ctx, newKey, secretWrap(newKey, a.ID, secret, hash)); err != nil {
				return err
			}
		}
		a.Active = true
		if err := audit(ctx, t, actorID, "account.create", a.Login, string(a.Role)); err != nil {
			return err
		}
		if err := t.accountChanged(ctx, a.ID); err != nil {
			return err
		}
		_, err = t.emit(ctx, protocol.AccountCreated, protocol.AccountPayload{ID: a.ID, Login: a.Login, Name: a.Name,
			Role: string(a.Role), Sectors: nonNil(a.Sectors), Window: a.Window})
		return err
	})
	if err != nil {
		if newKey != nil {
			db.keys.key.Store(nil)
		}
		return a, err
	}
	if sealedN > 0 {
		db.scrubClearCopies(ctx)
	}
	// The new account can open this machine's data.
	return a, db.UnlockWithSecret(ctx, a.ID, secret)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Authenticate checks a login and secret. Wrong secrets are counted in the
// database, so restarting the kiosk does not reset a lock; five in a row
// lock the account for five minutes. Every attempt is audited.
func (db *DB) Authenticate(ctx context.Context, login, secret string) (clerks.Account, error) {
	var a clerks.Account
	var hash, sectors string
	var lockedUntil sql.NullString
	var failures int
	err := db.r.QueryRowContext(ctx, `SELECT id, login, name, role, sectors, window_no, active, secret_hash, failures, locked_until
		FROM clerks WHERE login = ?`, login).Scan(&a.ID, &a.Login, &a.Name, &a.Role, &sectors, &a.Window, &a.Active, &hash, &failures, &lockedUntil)
	if errors.Is(err, sql.ErrNoRows) {
		clerks.Verify(dummyHash(), secret) // same time as a real check: do not reveal which logins exist
		return a, clerks.ErrBadSecret
	}
	if err != nil {
		return a, fmt.Errorf("read account: %w", err)
	}
	_ = json.Unmarshal([]byte(sectors), &a.Sectors)
	now := db.clock.Now()
	att := clerks.Attempt{Failures: failures}
	if lockedUntil.Valid {
		att.LockedUntil, _ = unstamp(lockedUntil.String)
	}
	if att.Locked(now) {
		return clerks.Account{}, clerks.LockedError(att.LockedUntil.In(workday.China))
	}
	if !a.Active {
		return clerks.Account{}, clerks.ErrInactive
	}
	ok, err := clerks.Verify(hash, secret)
	if err != nil {
		return clerks.Account{}, fmt.Errorf("verify secret of %s: %w", login, err)
	}
	err = db.update(ctx, func(t *tx) error {
		id := sql.NullInt64{Int64: a.ID, Valid: true}
		// The hub orders an account's states (rev); a machine of a hall
		// that signs a clerk in alone (its hub away) counts the tries on
		// its copy without claiming a newer state than the hub's.
		role, err := t.hallRole(ctx)
		if err != nil {
			return err
		}
		bump := 1
		if role == servicepoint.QueueClient {
			bump = 0
		}
		// The secret was checked outside the transaction (argon2id is slow
		// on purpose); the tries are counted on the row as it is now, so
		// two tries at once, or a lock that arrived from the hub meanwhile,
		// are not lost.
		var fresh sql.NullString
		if err := t.QueryRowContext(ctx, `SELECT failures, locked_until FROM clerks WHERE id = ?`, a.ID).Scan(&att.Failures, &fresh); err != nil {
			return fmt.Errorf("read account: %w", err)
		}
		att.LockedUntil = time.Time{}
		if fresh.Valid {
			att.LockedUntil, _ = unstamp(fresh.String)
		}
		if att.Locked(now) {
			ok = false
			return nil // locked meanwhile: refused below, nothing to count
		}
		if ok {
			// Only a reset that changes something is news for the hall.
			res, err := t.ExecContext(ctx, `UPDATE clerks SET failures = 0, locked_until = NULL, rev = rev + ?
				WHERE id = ? AND (failures <> 0 OR locked_until IS NOT NULL)`, bump, a.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				if err := t.accountChanged(ctx, a.ID); err != nil {
					return err
				}
			}
			return audit(ctx, t, id, "login", a.Login, "")
		}
		att = clerks.Policy.Fail(att, now)
		var until any
		if !att.LockedUntil.IsZero() {
			until = stamp(att.LockedUntil)
		}
		if _, err := t.ExecContext(ctx, `UPDATE clerks SET failures = ?, locked_until = ?, rev = rev + ? WHERE id = ?`, att.Failures, until, bump, a.ID); err != nil {
			return err
		}
		if err := t.accountChanged(ctx, a.ID); err != nil {
			return err
		}
		return audit(ctx, t, id, "login.failed", a.Login, fmt.Sprintf("failures=%d", att.Failures))
	})
	if err != nil {
		return clerks.Account{}, fmt.Errorf("record login: %w", err)
	}
	if !ok {
		if att.Locked(now) {
			return clerks.Account{}, clerks.LockedError(att.LockedUntil.In(workday.China))
		}
		return clerks.Account{}, clerks.ErrBadSecret
	}
	if err := db.UnlockWithSecret(ctx, a.ID, secret); err != nil {
		return clerks.Account{}, err
	}
	return a, nil
}

// dummyHash is verified for unknown logins so they take as long as known ones.
var dummyHash = sync.OnceValue(func() string {
	h, _ := clerks.Hash("not a real secret")
	return h
})

// Accounts lists all accounts, supervisors first, with the agents' ID
// numbers in clear for the screen to mask (it needs the data key open:
// a supervisor is signed in).
func (db *DB) Accounts(ctx context.Context) ([]clerks.Account, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, login, name, role, sectors, window_no, active, id_number, locked_until FROM clerks
		ORDER BY role = 'supervisor' DESC, window_no, login`)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []clerks.Account
	for rows.Next() {
		var a clerks.Account
		var sectors, idNumber string
		var until sql.NullString
		if err := rows.Scan(&a.ID, &a.Login, &a.Name, &a.Role, &sectors, &a.Window, &a.Active, &idNumber, &until); err != nil {
			return nil, err
		}
		if until.Valid {
			// Only a lock still running is news for the supervisor.
			if t, err := unstamp(until.String); err == nil && t.After(db.clock.Now()) {
				a.LockedUntil = t
			}
		}
		_ = json.Unmarshal([]byte(sectors), &a.Sectors)
		if a.IDNumber, err = db.unsealString(idNumber, colClerkIDNumber); err != nil {
			return nil, fmt.Errorf("account %s: %w", a.Login, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Audit records an action that is not a case event, such as revealing a
// citizen's full ID number on screen (查询留痕).
func (db *DB) Audit(ctx context.Context, actorID int64, action, subject, detail string) error {
	return db.update(ctx, func(t *tx) error {
		return audit(ctx, t, sql.NullInt64{Int64: actorID, Valid: actorID != 0}, action, subject, detail)
	})
}

func audit(ctx context.Context, t *tx, actor sql.NullInt64, action, subject, detail string) error {
	_, err := t.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, action, subject, detail) VALUES (?, ?, ?, ?, ?)`,
		stamp(t.now), actor, action, subject, detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// AuditEntry is one audit row.
type AuditEntry struct {
	At      time.Time
	ActorID int64
	Action  string
	Subject string
	Detail  string
}

// AuditLog returns the newest audit rows first.
func (db *DB) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT at, COALESCE(actor_id, 0), action, subject, detail FROM audit_log ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at string
		if err := rows.Scan(&at, &e.ActorID, &e.Action, &e.Subject, &e.Detail); err != nil {
			return nil, err
		}
		e.At, _ = unstamp(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// accountChanged passes an account as it now stands to the hall, when this
// machine is the hub: accounts are the hall's, so a clerk signs in at any
// of its machines (even with the hub away) and a lock holds at all.
func (t *tx) accountChanged(ctx context.Context, id int64) error {
	role, err := t.hallRole(ctx)
	if err != nil || role != servicepoint.QueueHub {
		return err
	}
	st, err := accountState(ctx, t.db, t, id)
	if err != nil {
		return err
	}
	return t.appendLog(ctx, protocol.HallItem{Kind: protocol.HallAccount, At: t.now, Account: &st},
		fmt.Sprintf("account:%d:%d", st.ID, st.Rev), st.Login)
}

// rowQuerier is a transaction or the read pool.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// accountState reads an account as the hall shares it.
func accountState(ctx context.Context, db *DB, t rowQuerier, id int64) (protocol.HallAccountState, error) {
	var s protocol.HallAccountState
	var sectors, idNumber string
	var until sql.NullString
	err := t.QueryRowContext(ctx, `SELECT id, login, name, role, sectors, window_no, active, secret_hash, failures, locked_until, rev, id_number
		FROM clerks WHERE id = ?`, id).Scan(&s.ID, &s.Login, &s.Name, &s.Role, &sectors, &s.Window, &s.Active, &s.SecretHash,
		&s.Failures, &until, &s.Rev, &idNumber)
	if err != nil {
		return s, fmt.Errorf("read account %d: %w", id, err)
	}
	// A hub whose data is still sealed (it just started, nobody signed in
	// yet) can still answer a sign-in: it sends the account without the
	// number, which a machine takes as "not known here" and keeps its own.
	if s.IDNumber, err = db.unsealString(idNumber, colClerkIDNumber); errors.Is(err, ErrLocked) {
		s.IDNumber = ""
	} else if err != nil {
		return s, fmt.Errorf("read account %d: %w", id, err)
	}
	_ = json.Unmarshal([]byte(sectors), &s.Sectors)
	if until.Valid {
		if u, err := unstamp(until.String); err == nil {
			s.LockedUntil = &u
		}
	}
	return s, nil
}

// AccountState is an account as the hall shares it (secret hash included:
// it goes only to paired machines, over TLS).
func (db *DB) AccountState(ctx context.Context, id int64) (protocol.HallAccountState, error) {
	return accountState(ctx, db, db.r, id)
}

// KeepAccount stores an account as the hub gave it (a sign-in checked at
// the hub), so the clerk can sign in here when the hub is away. It runs
// before the sign-in opens this machine's data, so an agent's ID number
// that cannot be sealed yet is left as this machine has it: the sign-in
// keeps the account again once the data is open (services.Accounts).
func (db *DB) KeepAccount(ctx context.Context, st protocol.HallAccountState) error {
	return db.update(ctx, func(t *tx) error { return applyAccount(ctx, t, st, false) })
}

// Now is the time by the store's clock, for checks made before a write
// that the store makes again (an account checked before the hub is asked).
func (db *DB) Now() time.Time { return db.clock.Now() }

// AccountIDNumber is the ID number an account holds, in clear: an agent's
// own, for the 代办委托书 and the mandate of the cases the agent files; ""
// for other roles and for an agent account made before it was asked.
func (db *DB) AccountIDNumber(ctx context.Context, id int64) (string, error) {
	var stored string
	err := db.r.QueryRowContext(ctx, `SELECT id_number FROM clerks WHERE id = ?`, id).Scan(&stored)
	if err != nil {
		return "", fmt.Errorf("read account %d: %w", id, err)
	}
	return db.unsealString(stored, colClerkIDNumber)
}

// sealIDNumber seals an account's ID number; none stays "".
func (t *tx) sealIDNumber(id string) (string, error) {
	if id == "" {
		return "", nil
	}
	return t.seal([]byte(id), colClerkIDNumber)
}
