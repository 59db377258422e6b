package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/vault"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Personal data at rest (docs/security.md). Every column that holds a
// citizen's data keeps it sealed with the machine's data key; the key is
// kept only wrapped (key_wraps). Until the key is opened ("unlocked", by a
// sign-in or by the hall's hub) the store can read what is not personal
// (the catalog, the queue's numbers, the configuration) and refuses the
// rest with ErrLocked.

// Messages.
var (
	// ErrLocked: the data key is not open on this machine.
	ErrLocked = msg.New("本机数据已加密保护，请工作人员登录后再办理")
	// ErrNoKeyHere: the account has never opened the data on this machine
	// (its wrap is missing), and nobody else has since it started.
	ErrNoKeyHere = msg.New("本机数据已加密保护，您的账号还未在本机开启过数据：请先由曾在本机登录过的人员登录一次")
)

// Sealed columns, named as the sealed values' associated data: a value
// moved to another column does not open there.
const (
	colCaseDoc        = "cases.doc"
	colCaseSummary    = "case_briefs.summary"
	colEventData      = "case_events.data"
	colOutbox         = "outbox.payload"
	colHallLog        = "hall_log.payload"
	colCountyStatus   = "county_status.payload"
	colTicket         = "tickets.doc"
	colBooking        = "bookings.doc"
	colAttachmentName = "attachments.name"
	colRatingNote     = "ratings.note"
	colSetting        = "settings.value"
	colClerkIDNumber  = "clerks.id_number"
)

// sealedSettings are the settings that are credentials: the device's key
// at the county, the hub's TLS key.
var sealedSettings = map[string]bool{settingSecret: true, settingDeviceKey: true, settingNextKey: true, settingHallPrivKey: true}

// sealedKind says whether an outbox event kind carries a citizen's data.
// The configuration, catalog and staff account events do not, and are
// written before the machine has a data key (at setup, and the first
// supervisor's account).
func sealedKind(kind string) bool {
	return !clearKinds[kind]
}

var clearKinds = map[string]bool{string(protocol.ServicePointConfigured): true, string(protocol.CatalogActivated): true,
	string(protocol.AccountCreated): true}

// keyring is the machine's data key as the store holds it.
type keyring struct {
	key atomic.Pointer[vault.Key]
	// mu serialises opening and making the key.
	mu sync.Mutex
}

// Locked says whether the data key is not open.
func (db *DB) Locked() bool { return db.keys.key.Load() == nil }

// DataKey is the open data key (for files: scans, printed papers).
func (db *DB) DataKey() (*vault.Key, error) {
	if k := db.keys.key.Load(); k != nil {
		return k, nil
	}
	return nil, ErrLocked
}

