package queue

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/workday"
)

var day0 = time.Date(2026, 11, 26, 8, 30, 0, 0, workday.China)

func ticket(id, sector string, issued time.Duration, prio string) Ticket {
	return Ticket{ID: id, Number: Number(DefaultHallConfig().Letter(sector), len(id)), Sector: sector, Issued: day0.Add(issued), Priority: prio, Status: Waiting}
}

func TestNextFollowsTheRule(t *testing.T) {
	p := DefaultPolicy
	a := ticket("a", "商事登记", 0, "")
	b := ticket("bb", "商事登记", 10*time.Minute, PriorityGreen)    // effective −20 min: before a
	c := ticket("ccc", "商事登记", 45*time.Minute, PriorityBooking) // effective +15 min: after a
	d := ticket("dddd", "不动产登记", -5*time.Minute, "")
	tests := []struct {
		name    string
		waiting []Ticket
		sectors []string
		want    string
	}{
		{"priority within the lead goes first", []Ticket{a, b}, []string{"商事登记"}, "bb"},
		{"priority beyond the lead waits", []Ticket{a, c}, []string{"商事登记"}, "a"},
		{"earliest across served sectors", []Ticket{a, d}, []string{"商事登记", "不动产登记"}, "dddd"},
		{"only served sectors", []Ticket{a, d}, []string{"商事登记"}, "a"},
		{"nothing for this counter", []Ticket{d}, []string{"民生服务"}, ""},
	}
	for _, tt := range tests {
		got, ok := p.Next(tt.waiting, tt.sectors)
		if (ok && got.ID != tt.want) || (!ok && tt.want != "") {
			t.Errorf("%s: Next = %q (%v), want %q", tt.name, got.ID, ok, tt.want)
		}
	}
}

func TestTicketLifecycle(t *testing.T) {
	p := DefaultPolicy
	tk := ticket("x", "社会事务", 0, "")
	now := day0.Add(time.Hour)
	tk, err := p.Call(tk, 3, 7, now)
	if err != nil || tk.Status != Called || tk.Calls != 1 {
		t.Fatalf("call: %+v %v", tk, err)
	}
	if _, err := p.Recall(tk, 4, now); !errors.Is(err, ErrNotYours) {
		t.Errorf("recall from another window: %v", err)
	}
	for i := 2; i <= p.MaxCalls; i++ {
		if tk, err = p.Recall(tk, 3, now); err != nil || tk.Calls != i {
			t.Fatalf("recall %d: %v", i, err)
		}
	}
	if _, err := p.Recall(tk, 3, now); !errors.Is(err, ErrMaxCalls) {
		t.Errorf("recall beyond MaxCalls: %v", err)
	}
	started, err := p.Start(tk, 3, now)
	if err != nil || started.Status != Serving {
		t.Fatal(err)
	}
	parked, err := p.Park(started, 3)
	if err != nil || parked.Status != Parked {
		t.Fatal(err)
	}
	moved, err := p.Transfer(parked, 3, "民生服务")
	if err != nil || moved.Status != Waiting || moved.Sector != "民生服务" || !moved.Issued.Equal(tk.Issued) || moved.Number != tk.Number {
		t.Fatalf("transfer: %+v %v", moved, err)
	}
	if _, err := p.Transfer(moved, 0, "民生服务"); err == nil {
		t.Error("transfer of a waiting ticket accepted")
	}
	gone, err := p.NoShow(tk, 3, now)
	if err != nil || gone.Status != NoShow {
		t.Fatal(err)
	}
	if _, err := p.Finish(gone, 3, now); !errors.Is(err, ErrState) {
		t.Errorf("finish a no-show: %v", err)
	}
}

// TestSimulatedDay runs a hall day: 10 counters serving different sector
// sets, 500 tickets arriving between 08:30 and 16:00 (some checked-in
// bookings, some 绿色通道), citizens who do not come when called, and
// tickets transferred to another sector. It checks that every ticket ends
// served or no-show exactly once, that no counter ever skipped a waiting
// ticket with an earlier effective time, and therefore that no ticket was
// overtaken by one issued more than PriorityLead after it.
func TestSimulatedDay(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { simulateDay(t, seed) })
	}
}

