package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/office"
	"github.com/yichuang/yichuang/sync/countyd/sms"
)

// The county's database is the SQLite file in the data directory unless
// -database-url (or COUNTYD_DATABASE_URL) names a PostgreSQL database:
// postgres://user@host/county?target_session_attrs=read-write. Every
// command takes -database-url (docs/county-scale.md).

// databaseFlag adds -database-url to a command that can run on either
// store.
func databaseFlag(fs *flag.FlagSet) *string {
	return fs.String("database-url", os.Getenv("COUNTYD_DATABASE_URL"),
		"PostgreSQL database (postgres://…) instead of the SQLite file in -data; $COUNTYD_DATABASE_URL (docs/county-scale.md)")
}

// secretsKey is the file of the key that seals remaining device secrets
// (docs/security.md): COUNTYD_SECRETS_KEY, or secrets.key in the data
// directory, whichever store holds the rest.
func secretsKey(data string) string {
	if key := os.Getenv("COUNTYD_SECRETS_KEY"); key != "" {
		return key
	}
	return filepath.Join(data, "secrets.key")
}

// openAny opens the store url names: PostgreSQL for a postgres:// URL,
// else the SQLite file in data ("" is the default).
func openAny(ctx context.Context, url, data string) (county.Store, error) {
	if url == "" {
		return openStore(ctx, data)
	}
	if !county.IsPostgresURL(url) {
		return nil, fmt.Errorf("-database-url: want a postgres:// URL, or none for the SQLite file in -data")
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, err
	}
	return county.OpenPostgres(ctx, url, county.PostgresOptions{SecretsKey: secretsKey(data)})
}

// sqliteOnly refuses to open the SQLite file when COUNTYD_DATABASE_URL
// says the county is on PostgreSQL (a -database-url "" given on purpose,
// or a command without the flag): run on the SQLite file instead, it
// would read and write another county's data.
func sqliteOnly() error {
	if county.IsPostgresURL(os.Getenv("COUNTYD_DATABASE_URL")) {
		return fmt.Errorf("COUNTYD_DATABASE_URL names PostgreSQL, and this command works on the SQLite store only so far (docs/county-scale.md)")
	}
	return nil
}

// centerStore is what a countyd server runs on: the kiosks' API, the back
// office, the SMS sender, monitoring and set-sms; both stores are one.
type centerStore interface {
	county.Store
	office.Store
	sms.Store
	county.Vitals      // monitor.go
	county.SMSSettings // set-sms
}

var (
	_ centerStore = (*county.SQLite)(nil)
	_ centerStore = (*county.Postgres)(nil)
)

// openCenter opens the store serve and staff-add work on: PostgreSQL when
// url names it, else the SQLite file in data.
func openCenter(ctx context.Context, url, data string) (centerStore, error) {
	if url == "" {
		return openStore(ctx, data)
	}
	st, err := openAny(ctx, url, data)
	if err != nil {
		return nil, err
	}
	return st.(*county.Postgres), nil
}
