package county_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
)

// The back office's and the SMS sender's part of the store contract:
// staff, sessions, audit, enrollment codes, device status, catalog
// versions, holidays, bookings, the SMS configuration.

// adminStore is what the back office and countyd's admin commands use
// beyond the kiosk Store (office.Store without the case reads).
type adminStore interface {
	county.Store
	StaffByLogin(ctx context.Context, login string) (county.Staff, error)
	StaffMembers(ctx context.Context) ([]county.Staff, error)
	CreateStaff(ctx context.Context, st county.Staff, passwordHash string) (county.Staff, error)
	SetStaffActive(ctx context.Context, staffID int64, active bool, e county.AuditEntry) error
	CreateSession(ctx context.Context, se county.Session, idleBefore time.Time, e county.AuditEntry) error
	Session(ctx context.Context, tokenHash string) (county.Session, error)
	TouchSession(ctx context.Context, tokenHash string) error
	DeleteSession(ctx context.Context, tokenHash string, e *county.AuditEntry) error
	Audit(ctx context.Context, e county.AuditEntry) error
	AuditLog(ctx context.Context, f county.AuditFilter) ([]county.AuditEntry, int, error)
	ServicePoints(ctx context.Context) ([]county.ServicePoint, error)
	HolidayDocs(ctx context.Context) ([]json.RawMessage, error)
	DeviceStatuses(ctx context.Context) (map[string]county.DeviceReport, error)
	CodePage(ctx context.Context, f county.CodeFilter) ([]county.EnrollCodeInfo, string, error)
	CreateEnrollCodeAudited(ctx context.Context, p county.ServicePoint, e county.AuditEntry) (county.EnrollCode, error)
	RevokeDeviceAudited(ctx context.Context, id string, e county.AuditEntry) error
	AddCatalogVersion(ctx context.Context, v county.CatalogVersion, e county.AuditEntry) (county.CatalogVersion, error)
	CatalogVersions(ctx context.Context) ([]county.CatalogVersion, error)
	CatalogVersion(ctx context.Context, version string) (county.CatalogVersion, error)
	PublishCatalogVersion(ctx context.Context, version string, points []string, by string, e county.AuditEntry) ([]protocol.FeedItem, error)
	CatalogPublications(ctx context.Context) ([]county.Publication, error)
	SetOverride(ctx context.Context, o county.OverrideRecord, effective county.CatalogVersion, e county.AuditEntry) (protocol.FeedItem, error)
	Overrides(ctx context.Context) ([]county.OverrideRecord, error)
	Notices(ctx context.Context, caseID string, limit int) ([]county.NoticeRecord, error)
	NoticeCounts(ctx context.Context) (map[string]int, error)
	SMSConfig(ctx context.Context) (county.SMSConfig, error)
	SetSMSConfig(ctx context.Context, c county.SMSConfig, e county.AuditEntry) (county.SMSConfig, error)
	RequeueNotice(ctx context.Context, eventID string, e county.AuditEntry) error
}

func openAdmin(t *testing.T, open opener, now func() time.Time) adminStore {
	t.Helper()
	st, ok := open(t, now).(adminStore)
	if !ok {
		t.Fatal("the store has no back-office methods")
	}
	return st
}

// stepClock is a clock tests move by hand, safe from several goroutines.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newStepClock() *stepClock {
	return &stepClock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)} // 09:00 Beijing, a Monday
}

const testHash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"

func auditAs(action string) county.AuditEntry {
	return county.AuditEntry{StaffID: 1, StaffLogin: "admin", StaffName: "管理员", Action: action, ClientIP: "10.0.0.1"}
}

