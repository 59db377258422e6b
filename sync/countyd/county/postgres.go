package county

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
)

// Postgres is the Store on a PostgreSQL database, for a center that serves
// more than one machine's worth of townships (docs/county-scale.md). It
// runs the same query texts as SQLite through database/sql (pgx's stdlib
// driver), rebinding their ? placeholders, and shares the aggregate code
// that takes a dbtx.
//
// Its methods are in files by aggregate: the devices (enrollment codes,
// devices, nonces) and Stats here, the events and the feed in
// postgres_apply.go, the back office's and the SMS sender's part in
// postgres_admin.go, attachments in postgres_blobs.go, the cases, county
// decisions and the admin publishing in postgres_cases.go.
type Postgres struct {
	db  *sql.DB
	now func() time.Time
	box *secretBox

	pruneMu   sync.Mutex
	lastPrune time.Time

	// cals is the working-day calendar deadlines are worked out on.
	cals calendarCache
}

var _ Store = (*Postgres)(nil)

// PostgresOptions configure OpenPostgres.
type PostgresOptions struct {
	// Now stamps rows and judges expiry; nil means time.Now.
	Now func() time.Time
	// SecretsKey is the file of the key that seals device secrets
	// (secretbox.go), made when missing. Required: there is no directory
	// beside the database to default to, and the key must not live in
	// the database it protects.
	SecretsKey string
	// MaxConns bounds the pool (0: 16).
	MaxConns int
}

// IsPostgresURL says whether a database URL names PostgreSQL rather than
// an SQLite file.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// OpenPostgres connects to the county database at dsn (a postgres:// URL
// or key=value string) and applies pending migrations.
func OpenPostgres(ctx context.Context, dsn string, opts PostgresOptions) (*Postgres, error) {
	if opts.SecretsKey == "" {
		return nil, errors.New("open county database: PostgreSQL needs a device secrets key file")
	}
	s := &Postgres{now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.box, err = loadSecretBox(opts.SecretsKey); err != nil {
		return nil, err
	}
	if s.db, err = sql.Open("pgx", dsn); err != nil {
		return nil, fmt.Errorf("open county database: %w", err)
	}
	if opts.MaxConns == 0 {
		opts.MaxConns = 16
	}
	s.db.SetMaxOpenConns(opts.MaxConns)
	s.db.SetMaxIdleConns(opts.MaxConns)
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		// The DSN may hold a password: the error of the driver does not.
		return nil, fmt.Errorf("connect to county database: %w", err)
	}
	if err := migrate(ctx, s.updateSQL, postgresDialect, s.now()); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the pool.
func (s *Postgres) Close() error { return s.db.Close() }

// updateSQL runs fn in one transaction and commits when it returns nil.
// READ COMMITTED: the shared code's guards (an UPDATE … WHERE used_at IS
// NULL, an INSERT … ON CONFLICT DO NOTHING) are what make concurrent
// writers safe, as they are on SQLite's single writer.
func (s *Postgres) updateSQL(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// update is updateSQL for the shared code, with its ?-queries rebound.
func (s *Postgres) update(ctx context.Context, fn func(tx dbtx) error) error {
	return s.updateSQL(ctx, func(tx *sql.Tx) error { return fn(pgTx{tx}) })
}

// read is the pool for the shared code's reads.
func (s *Postgres) read() dbtx { return pgTx{s.db} }

// CreateEnrollCode stores a new single-use code for p, valid for EnrollTTL.
func (s *Postgres) CreateEnrollCode(ctx context.Context, p ServicePoint) (EnrollCode, error) {
	var c EnrollCode
	err := s.update(ctx, func(tx dbtx) (err error) {
		c, err = createEnrollCode(ctx, tx, p, s.now())
		return err
	})
	return c, err
}

// Enroll consumes code and creates an HMAC device for its service point.
func (s *Postgres) Enroll(ctx context.Context, code, hostname, appVersion string) (Device, error) {
	return s.enroll(ctx, code, hostname, appVersion, nil)
}

// EnrollKey is Enroll for a device with its own Ed25519 key pair.
func (s *Postgres) EnrollKey(ctx context.Context, code, hostname, appVersion string, pub ed25519.PublicKey) (Device, error) {
	if err := checkPublicKey(pub); err != nil {
		return Device{}, err
	}
	return s.enroll(ctx, code, hostname, appVersion, pub)
}

func (s *Postgres) enroll(ctx context.Context, code, hostname, appVersion string, pub ed25519.PublicKey) (Device, error) {
	var d Device
	err := s.update(ctx, func(tx dbtx) (err error) {
		d, err = enroll(ctx, tx, s.box, code, hostname, appVersion, pub, s.now())
		return err
	})
	return d, err
}

// SetDeviceKey moves a device to the key pair of pub.
func (s *Postgres) SetDeviceKey(ctx context.Context, id string, pub ed25519.PublicKey) error {
	if err := checkPublicKey(pub); err != nil {
		return err
	}
	return s.update(ctx, func(tx dbtx) error { return setDeviceKey(ctx, tx, id, pub) })
}

// Device returns the device with its credential.
func (s *Postgres) Device(ctx context.Context, id string) (Device, error) {
	return readDevice(ctx, s.read(), s.box, id)
}

// UseNonce records the nonce of a verified request and the device's last
// contact. Each countyd instance prunes on its own minute; the DELETEs of
// two instances overlapping is harmless.
func (s *Postgres) UseNonce(ctx context.Context, deviceID, nonce string) error {
	now := s.now()
	prune := pruneDue(&s.pruneMu, &s.lastPrune, now)
	return s.update(ctx, func(tx dbtx) error { return useNonce(ctx, tx, deviceID, nonce, now, prune) })
}

// RevokeDevice marks a device revoked and tells its hall.
func (s *Postgres) RevokeDevice(ctx context.Context, id string) error {
	return s.update(ctx, func(tx dbtx) error { return revokeDevice(ctx, tx, id, s.now()) })
}

// Devices lists devices by service point, without their secrets.
func (s *Postgres) Devices(ctx context.Context) ([]Device, error) { return listDevices(ctx, s.read()) }

// Stats counts the rows of each table (the query is SQLite's, word for
// word).
func (s *Postgres) Stats(ctx context.Context) (Stats, error) { return countRows(ctx, s.read()) }
