package hallsync

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/casewire"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/sync/protocol"
)

// BenchmarkAcceptVisibleAtAnotherMachine: a case accepted at window 2 (one
// SQLite commit with synchronous=FULL, as the counter does) until window 3
// holds it, through the hub over TLS on loopback: the push, the hub's
// commit, the log request that was waiting, and window 3's commit are all
// inside the timing. Reports p50 and p99.
func BenchmarkAcceptVisibleAtAnotherMachine(b *testing.B) {
	h := startTestHub(b)
	a, c := h.join(b, 2), h.join(b, 3)
	ctx := context.Background()
	for !a.repl.State().Online || !c.repl.State().Online {
		time.Sleep(10 * time.Millisecond)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		cs := newCase(b, a.db, a.blobs, 2)
		a.repl.Kick() // as the counter's service does after a commit
		for {
			if _, err := c.db.CaseByTracking(ctx, cs.Tracking); err == nil {
				break
			}
			time.Sleep(200 * time.Microsecond)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkBackfill: a machine newly paired with a hub whose hall holds
// 10,000 cases, from the pairing until it holds every one of them. The
// cases reach the hub as machines push them (batches of 500 accepted
// events, each a whole case of about 2 KB).
func BenchmarkBackfill(b *testing.B) {
	const n = 10000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		h := startTestHub(b)
		fill(b, h, n)
		b.StartTimer()
		start := time.Now()
		m := h.join(b, 9)
		ctx := context.Background()
		for {
			if got, _ := m.db.CaseCount(ctx); got >= n {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		took := time.Since(start)
		b.ReportMetric(took.Seconds(), "s/backfill")
		b.ReportMetric(n/took.Seconds(), "cases/s")
	}
}

// fill gives the hub n cases, pushed as a machine of the hall pushes them.
func fill(b *testing.B, h *testHub, n int) {
	ctx := context.Background()
	day := time.Now()
	var evs []protocol.Event
	flush := func() {
		res, err := h.db.HallAccept(ctx, "bench-machine", protocol.HallPush{Events: evs})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Status != protocol.HallAccepted {
				b.Fatalf("fill: %+v", r)
			}
		}
		evs = evs[:0]
	}
	seq := 0
	for i := 0; i < n; i++ {
		var code string
		for {
			var err error
			code, err = tracking.Encode(tracking.Parts{ServicePoint: point, Device: 30, Day: day.AddDate(0, 0, -seq/900), Seq: seq % 900})
			seq++
			if err == nil {
				break
			}
			if !errors.Is(err, tracking.ErrUnusable) {
				b.Fatal(err)
			}
		}
		c := cases.Case{ID: uuid.NewString(), Tracking: code, ServicePoint: point,
			Draft: cases.Draft{Matters: []string{"330000-SS-0001"},
				Applicant: cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "13857201234"},
				Fields: map[string]string{"business_scope": "餐饮服务、预包装食品销售", "business_address": "长兴县洪桥镇洪桥路18号",
					"organization_form": "个人经营", "registered_capital": "5", "employees": "3", "delivery": "窗口领取"},
				Materials: []cases.MaterialEntry{{Matter: "330000-SS-0001", Material: "id_card", State: cases.Shared},
					{Matter: "330000-SS-0001", Material: "application_form", State: cases.Original},
					{Matter: "330000-SS-0001", Material: "premises_proof", State: cases.Copy}}},
			Decision: cases.Accept, Status: cases.StatusAccepted, Accepted: day, Due: day.AddDate(0, 0, 5),
			Clerk: cases.Actor{Name: "王丽", Window: 2}, CatalogVer: "demo"}
		ce := protocol.CaseEvent{CaseID: c.ID, Tracking: c.Tracking, Version: 1, At: day, Actor: protocol.Actor{Name: "王丽", Window: 2},
			Data: json.RawMessage(`{"reason":""}`), Case: casewire.Doc(c)}
		p, _ := json.Marshal(ce)
		evs = append(evs, protocol.Event{ID: uuid.NewString(), Kind: "case.accepted", Created: day, Payload: p})
		if len(evs) == protocol.MaxBatch {
			flush()
		}
	}
	if len(evs) > 0 {
		flush()
	}
	if got, _ := h.db.CaseCount(ctx); got != n {
		b.Fatalf("hub holds %d cases, want %d", got, n)
	}
}
