package county_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// growthGen is the version of what growthCounty generates; the cache
// directory is named by it (county-g<gen>-<cases>), so a county made by
// another version of the generator is never measured as this one's.
//
//  1. benchCounty's county: 1.2 events a case.
//  2. a case's life as a kiosk sends it: about 4.9 events a case, so 1M
//     cases are the 5M events.
//  3. the same lives, with the case and event IDs kiosks now make
//     (eventid.New: UUID version 7, in time order) where version 2
//     had random ones.
const growthGen = 3

// growthCounty opens the county of n cases that make bench-growth
// measures, generating it into dir the first time. Every case is made by
// Apply, as 20 points' kiosks push a year of work, one simulated day at a
// time: each point's events of the day in pushes of up to 500. A case's
// life, by its number:
//
//   - 88 %: accepted; supplemented the next day; a quarter have the query
//     PIN reset on day 2; a tenth get the county's decision (SetCaseStatus,
//     the office's path) on day 2; completed on day 3; delivered (every
//     fifth mailed) on day 5; reduced by the kiosk's retention on day 30:
//     5 or 6 events;
//   - 6 % stay open (accepted, supplemented); 3 % are 容缺 deferred
//     (accepted_deferred, supplemented, completed, delivered); 3 % refused
//     at the window (one event).
//
// Generation runs without fsync (synchronous=OFF on the writer); the store
// is then closed and opened again with the real settings for measuring.
// The last tracking code drawn is kept beside the county (growth-last-code)
// so that later runs draw past it.
func growthCounty(b *testing.B, n int, dir string) (*county.SQLite, []county.Device, *countytest.Clock) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, "county.db")
	marker := filepath.Join(dir, "generated")
	start := time.Date(2025, 11, 1, 9, 0, 0, 0, time.UTC)
	perDay := max(n/365, 1)
	days := (n+perDay-1)/perDay + growthLastStep + 1
	end := start.Add(time.Duration(days) * 24 * time.Hour)
	clock := countytest.NewClock(end)
	if _, err := os.Stat(marker); err != nil {
		clock.Set(start)
		if err := generateGrowthCounty(ctx, path, n, perDay, days, start, clock); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(marker, nil, 0o600); err != nil {
			b.Fatal(err)
		}
		clock.Set(end)
	}
	opened := time.Now()
	st, err := county.OpenSQLite(ctx, path, county.WithClock(clock.Now))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	b.Logf("opened the county of %d cases in %v (migrations included)", n, time.Since(opened))
	ds, err := st.Devices(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for i := range ds {
		if ds[i], err = st.Device(ctx, ds[i].ID); err != nil {
			b.Fatal(err)
		}
	}
	return st, ds, clock
}

// growthStep is one event of a case's life, days after it was accepted.
type growthStep struct {
	day      int
	kind     protocol.Kind
	status   string
	decision bool // the county's decision (SetCaseStatus), not a kiosk event
}

// growthLastStep is the latest day of a case's life (reduced).
const growthLastStep = 30

// growthLife is the life of case number k (see growthCounty).
func growthLife(k int) []growthStep {
	switch k % 100 {
	case 0, 1, 2, 3, 4, 5:
		return []growthStep{{0, "case.accepted", "accepted", false}, {1, "case.supplemented", "accepted", false}}
	case 6, 7, 8:
		return []growthStep{{0, "case.accepted_deferred", "deferred", false}, {1, "case.supplemented", "accepted", false},
			{3, "case.completed", "completed", false}, {5, "case.delivered", "delivered", false}}
	case 9, 10, 11:
		return []growthStep{{0, "case.rejected", "rejected", false}}
	}
	life := []growthStep{{0, "case.accepted", "accepted", false}, {1, "case.supplemented", "accepted", false}}
	if k%4 == 0 {
		life = append(life, growthStep{2, "case.query_pin_reset", "accepted", false})
	}
	if k%10 == 3 {
		life = append(life, growthStep{2, "", protocol.CountyCompleted, true})
	}
	out := growthStep{5, "case.delivered", "delivered", false}
	if k%5 == 1 {
		out = growthStep{5, "case.mailed", "mailed", false}
	}
	return append(life, growthStep{3, "case.completed", "completed", false}, out,
		growthStep{growthLastStep, "case.reduced", out.status, false})
}

// growthCase is a generated case, as its kiosk knows it.
type growthCase struct {
	id, tracking string
	point, k     int
	version      int
	accepted     time.Time
}