func simulateDay(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 99))
	p := DefaultPolicy
	sectors := catalog.Sectors
	counters := make([][]string, 10)
	for i := range counters {
		// Every sector is served by at least one counter; most counters
		// serve two or three (五星 clerks serve more).
		set := []string{sectors[i%len(sectors)]}
		for len(set) < 1+r.IntN(4) {
			if s := sectors[r.IntN(len(sectors))]; !slices.Contains(set, s) {
				set = append(set, s)
			}
		}
		counters[i] = set
	}
	const n = 500
	type arrival struct {
		at time.Time
		t  Ticket
	}
	var arrivals []arrival
	for i := 0; i < n; i++ {
		sec := sectors[r.IntN(len(sectors))]
		prio := ""
		switch x := r.IntN(100); {
		case x < 10:
			prio = PriorityBooking
		case x < 15:
			prio = PriorityGreen
		}
		at := day0.Add(time.Duration(r.IntN(int(7*time.Hour+30*time.Minute)/int(time.Second))) * time.Second)
		arrivals = append(arrivals, arrival{at, Ticket{ID: fmt.Sprint(i), Number: Number(DefaultHallConfig().Letter(sec), i+1), Sector: sec, Issued: at, Priority: prio, Status: Waiting}})
	}
	slices.SortFunc(arrivals, func(a, b arrival) int { return a.at.Compare(b.at) })

	tickets := map[string]*Ticket{}
	ends := map[string]int{}
	free := make([]time.Time, len(counters)) // when each counter is next free
	for i := range free {
		free[i] = day0
	}
	next := 0
	now := day0
	overtakes := 0
	for step := 0; step < 100000; step++ {
		// Advance to the next moment something can happen.
		soonest := time.Time{}
		for _, f := range free {
			if soonest.IsZero() || f.Before(soonest) {
				soonest = f
			}
		}
		if next < len(arrivals) && (arrivals[next].at.Before(soonest) || !anyWaiting(tickets)) {
			a := arrivals[next]
			tk := a.t
			tickets[tk.ID] = &tk
			now = a.at
			next++
			continue
		}
		if next >= len(arrivals) && !anyWaiting(tickets) {
			break
		}
		if soonest.After(now) {
			now = soonest
		}
		for ci, sectorsServed := range counters {
			if free[ci].After(now) {
				continue
			}
			var waiting []Ticket
			for _, tk := range tickets {
				if tk.Status == Waiting {
					waiting = append(waiting, *tk)
				}
			}
			got, ok := p.Next(waiting, sectorsServed)
			if !ok {
				free[ci] = now.Add(time.Minute)
				continue
			}
			// Independent check of the rule: nothing eligible comes before it.
			for _, w := range waiting {
				if slices.Contains(sectorsServed, w.Sector) && p.Effective(w).Before(p.Effective(got)) {
					t.Fatalf("counter %d called %s (eff %v) while %s (eff %v) waited", ci, got.Number, p.Effective(got), w.Number, p.Effective(w))
				}
				if slices.Contains(sectorsServed, w.Sector) && got.Issued.After(w.Issued.Add(p.PriorityLead)) {
					overtakes++ // would break the promised bound
				}
			}
			tk := tickets[got.ID]
			called, err := p.Call(*tk, ci+1, int64(ci+1), now)
			if err != nil {
				t.Fatal(err)
			}
			*tk = called
			switch x := r.IntN(100); {
			case x < 6: // does not come: recalled to the limit, then 过号
				for tk.Calls < p.MaxCalls {
					if *tk, err = p.Recall(*tk, ci+1, now); err != nil {
						t.Fatal(err)
					}
				}
				if *tk, err = p.NoShow(*tk, ci+1, now.Add(3*time.Minute)); err != nil {
					t.Fatal(err)
				}
				ends[tk.ID]++
				free[ci] = now.Add(3 * time.Minute)
			case x < 11 && tk.Calls == 1 && tk.CaseID == "": // wrong sector: transfer once
				other := sectors[(slices.Index(sectors, tk.Sector)+1+r.IntN(len(sectors)-1))%len(sectors)]
				started, _ := p.Start(*tk, ci+1, now)
				if *tk, err = p.Transfer(started, ci+1, other); err != nil {
					t.Fatal(err)
				}
				tk.CaseID = "transferred"
				free[ci] = now.Add(2 * time.Minute)
			default:
				started, err := p.Start(*tk, ci+1, now)
				if err != nil {
					t.Fatal(err)
				}
				d := time.Duration(4+r.IntN(12)) * time.Minute
				if *tk, err = p.Finish(started, ci+1, now.Add(d)); err != nil {
					t.Fatal(err)
				}
				ends[tk.ID]++
				free[ci] = now.Add(d)
			}
		}
	}
	if len(tickets) != n {
		t.Fatalf("%d tickets issued, want %d", len(tickets), n)
	}
	for id, tk := range tickets {
		if (tk.Status != Done && tk.Status != NoShow) || ends[id] != 1 {
			t.Errorf("ticket %s ended %d times, status %s", tk.Number, ends[id], tk.Status)
		}
	}
	if overtakes != 0 {
		t.Errorf("%d times a ticket was overtaken by one issued more than %v after it", overtakes, p.PriorityLead)
	}
}

