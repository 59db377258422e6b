package countylink_test

import (
	"context"
	"fmt"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/Shopify/toxiproxy/v2"
	"github.com/Shopify/toxiproxy/v2/collectors"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/sync/client"
)

// hostileLink puts a toxiproxy between the kiosk and the county.
func hostileLink(t testing.TB, upstream string) *toxiproxy.Proxy {
	t.Helper()
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	srv.Metrics.ProxyMetrics = collectors.NewProxyMetricCollectors()
	p := toxiproxy.NewProxy(srv, "county", "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

func toxic(t testing.TB, p *toxiproxy.Proxy, name, kind, stream string, attrs string) {
	t.Helper()
	js := fmt.Sprintf(`{"name": %q, "type": %q, "stream": %q, "toxicity": 1, "attributes": %s}`, name, kind, stream, attrs)
	if _, err := p.Toxics.AddToxicJson(strings.NewReader(js)); err != nil {
		t.Fatalf("toxic %s: %v", name, err)
	}
}

// TestSyncThroughAHostileLink sends 1,000 cases (100 with a scan, 200 with
// a second event) through latency, a 64 KB/s link, reset connections,
// stalls and sliced packets, and through a county killed with SIGKILL in
// the middle of it. Every case and file must arrive exactly once, each
// case's events in order.
func TestSyncThroughAHostileLink(t *testing.T) {
	if testing.Short() {
		t.Skip("fault injection takes a minute or two")
	}
	ctx := context.Background()
	dataDir := t.TempDir()
	cd := halltest.StartCountyd(t, dataDir, "127.0.0.1:0")
	proxy := hostileLink(t, cd.Listen)
	h, l, sup := halltest.Enrolled(t, cd, "http://"+proxy.Listen)
	// Short waits: the test drives rounds itself instead of waiting minutes.
	l.SetClientOptions(client.Options{Gzip: true, AttemptTimeout: 8 * time.Second, RetryMax: 2, RetryWaitMin: 20 * time.Millisecond, RetryWaitMax: 200 * time.Millisecond})

	svc := h.Intake(t)
	var err error
	var all []cases.Case
	accept := func(n int) { // a tenth with a scan, a fifth with a second event
		for i := len(all); n > 0; i, n = i+1, n-1 {
			var cs cases.Case
			if i%10 == 0 {
				cs = h.CaseWithScan(t, sup, 6<<10)
			} else {
				_, cs = h.AcceptDeferredCase(t, sup)
			}
			if i%5 == 1 { // the applicant authorizes a collector
				if cs, err = svc.Counter.Authorize(ctx, sup, cs, cases.Person{Name: "李四", IDNumber: "330522198805060018"}); err != nil {
					t.Fatal(err)
				}
			}
			all = append(all, cs)
		}
	}

	type phase struct{ name, kind, stream, attrs string }
	phases := []phase{
		{"latency", "latency", "downstream", `{"latency": 500, "jitter": 50}`},
		{"bandwidth", "bandwidth", "upstream", `{"rate": 64}`},
		{"reset_peer", "reset_peer", "upstream", `{"timeout": 400}`},
		{"timeout", "timeout", "downstream", `{"timeout": 1500}`},
		{"slicer", "slicer", "upstream", `{"average_size": 64, "size_variation": 32, "delay": 200}`},
	}
	var rounds, failures, repeats int
	var mu gosync.Mutex
	runRounds := func(d time.Duration) {
		end := time.Now().Add(d)
		for time.Now().Before(end) {
			rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			rep, err := l.Round(rctx)
			mu.Lock()
			if err != nil {
				failures++
			}
			repeats += rep.Repeats
			mu.Unlock()
			cancel()
			rounds++
		}
	}
	before, err := h.DB.SyncStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantEvents := before.Pending // enrollment pushed nothing: the set-up events
	for _, ph := range phases {
		// Each toxic gets its share of the work: 200 cases accepted while
		// the link was down, then sent through the toxic.
		st, _ := h.DB.SyncStatus(ctx)
		accept(200)
		after, _ := h.DB.SyncStatus(ctx)
		wantEvents += after.Pending - st.Pending
		toxic(t, proxy, ph.name, ph.kind, ph.stream, ph.attrs)
		if ph.name == "bandwidth" {
			// The county dies mid-batch: SIGKILL while a slow push is in
			// flight, then starts again on the same address and data.
			done := make(chan struct{})
			go func() { runRounds(1500 * time.Millisecond); close(done) }()
			time.Sleep(400 * time.Millisecond)
			cd.Stop()
			<-done
			cd = halltest.StartCountyd(t, dataDir, cd.Listen)
		}
		runRounds(4 * time.Second)
		proxy.Toxics.ResetToxics(ctx)
	}
	// A clear link: everything left goes through.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		st, err := h.DB.SyncStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Pending == 0 && st.Uploads == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still pending after the link cleared: %+v", st)
		}
		runRounds(time.Second)
	}
	t.Logf("%d rounds, %d ended in a link error, %d events answered as repeats", rounds, failures, repeats)
	if failures == 0 || repeats == 0 {
		t.Error("no round failed or no answer was lost: the toxics did not bite, so this test proved nothing")
	}
	if q, _ := h.DB.Quarantined(ctx); len(q) != 0 {
		t.Fatalf("%d events quarantined, first: %+v", len(q), q[0])
	}

	cd.Stop()
	cs := halltest.CountyStore(t, dataDir)
	st, err := cs.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Cases != 1000 || st.CompleteBlobs != 100 || st.Rejected != 0 || int(st.Applied) != wantEvents {
		t.Errorf("county holds %d cases, %d complete files, %d applied events (kiosk sent %d), %d rejected; want 1000, 100, %d, 0",
			st.Cases, st.CompleteBlobs, st.Applied, wantEvents, st.Rejected, wantEvents)
	}
	for _, c := range all {
		log, err := cs.CaseLog(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if c.Version == 2 {
			want = 2
		}
		ids := map[string]bool{}
		for i, e := range log {
			if ids[e.EventID] || e.Version != i+1 {
				t.Fatalf("case %s: county log %+v, want versions 1..%d once each, in order", c.Tracking, log, want)
			}
			ids[e.EventID] = true
		}
		if len(log) != want {
			t.Fatalf("case %s: %d events at the county, want %d", c.Tracking, len(log), want)
		}
	}
}
