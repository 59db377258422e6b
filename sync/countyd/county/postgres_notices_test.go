package county

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Every countyd instance on PostgreSQL runs an SMS sender over the one
// queue: a due notice must go to one sender only, and come back to the
// queue if that sender's instance dies before recording its round.
func TestPostgresNoticeClaims(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	dsn, key := pgtest.Database(t), filepath.Join(t.TempDir(), "secrets.key")
	open := func() *Postgres { // an instance of countyd
		s, err := OpenPostgres(ctx, dsn, PostgresOptions{Now: clock, SecretsKey: key})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	if _, err := a.SetSMSConfig(ctx, SMSConfig{Signature: "长兴县政务服务", Templates: map[string]SMSTemplate{
		protocol.NoticeCaseDenied: {Code: "SMS_100000005", Params: map[string]string{"code": ValTracking}},
	}}, AuditEntry{Action: "sms.configure", ClientIP: "10.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	const n = 40
	for i := range n {
		id := fmt.Sprintf("c%02d", i)
		if _, err := a.db.ExecContext(ctx, `INSERT INTO cases (case_id, county_case, service_point, tracking, version, kiosk_status, doc, first_seen, updated_at)
			VALUES ($1, $2, '330522101000', $3, 1, 'submitted', '{}', $4, $4)`, id, "330522-2026-0000"+fmt.Sprintf("%02d", i), "T"+id, ts(now)); err != nil {
			t.Fatal(err)
		}
		if _, err := a.db.ExecContext(ctx, `INSERT INTO notices (event_id, case_id, template, case_version, point_code, mobile, text, created_at, params)
			VALUES ($1, $2, $3, 1, '330522101000', '13800000000', 'x', $4, '{"tracking": "T"}')`, "e"+id, id, protocol.NoticeCaseDenied, ts(now.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	// Two instances' senders, four rounds each at once.
	senders := []*Postgres{a, a, a, a, b, b, b, b}
	got := make([][]Outgoing, len(senders))
	errs := make([]error, len(senders))
	var wg sync.WaitGroup
	for i, s := range senders {
		wg.Add(1)
		go func() { defer wg.Done(); got[i], errs[i] = s.DueNotices(ctx, 10) }()
	}
	wg.Wait()
	seen := map[string]int{}
	for i := range senders {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		for _, o := range got[i] {
			seen[o.EventID]++
		}
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("notice %s: got %d senders, want 1", id, k)
		}
	}
	if len(seen) != n {
		t.Errorf("got %d notices taken, want all %d", len(seen), n)
	}
	if again, err := a.DueNotices(ctx, 100); err != nil || len(again) != 0 {
		t.Errorf("while claimed: got %d, %v, want none", len(again), err)
	}
	// One round is recorded; the others' instances "died".
	var o Outgoing
	for _, g := range got {
		if len(g) > 0 {
			o = g[0]
		}
	}
	if err := a.RecordNoticeTries(ctx, o, NoticeOutcome{Sent: true, ProviderID: "p1", Tries: []NoticeTry{{At: now, HTTP: 200}}}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(noticeLease + time.Second)
	mu.Unlock()
	back, err := a.DueNotices(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != n-1 {
		t.Errorf("after the lease: got %d back, want %d", len(back), n-1)
	}
	for _, b := range back {
		if b.EventID == o.EventID {
			t.Errorf("the sent notice %s came back", o.EventID)
		}
	}
}
