package county_test

import (
	"context"
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

// The methods not built yet on PostgreSQL say so; none pretends to work.
// A method built for PostgreSQL leaves this list for the contract.
func TestPostgresNotYetIsAnError(t *testing.T) {
	ctx := context.Background()
	st := openPostgres(t, countytest.NewClock(t0).Now)
	calls := map[string]error{}
	_, calls["Cases"] = st.Cases(ctx, county.CaseFilter{})
	_, calls["Case"] = st.Case(ctx, "x")
	_, calls["CaseLog"] = st.CaseLog(ctx, "x")
	_, calls["SetCaseStatus"] = st.SetCaseStatus(ctx, county.StatusChange{})
	pg := st.(*county.Postgres)
	_, _, calls["CasePage"] = pg.CasePage(ctx, county.CasePageFilter{})
	_, calls["CaseMatterCodes"] = pg.CaseMatterCodes(ctx)
	_, calls["CaseStatusLog"] = pg.CaseStatusLog(ctx, "x")
	_, calls["SetCaseStatusAudited"] = pg.SetCaseStatusAudited(ctx, county.StatusChange{}, county.AuditEntry{})
	for name, err := range calls {
		if err == nil || !strings.Contains(err.Error(), "not yet implemented on PostgreSQL") {
			t.Errorf("%s: got %v, want the not-yet error", name, err)
		}
	}
}
