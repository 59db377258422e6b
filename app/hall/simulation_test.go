package hall

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/workday"
)

// TestSimulatedDayThroughTheStore runs a hall day through the real queue
// service and SQLite file: 10 counters with different sector sets, 500
// tickets over the day (bookings checked in, 绿色通道), citizens who do not
// come, transfers. Every ticket must end served or no-show exactly once —
// counted from the outbox, which is what the county will receive — and no
// counter may skip a waiting ticket with an earlier effective time.
func TestSimulatedDayThroughTheStore(t *testing.T) {
	if testing.Short() {
		t.Skip("500 tickets through SQLite; skipped with -short")
	}
	l, clk := newLocal(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 11))
	clk.Set(time.Date(2026, 9, 29, 8, 30, 0, 0, workday.China))
	// What is simulated is the calling order, not the hours: one long
	// session (a busy day's 延时服务) lets 500 tickets through.
	day := queue.DefaultHallConfig()
	day.Workday = []queue.Session{{From: "08:30", To: "21:30"}}
	l.Config = &day
	sectors := queue.DefaultHallConfig().SectorNames()
	for w := 1; w <= 10; w++ {
		set := []string{sectors[(w-1)%len(sectors)]}
		for len(set) < 1+r.IntN(3) {
			if s := sectors[r.IntN(len(sectors))]; !slices.Contains(set, s) {
				set = append(set, s)
			}
		}
		if err := l.OpenCounter(ctx, Counter{Window: w, ClerkID: int64(w), ClerkName: fmt.Sprint("窗口", w), Sectors: set}); err != nil {
			t.Fatal(err)
		}
	}
	counters, _ := l.DB.Counters(ctx)
	served := map[int][]string{}
	for _, c := range counters {
		served[c.Window] = c.Sectors
	}
	const n = 500
	busyUntil := map[int]time.Time{}
	current := map[int]queue.Ticket{}
	issued := 0
	transferred := map[string]bool{}
	for step := 0; issued < n || len(current) > 0 || waitingCount(t, l) > 0; step++ {
		if step > 20000 {
			t.Fatal("the day never ended")
		}
		clk.Advance(time.Duration(20+r.IntN(40)) * time.Second)
		if issued < n && r.IntN(3) > 0 {
			req := TicketRequest{RequestID: fmt.Sprint("t", issued), Sector: sectors[r.IntN(len(sectors))], Green: r.IntN(20) == 0}
			if _, err := l.IssueTicket(ctx, req); err != nil {
				t.Fatal(err)
			}
			issued++
		}
		now := clk.Now()
		for w := 1; w <= 10; w++ {
			if busyUntil[w].After(now) {
				continue
			}
			if tk, ok := current[w]; ok {
				var err error
				switch x := r.IntN(100); {
				case tk.Status == queue.Called && x < 7:
					_, err = l.Act(ctx, ActRequest{Window: w, TicketID: tk.ID, Action: NoShow})
				case x < 12 && !transferred[tk.ID]:
					transferred[tk.ID] = true
					other := sectors[(slices.Index(sectors, tk.Sector)+1)%len(sectors)]
					_, err = l.Act(ctx, ActRequest{Window: w, TicketID: tk.ID, Action: Transfer, Sector: other})
				default:
					if tk.Status == queue.Called {
						if _, err = l.Act(ctx, ActRequest{Window: w, TicketID: tk.ID, Action: Start}); err != nil {
							t.Fatal(err)
						}
					}
					_, err = l.Act(ctx, ActRequest{Window: w, TicketID: tk.ID, Action: Finish})
				}
				if err != nil {
					t.Fatalf("window %d, %s: %v", w, tk.Number, err)
				}
				delete(current, w)
				continue
			}
			waiting, _ := l.DB.TicketsOn(ctx, "2026-09-29")
			tk, err := l.CallNext(ctx, "", w)
			if err != nil {
				continue // nothing for this window now
			}
			for _, other := range waiting {
				if other.Status == queue.Waiting && slices.Contains(served[w], other.Sector) &&
					l.Policy.Effective(other).Before(l.Policy.Effective(tk)) {
					t.Fatalf("window %d called %s while %s (earlier) waited", w, tk.Number, other.Number)
				}
			}
			current[w] = tk
			busyUntil[w] = now.Add(time.Duration(3+r.IntN(10)) * time.Minute)
		}
	}
	all, _ := l.DB.TicketsOn(ctx, "2026-09-29")
	if len(all) != n {
		t.Fatalf("%d tickets stored, want %d", len(all), n)
	}
	closed := map[string]int{}
	evs, _ := l.DB.PendingEvents(ctx, 100000)
	for _, e := range evs {
		if e.Kind == "ticket.closed" {
			var tk queue.Ticket
			if err := jsonDoc(e.Payload, &tk); err != nil {
				t.Fatal(err)
			}
			closed[tk.ID]++
		}
	}
	for _, tk := range all {
		if (tk.Status != queue.Done && tk.Status != queue.NoShow) || closed[tk.ID] != 1 {
			t.Errorf("%s ended %s with %d closing events", tk.Number, tk.Status, closed[tk.ID])
		}
	}
}

func waitingCount(t *testing.T, l *Local) int {
	b, err := l.Board(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, w := range b.Waiting {
		n += w
	}
	return n
}
