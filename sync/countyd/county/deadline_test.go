package county

import (
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
)

// at is 10:00 Beijing time on a day.
func at(s string) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, s, workday.China)
	if err != nil {
		panic(err)
	}
	return d.Add(10 * time.Hour)
}

func logEntry(status, procedure, day string) StatusLogEntry {
	return StatusLogEntry{Status: protocol.CaseStatus{Status: status, Procedure: procedure, At: at(day)}}
}

// The county's deadline list counts the spans the hall recorded and its own
// decisions, each span once: a 补正 the county asked for and the hall has
// not yet reported supplied still stops the clock, and one the hall reported
// ends when the materials arrived.
func TestCasePausesJoinTheHallAndTheCounty(t *testing.T) {
	due := at("2026-09-28").Truncate(24 * time.Hour)
	tests := []struct {
		name    string
		doc     []protocol.Suspension
		history []StatusLogEntry
		now     string
		paused  int
		running bool
	}{
		{"county 补正 not yet supplied", nil, []StatusLogEntry{logEntry("correction", "", "2026-09-15")}, "2026-09-18", 3, true},
		{"the hall reported it supplied", []protocol.Suspension{{Kind: "correction", From: at("2026-09-15"), To: at("2026-09-17")}},
			[]StatusLogEntry{logEntry("correction", "", "2026-09-15")}, "2026-09-30", 2, false},
		{"检验 until the next status", nil, []StatusLogEntry{logEntry("reviewing", "inspection", "2026-09-18"), logEntry("reviewing", "", "2026-09-30")},
			"2026-10-09", 8, false},
		{"容缺 at the window, still owed", []protocol.Suspension{{Kind: "correction", From: at("2026-09-21")}}, nil, "2026-09-23", 2, true},
	}
	for _, tt := range tests {
		ps := CasePauses(protocol.CaseDoc{Due: due, Suspensions: tt.doc}, tt.history)
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
			t.Errorf("%s: got %d paused days, running %v; want %d, %v (%+v)", tt.name, n, running, tt.paused, tt.running, ps)
		}
	}
}

// The stored columns, written once when the last pause began or ended,
// give on every later day the date workday.MovedDue gives from all the
// pauses that day: a running pause needs no daily rewrite. Pauses that
// overlap the running one (a 检验 during 补正, a 补正 that began before a
// 听证 and ended in it) count each day once. Days run across 中秋 and the
// 2026 National Day week and its 调休 Saturday (10 October).
func TestStoredDeadlineMovesAsEveryPauseDoesOnAnyDay(t *testing.T) {
	cal := workday.Default()
	due := at("2026-09-30").Truncate(24 * time.Hour)
	corr := func(from, to string) protocol.Suspension {
		s := protocol.Suspension{Kind: "correction", From: at(from)}
		if to != "" {
			s.To = at(to)
		}
		return s
	}
	tests := []struct {
		name    string
		doc     []protocol.Suspension
		history []StatusLogEntry
		written string // the day of the last change
	}{
		{"no pause", nil, nil, "2026-09-14"},
		{"a 补正 that ended", []protocol.Suspension{corr("2026-09-15", "2026-09-18")}, nil, "2026-09-18"},
		{"a 补正 still owed", nil, []StatusLogEntry{logEntry("correction", "", "2026-09-22")}, "2026-09-22"},
		{"an ended 补正, then a 检验 running", []protocol.Suspension{corr("2026-09-14", "2026-09-16")},
			[]StatusLogEntry{logEntry("reviewing", "inspection", "2026-09-21")}, "2026-09-21"},
		{"a 检验 that ended inside a running 补正", []protocol.Suspension{corr("2026-09-15", "")},
			[]StatusLogEntry{logEntry("reviewing", "inspection", "2026-09-17"), logEntry("reviewing", "", "2026-09-23")}, "2026-09-23"},
		{"a 补正 that began before a running 听证 and ended in it", []protocol.Suspension{corr("2026-09-15", "2026-09-24")},
			[]StatusLogEntry{logEntry("reviewing", "hearing", "2026-09-21")}, "2026-09-24"},
	}
	for _, tt := range tests {
		d := protocol.CaseDoc{Due: due, Suspensions: tt.doc}
		v := deadlineOf(cal, d, tt.history, at(tt.written))
		c := Case{KioskStatus: "accepted", DueMoved: v.dueMoved, PausedSince: v.pausedSince, PausedKind: v.pausedKind}
		var all []workday.Pause
		for _, s := range CasePauses(d, tt.history) {
			all = append(all, workday.Pause{From: s.From, To: s.To})
		}
		for now := at(tt.written); now.Before(at("2026-11-10")); now = now.AddDate(0, 0, 1) {
			want, _, err := cal.MovedDue(due, all, now)
			if err != nil {
				t.Fatal(err)
			}
			got := CaseDeadline(cal, c, now, "").Due
			if dueDay(got) != dueDay(want) {
				t.Errorf("%s, on %s: got due %s, want %s (stored %+v)", tt.name, dueDay(now), dueDay(got), dueDay(want), v)
				break
			}
		}
	}
}

// CaseDeadline, which the pages show, judges a case as the list's filters
// select it.
func TestCaseDeadlineJudgesAsTheFilters(t *testing.T) {
	cal := workday.Default()
	now := at("2026-10-09")
	soon := "2026-10-12" // two working days on: the 调休 Saturday and Monday
	tests := []struct {
		name          string
		c             Case
		overdue, soon bool
		paused        bool
		lapsed        bool
	}{
		{"moved day passed", Case{KioskStatus: "accepted", DueMoved: "2026-09-29"}, true, false, false, false},
		{"due on the next working day", Case{KioskStatus: "accepted", DueMoved: "2026-10-10"}, false, true, false, false},
		{"due today is in time", Case{KioskStatus: "accepted", DueMoved: "2026-10-09"}, false, true, false, false},
		{"paused before its day: neither", Case{KioskStatus: "accepted", DueMoved: "2026-09-30", PausedSince: "2026-09-22", PausedKind: "correction"},
			false, false, true, false},
		{"paused when already late: still late", Case{KioskStatus: "accepted", DueMoved: "2026-09-21", PausedSince: "2026-09-24", PausedKind: "correction"},
			true, false, true, false},
		{"finished: neither, and not paused", Case{KioskStatus: "completed", DueMoved: "2026-09-21", PausedSince: "2026-09-24", PausedKind: "correction"},
			false, false, false, false},
		{"容缺 past its supplement day", Case{KioskStatus: "deferred", DueMoved: "2026-10-30", SupplementBy: "2026-10-08",
			PausedSince: "2026-09-28", PausedKind: "correction"}, false, false, true, true},
		{"容缺 on its supplement day", Case{KioskStatus: "deferred", DueMoved: "2026-10-30", SupplementBy: "2026-10-09"}, false, false, false, false},
	}
	for _, tt := range tests {
		got := CaseDeadline(cal, tt.c, now, soon)
		if got.Overdue != tt.overdue || got.Soon != tt.soon || (got.PausedKind != "") != tt.paused || got.SupplementLapsed != tt.lapsed {
			t.Errorf("%s: got overdue %v soon %v paused %q lapsed %v, want %v %v %v %v", tt.name, got.Overdue, got.Soon,
				got.PausedKind, got.SupplementLapsed, tt.overdue, tt.soon, tt.paused, tt.lapsed)
		}
	}
}
