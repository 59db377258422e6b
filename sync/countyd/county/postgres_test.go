package county_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
)

// A PostgreSQL server in another room (its dumps, its standby) holds no
// usable device secret: they are sealed with the key in a file beside
// countyd, as on SQLite.
func TestPostgresSealsSecrets(t *testing.T) {
	ctx := context.Background()
	st := openPostgres(t, countytest.NewClock(t0).Now).(*county.Postgres)
	d, err := st.Enroll(ctx, mustCode(t, st, countytest.TestPoint), "h", "v")
	if err != nil {
		t.Fatal(err)
	}
	stored := queryStrings(t, st.DB(), `SELECT secret FROM devices WHERE id = $1`, d.ID)
	if len(stored) != 1 || !strings.HasPrefix(stored[0], "v1:") || strings.Contains(stored[0], d.Secret) {
		t.Errorf("stored secret %q for secret %q, want it sealed (v1:…)", stored, d.Secret)
	}
}

// Every method of the SQLite store is on the PostgreSQL store too (the
// Store, office.Store and sms.Store interfaces are asserted where they are
// consumed), so that no countyd command or office page needs to ask which
// store it has. Path names the SQLite file and has no PostgreSQL twin.
func TestPostgresHasEverySQLiteMethod(t *testing.T) {
	sqliteOnly := map[string]bool{"Path": true}
	pg := reflect.TypeOf((*county.Postgres)(nil))
	lite := reflect.TypeOf((*county.SQLite)(nil))
	for i := 0; i < lite.NumMethod(); i++ {
		m := lite.Method(i)
		if sqliteOnly[m.Name] {
			continue
		}
		got, ok := pg.MethodByName(m.Name)
		if !ok {
			t.Errorf("*Postgres has no %s, want it as on *SQLite", m.Name)
			continue
		}
		// The receiver differs; the rest of the signature must not.
		if g, w := fmt.Sprint(got.Type)[len("func(*county.Postgres"):], fmt.Sprint(m.Type)[len("func(*county.SQLite"):]; g != w {
			t.Errorf("%s: got %s, want %s", m.Name, got.Type, m.Type)
		}
	}
}
