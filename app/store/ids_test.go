package store

import (
	"context"
	"sort"
	"testing"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/app/cases"
)

// The county's largest indexes are keyed by case and event IDs; IDs in time
// order keep each insert on the pages the last minutes touched
// (eventid.New). The kiosk's new cases and their outbox events must
// therefore carry version 7 UUIDs that sort as they were made.
func TestNewCasesAndEventsTakeTimeOrderedIDs(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	if err := db.SetDeviceNumber(ctx, 1); err != nil {
		t.Fatal(err)
	}
	var caseIDs []string
	for range 5 {
		c, err := db.CreateCase(ctx, sampleCase(), cases.Actor{Name: "王丽", Window: 3})
		if err != nil {
			t.Fatal(err)
		}
		caseIDs = append(caseIDs, c.ID)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT event_id FROM outbox ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var eventIDs []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		eventIDs = append(eventIDs, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(eventIDs) < len(caseIDs) {
		t.Fatalf("outbox holds %d events, want at least %d", len(eventIDs), len(caseIDs))
	}
	for name, ids := range map[string][]string{"case IDs": caseIDs, "event IDs": eventIDs} {
		for _, id := range ids {
			u, err := uuid.Parse(id)
			if err != nil || u.Version() != 7 {
				t.Errorf("%s: %s is version %d (%v), want 7", name, id, u.Version(), err)
			}
		}
		if !sort.StringsAreSorted(ids) {
			t.Errorf("%s in the order made: %v; want them sorted", name, ids)
		}
	}
}