func generateGrowthCounty(ctx context.Context, path string, n, perDay, days int, start time.Time, clock *countytest.Clock) error {
	for _, sfx := range []string{"", "-wal", "-shm"} { // a generation cut short starts again
		if err := os.Remove(path + sfx); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	st, err := county.OpenSQLite(ctx, path, county.WithClock(clock.Now))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := county.WithoutSync(ctx, st); err != nil {
		return err
	}
	var devs []county.Device
	for p := range 20 {
		pt := county.ServicePoint{Code: fmt.Sprintf("3305221%02d000", p+1), Name: fmt.Sprintf("第%d便民服务中心", p+1), Level: county.LevelTownship}
		code, err := st.CreateEnrollCode(ctx, pt)
		if err != nil {
			return err
		}
		d, err := st.Enroll(ctx, code.Code, "bench", "bench")
		if err != nil {
			return err
		}
		devs = append(devs, d)
	}
	type due struct {
		c    *growthCase
		step growthStep
	}
	// later[d%len(later)] are the steps due on day d: a ring, since no step
	// is more than growthLastStep days after its case's first.
	later := make([][]due, growthLastStep+1)
	began, events, decisions := time.Now(), 0, 0
	lastCode := ""
	made := 0
	for day := 0; day < days; day++ {
		now := start.AddDate(0, 0, day)
		clock.Set(now)
		today := later[day%len(later)]
		later[day%len(later)] = nil
		for range min(perDay, n-made) {
			c := &growthCase{point: made % len(devs), k: made, accepted: now}
			c.id, c.tracking = countytest.NewCase(devs[c.point].Point.Code)
			lastCode = c.tracking
			for _, s := range growthLife(made) {
				if s.day == 0 {
					today = append(today, due{c, s})
				} else {
					r := (day + s.day) % len(later)
					later[r] = append(later[r], due{c, s})
				}
			}
			made++
		}
		// Each point pushes its events of the day, in order, 500 at a time;
		// then the county decides.
		byPoint := make([][]protocol.Event, len(devs))
		var decide []*growthCase
		for _, d := range today {
			if d.step.decision {
				decide = append(decide, d.c)
				continue
			}
			d.c.version++
			byPoint[d.c.point] = append(byPoint[d.c.point], growthEvent(d.c, d.step, devs[d.c.point].Point.Code, now))
		}
		for p, evs := range byPoint {
			for len(evs) > 0 {
				chunk := evs[:min(len(evs), protocol.MaxBatch)]
				evs = evs[len(chunk):]
				if err := applyAll(ctx, st, devs[p], chunk); err != nil {
					return fmt.Errorf("day %d: %w", day, err)
				}
				events += len(chunk)
			}
		}
		for _, c := range decide {
			if _, err := st.SetCaseStatus(ctx, county.StatusChange{Case: c.id, Status: protocol.CountyCompleted,
				Pickup: "窗口领取", By: "bench"}); err != nil {
				return fmt.Errorf("day %d: decide: %w", day, err)
			}
			decisions++
		}
		if day%30 == 0 || day == days-1 {
			fmt.Fprintf(os.Stderr, "growth county %d: day %d/%d, %d cases, %d events, %d decisions, %v\n",
				n, day, days, made, events, decisions, time.Since(began).Round(time.Second))
		}
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "growth-last-code"), []byte(lastCode), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "growth county %d: generated %d cases, %d events, %d decisions in %v\n",
		n, made, events, decisions, time.Since(began).Round(time.Second))
	return st.Close()
}

// growthEvent is the kiosk's event of step in c's life: the case as it
// stands, accepted on its first day and due 20 days later.
func growthEvent(c *growthCase, s growthStep, point string, now time.Time) protocol.Event {
	ev := shapedCase(c.id, c.tracking, c.version, s.status, func(d map[string]any) {
		d["service_point"] = point
		d["matters"] = []string{fmt.Sprintf("330000-SS-%04d", c.k%300), fmt.Sprintf("330000-XK-%04d", (c.k/7)%300)}
		d["accepted"] = c.accepted.Format(time.RFC3339)
		d["due"] = c.accepted.AddDate(0, 0, 20).Format(time.RFC3339)
		switch s.status {
		case "deferred":
			d["decision"] = "accept_deferred"
			d["supplement_by"] = c.accepted.AddDate(0, 0, 10).Format(time.RFC3339)
		case "rejected":
			d["decision"] = "reject"
		}
		if s.kind == "case.reduced" {
			d["reduced"] = now.Format(time.RFC3339)
		}
	})
	ev.Kind = s.kind
	ev.Created = now
	return ev
}