func anyWaiting(m map[string]*Ticket) bool {
	for _, t := range m {
		if t.Status == Waiting {
			return true
		}
	}
	return false
}

func TestEstimate(t *testing.T) {
	p := DefaultPolicy
	me := ticket("me", "商事登记", 30*time.Minute, "")
	waiting := []Ticket{ticket("a", "商事登记", 0, ""), ticket("b", "商事登记", 10*time.Minute, ""), ticket("c", "不动产登记", 0, ""), me,
		ticket("late", "商事登记", 40*time.Minute, "")}
	ahead, wait := p.Estimate(me, waiting, [][]string{{"商事登记"}, {"商事登记", "社会事务"}, {"不动产登记"}}, 10*time.Minute)
	if ahead != 2 || wait != 15*time.Minute {
		t.Errorf("Estimate = %d ahead, %v; want 2 ahead, 15m (3 turns of 10 min over 2 counters)", ahead, wait)
	}
}

func TestBookingAcrossNationalDay(t *testing.T) {
	cal := workday.Default()
	s := DefaultHallConfig()
	now := time.Date(2026, 9, 29, 9, 0, 0, 0, workday.China) // Tuesday before National Day
	slots, err := s.Bookable(cal, now, "商事登记")
	if err != nil {
		t.Fatal(err)
	}
	var days []string
	for _, sl := range slots {
		if len(days) == 0 || days[len(days)-1] != sl.Day {
			days = append(days, sl.Day)
		}
	}
	// Today, then 7 working days: 30 Sep, then 8, 9, 10 (Saturday, worked), 12, 13, 14 Oct.
	want := []string{"2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12", "2026-10-13", "2026-10-14"}
	if !slices.Equal(days, want) {
		t.Errorf("bookable days = %v, want %v", days, want)
	}
	tests := []struct {
		day  string
		half Half
		want error
	}{
		{"2026-10-01", AM, ErrClosedOn},
		{"2026-10-07", PM, ErrClosedOn},
		{"2026-10-11", AM, ErrClosedOn},
		{"2026-10-10", AM, nil},
		{"2026-10-14", PM, nil},
		{"2026-10-15", AM, ErrTooFar},
		{"2026-09-28", PM, ErrPast},
		{"2026-13-01", AM, ErrBadDay},
	}
	for _, tt := range tests {
		err := s.CheckBookable(cal, now, "商事登记", tt.day, tt.half)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("CheckBookable(%s %s) = %v, want %v", tt.day, tt.half, err, tt.want)
		}
	}
	// This morning is bookable until noon, then only the afternoon.
	if err := s.CheckBookable(cal, now.Add(3*time.Hour+time.Minute), "商事登记", "2026-09-29", AM); !errors.Is(err, ErrPast) {
		t.Errorf("booking a finished morning: %v", err)
	}
}

func TestCheckIn(t *testing.T) {
	s, cal := DefaultHallConfig(), workday.Default()
	b := Booking{Code: "1010B001", Day: "2026-10-10", Half: PM, Status: BookingActive}
	at := func(hm string) time.Time {
		t, _ := time.ParseInLocation("2006-01-02 15:04", "2026-10-10 "+hm, workday.China)
		return t
	}
	tests := []struct {
		at       string
		priority bool
		err      error
	}{
		{"12:59", false, ErrTooEarly},
		{"13:00", true, nil},
		{"16:59", true, nil},
		{"17:00", true, nil},
		// After the slot the hall has closed: no ticket outside service hours.
		{"17:01", false, ErrServiceEnd},
	}
	for _, tt := range tests {
		prio, err := s.CheckIn(cal, b, at(tt.at))
		if prio != tt.priority || !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
			t.Errorf("CheckIn at %s = %v, %v; want %v, %v", tt.at, prio, err, tt.priority, tt.err)
		}
	}
	b.Status = BookingCancelled
	if _, err := s.CheckIn(cal, b, at("13:30")); !errors.Is(err, ErrBookingGone) {
		t.Errorf("cancelled booking: %v", err)
	}
	if got := BookingCode("2026-10-10", s.Letter("商事登记"), 17); got != "1010B017" {
		t.Errorf("BookingCode = %q", got)
	}
}
