package county

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/sync/protocol"
)

// codeAlphabet leaves out 0/O and 1/I, so a code read over the phone or
// copied from paper is typed right. 32 characters: 5 bits each, 60 bits per
// code, and a random byte maps onto it without bias.
const codeAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// NewEnrollCode returns a random code grouped as XXXX-XXXX-XXXX.
func NewEnrollCode() string {
	var b [12]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(codeAlphabet[int(c)&31])
	}
	return sb.String()
}

// normalizeCode drops separators and case, so "k7qx 2m9d-plta" is found.
func normalizeCode(code string) string {
	var sb strings.Builder
	for _, r := range strings.ToUpper(code) {
		if r == '-' || r == ' ' {
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// ValidatePoint checks a service point as the county records it.
func ValidatePoint(p ServicePoint) error {
	tier, err := ids.CheckDivisionCode(p.Code)
	if err != nil {
		return invalid("service point code %q: %v", p.Code, err)
	}
	if want := map[string]ids.Tier{LevelTownship: ids.TierTownship, LevelVillage: ids.TierVillage}[p.Level]; want != 0 && tier != want {
		return invalid("service point code %q is not of a %s", p.Code, p.Level)
	}
	if strings.TrimSpace(p.Name) == "" {
		return invalid("service point name is empty")
	}
	if p.Level != LevelTownship && p.Level != LevelVillage {
		return invalid("service point level %q: want %s or %s", p.Level, LevelTownship, LevelVillage)
	}
	return nil
}

// CreateEnrollCode stores a new single-use code for p, valid for EnrollTTL.
func (s *SQLite) CreateEnrollCode(ctx context.Context, p ServicePoint) (EnrollCode, error) {
	var c EnrollCode
	err := s.update(ctx, func(tx *sql.Tx) (err error) {
		c, err = createEnrollCode(ctx, tx, p, s.now())
		return err
	})
	return c, err
}

// createEnrollCode is CreateEnrollCode in a store's transaction.
func createEnrollCode(ctx context.Context, tx dbtx, p ServicePoint, now time.Time) (EnrollCode, error) {
	if err := ValidatePoint(p); err != nil {
		return EnrollCode{}, err
	}
	c := EnrollCode{Code: NewEnrollCode(), Point: p, Created: now, Expires: now.Add(EnrollTTL)}
	_, err := tx.ExecContext(ctx, `INSERT INTO enroll_codes (code, point_code, point_name, point_level, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, normalizeCode(c.Code), p.Code, p.Name, p.Level, ts(now), ts(c.Expires))
	if err != nil {
		return EnrollCode{}, fmt.Errorf("insert enrollment code: %w", err)
	}
	if err := keepServicePoint(ctx, tx, p, now); err != nil {
		return EnrollCode{}, err
	}
	return c, nil
}

// keepServicePointSQL keeps a point's latest name and level (0017): the
// last write naming the point wins, as when the names were read from
// every code and device.
const keepServicePointSQL = `INSERT INTO service_points (code, name, level, updated_at) VALUES (?, ?, ?, ?)
	ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, updated_at = excluded.updated_at
	WHERE excluded.updated_at >= service_points.updated_at`

func keepServicePoint(ctx context.Context, tx dbtx, p ServicePoint, now time.Time) error {
	if _, err := tx.ExecContext(ctx, keepServicePointSQL, p.Code, p.Name, p.Level, ts(now)); err != nil {
		return fmt.Errorf("keep service point %s: %w", p.Code, err)
	}
	return nil
}

// newSecret is 32 random bytes, base64url without padding: 43 characters.
func newSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func newDeviceID() string {
	var b [16]byte
	rand.Read(b[:])
	return "d_" + hex.EncodeToString(b[:])
}

// Enroll consumes code and creates a device for its service point that
// signs with an HMAC secret (a kiosk before 0.8). An unknown, used or
// expired code yields ErrBadEnrollment and writes nothing.
func (s *SQLite) Enroll(ctx context.Context, code, hostname, appVersion string) (Device, error) {
	return s.enroll(ctx, code, hostname, appVersion, nil)
}

// EnrollKey is Enroll for a device that signs with its own Ed25519 key: the
// county keeps the public key only.
func (s *SQLite) EnrollKey(ctx context.Context, code, hostname, appVersion string, pub ed25519.PublicKey) (Device, error) {
	if err := checkPublicKey(pub); err != nil {
		return Device{}, err
	}
	return s.enroll(ctx, code, hostname, appVersion, pub)
}

func (s *SQLite) enroll(ctx context.Context, code, hostname, appVersion string, pub ed25519.PublicKey) (Device, error) {
	var d Device
	err := s.update(ctx, func(tx *sql.Tx) (err error) {
		d, err = enroll(ctx, tx, s.box, code, hostname, appVersion, pub, s.now())
		return err
	})
	return d, err
}

// enroll is Enroll and EnrollKey in a store's transaction.
func enroll(ctx context.Context, tx dbtx, box *secretBox, code, hostname, appVersion string, pub ed25519.PublicKey, now time.Time) (Device, error) {
	d := Device{ID: newDeviceID(), PublicKey: pub, Hostname: hostname, AppVersion: appVersion, Created: now}
	stored, pubText := "", ""
	if pub == nil {
		d.Secret = newSecret()
		stored = box.seal(d.ID, d.Secret)
	} else {
		pubText = protocol.EncodePublicKey(pub)
	}
	var expires string
	var used sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT point_code, point_name, point_level, expires_at, used_at FROM enroll_codes WHERE code = ?`,
		normalizeCode(code)).Scan(&d.Point.Code, &d.Point.Name, &d.Point.Level, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return Device{}, ErrBadEnrollment
	}
	if err != nil {
		return Device{}, fmt.Errorf("read enrollment code: %w", err)
	}
	if used.Valid || expires <= ts(now) {
		return Device{}, ErrBadEnrollment
	}
	// The used_at guard makes the code single-use when two enrollments
	// race on a database with several writers (PostgreSQL: the second
	// UPDATE waits for the first to commit, then matches no row).
	res, err := tx.ExecContext(ctx, `UPDATE enroll_codes SET used_at = ?, device_id = ? WHERE code = ? AND used_at IS NULL`,
		ts(now), d.ID, normalizeCode(code))
	if err != nil {
		return Device{}, fmt.Errorf("use enrollment code: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Device{}, ErrBadEnrollment
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO devices (id, secret, public_key, point_code, point_name, point_level, hostname, app_version, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, stored, pubText, d.Point.Code, d.Point.Name, d.Point.Level, hostname, appVersion, ts(now)); err != nil {
		return Device{}, fmt.Errorf("insert device: %w", err)
	}
	if err := keepServicePoint(ctx, tx, d.Point, now); err != nil {
		return Device{}, err
	}
	return d, nil
}

// SetDeviceKey moves a device to the key pair of pub: from then on only
// signatures by that key pass, and its HMAC secret, if it had one, is
// forgotten.
func (s *SQLite) SetDeviceKey(ctx context.Context, id string, pub ed25519.PublicKey) error {
	if err := checkPublicKey(pub); err != nil {
		return err
	}
	return s.update(ctx, func(tx *sql.Tx) error { return setDeviceKey(ctx, tx, id, pub) })
}

// checkPublicKey refuses a key that is not an Ed25519 public key.
func checkPublicKey(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return invalid("a public key is %d bytes", ed25519.PublicKeySize)
	}
	return nil
}

// setDeviceKey is SetDeviceKey in a store's transaction.
func setDeviceKey(ctx context.Context, tx dbtx, id string, pub ed25519.PublicKey) error {
	res, err := tx.ExecContext(ctx, `UPDATE devices SET public_key = ?, secret = '' WHERE id = ?`, protocol.EncodePublicKey(pub), id)
	if err != nil {
		return fmt.Errorf("set device key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

const deviceCols = `id, secret, public_key, point_code, point_name, point_level, hostname, app_version, created_at, revoked_at, last_seen`

func scanDevice(sc interface{ Scan(...any) error }, extra ...any) (Device, error) {
	var d Device
	var pub string
	var created, revoked, seen sql.NullString
	err := sc.Scan(append([]any{&d.ID, &d.Secret, &pub, &d.Point.Code, &d.Point.Name, &d.Point.Level, &d.Hostname, &d.AppVersion,
		&created, &revoked, &seen}, extra...)...)
	d.Created, d.Revoked, d.LastSeen = parseTS(created), parseTS(revoked), parseTS(seen)
	if pub != "" {
		d.PublicKey, _ = protocol.DecodePublicKey(pub)
	}
	return d, err
}

// Device returns the device with its credential (the public key, or the
// opened HMAC secret of a device before 0.8), for checking a signature.
func (s *SQLite) Device(ctx context.Context, id string) (Device, error) {
	return readDevice(ctx, s.r, s.box, id)
}

// readDevice is Device on a store's connection.
func readDevice(ctx context.Context, q dbtx, box *secretBox, id string) (Device, error) {
	d, err := scanDevice(q.QueryRowContext(ctx, `SELECT `+deviceCols+` FROM devices WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Device{}, ErrNotFound
	}
	if err != nil {
		return Device{}, fmt.Errorf("read device: %w", err)
	}
	if d.Secret, err = box.open(d.ID, d.Secret); err != nil {
		return Device{}, fmt.Errorf("read device %s: %w", d.ID, err)
	}
	return d, nil
}

// nonceKeep is how long a nonce is remembered: twice the clock window, so
// a request cannot be replayed while its timestamp is still accepted.
const nonceKeep = 2 * protocol.MaxSkew

// UseNonce records the nonce of a verified request and the device's last
// contact, and now and then forgets nonces older than nonceKeep.
func (s *SQLite) UseNonce(ctx context.Context, deviceID, nonce string) error {
	now := s.now()
	prune := pruneDue(&s.pruneMu, &s.lastPrune, now)
	return s.update(ctx, func(tx *sql.Tx) error { return useNonce(ctx, tx, deviceID, nonce, now, prune) })
}

// pruneDue says whether this request forgets old nonces: at most once a
// minute per process (or when the clock went back), so pruning costs a
// busy county one DELETE a minute, not one per request.
func pruneDue(mu *sync.Mutex, last *time.Time, now time.Time) bool {
	mu.Lock()
	defer mu.Unlock()
	if now.Sub(*last) > time.Minute || now.Before(*last) {
		*last = now
		return true
	}
	return false
}

// useNonce is UseNonce in a store's transaction. The primary key makes a
// nonce usable once even when two requests carrying it race (PostgreSQL:
// the second insert waits for the first to commit, then does nothing).
func useNonce(ctx context.Context, tx dbtx, deviceID, nonce string, now time.Time, prune bool) error {
	if prune {
		if _, err := tx.ExecContext(ctx, `DELETE FROM nonces WHERE seen_at < ?`, ts(now.Add(-nonceKeep))); err != nil {
			return fmt.Errorf("prune nonces: %w", err)
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO nonces (device_id, nonce, seen_at) VALUES (?, ?, ?) ON CONFLICT (device_id, nonce) DO NOTHING`,
		deviceID, nonce, ts(now))
	if err != nil {
		return fmt.Errorf("insert nonce: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrReplayed
	}
	if _, err := tx.ExecContext(ctx, `UPDATE devices SET last_seen = ? WHERE id = ?`, ts(now), deviceID); err != nil {
		return fmt.Errorf("update last seen: %w", err)
	}
	return nil
}

// RevokeDevice marks a device revoked; revoking twice keeps the first time.
func (s *SQLite) RevokeDevice(ctx context.Context, id string) error {
	return s.update(ctx, func(tx *sql.Tx) error { return s.revokeDevice(ctx, tx, id) })
}

// revokeDevice marks a device revoked inside a transaction.
func (s *SQLite) revokeDevice(ctx context.Context, tx *sql.Tx, id string) error {
	return revokeDevice(ctx, tx, id, s.now())
}

// revokeDevice is RevokeDevice in a store's transaction.
func revokeDevice(ctx context.Context, tx dbtx, id string, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE devices SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, ts(now), id)
	if err != nil {
		return fmt.Errorf("revoke device: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	// The device's hall hears of it too: its hub takes the device out of
	// the hall, so it stops receiving the hall's cases over the LAN.
	var point string
	if err := tx.QueryRowContext(ctx, `SELECT point_code FROM devices WHERE id = ?`, id).Scan(&point); err != nil {
		return fmt.Errorf("read device's point: %w", err)
	}
	_, err = appendFeed(ctx, tx, point, protocol.FeedDeviceRevoked, ts(now), protocol.DeviceRevoked{DeviceID: id, At: now})
	return err
}

// devicesSQL lists devices with their applied events, counted by Apply
// as it goes (device_event_counts): counting millions on each look at the
// fleet page grew with the county's history.
const devicesSQL = `SELECT ` + deviceCols + `, COALESCE(n.events, 0)
	FROM devices LEFT JOIN device_event_counts n ON n.device_id = devices.id ORDER BY point_code, created_at`

// Devices lists devices by service point, without their secrets.
func (s *SQLite) Devices(ctx context.Context) ([]Device, error) { return listDevices(ctx, s.r) }

// listDevices is Devices on a store's connection.
func listDevices(ctx context.Context, q dbtx) ([]Device, error) {
	rows, err := q.QueryContext(ctx, devicesSQL)
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	defer rows.Close()
	var out []Device
	for rows.Next() {
		var n int64
		d, err := scanDevice(rows, &n)
		if err != nil {
			return nil, fmt.Errorf("scan device: %w", err)
		}
		d.Secret, d.Events = "", n
		out = append(out, d)
	}
	return out, rows.Err()
}
