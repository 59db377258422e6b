package county_test

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
)

// schema is what both stores must end with: each table's columns in
// order, and the indexes by name (not the ones a primary key or UNIQUE
// makes: their names are the database's own).
type schema struct {
	Tables  map[string][]string
	Indexes []string
}

// The two dialects' migration files are twins: same numbers, same names.
func TestMigrationsAreTwins(t *testing.T) {
	list := func(dir string) []string {
		names, err := fs.Glob(county.MigrationFS, "migrations/"+dir+"/*.sql")
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range names {
			names[i] = filepath.Base(n)
		}
		return names
	}
	got, want := list("postgres"), list("sqlite")
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("postgres migrations %v, want the sqlite ones %v", got, want)
	}
}

// Both stores end with the same tables, columns and indexes, read from
// each database's own catalog.
func TestSchemasMatch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sq, err := county.OpenSQLite(ctx, filepath.Join(dir, "county.db"))
	if err != nil {
		t.Fatal(err)
	}
	sq.Close()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "county.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := schema{Tables: map[string][]string{}}
	for _, name := range queryStrings(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`) {
		want.Tables[name] = queryStrings(t, db, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, name)
	}
	// sql IS NULL: an index SQLite made for a constraint.
	want.Indexes = queryStrings(t, db, `SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`)

	pg := openPostgres(t, countytest.NewClock(t0).Now).(*county.Postgres)
	got := schema{Tables: map[string][]string{}}
	for _, name := range queryStrings(t, pg.DB(), `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`) {
		got.Tables[name] = queryStrings(t, pg.DB(), `SELECT column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, name)
	}
	got.Indexes = queryStrings(t, pg.DB(), `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()
		AND indexname NOT IN (SELECT conname FROM pg_constraint)`)

	sort.Strings(want.Indexes)
	sort.Strings(got.Indexes)
	if len(want.Tables) < 20 {
		t.Fatalf("sqlite has %d tables; the catalog query is wrong", len(want.Tables))
	}
	for name, cols := range want.Tables {
		if g := got.Tables[name]; !reflect.DeepEqual(g, cols) {
			t.Errorf("table %s: postgres columns %v, want %v", name, g, cols)
		}
	}
	for name := range got.Tables {
		if _, ok := want.Tables[name]; !ok {
			t.Errorf("table %s only on postgres", name)
		}
	}
	if strings.Join(got.Indexes, " ") != strings.Join(want.Indexes, " ") {
		t.Errorf("postgres indexes %v, want %v", got.Indexes, want.Indexes)
	}
}

func queryStrings(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Two countyd instances starting at once on a new PostgreSQL database both
// come up, the schema applied once; a third, later, applies nothing.
func TestPostgresMigratesOnce(t *testing.T) {
	dsn := pgtest.Database(t)
	key := filepath.Join(t.TempDir(), "secrets.key")
	open := func() (*county.Postgres, error) {
		return county.OpenPostgres(context.Background(), dsn, county.PostgresOptions{Now: countytest.NewClock(t0).Now, SecretsKey: key})
	}
	stores := make([]*county.Postgres, 2)
	errs := race(2, func(i int) (err error) { stores[i], err = open(); return err })
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	third, err := open()
	if err != nil {
		t.Fatalf("third instance: %v", err)
	}
	defer third.Close()
	got := queryStrings(t, third.DB(), `SELECT name FROM schema_migrations ORDER BY version`)
	names, _ := fs.Glob(county.MigrationFS, "migrations/postgres/*.sql")
	if len(got) != len(names) {
		t.Errorf("schema_migrations = %v, want each of %d files once", got, len(names))
	}
}

// A database a newer countyd migrated is refused, not used half-understood.
func TestPostgresRefusesNewerSchema(t *testing.T) {
	dsn := pgtest.Database(t)
	opts := county.PostgresOptions{Now: countytest.NewClock(t0).Now, SecretsKey: filepath.Join(t.TempDir(), "secrets.key")}
	st, err := county.OpenPostgres(context.Background(), dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', '')`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if st, err := county.OpenPostgres(context.Background(), dsn, opts); err == nil || !strings.Contains(err.Error(), "newer") {
		if err == nil {
			st.Close()
		}
		t.Errorf("open after a newer release: got %v, want a refusal", err)
	}
}
