package store

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
)

const crashChildEnv = "YICHUANG_CRASH_CHILD_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path)
		return
	}
	code := m.Run()
	removeBenchHistory()
	os.Exit(code)
}

// crashChild commits actions as fast as it can, each a domain row plus its
// outbox event in one transaction, and prints an action's id only after its
// commit returned: a printed id is an acknowledged one, like a printed receipt.
func crashChild(path string) {
	ctx := context.Background()
	db, err := Open(ctx, path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(3)
	}
	if err := unlockForTest(ctx, db); err != nil {
		fmt.Fprintln(os.Stderr, "child unlock:", err)
		os.Exit(3)
	}
	err = db.update(ctx, func(t *tx) error {
		_, err := t.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS crash_probe (id TEXT PRIMARY KEY, body TEXT NOT NULL)`)
		return err
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child create:", err)
		os.Exit(3)
	}
	out := os.Stdout // unbuffered: each line is one write(2)
	for {
		id := uuid.NewString()
		err := db.update(ctx, func(t *tx) error {
			if _, err := t.ExecContext(ctx, `INSERT INTO crash_probe (id, body) VALUES (?, ?)`, id, strings.Repeat("案", 200)); err != nil {
				return err
			}
			_, err := t.emit(ctx, "test.crash_probe", map[string]string{"id": id})
			return err
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "child update:", err)
			os.Exit(4)
		}
		fmt.Fprintln(out, id)
	}
}

// TestKill9KeepsEveryAcknowledgedAction kills a writing process at random
// moments and checks that every action it acknowledged survived, with its
// outbox row, in a database that passes integrity_check.
func TestKill9KeepsEveryAcknowledgedAction(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	const rounds = 24
	var acked []string
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Let it start (open, migrate) and then write for a random while.
		time.Sleep(time.Duration(80+rand.IntN(400)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		n := 0
		for id := range lines {
			// A line cut by the kill is not a whole id and was never acknowledged.
			if _, err := uuid.Parse(id); err == nil {
				acked = append(acked, id)
				n++
			}
		}
		cmd.Wait()
		if strings.Contains(stderr.String(), "child") {
			t.Fatalf("round %d: child failed: %s", round, stderr.String())
		}
		t.Logf("round %d: %d actions acknowledged before kill -9", round, n)
	}
	if len(acked) < rounds {
		t.Fatalf("only %d actions acknowledged over %d rounds; the child barely ran", len(acked), rounds)
	}

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("reopen after kills: %v", err)
	}
	defer db.Close()
	if err := db.Check(ctx); err != nil {
		t.Fatalf("integrity_check after kills: %v", err)
	}
	ids := func(q string) map[string]bool {
		rows, err := db.r.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		set := map[string]bool{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			set[id] = true
		}
		return set
	}
	stored := ids(`SELECT id FROM crash_probe`)
	unlocked(t, db)
	pending, err := db.PendingEvents(ctx, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	events := map[string]bool{}
	for _, e := range pending {
		var p struct{ ID string }
		json.Unmarshal(e.Payload, &p)
		events[p.ID] = true
	}
	missing := 0
	for _, id := range acked {
		if !stored[id] || !events[id] {
			missing++
			if missing <= 5 {
				t.Errorf("acknowledged action %s: row stored %v, outbox event stored %v; want both", id, stored[id], events[id])
			}
		}
	}
	// Every row has its event and no event lacks its row: the pair is atomic
	// even for the commits that were cut short.
	for id := range stored {
		if !events[id] {
			t.Errorf("row %s has no outbox event", id)
		}
	}
	for id := range events {
		if !stored[id] {
			t.Errorf("outbox event for %s has no row", id)
		}
	}
	t.Logf("%d acknowledged actions over %d kill -9 rounds, %d missing", len(acked), rounds, missing)
}
