package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/sync/protocol"
)

// history is a kiosk's past made through the store's own write paths:
// cases accepted over the days (every fifth by the village agent), each
// with its own scan, then delivered, sent to the county and its file
// uploaded, except the last open ones.
type history struct {
	db    *DB
	clk   *clock.Manual
	agent int64
	// The agent's cases by tracking code: open, closed recently (within
	// the work list's window) or closed before it.
	open, recent, old map[string]bool
	// recentOrder is recent's codes in the order they were closed.
	recentOrder []string
}

// makeHistory writes n cases, perDay a day, leaving the last openTail open.
// Generation runs without fsync (synchronous=OFF on the writer); the
// writer goes back to the store's setting before anything is measured.
func makeHistory(tb testing.TB, n, perDay, openTail int) *history {
	tb.Helper()
	h := writeHistory(tb, tb.TempDir(), n, perDay, openTail)
	tb.Cleanup(func() { h.db.Close() })
	return h
}

func writeHistory(tb testing.TB, dir string, n, perDay, openTail int) *history {
	tb.Helper()
	ctx := context.Background()
	clk := clock.NewManual(t0)
	db, err := Open(ctx, filepath.Join(dir, "kiosk.db"), Options{Clock: clk})
	if err != nil {
		tb.Fatal(err)
	}
	unlocked(tb, db)
	if err := db.SetDeviceNumber(ctx, 1); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `PRAGMA synchronous = OFF`); err != nil {
		tb.Fatal(err)
	}
	h := &history{db: db, clk: clk, agent: 7, open: map[string]bool{}, recent: map[string]bool{}, old: map[string]bool{}}
	step := 24 * time.Hour / time.Duration(perDay)
	end := t0.Add(time.Duration(n) * step)
	since := cases.WorkListSince(end)
	for i := 0; i < n; i++ {
		c := sampleCase()
		c.Attachments[0].SHA256 = fmt.Sprintf("%064x", i)
		mine := i%5 == 0
		if mine {
			c.Proxy = &cases.Proxy{Agent: cases.Actor{ID: h.agent, Name: "李网格"}, Village: "东村"}
		}
		c, err := db.CreateCase(ctx, c, cases.Actor{Name: "王丽", Window: 3})
		if err != nil {
			tb.Fatal(err)
		}
		open := i >= n-openTail
		if !open {
			c.Status = cases.StatusDelivered
			if _, err := db.UpdateCase(ctx, c, cases.EvDelivered, cases.Actor{Name: "王丽", Window: 3}, nil); err != nil {
				tb.Fatal(err)
			}
			if err := db.MarkUploaded(ctx, c.Attachments[0].SHA256); err != nil {
				tb.Fatal(err)
			}
		}
		if mine {
			switch {
			case open:
				h.open[c.Tracking] = true
			case !clk.Now().Before(since):
				h.recent[c.Tracking] = true
				h.recentOrder = append(h.recentOrder, c.Tracking)
			default:
				h.old[c.Tracking] = true
			}
		}
		clk.Advance(step)
		if i%500 == 499 || i == n-1 {
			h.ackAll(tb)
		}
	}
	if _, err := db.w.ExecContext(ctx, `PRAGMA synchronous = FULL`); err != nil {
		tb.Fatal(err)
	}
	return h
}

// ackAll answers every pending event as the county would: applied.
func (h *history) ackAll(tb testing.TB) { ackPending(tb, h.db) }

// ackPending answers every pending event as the county does (RecordPush,
// the sync's own path) and returns how many there were.
func ackPending(tb testing.TB, db *DB) int {
	tb.Helper()
	ctx := context.Background()
	n := 0
	for {
		evs, err := db.PendingEvents(ctx, 500)
		if err != nil {
			tb.Fatal(err)
		}
		if len(evs) == 0 {
			return n
		}
		res := make([]protocol.Result, len(evs))
		for i, e := range evs {
			res[i] = protocol.Result{ID: e.ID, Status: protocol.Applied}
		}
		if err := db.RecordPush(ctx, res); err != nil {
			tb.Fatal(err)
		}
		n += len(evs)
	}
}