// Keyed says whether the machine has a data key at all (its data is
// sealed). A first start, and a database from before 0.8, have none until
// the first sign-in or pairing makes one.
func (db *DB) Keyed(ctx context.Context) (bool, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM key_wraps`).Scan(&n); err != nil {
		return false, fmt.Errorf("read key wraps: %w", err)
	}
	return n > 0, nil
}

// seal seals a column value with the open key.
func (db *DB) seal(plain []byte, col string) (string, error) {
	k := db.keys.key.Load()
	if k == nil {
		return "", ErrLocked
	}
	return k.SealText(plain, col), nil
}

// unseal opens a column value; a value that is not sealed (written before
// the machine had a key, or not personal) is returned as it is.
func (db *DB) unseal(stored, col string) ([]byte, error) {
	if !vault.IsSealedText(stored) {
		return []byte(stored), nil
	}
	k := db.keys.key.Load()
	if k == nil {
		return nil, ErrLocked
	}
	b, err := k.OpenText(stored, col)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", col, err)
	}
	return b, nil
}

// unsealString is unseal for a text.
func (db *DB) unsealString(stored, col string) (string, error) {
	b, err := db.unseal(stored, col)
	return string(b), err
}

func (t *tx) seal(plain []byte, col string) (string, error) { return t.db.seal(plain, col) }

func (t *tx) unseal(stored, col string) ([]byte, error) { return t.db.unseal(stored, col) }

// residentKey is what the store keeps of a resident's ID number to find
// their bookings: a keyed hash, so the column names nobody on a copied
// disk. Without an open key (a machine from before 0.8 still unsealed) it
// is the number as before, sealed with the rest later.
func (db *DB) residentKey(idNumber string) string {
	k := db.keys.key.Load()
	if k == nil || idNumber == "" {
		return idNumber
	}
	m := hmac.New(sha256.New, k.Derive("resident id"))
	m.Write([]byte(strings.ToUpper(strings.TrimSpace(idNumber))))
	return "ycb1:" + hex.EncodeToString(m.Sum(nil)[:16])
}

// key_wraps rows.

type wrapRow struct {
	kind, ref, salt string
	time, memory    uint32
	sealed          string
	forHash         string
}

func (t *tx) putWrap(ctx context.Context, w wrapRow) error {
	_, err := t.ExecContext(ctx, `INSERT INTO key_wraps (kind, ref, salt, time_cost, memory, sealed, for_hash, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, ref) DO UPDATE SET salt = excluded.salt, time_cost = excluded.time_cost,
		memory = excluded.memory, sealed = excluded.sealed, for_hash = excluded.for_hash, created_at = excluded.created_at`,
		w.kind, w.ref, w.salt, w.time, w.memory, w.sealed, w.forHash, stamp(t.now))
	if err != nil {
		return fmt.Errorf("store key wrap: %w", err)
	}
	return nil
}

func (db *DB) wrap(ctx context.Context, kind, ref string) (wrapRow, bool, error) {
	w := wrapRow{kind: kind, ref: ref}
	err := db.r.QueryRowContext(ctx, `SELECT salt, time_cost, memory, sealed, for_hash FROM key_wraps WHERE kind = ? AND ref = ?`, kind, ref).
		Scan(&w.salt, &w.time, &w.memory, &w.sealed, &w.forHash)
	if errors.Is(err, sql.ErrNoRows) {
		return w, false, nil
	}
	if err != nil {
		return w, false, fmt.Errorf("read key wrap: %w", err)
	}
	return w, true, nil
}

func secretWrap(k *vault.Key, accountID int64, secret, forHash string) wrapRow {
	w := vault.WrapWithSecret(k, secret)
	return wrapRow{kind: "account", ref: fmt.Sprint(accountID), salt: base64.StdEncoding.EncodeToString(w.Salt),
		time: w.Time, memory: w.Memory, sealed: base64.StdEncoding.EncodeToString(w.Sealed), forHash: forHash}
}

func hallWrap(k, kek *vault.Key, hub string) wrapRow {
	return wrapRow{kind: "hall", ref: hub, sealed: base64.StdEncoding.EncodeToString(vault.WrapWithKey(k, kek))}
}

// UnlockWithSecret is called once an account's secret was checked (here or
// at the hub). A machine without a data key yet (a first start, a
// database from before 0.8) makes one now, wraps it for this account and
// seals what it holds. A locked machine opens its key with the account's
// wrap. An open machine (re)wraps its key for the account when it has no
// wrap for this secret, so the account can open the data here next time.
func (db *DB) UnlockWithSecret(ctx context.Context, accountID int64, secret string) error {
	db.keys.mu.Lock()
	defer db.keys.mu.Unlock()
	var hash string
	if err := db.r.QueryRowContext(ctx, `SELECT secret_hash FROM clerks WHERE id = ?`, accountID).Scan(&hash); err != nil {
		return fmt.Errorf("read account %d: %w", accountID, err)
	}
	keyed, err := db.Keyed(ctx)
	if err != nil {
		return err
	}
	if !keyed {
		k := vault.New()
		return db.establish(ctx, k, secretWrap(k, accountID, secret, hash))
	}
	w, found, err := db.wrap(ctx, "account", fmt.Sprint(accountID))
	if err != nil {
		return err
	}
	k := db.keys.key.Load()
	if k == nil {
		if !found {
			return ErrNoKeyHere
		}
		salt, _ := base64.StdEncoding.DecodeString(w.salt)
		sealed, _ := base64.StdEncoding.DecodeString(w.sealed)
		opened, err := vault.UnwrapWithSecret(vault.Wrap{Salt: salt, Time: w.time, Memory: w.memory, Sealed: sealed}, secret)
		if err != nil {
			// The secret was changed at another machine since it last
			// opened the data here: the old secret's wrap stays.
			return ErrNoKeyHere
		}
		if err := db.checkKey(ctx, opened); err != nil {
			return err
		}
		db.keys.key.Store(opened)
		k = opened
	}
	if found && w.forHash == hash {
		return nil
	}
	return db.update(ctx, func(t *tx) error { return t.putWrap(ctx, secretWrap(k, accountID, secret, hash)) })
}

// UnlockWithHub opens the data key with the key the hall's hub holds for
// this machine.
func (db *DB) UnlockWithHub(ctx context.Context, hub string, kek []byte) error {
	db.keys.mu.Lock()
	defer db.keys.mu.Unlock()
	if db.keys.key.Load() != nil {
		return nil
	}
	w, found, err := db.wrap(ctx, "hall", hub)
	if err != nil || !found {
		return errors.Join(err, ErrNoKeyHere)
	}
	hk, err := vault.FromBytes(kek)
	if err != nil {
		return err
	}
	sealed, _ := base64.StdEncoding.DecodeString(w.sealed)
	k, err := vault.UnwrapWithKey(sealed, hk)
	if err != nil {
		return ErrNoKeyHere
	}
	if err := db.checkKey(ctx, k); err != nil {
		return err
	}
	db.keys.key.Store(k)
	return nil
}

// Lock forgets the open key (a revoked machine, a test of a restart).
func (db *DB) Lock() { db.keys.key.Store(nil) }

// checkKey says whether k is this database's key: it opens the check
// value sealed when the key was made.
func (db *DB) checkKey(ctx context.Context, k *vault.Key) error {
	var check string
	if err := db.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, settingVaultCheck).Scan(&check); err != nil {
		return fmt.Errorf("read key check: %w", err)
	}
	if _, err := k.OpenText(check, settingVaultCheck); err != nil {
		return fmt.Errorf("the key does not open this machine's data: %w", err)
	}
	return nil
}

const settingVaultCheck = "vault.check"

// keyForJoin is the key a machine joining a hall wraps for its hub: the
// open key, or a new one on a machine that has none yet (its data, if any,
// is sealed with it when the wrap is stored).
func (db *DB) keyForJoin(ctx context.Context) (k *vault.Key, fresh bool, err error) {
	if k := db.keys.key.Load(); k != nil {
		return k, false, nil
	}
	keyed, err := db.Keyed(ctx)
	if err != nil {
		return nil, false, err
	}
	if keyed {
		return nil, false, ErrLocked
	}
	return vault.New(), true, nil
}

// establish makes k the machine's data key with its first wrap, and seals
// in the same transaction every personal value stored in clear (a
// database from before 0.8). Copies of the unsealed file (daily backups,
// the copy taken before migrating) are then deleted and the file is
// rewritten, so no clear page is left in it.
func (db *DB) establish(ctx context.Context, k *vault.Key, first wrapRow) error {
	var sealed int
	prev := db.keys.key.Load()
	db.keys.key.Store(k) // seal() below uses it
	err := db.update(ctx, func(t *tx) error {
		var err error
		sealed, err = t.establish(ctx, k, first)
		return err
	})
	if err != nil {
		db.keys.key.Store(prev)
		return fmt.Errorf("seal the data: %w", err)
	}
	if sealed > 0 {
		db.scrubClearCopies(ctx)
	}
	return nil
}

// establish, inside a transaction, records k as the machine's key (its
// check value and first wrap) and seals what is in clear; k must be the
// open key already.
func (t *tx) establish(ctx context.Context, k *vault.Key, first wrapRow) (int, error) {
	if err := setSetting(ctx, t, settingVaultCheck, k.SealText([]byte("yichuang"), settingVaultCheck)); err != nil {
		return 0, err
	}
	if err := t.putWrap(ctx, first); err != nil {
		return 0, err
	}
	return t.sealClear(ctx)
}

// clearColumns are the sealed columns as (table, key column, column, aad,
// filter on rows that hold personal data).
var clearColumns = []struct{ table, key, col, aad, where string }{
	{"cases", "id", "doc", colCaseDoc, ""},
	{"case_events", "id", "data", colEventData, ""},
	// A compacted payload (compact.go) holds nothing to seal.
	{"outbox", "seq", "payload", colOutbox, "kind NOT IN ('service_point.configured', 'catalog.activated', 'account.created') AND payload <> 'null'"},
	{"hall_log", "seq", "payload", colHallLog, ""},
	{"county_status", "case_id", "payload", colCountyStatus, ""},
	{"tickets", "id", "doc", colTicket, ""},
	{"bookings", "id", "doc", colBooking, ""},
	{"attachments", "rowid", "name", colAttachmentName, ""},
	{"ratings", "id", "note", colRatingNote, "note <> ''"},
	{"followup_steps", "rowid", "text", colFollowUpText, "text <> ''"},
}

// sealClear seals every value still in clear and returns how many.
func (t *tx) sealClear(ctx context.Context) (int, error) {
	total := 0
	for _, c := range clearColumns {
		where := c.col + ` NOT LIKE '"ycs1:%'`
		if c.where != "" {
			where += " AND " + c.where
		}
		rows, err := t.QueryContext(ctx, `SELECT `+c.key+`, `+c.col+` FROM `+c.table+` WHERE `+where)
		if err != nil {
			return total, fmt.Errorf("read %s: %w", c.aad, err)
		}
		type row struct {
			key any
			val string
		}
		var todo []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.key, &r.val); err != nil {
				rows.Close()
				return total, err
			}
			todo = append(todo, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, err
		}
		for _, r := range todo {
			s, err := t.seal([]byte(r.val), c.aad)
			if err != nil {
				return total, err
			}
			if _, err := t.ExecContext(ctx, `UPDATE `+c.table+` SET `+c.col+` = ? WHERE `+c.key+` = ?`, s, r.key); err != nil {
				return total, fmt.Errorf("seal %s: %w", c.aad, err)
			}
		}
		total += len(todo)
	}
	// Bookings are found by a keyed hash of the resident's ID number.
	rows, err := t.QueryContext(ctx, `SELECT id, resident_id FROM bookings WHERE resident_id NOT LIKE 'ycb1:%'`)
	if err != nil {
		return total, err
	}
	resident := map[string]string{}
	for rows.Next() {
		var id, r string
		if err := rows.Scan(&id, &r); err != nil {
			rows.Close()
			return total, err
		}
		resident[id] = r
	}
	rows.Close()
	for id, r := range resident {
		if _, err := t.ExecContext(ctx, `UPDATE bookings SET resident_id = ? WHERE id = ?`, t.db.residentKey(r), id); err != nil {
			return total, err
		}
	}
	for key := range sealedSettings {
		var v string
		err := t.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) || v == "" || vault.IsSealedText(v) {
			continue
		}
		if err != nil {
			return total, err
		}
		if err := setSetting(ctx, t, key, v); err != nil {
			return total, err
		}
		total++
	}
	if _, err := t.ExecContext(ctx, `UPDATE cases SET applicant_id = ''`); err != nil {
		return total, err
	}
	return total + len(resident), nil
}

// scrubClearCopies removes what still holds the data as it was before it
// was sealed: the database's free pages and log, its daily backups and the
// copy kept before migrating. Failures are logged, not returned: the data
// itself is sealed either way.
func (db *DB) scrubClearCopies(ctx context.Context) {
	if _, err := db.w.ExecContext(ctx, `VACUUM`); err != nil {
		log.Printf("vacuum after sealing: %v", err)
	}
	if _, err := db.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		log.Printf("checkpoint after sealing: %v", err)
	}
	entries, _ := os.ReadDir(db.backupDir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".db") {
			if err := os.Remove(filepath.Join(db.backupDir, e.Name())); err != nil {
				log.Printf("remove unsealed backup %s: %v", e.Name(), err)
			}
		}
	}
	db.preMigration = ""
}

// sealJSON encodes v and seals it for col.
func (t *tx) sealJSON(v any, col string) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", col, err)
	}
	return t.seal(b, col)
}

// unsealJSON opens a stored value of col into v.
func (db *DB) unsealJSON(stored, col string, v any) error {
	b, err := db.unseal(stored, col)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", col, err)
	}
	return nil
}

// sealNote seals a rating's note (a citizen's own words); an empty note
// stays empty.
func (t *tx) sealNote(note string) (string, error) {
	if note == "" {
		return "", nil
	}
	return t.seal([]byte(note), colRatingNote)
}

// dropStaleWraps forgets the wraps of accounts that no longer exist or
// were stopped: a former clerk's secret no longer opens the data.
func (t *tx) dropStaleWraps(ctx context.Context) error {
	if _, err := t.ExecContext(ctx, `DELETE FROM key_wraps WHERE kind = 'account'
		AND ref NOT IN (SELECT CAST(id AS TEXT) FROM clerks WHERE active = 1)`); err != nil {
		return fmt.Errorf("drop wraps of stopped accounts: %w", err)
	}
	return nil
}

// settingWiped records that the county revoked this machine and its data
// was wiped (when and why), until a supervisor has read it.
const settingWiped = "vault.wiped"

// personalTables are emptied by Wipe: everything a citizen's data is in.
var personalTables = []string{"documents", "attachments", "case_events", "county_status", "hall_notices", "hall_refused",
	"hall_log", "ratings", "followup_steps", "tickets", "bookings", "outbox", "progress_attempts", "case_briefs", "cases", "feed_applied"}

// Wipe destroys this machine's data after the county revoked it (a stolen
// laptop, a PC taken out of service): the data key's wraps and every row
// of citizens' data go, the file is rewritten so no freed page keeps
// them, and the backups are removed. Events not yet sent are lost with
// them: that is the point of a revocation. The configuration, the catalog
// and the staff accounts stay, so the machine can be enrolled again.
func (db *DB) Wipe(ctx context.Context, why string) error {
	db.keys.mu.Lock()
	defer db.keys.mu.Unlock()
	db.keys.key.Store(nil)
	err := db.update(ctx, func(t *tx) error {
		for _, table := range personalTables {
			if _, err := t.ExecContext(ctx, `DELETE FROM `+table); err != nil {
				return fmt.Errorf("wipe %s: %w", table, err)
			}
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM key_wraps`); err != nil {
			return fmt.Errorf("wipe key wraps: %w", err)
		}
		// The accounts stay, but not the agents' ID numbers: they were
		// sealed with the key just destroyed, and the hub gives them
		// again with the accounts once the machine is back in the hall.
		if _, err := t.ExecContext(ctx, `UPDATE clerks SET id_number = ''`); err != nil {
			return fmt.Errorf("wipe agents' ID numbers: %w", err)
		}
		for _, key := range []string{settingSecret, settingDeviceKey, settingNextKey, settingHallPrivKey, settingVaultCheck,
			settingDeviceID, settingHallToken, settingHallCursor} {
			if _, err := t.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, key); err != nil {
				return fmt.Errorf("wipe setting %s: %w", key, err)
			}
		}
		if err := setSetting(ctx, t, settingWiped, stamp(t.now)+" "+why); err != nil {
			return err
		}
		return audit(ctx, t, sql.NullInt64{}, "vault.wiped", "", why)
	})
	if err != nil {
		return err
	}
	db.scrubClearCopies(ctx)
	return nil
}

// Wiped says whether the machine's data was wiped after a revocation and
// not yet acknowledged, and when.
func (db *DB) Wiped(ctx context.Context) (time.Time, bool, error) {
	v, ok, err := db.Setting(ctx, settingWiped)
	if err != nil || !ok || v == "" {
		return time.Time{}, false, err
	}
	at, _, _ := strings.Cut(v, " ")
	t, _ := unstamp(at)
	return t, true, nil
}

// AcknowledgeWiped records that a supervisor has read that the data was
// wiped.
func (db *DB) AcknowledgeWiped(ctx context.Context, actorID int64) error {
	return db.update(ctx, func(t *tx) error {
		if err := setSetting(ctx, t, settingWiped, ""); err != nil {
			return err
		}
		return audit(ctx, t, sql.NullInt64{Int64: actorID, Valid: actorID != 0}, "vault.wiped.seen", "", "")
	})
}
