package pgtest

import (
	"database/sql"
	"flag"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// recorder is a test that records how it ended.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// Without a PostgreSQL to start, a test needing one fails saying how to
// install it; with -short it is skipped instead.
func TestNoServer(t *testing.T) {
	t.Setenv("PGTEST_BINDIR", t.TempDir())
	short := flag.Lookup("test.short").Value.String()
	defer flag.Set("test.short", short)
	for _, tt := range []struct {
		short              string
		wantSkip, wantFail bool
	}{{"true", true, false}, {"false", false, true}} {
		flag.Set("test.short", tt.short)
		r := &recorder{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			Database(r)
		}()
		<-done
		if gotSkip, gotFail := r.skipped != "", r.failed != ""; gotSkip != tt.wantSkip || gotFail != tt.wantFail {
			t.Errorf("short=%s: got skipped %q failed %q, want skip %v fail %v", tt.short, r.skipped, r.failed, tt.wantSkip, tt.wantFail)
		}
		if tt.wantFail && !strings.Contains(r.failed, "packaging/deps.sh test") {
			t.Errorf("failure %q does not say how to install PostgreSQL", r.failed)
		}
	}
	if srv != nil {
		t.Errorf("a server started with no binaries")
	}
}

// A Durable server syncs its commits, as a packaged one does: a speed
// figure measured on it is comparable with SQLite's synchronous=FULL.
func TestDurableSyncsCommits(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server of its own")
	}
	dsn := Durable(t, "county")
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, name := range []string{"fsync", "synchronous_commit", "full_page_writes"} {
		var got string
		if err := db.QueryRow(`SHOW ` + name).Scan(&got); err != nil {
			t.Fatalf("SHOW %s: %v", name, err)
		}
		if got != "on" {
			t.Errorf("%s: got %s, want on", name, got)
		}
	}
}
