package cases

import (
	"sort"
	"time"

	"github.com/yichuang/yichuang/app/workday"
)

// lateDays counts working days past by, at least 1 once by's day has
// passed (a case due on Friday is late on Saturday, though the first
// working day it is late is Monday); without a calendar for the year
// (not yet published) it falls back to calendar days rather than hide
// that the case is late.
func lateDays(cal *workday.Calendar, by, now time.Time) int {
	if cal != nil {
		if n, err := cal.LateDays(by, now); err == nil {
			return max(n, 1)
		}
	}
	return int(dayOf(now).Sub(dayOf(by)).Hours() / 24)
}

// Tracked is a case with its sync state, as a work list needs it.
type Tracked struct {
	Case Case
	// Unsent counts the case's events still on this machine; Oldest is
	// when the oldest of them was recorded.
	Unsent int
	Oldest time.Time
}

// Shelf is a part of an agent's work list.
type Shelf string

// Shelves of the work list, in the order the agent reads them.
const (
	ShelfOverdue    Shelf = "overdue"    // past its supplement deadline or its promised date
	ShelfCorrection Shelf = "correction" // 需补正: fetch these materials from the resident
	ShelfDeliver    Shelf = "deliver"    // 办结: take the result to the resident
	ShelfUnsent     Shelf = "unsent"     // still on this laptop
	ShelfAtCounty   Shelf = "at_county"  // with the county, nothing to do
	ShelfDone       Shelf = "done"       // handed over, refused or denied
)

// Shelves lists the shelves in order.
var Shelves = []Shelf{ShelfOverdue, ShelfCorrection, ShelfDeliver, ShelfUnsent, ShelfAtCounty, ShelfDone}

// ShelfName is the Chinese heading of a shelf.
func ShelfName(s Shelf) string {
	switch s {
	case ShelfOverdue:
		return "已超期"
	case ShelfCorrection:
		return "需补正"
	case ShelfDeliver:
		return "待送达"
	case ShelfUnsent:
		return "待同步"
	case ShelfAtCounty:
		return "县里办理中"
	case ShelfDone:
		return "已办完"
	}
	return string(s)
}

// WorkItem is one case on the work list, with what the agent must do.
type WorkItem struct {
	Tracked
	Shelf Shelf
	// By is the date that matters: the supplement deadline, or the
	// promised date; zero when none.
	By time.Time
	// Late is how many working days past By (0 when not late).
	Late int
	// Waiting is how long the oldest unsent event has waited.
	Waiting time.Duration
	// Fetch lists what to bring from the resident (补正): checklist lines
	// in the Deferred state, and the county's free-text ones.
	Fetch     []MaterialEntry
	FetchMore []string
}

// WorkListDays is how far back an agent's work list reaches for cases
// already over (交付、不予受理…), and WorkListClosed how many of those it
// holds at most, the latest: the agent sees what they just handed over,
// not years of it, and the list stays as quick on day 1,000 as on day 1
// (each case is unsealed to be shown; a busy agent closes ~1,000 a month).
const (
	WorkListDays   = 30
	WorkListClosed = 50
)

// WorkListSince is the time from which closed cases still come with an
// agent's work list.
func WorkListSince(now time.Time) time.Time { return now.AddDate(0, 0, -WorkListDays) }

// Plan sorts an agent's cases onto shelves for today: what is overdue comes
// first, then 补正 to fetch and results to deliver, then what has not left
// the laptop (with its age), then what waits at the county. Lateness is in
// working days on cal, as time limits are; the promised date is moved by
// the days the clock was stopped.
func Plan(tracked []Tracked, cal *workday.Calendar, now time.Time) []WorkItem {
	today := dayOf(now)
	var out []WorkItem
	for _, t := range tracked {
		c := t.Case
		w := WorkItem{Tracked: t}
		if t.Unsent > 0 {
			w.Waiting = now.Sub(t.Oldest)
		}
		switch c.Status {
		case StatusDeferred, StatusCorrection:
			w.Shelf, w.By = ShelfCorrection, c.SupplementBy
			w.Fetch = c.MaterialsIn(Deferred)
			if c.County != nil {
				w.FetchMore = c.County.Supplements
			}
		case StatusCompleted:
			w.Shelf = ShelfDeliver
		case StatusDelivered, StatusMailed, StatusRejected, StatusDenied, StatusTerminated, StatusWithdrawn:
			w.Shelf = ShelfDone
		default:
			w.Shelf, w.By = ShelfAtCounty, c.Due
			if cal != nil && !c.Due.IsZero() {
				// The promised date moves while the clock is stopped
				// (特别程序 at the county); an unknown year keeps it.
				if due, err := c.DueAt(cal, now); err == nil {
					w.By = due
				}
			}
		}
		if w.Shelf == ShelfAtCounty && t.Unsent > 0 {
			w.Shelf = ShelfUnsent
		}
		if !w.By.IsZero() && w.Shelf != ShelfDone && dayOf(w.By).Before(today) {
			w.Late = lateDays(cal, w.By, now)
			w.Shelf = ShelfOverdue
		}
		out = append(out, w)
	}
	rank := map[Shelf]int{}
	for i, s := range Shelves {
		rank[s] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank[a.Shelf] != rank[b.Shelf] {
			return rank[a.Shelf] < rank[b.Shelf]
		}
		if a.Late != b.Late {
			return a.Late > b.Late
		}
		return a.Case.Accepted.Before(b.Case.Accepted)
	})
	return out
}

// Stop is one place on the day's route: a village group and the cases to
// see there.
type Stop struct {
	Village, Group string
	Items          []WorkItem
}

// Route groups the cases that need a visit (overdue, 补正, 送达) by village
// and group, villages in the order of their most urgent case.
func Route(items []WorkItem) []Stop {
	var stops []Stop
	index := map[[2]string]int{}
	for _, w := range items {
		if w.Shelf != ShelfOverdue && w.Shelf != ShelfCorrection && w.Shelf != ShelfDeliver {
			continue
		}
		var key [2]string
		if p := w.Case.Proxy; p != nil {
			key = [2]string{p.Village, p.Group}
		}
		i, ok := index[key]
		if !ok {
			i = len(stops)
			index[key] = i
			stops = append(stops, Stop{Village: key[0], Group: key[1]})
		}
		stops[i].Items = append(stops[i].Items, w)
	}
	return stops
}