func auditCount(t *testing.T, st adminStore, f county.AuditFilter) int {
	t.Helper()
	_, n, err := st.AuditLog(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func contractStaffSessions(t *testing.T, open opener) {
	ctx := context.Background()
	clk := newStepClock()
	st := openAdmin(t, open, clk.now)
	wang, err := st.CreateStaff(ctx, county.Staff{Login: " Wang.Li ", Name: "王丽", Role: county.RoleReviewer}, testHash)
	if err != nil {
		t.Fatal(err)
	}
	if wang.ID == 0 || wang.Login != "wang.li" || !wang.Active {
		t.Errorf("created %+v, want an id, login wang.li, active", wang)
	}
	if _, err := st.CreateStaff(ctx, county.Staff{Login: "wang.li", Name: "另一个", Role: county.RoleAdmin}, testHash); !errors.Is(err, county.ErrExists) {
		t.Errorf("second wang.li: got %v, want ErrExists", err)
	}
	if _, err := st.CreateStaff(ctx, county.Staff{Login: "chen", Name: "陈", Role: county.RoleAdmin}, "plain"); err == nil {
		t.Error("a password that is not an argon2id hash was stored")
	}
	if _, err := st.CreateStaff(ctx, county.Staff{Login: "chen", Name: "陈", Role: county.RoleAdmin}, testHash); err != nil {
		t.Fatal(err)
	}
	got, err := st.StaffByLogin(ctx, "WANG.LI")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != wang.ID || got.PasswordHash != testHash || got.Name != "王丽" {
		t.Errorf("by login: got %+v, want id %d with its hash", got, wang.ID)
	}
	if _, err := st.StaffByLogin(ctx, "nobody"); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("unknown login: got %v, want ErrNotFound", err)
	}
	all, err := st.StaffMembers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Login != "chen" || all[1].Login != "wang.li" || all[1].PasswordHash != "" {
		t.Errorf("members: got %+v, want chen, wang.li without hashes", all)
	}

	tok := county.HashToken("cookie-1")
	if err := st.CreateSession(ctx, county.Session{TokenHash: tok, Staff: wang, CSRF: "csrf-1"}, clk.now().Add(-time.Hour), auditAs("login")); err != nil {
		t.Fatal(err)
	}
	se, err := st.Session(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if se.Staff.ID != wang.ID || se.CSRF != "csrf-1" || !se.LastSeen.Equal(clk.now()) {
		t.Errorf("session: got %+v, want wang.li's with csrf-1 seen now", se)
	}
	clk.add(10 * time.Minute)
	if err := st.TouchSession(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if se, err = st.Session(ctx, tok); err != nil || !se.LastSeen.Equal(clk.now()) {
		t.Errorf("touched session: got %v (%v), want seen %v", se.LastSeen, err, clk.now())
	}
	// A session idle past idleBefore goes when the next one is made.
	clk.add(2 * time.Hour)
	tok2 := county.HashToken("cookie-2")
	if err := st.CreateSession(ctx, county.Session{TokenHash: tok2, Staff: wang, CSRF: "csrf-2"}, clk.now().Add(-time.Hour), auditAs("login")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Session(ctx, tok); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("idle session: got %v, want ErrNotFound", err)
	}
	if err := st.SetStaffActive(ctx, wang.ID, false, auditAs("staff.disable")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Session(ctx, tok2); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("session of a disabled account: got %v, want ErrNotFound", err)
	}
	if err := st.SetStaffActive(ctx, 9999, true, auditAs("staff.enable")); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("unknown staff: got %v, want ErrNotFound", err)
	}
	if err := st.SetStaffActive(ctx, wang.ID, true, auditAs("staff.enable")); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.StaffByLogin(ctx, "wang.li"); !got.Active {
		t.Error("re-enabled account is not active")
	}
	tok3 := county.HashToken("cookie-3")
	if err := st.CreateSession(ctx, county.Session{TokenHash: tok3, Staff: wang, CSRF: "c"}, clk.now().Add(-time.Hour), auditAs("login")); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteSession(ctx, tok3, &county.AuditEntry{Action: "logout", ClientIP: "10.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Session(ctx, tok3); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("after logout: got %v, want ErrNotFound", err)
	}
	for action, want := range map[string]int{"login": 3, "logout": 1, "staff.disable": 1, "staff.enable": 1} {
		if got := auditCount(t, st, county.AuditFilter{Action: action}); got != want {
			t.Errorf("audit rows %s: got %d, want %d", action, got, want)
		}
	}
}

// Two creations of one login at once: one wins, the others get ErrExists
// (on PostgreSQL all may look before any inserts).
func contractStaffRace(t *testing.T, open opener) {
	ctx := context.Background()
	st := openAdmin(t, open, newStepClock().now)
	warm(st)
	const rounds = 10
	for r := range rounds {
		errs := race(8, func(i int) error {
			_, err := st.CreateStaff(ctx, county.Staff{Login: fmt.Sprint("zhao", r), Name: fmt.Sprintf("赵%d", i), Role: county.RoleReviewer}, testHash)
			return err
		})
		if n := wins(t, errs, county.ErrExists); n != 1 {
			t.Errorf("round %d: got %d winners, want 1", r, n)
		}
	}
	if all, _ := st.StaffMembers(ctx); len(all) != rounds {
		t.Errorf("got %d staff, want %d", len(all), rounds)
	}
}

// warm opens the connections a race will use, so the racers are not
// spread out by connection set-up and really meet.
func warm(st adminStore) {
	race(8, func(int) error { _, err := st.StaffMembers(context.Background()); return err })
}

// Sessions made at once (two browsers, two instances) all stand.
func contractSessionRace(t *testing.T, open opener) {
	ctx := context.Background()
	clk := newStepClock()
	st := openAdmin(t, open, clk.now)
	warm(st)
	li, err := st.CreateStaff(ctx, county.Staff{Login: "li", Name: "李", Role: county.RoleAdmin}, testHash)
	if err != nil {
		t.Fatal(err)
	}
	errs := race(8, func(i int) error {
		return st.CreateSession(ctx, county.Session{TokenHash: county.HashToken(fmt.Sprint("c", i)), Staff: li, CSRF: fmt.Sprint("x", i)},
			clk.now().Add(-time.Hour), auditAs("login"))
	})
	if n := wins(t, errs, nil); n != 8 {
		t.Errorf("got %d sessions made, want 8", n)
	}
	for i := range 8 {
		if se, err := st.Session(ctx, county.HashToken(fmt.Sprint("c", i))); err != nil || se.CSRF != fmt.Sprint("x", i) {
			t.Errorf("session %d: got %+v, %v", i, se, err)
		}
	}
	if got := auditCount(t, st, county.AuditFilter{Action: "login"}); got != 8 {
		t.Errorf("login audit rows: got %d, want 8", got)
	}
}

func contractAuditLog(t *testing.T, open opener) {
	ctx := context.Background()
	clk := newStepClock()
	st := openAdmin(t, open, clk.now)
	if err := st.Audit(ctx, county.AuditEntry{Action: "case.view"}); err == nil {
		t.Error("an audit row without a client address was written")
	}
	for i := range 5 {
		e := auditAs("case.view")
		if i%2 == 1 {
			e.StaffLogin, e.Action = "wang", "case.reveal"
		}
		e.CaseID, e.Subject = fmt.Sprint("case-", i%2), fmt.Sprint("330522-2026-00000", i)
		if err := st.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
		clk.add(24 * time.Hour)
	}
	for _, c := range []struct {
		name  string
		f     county.AuditFilter
		total int
		first string // subject of the newest row
	}{
		{"all", county.AuditFilter{}, 5, "330522-2026-000004"},
		{"staff", county.AuditFilter{Staff: "WANG"}, 2, "330522-2026-000003"},
		{"action", county.AuditFilter{Action: "case.view"}, 3, "330522-2026-000004"},
		{"case id", county.AuditFilter{Case: "case-1"}, 2, "330522-2026-000003"},
		{"subject", county.AuditFilter{Case: "330522-2026-000002"}, 1, "330522-2026-000002"},
		{"days", county.AuditFilter{From: "2026-03-03", To: "2026-03-04"}, 2, "330522-2026-000002"},
		{"page", county.AuditFilter{Limit: 2, Offset: 1}, 5, "330522-2026-000003"},
	} {
		rows, total, err := st.AuditLog(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if total != c.total || len(rows) == 0 || rows[0].Subject != c.first {
			t.Errorf("%s: got %d rows (total %d) first %+v, want total %d first %s", c.name, len(rows), total, rows, c.total, c.first)
		}
	}
	if _, _, err := st.AuditLog(ctx, county.AuditFilter{From: "March"}); err == nil {
		t.Error("a day that does not read was taken")
	}
}

func contractFleetOffice(t *testing.T, open opener) {
	ctx := context.Background()
	clk := newStepClock()
	st := openAdmin(t, open, clk.now)
	p := county.ServicePoint{Code: "330522101000", Name: "和平镇", Level: county.LevelTownship}
	code, err := st.CreateEnrollCodeAudited(ctx, p, auditAs("device.enroll_code"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateEnrollCodeAudited(ctx, p, county.AuditEntry{Action: "device.enroll_code"}); err == nil {
		t.Error("a code was made without its audit row")
	}
	codes := everyCode(t, st, clk.now())
	if len(codes) != 1 || codes[0].Code != code.Code || codes[0].Point != p || !codes[0].Used.IsZero() {
		t.Errorf("codes: got %+v, want the one made, unused", codes)
	}
	clk.add(time.Minute)
	dev, err := st.Enroll(ctx, code.Code, "hall-1", "0.9.0")
	if err != nil {
		t.Fatal(err)
	}
	clk.add(time.Minute)
	renamed := county.ServicePoint{Code: p.Code, Name: "和平镇便民服务中心", Level: p.Level}
	mustCode(t, st, renamed)
	mustCode(t, st, county.ServicePoint{Code: "330522101201", Name: "溪口村", Level: county.LevelVillage})
	pts, err := st.ServicePoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 2 || pts[0] != renamed || pts[1].Code != "330522101201" {
		t.Errorf("points: got %+v, want the renamed township and the village", pts)
	}
	codes = everyCode(t, st, clk.now())
	if len(codes) != 3 || codes[2].DeviceID != dev.ID || codes[2].Used.IsZero() {
		t.Errorf("codes: got %+v, want the oldest used by %s", codes, dev.ID)
	}
	if err := st.SetDeviceStatus(ctx, dev.ID, protocol.DeviceStatus{AppVersion: "0.9.1", Pending: 3}); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Minute)
	if err := st.SetDeviceStatus(ctx, dev.ID, protocol.DeviceStatus{AppVersion: "0.9.2", Pending: 0}); err != nil {
		t.Fatal(err)
	}
	sts, err := st.DeviceStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r := sts[dev.ID]; len(sts) != 1 || r.Status.AppVersion != "0.9.2" || !r.Received.Equal(clk.now()) {
		t.Errorf("statuses: got %+v, want the latest report of %s", sts, dev.ID)
	}
	if err := st.RevokeDeviceAudited(ctx, dev.ID, auditAs("device.revoke")); err != nil {
		t.Fatal(err)
	}
	if d, _ := st.Device(ctx, dev.ID); d.Revoked.IsZero() {
		t.Error("device not revoked")
	}
	rows, _, err := st.AuditLog(ctx, county.AuditFilter{Action: "device.revoke"})
	if err != nil || len(rows) != 1 || rows[0].Subject != dev.ID {
		t.Errorf("revoke audit: got %+v, %v, want one row on %s", rows, err, dev.ID)
	}
	if got := auditCount(t, st, county.AuditFilter{Action: "device.enroll_code"}); got != 1 {
		t.Errorf("code audit rows: got %d, want 1", got)
	}
}

func catalogDoc(version, title string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"version": %q, "matters": [{"code": "M1", "title": %q}]}`, version, title))
}

func contractCatalogOffice(t *testing.T, open opener) {
	ctx := context.Background()
	clk := newStepClock()
	st := openAdmin(t, open, clk.now)
	v1 := county.CatalogVersion{Version: "2026.1", Source: county.SourceImport, Matters: 1, CreatedBy: "admin", Doc: catalogDoc("2026.1", "a")}
	got, err := st.AddCatalogVersion(ctx, v1, auditAs("catalog.import"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.SHA256) != 64 || string(got.Doc) != `{"version":"2026.1","matters":[{"code":"M1","title":"a"}]}` {
		t.Errorf("added: got %s %s, want a hash and the compact document", got.SHA256, got.Doc)
	}
	if _, err := st.AddCatalogVersion(ctx, v1, auditAs("catalog.import")); err != nil {
		t.Errorf("the same document again: got %v, want nil", err)
	}
	v1b := v1
	v1b.Doc = catalogDoc("2026.1", "b")
	if _, err := st.AddCatalogVersion(ctx, v1b, auditAs("catalog.import")); !errors.Is(err, county.ErrExists) {
		t.Errorf("another document under 2026.1: got %v, want ErrExists", err)
	}
	if _, err := st.AddCatalogVersion(ctx, county.CatalogVersion{Version: " ", Doc: catalogDoc(" ", "a")}, auditAs("catalog.import")); err == nil {
		t.Error("a version without a name was stored")
	}
	if n := auditCount(t, st, county.AuditFilter{Action: "catalog.import"}); n != 1 {
		t.Errorf("import audit rows: got %d, want 1 (a no-op is not audited)", n)
	}
	clk.add(time.Minute)
	if _, err := st.AddCatalogVersion(ctx, county.CatalogVersion{Version: "2026.2", Source: county.SourceEdit, BaseVersion: "2026.1",
		Doc: catalogDoc("2026.2", "c")}, auditAs("catalog.edit")); err != nil {
		t.Fatal(err)
	}
	vs, err := st.CatalogVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Version != "2026.2" || vs[0].BaseVersion != "2026.1" || vs[0].Doc != nil {
		t.Errorf("versions: got %+v, want 2026.2 (from 2026.1) first, without documents", vs)
	}
	one, err := st.CatalogVersion(ctx, "2026.1")
	if err != nil || string(one.Doc) != string(got.Doc) || one.SHA256 != got.SHA256 {
		t.Errorf("version 2026.1: got %+v, %v", one, err)
	}
	if _, err := st.CatalogVersion(ctx, "1999"); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("unknown version: got %v, want ErrNotFound", err)
	}
	items, err := st.PublishCatalogVersion(ctx, "2026.1", []string{"330522101000", "330522102000"}, "王丽", auditAs("catalog.publish"))
	if err != nil {
		t.Fatal(err)
	}
	all, err := st.PublishCatalogVersion(ctx, "2026.2", nil, "王丽", auditAs("catalog.publish"))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || len(all) != 1 || !(items[0].Cursor < items[1].Cursor && items[1].Cursor < all[0].Cursor) {
		t.Errorf("published: got %+v then %+v, want 2 then 1 items in cursor order", items, all)
	}
	if _, err := st.PublishCatalogVersion(ctx, "2026.1", []string{"not-a-point"}, "王丽", auditAs("catalog.publish")); err == nil {
		t.Error("published to a point code that does not read")
	}
	pubs, err := st.CatalogPublications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pubs) != 3 || pubs[0].Point != "*" || pubs[0].Version != "2026.2" || pubs[2].Point != "330522101000" || pubs[0].Cursor != all[0].Cursor {
		t.Errorf("publications: got %+v, want newest first, * for all", pubs)
	}
	rows, _, _ := st.AuditLog(ctx, county.AuditFilter{Action: "catalog.publish"})
	if len(rows) != 2 || rows[0].Detail != "*" || rows[1].Detail != "330522101000,330522102000" {
		t.Errorf("publish audit: got %+v", rows)
	}

	eff := county.CatalogVersion{Version: "2026.1+330522101000.1", Source: county.SourceOverride, BaseVersion: "2026.1", Point: "330522101000",
		Doc: catalogDoc("2026.1+330522101000.1", "d")}
	it, err := st.SetOverride(ctx, county.OverrideRecord{Point: "330522101000", BaseVersion: "2026.1", Doc: json.RawMessage(`{"hide": ["M1"]}`), By: "王丽"},
		eff, auditAs("catalog.override"))
	if err != nil {
		t.Fatal(err)
	}
	if it.Kind != protocol.FeedCatalog || it.Cursor <= all[0].Cursor {
		t.Errorf("override item: got %+v, want a later catalog item", it)
	}
	eff2 := eff
	eff2.Version, eff2.Doc = "2026.1+330522101000.2", catalogDoc("2026.1+330522101000.2", "e")
	clk.add(time.Minute)
	if _, err := st.SetOverride(ctx, county.OverrideRecord{Point: "330522101000", BaseVersion: "2026.1", Doc: json.RawMessage(`{"hide": []}`), By: "陈"},
		eff2, auditAs("catalog.override")); err != nil {
		t.Fatal(err)
	}
	ovs, err := st.Overrides(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ovs) != 1 || ovs[0].EffectiveVersion != eff2.Version || ovs[0].By != "陈" || string(ovs[0].Doc) != `{"hide":[]}` || !ovs[0].Updated.Equal(clk.now()) {
		t.Errorf("overrides: got %+v, want the second one of 330522101", ovs)
	}
	if v, err := st.CatalogVersion(ctx, eff2.Version); err != nil || v.Point != "330522101000" || v.Source != county.SourceOverride {
		t.Errorf("effective version: got %+v, %v", v, err)
	}
	if _, err := st.SetOverride(ctx, county.OverrideRecord{Point: "x"}, eff2, auditAs("catalog.override")); err == nil {
		t.Error("an override for a point code that does not read was stored")
	}
}

// Two additions of one version at once with different documents: one
// wins, the others get ErrExists; with the same document all succeed.
func contractCatalogRace(t *testing.T, open opener) {
	ctx := context.Background()
	st := openAdmin(t, open, newStepClock().now)
	warm(st)
	errs := race(8, func(i int) error {
		_, err := st.AddCatalogVersion(ctx, county.CatalogVersion{Version: "2026.9", Source: county.SourceImport,
			Doc: catalogDoc("2026.9", fmt.Sprint("t", i))}, auditAs("catalog.import"))
		return err
	})
	if n := wins(t, errs, county.ErrExists); n != 1 {
		t.Errorf("different documents: got %d winners, want 1", n)
	}
	errs = race(8, func(i int) error {
		_, err := st.AddCatalogVersion(ctx, county.CatalogVersion{Version: "2026.10", Source: county.SourceImport,
			Doc: catalogDoc("2026.10", "same")}, auditAs("catalog.import"))
		return err
	})
	if n := wins(t, errs, nil); n != 8 {
		t.Errorf("the same document: got %d successes, want 8", n)
	}
	if vs, _ := st.CatalogVersions(ctx); len(vs) != 2 {
		t.Errorf("got %d versions, want 2", len(vs))
	}
}

func contractDocumentsOffice(t *testing.T, open opener) {
	ctx := context.Background()
	st := openAdmin(t, open, newStepClock().now)
	if _, err := st.PublishHolidays(ctx, json.RawMessage(`{"days": []}`)); err == nil {
		t.Error("a holiday calendar without a year was published")
	}
	for _, y := range []int{2026, 2027} {
		if _, err := st.PublishHolidays(ctx, json.RawMessage(fmt.Sprintf(`{"year": %d, "holidays": []}`, y))); err != nil {
			t.Fatal(err)
		}
	}
	docs, err := st.HolidayDocs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || string(docs[0]) != `{"year":2026,"holidays":[]}` {
		t.Errorf("holiday docs: got %s, want 2026 then 2027", docs)
	}
	c, err := st.CreateBooking(ctx, "330522101000", json.RawMessage(`{"id": "b-1", "day": "2026-03-03"}`))
	if err != nil {
		t.Fatal(err)
	}
	x, err := st.CancelBooking(ctx, "330522101000", json.RawMessage(`{"id": "b-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != protocol.FeedBookingCreated || x.Kind != protocol.FeedBookingCancelled || x.Cursor <= c.Cursor {
		t.Errorf("bookings: got %+v then %+v", c, x)
	}
	if _, err := st.CreateBooking(ctx, "330522101000", json.RawMessage(`{"day": "2026-03-03"}`)); err == nil {
		t.Error("a booking without an id was sent")
	}
	if _, err := st.CancelBooking(ctx, "nowhere", json.RawMessage(`{"id": "b-1"}`)); err == nil {
		t.Error("a booking was sent to a point code that does not read")
	}
	pc, err := st.PublishCatalog(ctx, "", catalogDoc("2026.3", "a"))
	if err != nil || pc.Kind != protocol.FeedCatalog || pc.Cursor <= x.Cursor {
		t.Errorf("catalog to all: got %+v, %v", pc, err)
	}
}

func contractSMSOffice(t *testing.T, open opener) {
	ctx := context.Background()
	st := openAdmin(t, open, newStepClock().now)
	if _, err := st.SMSConfig(ctx); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("before any: got %v, want ErrNotFound", err)
	}
	cfg := county.SMSConfig{Signature: "【长兴县政务服务】", Templates: map[string]county.SMSTemplate{
		protocol.NoticeCaseDenied: {Code: "SMS_100000005", Params: map[string]string{"code": county.ValTracking, "reason": county.ValReason}},
	}}
	if _, err := st.SetSMSConfig(ctx, county.SMSConfig{Signature: "x"}, auditAs("")); err == nil {
		t.Error("a one-character signature was stored")
	}
	saved, err := st.SetSMSConfig(ctx, cfg, auditAs(""))
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.SMSConfig(ctx)
	if err != nil || got.Signature != "长兴县政务服务" || saved.Signature != got.Signature || got.Templates[protocol.NoticeCaseDenied].Code != "SMS_100000005" {
		t.Errorf("config: got %+v, %v, want %+v", got, err, saved)
	}
	if n := auditCount(t, st, county.AuditFilter{Action: "sms.configure"}); n != 1 {
		t.Errorf("sms.configure audit rows: got %d, want 1", n)
	}
	counts, err := st.NoticeCounts(ctx)
	if err != nil || len(counts) != 0 {
		t.Errorf("counts: got %v, %v, want none", counts, err)
	}
	if ns, err := st.Notices(ctx, "", 10); err != nil || len(ns) != 0 {
		t.Errorf("notices: got %v, %v, want none", ns, err)
	}
	if err := st.RequeueNotice(ctx, "no-such-event", auditAs("")); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("requeue unknown: got %v, want ErrNotFound", err)
	}
}

// everyCode is every enrollment code, newest first: the unused ones, then
// the used and expired ones (a code is made at most once a moment here).
func everyCode(t *testing.T, st adminStore, now time.Time) []county.EnrollCodeInfo {
	t.Helper()
	var out []county.EnrollCodeInfo
	for _, spent := range []bool{false, true} {
		list, next, err := st.CodePage(context.Background(), county.CodeFilter{Spent: spent, Limit: county.FleetPageMax, Now: now})
		if err != nil || next != "" {
			t.Fatalf("codes: %v (next page %q)", err, next)
		}
		out = append(out, list...)
	}
	slices.SortStableFunc(out, func(a, b county.EnrollCodeInfo) int { return b.Created.Compare(a.Created) })
	return out
}

// contractAdmin runs the back office's part of the contract.
func contractAdmin(t *testing.T, open opener) {
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, open opener)
	}{
		{"StaffSessions", contractStaffSessions},
		{"StaffRace", contractStaffRace},
		{"SessionRace", contractSessionRace},
		{"AuditLog", contractAuditLog},
		{"Fleet", contractFleetOffice},
		{"FleetPages", contractFleetPages}, // contract_fleet_test.go
		{"Releases", contractReleases},     // contract_releases_test.go
		{"Catalog", contractCatalogOffice},
		{"CatalogRace", contractCatalogRace},
		{"Documents", contractDocumentsOffice},
		{"SMS", contractSMSOffice},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open) })
	}
}
