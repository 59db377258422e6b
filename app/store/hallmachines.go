package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/vault"
	"github.com/yichuang/yichuang/sync/protocol"
)

// The hall's machines: the hub's identity (its self-signed certificate,
// pinned by every machine at pairing), the machines paired with it, and a
// machine's own link to its hub.

// Pairing messages.
var (
	ErrPairingCode  = msg.New("配对码不对或已过期，请在大厅主机上重新生成配对码")
	ErrDeviceTaken  = msg.New("本机编号{{.N}}已被大厅内另一台机器使用，请在设置中换一个编号（1–35，同一大厅内不重复）")
	ErrMachineGone  = msg.New("本机已被移出大厅（{{.Why}}），不再接收大厅的办件；如需重新加入，请主管重新配对")
	ErrNotInTheHall = msg.New("本机尚未与大厅主机配对")
)

// HubIdentity is the hub's certificate and key (PEM); ok is false until
// one was made.
func (db *DB) HubIdentity(ctx context.Context) (cert, key []byte, ok bool, err error) {
	c, okc, err := db.Setting(ctx, settingHallCert)
	if err != nil || !okc {
		return nil, nil, false, err
	}
	k, okk, err := db.Setting(ctx, settingHallPrivKey)
	if err != nil || !okk {
		return nil, nil, false, err
	}
	return []byte(c), []byte(k), true, nil
}

// SaveHubIdentity keeps the hub's certificate and key. The key stays in
// the hub's database file (0600, in the kiosk user's data dir), like the
// county device secret.
func (db *DB) SaveHubIdentity(ctx context.Context, cert, key []byte) error {
	return db.update(ctx, func(t *tx) error {
		if err := setSetting(ctx, t, settingHallCert, string(cert)); err != nil {
			return err
		}
		return setSetting(ctx, t, settingHallPrivKey, string(key))
	})
}

