package countylink_test

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/sync/client"
)

// meter counts what goes up the link: request bytes (headers and body as
// sent), requests and new connections, each of which costs a round trip.
type meter struct {
	bytes, requests, dials atomic.Int64
	base                   *http.Transport
}

func newMeter() *meter {
	m := &meter{}
	d := &net.Dialer{Timeout: 30 * time.Second}
	m.base = &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		m.dials.Add(1)
		return d.DialContext(ctx, network, addr)
	}, MaxIdleConnsPerHost: 4}
	return m
}

func (m *meter) RoundTrip(r *http.Request) (*http.Response, error) {
	m.requests.Add(1)
	n := int64(len(r.Method) + len(r.URL.RequestURI()) + 12)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += int64(len(k) + len(v) + 4)
		}
	}
	if r.ContentLength > 0 {
		n += r.ContentLength
	}
	m.bytes.Add(n)
	return m.base.RoundTrip(r)
}

// The link of the goal: 1 Mbit/s up, 200 ms round trip.
const (
	linkBytesPerSec = 125_000
	linkRTT         = 200 * time.Millisecond
)

// BenchmarkDrain empties a kiosk's outbox of 10,000 events through a
// toxiproxy link of 1 Mbit/s and 200 ms RTT, batched and gzip-compressed,
// and reports the time as a ratio to the link's bound (bytes ÷ bandwidth +
// round trips × RTT; goal ≤ 1.3). The per-event pattern (one uncompressed
// request per event, as ODK Collect and OpenCRVS send submissions) drains
// a further 200 events for comparison; its per-event time is reported and
// projected to 10,000. Run with -benchtime 1x: the setup alone writes
// 10,000 cases.
func BenchmarkDrain(b *testing.B) {
	ctx := context.Background()
	cd := halltest.StartCountyd(b, b.TempDir(), "127.0.0.1:0")
	proxy := hostileLink(b, cd.Listen)
	h, l, sup := halltest.Enrolled(b, cd, "http://"+proxy.Listen)
	sc := func(n int) {
		for i := 0; i < n; i++ {
			h.AcceptDeferredCase(b, sup)
		}
	}
	toxic(b, proxy, "up", "latency", "upstream", `{"latency": 100}`)
	toxic(b, proxy, "down", "latency", "downstream", `{"latency": 100}`)
	toxic(b, proxy, "bw", "bandwidth", "upstream", `{"rate": 125}`)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		before, _ := h.DB.SyncStatus(ctx)
		sc(10_000 - before.Pending)
		st, _ := h.DB.SyncStatus(ctx)
		m := newMeter()
		l.SetClientOptions(client.Options{Gzip: true, Transport: m, AttemptTimeout: 2 * time.Minute})
		b.StartTimer()
		t0 := time.Now()
		rep, err := l.Round(ctx)
		elapsed := time.Since(t0)
		b.StopTimer()
		if err != nil || rep.Pushed != st.Pending {
			b.Fatalf("drain: %+v, %v (pending %d)", rep, err, st.Pending)
		}
		// A request costs one round trip. Connecting costs none here:
		// toxiproxy accepts locally and delays only data (dials are
		// reported so a connection per request would show).
		bound := time.Duration(float64(m.bytes.Load())/linkBytesPerSec*float64(time.Second)) + time.Duration(m.requests.Load())*linkRTT
		b.ReportMetric(elapsed.Seconds(), "drain-s")
		b.ReportMetric(bound.Seconds(), "bound-s")
		b.ReportMetric(elapsed.Seconds()/bound.Seconds(), "ratio")
		b.ReportMetric(float64(m.bytes.Load())/float64(st.Pending), "bytes/event")
		b.ReportMetric(float64(m.requests.Load()), "requests")
		b.ReportMetric(float64(m.dials.Load()), "dials")

		// The per-event pattern, on a sample.
		const sample = 200
		sc(sample)
		pe := newMeter()
		l.SetClientOptions(client.Options{Transport: pe, AttemptTimeout: 2 * time.Minute})
		s, err := l.Syncer(ctx)
		if err != nil {
			b.Fatal(err)
		}
		s.BatchSize = 1
		t1 := time.Now()
		if rep, err := s.Once(ctx); err != nil || rep.Pushed != sample {
			b.Fatalf("per-event drain: %+v, %v", rep, err)
		}
		per := time.Since(t1) / sample
		b.ReportMetric(per.Seconds()*1000, "per-event-ms")
		b.ReportMetric((per * 10_000).Seconds(), "per-event-10k-s")
		b.ReportMetric(float64(pe.bytes.Load())/sample, "per-event-bytes/event")
	}
}
