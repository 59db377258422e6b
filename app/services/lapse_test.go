package services_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/sync/protocol"
)

// A 容缺 case of 民宿经营登记 (catalog: 视为撤回) accepted on Thursday 26 Nov
// with 5 working days to supplement: on the deadline day nothing happens; the
// next day the background step ends it, in one transaction with its event
// and the applicant's notice; a second round changes nothing.
func TestLapseSupplementsAtTheKiosk(t *testing.T) {
	ctx := context.Background()
	cst := workday.China
	clk := clock.NewManual(time.Date(2026, 11, 26, 10, 30, 0, 0, cst))
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "yichuang.db"), store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.LoadCatalog(ctx, assets.DemoCatalog()); err != nil {
		t.Fatal(err)
	}
	if err := db.SetDeviceNumber(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateFirstSupervisor(ctx, clerks.Account{Login: "zhuguan", Name: "陈主管", Window: 1}, "hq-2026-chen"); err != nil {
		t.Fatal(err)
	}
	cat, err := db.ActiveCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := cat.Matter("330000-QT-0017")
	d := cases.Draft{Matters: []string{m.Code}, Fields: map[string]string{},
		Applicant: cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "13905721234"}}
	for _, mat := range m.Materials {
		st := cases.AllowedStates(mat)[0]
		if mat.Deferrable {
			st = cases.Deferred
		}
		d.Materials = append(d.Materials, cases.MaterialEntry{Matter: m.Code, Material: mat.ID, State: st})
	}
	out, err := cases.Decide(cat, workday.Default(), d, cases.Decision{Kind: cases.AcceptDeferred}, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.CreateCase(ctx, cases.Case{ServicePoint: "330522101000", Draft: d, Decision: cases.AcceptDeferred, Status: out.Status,
		Due: out.Due, SupplementBy: out.SupplementBy, Suspensions: out.Suspensions, CatalogVer: cat.Version}, cases.Actor{ID: 1, Name: "王丽"})
	if err != nil {
		t.Fatal(err)
	}

	rounds := []struct {
		at     time.Time
		lapsed int
		status cases.Status
	}{
		{out.SupplementBy.Add(23 * time.Hour), 0, cases.StatusDeferred}, // the deadline day: still in time
		{out.SupplementBy.Add(33 * time.Hour), 1, cases.StatusWithdrawn},
		{out.SupplementBy.Add(57 * time.Hour), 0, cases.StatusWithdrawn}, // nothing twice
	}
	for i, r := range rounds {
		clk.Set(r.at)
		n, err := services.LapseSupplements(ctx, db, clk.Now())
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		got, err := db.CaseByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n != r.lapsed || got.Status != r.status {
			t.Errorf("round %d (%s): lapsed %d, status %s; want %d, %s", i, r.at.Format(time.DateTime), n, got.Status, r.lapsed, r.status)
		}
	}
	events, err := db.PendingEvents(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var lapses, notices int
	for _, e := range events {
		switch e.Kind {
		case protocol.Kind(cases.EvLapsed):
			lapses++
		case protocol.NoticeRequested:
			var p protocol.NoticePayload
			json.Unmarshal(e.Payload, &p)
			if p.Template == protocol.NoticeSupplementLapsed && p.CaseID == c.ID {
				notices++
			}
		}
	}
	if lapses != 1 || notices != 1 {
		t.Errorf("outbox holds %d lapse events and %d lapse notices, want 1 and 1", lapses, notices)
	}
}