// NewPairing records a pairing code's secret (hashed) for a while.
func (db *DB) NewPairing(ctx context.Context, actorID int64, secretHash string, expires time.Time) error {
	return db.update(ctx, func(t *tx) error {
		if _, err := t.ExecContext(ctx, `DELETE FROM hall_pairing WHERE expires_at < ?`, stamp(t.now)); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO hall_pairing (secret_hash, created_at, created_by, expires_at) VALUES (?, ?, ?, ?)`,
			secretHash, stamp(t.now), nullID(actorID), stamp(expires)); err != nil {
			return fmt.Errorf("record pairing code: %w", err)
		}
		return audit(ctx, t, sql.NullInt64{Int64: actorID, Valid: actorID != 0}, "hall.pairing_code", "", "")
	})
}

// HallMachine is a machine paired with this hub.
type HallMachine struct {
	ID           string
	Device       int
	Name         string
	CountyDevice string
	Paired       time.Time
	LastSeen     time.Time
	Removed      time.Time // zero while in the hall
	RemovedWhy   string
}

// Pair consumes a pairing secret and records the machine with its token's
// hash. The device number must be free in the hall (the hub's own
// included): it is part of every tracking code.
//
// It returns the key the hub keeps for the machine (to open the machine's
// data when it starts), kept here sealed under the hub's own data key.
func (db *DB) Pair(ctx context.Context, machineID, secretHash string, device int, name, tokenHash string) ([]byte, error) {
	unlock := vault.New().Bytes()
	return unlock, db.update(ctx, func(t *tx) error {
		sealedUnlock, err := t.seal(unlock, colUnlockKey+":"+machineID)
		if err != nil {
			return err
		}
		var id sql.NullInt64
		err = t.QueryRowContext(ctx, `SELECT created_by FROM hall_pairing WHERE secret_hash = ? AND used_at IS NULL AND expires_at > ?`,
			secretHash, stamp(t.now)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrPairingCode
		}
		if err != nil {
			return fmt.Errorf("read pairing code: %w", err)
		}
		var own string
		if err := t.QueryRowContext(ctx, `SELECT COALESCE((SELECT value FROM settings WHERE key = ?), '')`, settingDevice).Scan(&own); err != nil {
			return err
		}
		var taken int
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM hall_machines WHERE device_no = ? AND removed_at IS NULL AND id <> ?`,
			device, machineID).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 || own == fmt.Sprint(device) {
			return msg.New(ErrDeviceTaken.Key, "N", device)
		}
		if _, err := t.ExecContext(ctx, `UPDATE hall_pairing SET used_at = ? WHERE secret_hash = ?`, stamp(t.now), secretHash); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO hall_machines (id, device_no, name, token_hash, paired_at, paired_by, unlock_key) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET device_no = excluded.device_no, name = excluded.name, token_hash = excluded.token_hash,
				paired_at = excluded.paired_at, paired_by = excluded.paired_by, removed_at = NULL, removed_why = '',
				unlock_key = excluded.unlock_key`,
			machineID, device, name, tokenHash, stamp(t.now), id, sealedUnlock); err != nil {
			return fmt.Errorf("record machine: %w", err)
		}
		return audit(ctx, t, id, "hall.pair", machineID, fmt.Sprintf("device=%d name=%s", device, name))
	})
}

// MachineByToken finds the paired machine a token's hash belongs to;
// ErrMachineGone (with the reason) for a removed one, ErrNotInTheHall for
// none.
func (db *DB) MachineByToken(ctx context.Context, tokenHash string) (HallMachine, error) {
	ms, err := db.machines(ctx, `WHERE token_hash = ?`, tokenHash)
	if err != nil {
		return HallMachine{}, err
	}
	if len(ms) == 0 {
		return HallMachine{}, ErrNotInTheHall
	}
	if !ms[0].Removed.IsZero() {
		return ms[0], msg.New(ErrMachineGone.Key, "Why", ms[0].RemovedWhy)
	}
	return ms[0], nil
}

// HallMachines lists the machines paired with this hub, in the hall first.
func (db *DB) HallMachines(ctx context.Context) ([]HallMachine, error) {
	return db.machines(ctx, `ORDER BY removed_at IS NOT NULL, device_no`)
}

func (db *DB) machines(ctx context.Context, where string, args ...any) ([]HallMachine, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, device_no, name, county_device, paired_at, last_seen, removed_at, removed_why
		FROM hall_machines `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list hall machines: %w", err)
	}
	defer rows.Close()
	var out []HallMachine
	for rows.Next() {
		var m HallMachine
		var paired string
		var seen, removed sql.NullString
		if err := rows.Scan(&m.ID, &m.Device, &m.Name, &m.CountyDevice, &paired, &seen, &removed, &m.RemovedWhy); err != nil {
			return nil, err
		}
		m.Paired, _ = unstamp(paired)
		if seen.Valid {
			m.LastSeen, _ = unstamp(seen.String)
		}
		if removed.Valid {
			m.Removed, _ = unstamp(removed.String)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// TouchMachine records a machine's contact with the hub.
func (db *DB) TouchMachine(ctx context.Context, id string) error {
	return db.update(ctx, func(t *tx) error {
		_, err := t.ExecContext(ctx, `UPDATE hall_machines SET last_seen = ? WHERE id = ?`, stamp(t.now), id)
		return err
	})
}

// RemoveMachine takes a machine out of the hall: its token stops working at
// once and the hall's log tells it to forget the hub.
func (db *DB) RemoveMachine(ctx context.Context, actorID int64, id, why string) error {
	return db.update(ctx, func(t *tx) error { return removeMachine(ctx, t, actorID, id, why) })
}

func removeMachine(ctx context.Context, t *tx, actorID int64, id, why string) error {
	res, err := t.ExecContext(ctx, `UPDATE hall_machines SET removed_at = ?, removed_why = ? WHERE id = ? AND removed_at IS NULL`,
		stamp(t.now), why, id)
	if err != nil {
		return fmt.Errorf("remove machine: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	if err := t.appendLog(ctx, protocol.HallItem{Kind: protocol.HallMachineRemoved, At: t.now, Machine: id},
		"removed:"+id+":"+stamp(t.now), id); err != nil {
		return err
	}
	return audit(ctx, t, sql.NullInt64{Int64: actorID, Valid: actorID != 0}, "hall.remove", id, why)
}

// qSeedHall reads this machine's events the hall shares that have not gone
// to a hall (outbox_not_in_hall, whose terms it repeats: none on a hub
// after its first start, so a hub's start does not read its history), but
// not the compacted ones (restoreHeads gave the heads back).
const qSeedHall = `SELECT event_id, kind, payload, created_at FROM outbox
	WHERE hall_state IS NULL AND (kind LIKE 'case.%' OR kind IN ('rating.given', 'followup.called', 'followup.rectified')) AND payload <> 'null' ORDER BY seq`

// SeedHall starts the hub's log from what this machine already holds: its
// accounts, and every event of its own the hall shares (a machine that
// becomes the hub of a hall brings its cases along). It is run each time
// the hub starts; what is in the log already is not added twice.
func (db *DB) SeedHall(ctx context.Context) error {
	return db.update(ctx, func(t *tx) error {
		rows, err := t.QueryContext(ctx, `SELECT id FROM clerks`)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			if err := t.accountChanged(ctx, id); err != nil {
				return err
			}
		}
		me, err := t.machineID(ctx)
		if err != nil {
			return err
		}
		// A compacted case event goes as its case's head, rebuilt; the
		// others compacted stay out of the log (compact.go).
		if err := t.restoreHeads(ctx, notInHall); err != nil {
			return err
		}
		evs, err := func() ([]protocol.Event, error) {
			rows, err := t.QueryContext(ctx, qSeedHall)
			if err != nil {
				return nil, err
			}
			return db.scanEvents(rows)
		}()
		if err != nil {
			return err
		}
		for _, ev := range evs {
			ev := ev
			ref := caseIDOf(ev)
			if err := t.appendLog(ctx, protocol.HallItem{Kind: protocol.HallEvent, Origin: me, At: ev.Created, Event: &ev}, ev.ID, ref); err != nil {
				return err
			}
		}
		_, err = t.ExecContext(ctx, `UPDATE outbox SET hall_state = 'accepted' WHERE hall_state IS NULL AND (kind LIKE 'case.%' OR kind IN (?, ?, ?))`,
			string(protocol.RatingGiven), string(protocol.FollowUpCalled), string(protocol.FollowUpRectified))
		return err
	})
}

// HallLink is a machine's link to its hub.
type HallLink struct {
	Addr    string // host:port
	Pin     string // the hub certificate's SHA-256 (hex)
	Token   string
	Machine string // this machine's id
	Hub     string // the hub's machine id
	// Removed says why the machine left the hall ("" while in it).
	Removed string
	// UnlockKey is the key the hub keeps for this machine (base64), as
	// pairing gave it; it is not stored (JoinHall wraps the data key with
	// it).
	UnlockKey string
}

// Paired says whether the machine holds a working link.
func (l HallLink) Paired() bool { return l.Token != "" && l.Pin != "" && l.Addr != "" }

// HallLink returns this machine's link to its hub.
func (db *DB) HallLink(ctx context.Context) (HallLink, error) {
	var l HallLink
	for key, dst := range map[string]*string{settingHub: &l.Addr, settingHallPin: &l.Pin, settingHallToken: &l.Token,
		settingHallMachine: &l.Machine, settingHallHub: &l.Hub, settingHallRemoved: &l.Removed} {
		v, _, err := db.Setting(ctx, key)
		if err != nil {
			return l, err
		}
		*dst = v
	}
	return l, nil
}

// JoinHall keeps the link a pairing gave and makes this machine one of the
// hall's: the hall's accounts replace the ones made here (they come down
// the hub's log), the hub's log is followed from its start, and every
// event of this machine the hall shares is sent to the hub.
//
// The machine's data key is wrapped with the key the hub keeps for it
// (l.UnlockKey); a machine without a data key yet makes one now (and
// seals what it holds with it).
func (db *DB) JoinHall(ctx context.Context, actorID int64, l HallLink) error {
	db.keys.mu.Lock()
	k, fresh, err := db.keyForJoin(ctx)
	db.keys.mu.Unlock()
	if err != nil {
		return err
	}
	var wrap *wrapRow
	if l.UnlockKey != "" {
		raw, _ := base64.StdEncoding.DecodeString(l.UnlockKey)
		kek, err := vault.FromBytes(raw)
		if err != nil {
			return fmt.Errorf("the hub's unlock key: %w", err)
		}
		w := hallWrap(k, kek, l.Hub)
		wrap = &w
	} else if fresh {
		return ErrHubTooOld
	}
	if fresh {
		db.keys.mu.Lock()
		err := db.establish(ctx, k, *wrap)
		db.keys.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return db.update(ctx, func(t *tx) error {
		if wrap != nil {
			if _, err := t.ExecContext(ctx, `DELETE FROM key_wraps WHERE kind = 'hall'`); err != nil {
				return err
			}
			if err := t.putWrap(ctx, *wrap); err != nil {
				return err
			}
		}
		for key, v := range map[string]string{settingHub: l.Addr, settingHallPin: l.Pin, settingHallToken: l.Token,
			settingHallMachine: l.Machine, settingHallHub: l.Hub, settingHallCursor: "", settingHallRemoved: ""} {
			if err := setSetting(ctx, t, key, v); err != nil {
				return err
			}
		}
		if _, err := t.ExecContext(ctx, `UPDATE cases SET clerk_id = NULL`); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM clerks`); err != nil {
			return fmt.Errorf("drop local accounts: %w", err)
		}
		if err := t.dropStaleWraps(ctx); err != nil {
			return err
		}
		// This machine's cases go to the hall; a compacted event goes as
		// its case's head, rebuilt, or not at all (compact.go).
		if err := t.restoreHeads(ctx, notInHall+` AND o.withdrawn_at IS NULL`); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `UPDATE outbox SET hall_state = 'pending'
			WHERE hall_state IS NULL AND withdrawn_at IS NULL AND (kind LIKE 'case.%' OR kind IN (?, ?, ?)) AND payload <> 'null'`,
			string(protocol.RatingGiven), string(protocol.FollowUpCalled), string(protocol.FollowUpRectified)); err != nil {
			return err
		}
		return audit(ctx, t, sql.NullInt64{Int64: actorID, Valid: actorID != 0}, "hall.join", l.Hub, l.Addr)
	})
}

// LeaveHall forgets the hub's token (the hub removed this machine, or the
// county revoked it): nothing more is sent or received.
func (db *DB) LeaveHall(ctx context.Context, why string) error {
	return db.update(ctx, func(t *tx) error { return leaveHall(ctx, t, why) })
}

func leaveHall(ctx context.Context, t *tx, why string) error {
	if err := setSetting(ctx, t, settingHallToken, ""); err != nil {
		return err
	}
	if err := setSetting(ctx, t, settingHallRemoved, why); err != nil {
		return err
	}
	return audit(ctx, t, sql.NullInt64{}, "hall.leave", "", why)
}

// ErrHubTooOld: the hub does not keep a key for its machines (a release
// before 0.8), and this machine has no data key of its own yet.
var ErrHubTooOld = msg.New("大厅主机的版本过旧，请先将大厅主机升级到最新版本，再配对本机")

// colUnlockKey is the sealed column of the keys the hub keeps for its
// machines.
const colUnlockKey = "hall_machines.unlock_key"

// MachineUnlockKey is the key the hub keeps for a paired machine.
func (db *DB) MachineUnlockKey(ctx context.Context, machineID string) ([]byte, error) {
	var sealed string
	err := db.r.QueryRowContext(ctx, `SELECT unlock_key FROM hall_machines WHERE id = ? AND removed_at IS NULL`, machineID).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) || err == nil && sealed == "" {
		return nil, ErrNotInTheHall
	}
	if err != nil {
		return nil, fmt.Errorf("read unlock key: %w", err)
	}
	return db.unseal(sealed, colUnlockKey+":"+machineID)
}