// TestAgentCasesOpenAndRecent: the work list holds the agent's open cases
// and the latest of those closed within the window, never one closed
// before it.
func TestAgentCasesOpenAndRecent(t *testing.T) {
	h := makeHistory(t, 400, 10, 20) // 40 days, the last 2 open
	if len(h.open) == 0 || len(h.recent) < 10 || len(h.old) == 0 {
		t.Fatalf("history without every kind of case: %d open, %d recent, %d old", len(h.open), len(h.recent), len(h.old))
	}
	for _, tc := range []struct {
		name       string
		closed     int
		wantClosed []string
	}{
		{"all closed within the window", 1000, h.recentOrder},
		{"the latest 5 closed", 5, h.recentOrder[len(h.recentOrder)-5:]},
	} {
		list, err := h.db.AgentCases(context.Background(), h.agent, cases.WorkListSince(h.clk.Now()), tc.closed)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for i, tr := range list {
			got[tr.Case.Tracking] = true
			if h.old[tr.Case.Tracking] {
				t.Errorf("%s: case %s closed before the window is on the work list", tc.name, tr.Case.Tracking)
			}
			if i > 0 && tr.Case.Accepted.Before(list[i-1].Case.Accepted) {
				t.Errorf("%s: work list out of acceptance order at %d", tc.name, i)
			}
			if tr.Case.Proxy == nil || tr.Case.Proxy.Agent.ID != h.agent {
				t.Errorf("%s: case %s is not the agent's", tc.name, tr.Case.Tracking)
			}
		}
		for code := range h.open {
			if !got[code] {
				t.Errorf("%s: open case %s missing", tc.name, code)
			}
		}
		for _, code := range tc.wantClosed {
			if !got[code] {
				t.Errorf("%s: closed case %s missing", tc.name, code)
			}
		}
		if want := len(h.open) + len(tc.wantClosed); len(list) != want {
			t.Errorf("%s: got %d cases, want %d", tc.name, len(list), want)
		}
	}
}

// TestSyncStatusCountsWaitingFiles: the waiting files are counted and
// listed, and an uploaded one leaves both (attachments_to_upload holds the
// waiting ones only).
func TestSyncStatusCountsWaitingFiles(t *testing.T) {
	h := makeHistory(t, 60, 10, 4)
	ctx := context.Background()
	st, err := h.db.SyncStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	up, err := h.db.PendingUploads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Uploads != 4 || len(up) != 4 || st.Pending != 0 {
		t.Errorf("got %d uploads (%d listed), %d pending events; want 4, 4, 0", st.Uploads, len(up), st.Pending)
	}
	if err := h.db.MarkUploaded(ctx, up[0]); err != nil {
		t.Fatal(err)
	}
	if st, _ := h.db.SyncStatus(ctx); st.Uploads != 3 {
		t.Errorf("after an upload: got %d, want 3", st.Uploads)
	}
}

// The benchmarks measure the two reads issue 18 found growing with the
// kiosk's age, at 20,000 cases (200 a day, every fifth by the agent).
const benchCases = 20000

// benchKiosk is written once for all benchmark runs (the testing package
// calls a benchmark several times); TestMain removes its folder.
var (
	benchOnce sync.Once
	benchH    *history
	benchDir  string
)

func benchHistory(b *testing.B) *history {
	benchOnce.Do(func() {
		var err error
		if benchDir, err = os.MkdirTemp("", "yichuang-bench-"); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		benchH = writeHistory(b, benchDir, benchCases, 200, 50)
		b.Logf("%d cases written in %v", benchCases, time.Since(start))
	})
	if benchH == nil {
		b.Fatal("no benchmark history")
	}
	return benchH
}

func removeBenchHistory() {
	if benchH != nil {
		benchH.db.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
}

func BenchmarkAgentCases(b *testing.B) {
	h := benchHistory(b)
	ctx := context.Background()
	since := cases.WorkListSince(h.clk.Now())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		list, err := h.db.AgentCases(ctx, h.agent, since, cases.WorkListClosed)
		if err != nil {
			b.Fatal(err)
		}
		if len(list) == 0 {
			b.Fatal("empty work list")
		}
	}
}

func BenchmarkSyncStatus(b *testing.B) {
	h := benchHistory(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.db.SyncStatus(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := h.db.PendingUploads(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
