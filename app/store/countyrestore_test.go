package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/sync/protocol"
)

// TestCountyRestoredSendsAgain: county.restored puts back into the outbox
// the events the county acknowledged since its backup (less a day for the
// two clocks), and only those: older ones are in the backup, and an event
// the hall withdrew or compaction emptied is not sent again.
func TestCountyRestoredSendsAgain(t *testing.T) {
	db, clk := openTemp(t)
	ctx := context.Background()
	if err := db.SetDeviceNumber(ctx, 1); err != nil {
		t.Fatal(err)
	}
	ack := func() []string {
		t.Helper()
		evs, err := db.SendableEvents(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		var res []protocol.Result
		var ids []string
		for _, e := range evs {
			res = append(res, protocol.Result{ID: e.ID, Status: protocol.Applied})
			ids = append(ids, e.ID)
		}
		if err := db.RecordPush(ctx, res); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	db.CreateCase(ctx, sampleCase(), cases.Actor{Name: "王丽"})
	old := ack() // acknowledged three days before the backup
	clk.Advance(3 * 24 * time.Hour)
	backupAt := clk.Now()
	clk.Advance(-2 * time.Hour) // acknowledged just before the backup, by a kiosk clock behind
	db.CreateCase(ctx, sampleCase(), cases.Actor{Name: "王丽"})
	early := ack()
	clk.Advance(5 * time.Hour)
	for range 3 {
		db.CreateCase(ctx, sampleCase(), cases.Actor{Name: "王丽"})
	}
	late := ack()
	// The hall withdrew one (another window won) and one was compacted.
	if _, err := db.w.ExecContext(ctx, `UPDATE outbox SET withdrawn_at = acked_at WHERE event_id = ?`, late[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `UPDATE outbox SET payload = 'null' WHERE event_id = ?`, late[2]); err != nil {
		t.Fatal(err)
	}
	if evs, _ := db.SendableEvents(ctx, 100); len(evs) != 0 {
		t.Fatalf("before the restore: %d events to send, want none", len(evs))
	}

	item := feedItem(1<<32+7, protocol.FeedCountyRestored, protocol.CountyRestored{BackupAt: backupAt, RestoredAt: clk.Now()})
	if err := db.ApplyFeed(ctx, []protocol.FeedItem{item}); err != nil {
		t.Fatal(err)
	}
	evs, err := db.SendableEvents(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.ID)
	}
	if want := append(slices.Clone(early), late[0]); !slices.Equal(got, want) {
		t.Errorf("sent again: got %v, want %v (not the old %v)", got, want, old)
	}
	if c, _ := db.FeedCursor(ctx); c != item.Cursor {
		t.Errorf("feed cursor: got %d, want %d", c, item.Cursor)
	}
}
