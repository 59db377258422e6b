package office

import (
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
)

// The county's deadline list counts the spans the hall recorded and its own
// decisions, each span once: a 补正 the county asked for and the hall has
// not yet reported supplied still stops the clock, and one the hall reported
// ends when the materials arrived.
func TestCasePausesJoinTheHallAndTheCounty(t *testing.T) {
	at := func(s string) time.Time {
		d, _ := time.ParseInLocation(time.DateOnly, s, china)
		return d.Add(10 * time.Hour)
	}
	log := func(status, procedure, day string) county.StatusLogEntry {
		return county.StatusLogEntry{Status: protocol.CaseStatus{Status: status, Procedure: procedure, At: at(day)}}
	}
	due := at("2026-09-28").Truncate(24 * time.Hour)
	tests := []struct {
		name    string
		doc     []protocol.Suspension
		history []county.StatusLogEntry
		now     string
		paused  int
		running bool
	}{
		{"county 补正 not yet supplied", nil, []county.StatusLogEntry{log("correction", "", "2026-09-15")}, "2026-09-18", 3, true},
		{"the hall reported it supplied", []protocol.Suspension{{Kind: "correction", From: at("2026-09-15"), To: at("2026-09-17")}},
			[]county.StatusLogEntry{log("correction", "", "2026-09-15")}, "2026-09-30", 2, false},
		{"检验 until the next status", nil, []county.StatusLogEntry{log("reviewing", "inspection", "2026-09-18"), log("reviewing", "", "2026-09-30")},
			"2026-10-09", 8, false},
		{"容缺 at the window, still owed", []protocol.Suspension{{Kind: "correction", From: at("2026-09-21")}}, nil, "2026-09-23", 2, true},
	}
	for _, tt := range tests {
		ps := casePauses(protocol.CaseDoc{Due: due, Suspensions: tt.doc}, tt.history)
		var pauses []workday.Pause
		running := false
		for _, p := range ps {
			pauses = append(pauses, workday.Pause{From: p.From, To: p.To})
			running = running || p.To.IsZero()
		}
		n, err := workday.Default().PausedDays(pauses, at(tt.now))
		if err != nil {
			t.Fatal(err)
		}
		if n != tt.paused || running != tt.running {
			t.Errorf("%s: %d paused days, running %v; want %d, %v (%+v)", tt.name, n, running, tt.paused, tt.running, ps)
		}
	}
}
