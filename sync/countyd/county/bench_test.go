package county_test

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// BenchmarkIngest measures county ingest on SQLite (synchronous=FULL) over
// real HTTP: each op is one signed push of 500 case events with ~2 KB case
// documents, half new cases and half later events of cases already seen.
//
//	go test -tags sqlite_fts5,no_emoji -run '^$' -bench Ingest -benchtime 20x ./sync/countyd/county/
func BenchmarkIngest(b *testing.B) { benchIngest(b, "") }

// BenchmarkIngestPostgres is BenchmarkIngest on PostgreSQL (pgtest's
// server runs with fsync off: the figure flatters it against SQLite's).
func BenchmarkIngestPostgres(b *testing.B) { benchIngest(b, pgtest.Database(b)) }

func benchIngest(b *testing.B, url string) {
	// The request log goes nowhere (as to a file in production), not
	// into the benchmark's output.
	e := newEnvOn(b, slog.New(slog.DiscardHandler), url)
	point := countytest.TestPoint.Code
	type open struct {
		id, tracking string
		version      int
	}
	var seen []open
	batch := func() []byte {
		evs := make([]protocol.Event, 0, protocol.MaxBatch)
		for len(evs) < protocol.MaxBatch {
			if len(seen) > 0 && len(evs)%2 == 1 {
				c := &seen[len(evs)%len(seen)]
				c.version++
				evs = append(evs, caseEvent(c.id, c.tracking, point, c.version, "case.supplemented", "accepted", sha64(c.version)))
				continue
			}
			id, tr := newCase()
			seen = append(seen, open{id, tr, 1})
			evs = append(evs, caseEvent(id, tr, point, 1, "case.accepted", "accepted", sha64(1)))
		}
		return pushBody(b, evs)
	}
	var size int
	var cpu time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		body := batch()
		size += len(body)
		b.StartTimer()
		c0 := cpuTime()
		status, _, resp := e.c.Do(b, e.dev, e.secret, "POST", "/api/v1/events", body, nil)
		if status != http.StatusOK {
			b.Fatalf("push: %d %s", status, resp)
		}
		cpu += cpuTime() - c0
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*protocol.MaxBatch)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*protocol.MaxBatch), "cpu-µs/event")
	b.ReportMetric(float64(size)/float64(b.N*protocol.MaxBatch), "bytes/event")
	if st := e.stats(b); st.Applied != int64(b.N*protocol.MaxBatch) {
		b.Fatalf("applied %d, want %d", st.Applied, b.N*protocol.MaxBatch)
	}
}

func sha64(v int) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 64)
	for i := range b {
		b[i] = hex[(v+i)%16]
	}
	return string(b)
}
