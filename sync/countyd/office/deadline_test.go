package office_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/office"
	"github.com/yichuang/yichuang/sync/protocol"
)

// statusLogCounter is the county store counting how often the back office
// reads a case's status log.
type statusLogCounter struct {
	*county.SQLite
	reads atomic.Int64
}

func (s *statusLogCounter) CaseStatusLog(ctx context.Context, caseID string) ([]county.StatusLogEntry, error) {
	s.reads.Add(1)
	return s.SQLite.CaseStatusLog(ctx, caseID)
}

// The case list judges the due date moved by the pauses, in its filters
// and its highlights alike: a case the county asked for 补正 before its
// day is not overdue once that day passed, and shows under 暂停计时 with
// its label; a case with no pause whose day passed is overdue. The list
// reads no status log, whatever its length.
func TestCaseListJudgesTheMovedDateWithoutReadingStatusLogs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.clock.Set(time.Date(2026, 11, 20, 10, 0, 0, 0, t0.Location()))
	paused := e.push(t, newSeed("补正人", time.Date(2026, 11, 25, 0, 0, 0, 0, t0.Location())))
	late := e.push(t, newSeed("过期人", time.Date(2026, 11, 24, 0, 0, 0, 0, t0.Location())))
	for range 5 {
		e.push(t, newSeed("正常人", time.Date(2026, 12, 10, 0, 0, 0, 0, t0.Location())))
	}
	if _, err := e.st.SetCaseStatus(ctx, county.StatusChange{Case: paused, Status: "correction", By: "李审",
		Supplements: []protocol.Supplement{{Name: "经营场所使用证明"}}, SupplyBy: "2026-12-04"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(t0)

	counter := &statusLogCounter{SQLite: e.st}
	srv := httptest.NewServer(office.New(counter, office.Options{Now: e.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	b := e.client(t)
	b.base = srv.URL
	jar, _ := cookiejar.New(nil)
	b.c.Jar = jar
	b.mustLogin("lishen")
	tests := []struct {
		query      string
		want, miss []string
	}{
		{"?deadline=overdue", []string{late}, []string{paused}},
		{"?deadline=paused", []string{paused, "暂停计时（补正中）"}, []string{late}},
		{"", []string{paused, late, "暂停计时（补正中）", `class="overdue"`}, nil},
	}
	for _, tt := range tests {
		status, body := b.get("/office/cases" + tt.query)
		if status != http.StatusOK {
			t.Fatalf("cases%s: status %d", tt.query, status)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("cases%s: missing %q", tt.query, w)
			}
		}
		for _, m := range tt.miss {
			if strings.Contains(body, m) {
				t.Errorf("cases%s: has %q", tt.query, m)
			}
		}
	}
	if n := counter.reads.Load(); n != 0 {
		t.Errorf("the case list read %d status logs, want none", n)
	}
	// The paused case's row is not highlighted overdue.
	_, body := b.get("/office/cases?deadline=paused")
	if strings.Contains(body, `class="overdue"`) {
		t.Errorf("a case whose clock stopped before its day is highlighted overdue")
	}
}
