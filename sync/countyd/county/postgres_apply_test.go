package county_test

import (
	"context"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// TestPostgresFeedOneWriterPerPoint: while a transaction holding a feed
// item of a point is open, a push of that point waits for it (else the
// push's later cursors commit first, and a kiosk reading between passes
// the earlier item for good); a push of another point does not wait; a
// writer for every point holds every point's pushes.
func TestPostgresFeedOneWriterPerPoint(t *testing.T) {
	ctx := context.Background()
	st := openPostgres(t, countytest.NewClock(t0).Now).(*county.Postgres)
	p, q := countytest.TestPoint, otherPoint
	dp, dp2, dq := mustDevice(t, st, p, "p1"), mustDevice(t, st, p, "p2"), mustDevice(t, st, q, "q1")

	push := func(dev county.Device) <-chan error {
		done := make(chan error, 1)
		id, tr := countytest.NewCase(dev.Point.Code)
		go func() {
			_, err := st.Apply(ctx, dev, []protocol.Event{caseEvent(id, tr, dev.Point.Code, 1, "case.accepted", "accepted")})
			done <- err
		}()
		return done
	}
	waits := func(name string, done <-chan error) {
		t.Helper()
		select {
		case err := <-done:
			t.Fatalf("%s: got done (%v) while an earlier writer of its feed is open, want it to wait", name, err)
		case <-time.After(300 * time.Millisecond):
		}
	}
	finishes := func(name string, done <-chan error) {
		t.Helper()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: still waiting, want it done", name)
		}
	}

	held, release, err := county.HoldFeed(ctx, st, p.Code)
	if err != nil {
		t.Fatal(err)
	}
	pushP := push(dp)
	waits("a push of the held point", pushP)
	finishes("a push of another point", push(dq))
	if err := release(); err != nil {
		t.Fatal(err)
	}
	finishes("the held point's push, once released", pushP)
	items, _, err := st.Feed(ctx, dp2, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Cursor != held || items[1].Kind != protocol.FeedCaseEvent {
		t.Errorf("the hall's feed: got %+v, want the held item (cursor %d), then the push's event", items, held)
	}

	_, release, err = county.HoldFeed(ctx, st, county.AllPoints)
	if err != nil {
		t.Fatal(err)
	}
	pushQ := push(dq)
	waits("a push while every point's feed is held", pushQ)
	if err := release(); err != nil {
		t.Fatal(err)
	}
	finishes("that push, once released", pushQ)
}
