package office_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/figures"
	"github.com/yichuang/yichuang/sync/protocol"
)

// The known answers (issue 20): a county generated from a seeded source —
// five service points, three months of cases, tickets and ratings, with 即办
// and 承诺件, 补正 pauses, late decisions, 容缺, 告知承诺, 代办, refusals,
// pre-review returns, decisions taken back and no-shows — is fed through
// the product's own paths (county Apply of protocol events, the county's
// decisions at their time), and every cell of the dashboard's figures and
// trend tables is checked against counts the generator keeps of its own
// records, never read back from the rollup.

// genCase is the generator's record of one case.
type genCase struct {
	point      county.ServicePoint
	dev        county.Device
	id, track  string
	matter     *catalog.Matter
	decision   string // accept, complete, accept_deferred, reject, "" (a returned filing)
	accepted   time.Time
	due        time.Time
	commitment bool
	proxy      bool
	// The county's decisions, in time order: a 补正 from corrAt to resumeAt
	// (zero when none), the decision at decidedAt ("" when none yet), and
	// a decision later taken back.
	corrAt, resumeAt time.Time
	final            string
	decidedAt        time.Time
	takenBack        bool
}

type genTicket struct {
	point                             string
	sector                            string
	issued, called, started, finished time.Time
	status                            string // done, noshow, waiting (still open: not closed)
}

type genRating struct {
	point  string
	at     time.Time
	level  int
	kind   string // case or ticket
	matter string // a matter's name, or a sector for a ticket
}

type genCounty struct {
	cases   []*genCase
	tickets []genTicket
	ratings []genRating
}

// action is one thing that happens at a time: a push or a county decision.
type action struct {
	at time.Time
	do func(t *testing.T)
}

func generateCounty(t *testing.T, e *env, cat *catalog.Catalog, cal *workday.Calendar) genCounty {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(20, 26))
	loc := workday.China
	var points []county.ServicePoint
	var devs []county.Device
	for i := range 5 {
		p := county.ServicePoint{Code: fmt.Sprintf("330522%03d000", 101+i), Name: fmt.Sprintf("测试%d镇便民服务中心", i+1), Level: county.LevelTownship}
		code, err := e.st.CreateEnrollCode(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		d, err := e.st.Enroll(ctx, code.Code, fmt.Sprintf("pc-%d", i), "0.9.0")
		if err != nil {
			t.Fatal(err)
		}
		points, devs = append(points, p), append(devs, d)
	}
	var g genCounty
	var acts []action
	push := func(dev county.Device, ev protocol.Event) func(t *testing.T) {
		return func(t *testing.T) {
			rs, err := e.st.Apply(ctx, dev, []protocol.Event{ev})
			if err != nil {
				t.Fatal(err)
			}
			if rs[0].Status != protocol.Applied {
				t.Fatalf("push %s: %+v", ev.Kind, rs[0].Error)
			}
		}
	}
	decide := func(c *genCase, sc county.StatusChange) func(t *testing.T) {
		return func(t *testing.T) {
			sc.Case, sc.By = c.id, "李审"
			if _, err := e.st.SetCaseStatus(ctx, sc); err != nil {
				t.Fatalf("decide %s on %s: %v", sc.Status, c.id, err)
			}
		}
	}
	from := time.Date(2026, 9, 1, 0, 0, 0, 0, loc)
	for day := from; day.Month() <= 11 && day.Year() == 2026; day = day.AddDate(0, 0, 1) {
		if ok, _ := cal.IsWorkday(day); !ok {
			continue
		}
		for pi, p := range points {
			for range rng.IntN(4) {
				m := &cat.Matters[rng.IntN(len(cat.Matters))]
				id, track := countytest.NewCase(p.Code)
				c := &genCase{point: p, dev: devs[pi], id: id, track: track, matter: m,
					accepted: day.Add(time.Duration(8*60+rng.IntN(9*60)) * time.Minute)}
				switch r := rng.IntN(20); {
				case r == 0:
					c.decision = "reject"
				case r == 1:
					c.decision = "" // a self-service filing returned at pre-review
				case m.Kind == catalog.Immediate && r < 12:
					c.decision = "complete"
				case m.Kind == catalog.Promised && r < 5:
					c.decision = "accept_deferred"
				default:
					c.decision = "accept"
				}
				c.commitment = rng.IntN(6) == 0
				c.proxy = rng.IntN(8) == 0
				if c.decision != "reject" && c.decision != "" {
					due, err := cal.AddWorkdays(c.accepted, m.PromisedDays)
					if err != nil {
						t.Fatal(err)
					}
					c.due = due
				}
				g.cases = append(g.cases, c)
				acts = append(acts, action{c.accepted, push(c.dev, genCaseEvent(c))})
				if c.decision != "accept" && c.decision != "accept_deferred" {
					continue
				}
				// The county's part: maybe a 补正, then a decision — in time,
				// late, or not yet — and now and then one taken back.
				at := c.accepted.Add(time.Duration(1+rng.IntN(48)) * time.Hour)
				if rng.IntN(4) == 0 {
					c.corrAt = at
					acts = append(acts, action{at, decide(c, county.StatusChange{Status: protocol.CountyCorrection,
						Supplements: []protocol.Supplement{{Name: "补充材料"}}, SupplyBy: at.AddDate(0, 0, 30).Format(time.DateOnly)})})
					c.resumeAt = at.Add(time.Duration(24+rng.IntN(24*9)) * time.Hour)
					acts = append(acts, action{c.resumeAt, decide(c, county.StatusChange{Status: protocol.CountyReviewing})})
					at = c.resumeAt
				}
				if rng.IntN(6) == 0 {
					continue // still under review
				}
				c.decidedAt = at.Add(time.Duration(rng.IntN(24*(m.PromisedDays+6))) * time.Hour)
				c.final = protocol.CountyCompleted
				sc := county.StatusChange{Status: protocol.CountyCompleted, Pickup: "窗口领取"}
				if rng.IntN(10) == 0 {
					c.final, sc = protocol.CountyDenied, county.StatusChange{Status: protocol.CountyDenied, Reason: "不符合法定条件"}
				}
				acts = append(acts, action{c.decidedAt, decide(c, sc)})
				if rng.IntN(15) == 0 {
					c.takenBack = true
					acts = append(acts, action{c.decidedAt.Add(time.Hour), decide(c, county.StatusChange{Status: protocol.CountyReviewing})})
				}
			}
			// Tickets and their ratings.
			for range rng.IntN(6) {
				sector := catalog.Sectors[rng.IntN(len(catalog.Sectors))]
				tk := genTicket{point: p.Code, sector: sector, issued: day.Add(time.Duration(8*60+rng.IntN(8*60)) * time.Minute)}
				switch r := rng.IntN(10); {
				case r == 0:
					tk.status = "waiting" // never closed: issued only
				case r < 3:
					tk.status = "noshow"
					tk.called = tk.issued.Add(time.Duration(rng.IntN(40)+1) * time.Minute)
				default:
					tk.status = "done"
					tk.called = tk.issued.Add(time.Duration(rng.IntN(3600)+1) * time.Second)
					tk.started = tk.called.Add(time.Minute)
					tk.finished = tk.started.Add(time.Duration(60+rng.IntN(1800)) * time.Second)
				}
				g.tickets = append(g.tickets, tk)
				doc := genTicketDoc(tk)
				acts = append(acts, action{tk.issued, push(devs[pi], queueEv(protocol.TicketIssued, doc, tk.issued))})
				if tk.status != "waiting" {
					end := tk.finished
					if end.IsZero() {
						end = tk.called
					}
					acts = append(acts, action{end, push(devs[pi], queueEv(protocol.TicketClosed, doc, end))})
				}
				if tk.status == "done" && rng.IntN(2) == 0 {
					r := genRating{point: p.Code, at: tk.finished.Add(time.Minute), level: 1 + rng.IntN(5), kind: "ticket", matter: sector}
					g.ratings = append(g.ratings, r)
					acts = append(acts, action{r.at, push(devs[pi], genRatingEvent(r))})
				}
			}
		}
	}
	// A rating of a case, by its matter's name, for some accepted cases.
	for _, c := range g.cases {
		if c.decision != "" && c.decision != "reject" && rng.IntN(3) == 0 {
			r := genRating{point: c.point.Code, at: c.accepted.Add(2 * time.Minute), level: 1 + rng.IntN(5), kind: "case", matter: c.matter.Name}
			g.ratings = append(g.ratings, r)
			acts = append(acts, action{r.at, push(c.dev, genRatingEvent(r))})
		}
	}
	sort.SliceStable(acts, func(i, j int) bool { return acts[i].at.Before(acts[j].at) })
	for _, a := range acts {
		e.clock.Set(a.at)
		a.do(t)
	}
	return g
}

func genCaseEvent(c *genCase) protocol.Event {
	status := map[string]string{"accept": "accepted", "complete": "completed", "accept_deferred": "deferred", "reject": "rejected", "": "returned"}[c.decision]
	var mats []protocol.Material
	mats = append(mats, protocol.Material{Matter: c.matter.Code, Material: c.matter.Materials[0].ID, State: "original"})
	if c.commitment {
		mats = append(mats, protocol.Material{Matter: c.matter.Code, Material: "commitment_x", State: "commitment"})
	}
	doc := protocol.CaseDoc{V: 1, ID: c.id, Tracking: c.track, ServicePoint: c.point.Code, Matters: []string{c.matter.Code},
		Applicant: protocol.Applicant{Kind: "person", Name: "测试", IDNumber: "330522199003070024", Mobile: "13812341234"},
		Materials: mats, Decision: c.decision, Status: status, Accepted: c.accepted, Due: c.due,
		Clerk: protocol.Actor{ID: 3, Name: "王丽", Window: 2}, CatalogVersion: "2026.11-demo"}
	if c.proxy {
		doc.Proxy = &protocol.Proxy{Agent: protocol.Actor{ID: 9, Name: "代办员"}, Village: "测试村",
			Mandate: protocol.Mandate{Resident: protocol.Person{Name: "测试", IDNumber: "330522199003070024"}, Powers: []string{"submit"}, Evidence: "commitment"}}
	}
	p, err := json.Marshal(protocol.CaseEvent{CaseID: c.id, Tracking: c.track, Version: 1, At: c.accepted, Actor: doc.Clerk, Case: doc})
	if err != nil {
		panic(err)
	}
	return protocol.Event{ID: uuid.NewString(), Kind: "case.accepted", Created: c.accepted, Payload: p}
}

func genTicketDoc(tk genTicket) string {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "0001-01-01T00:00:00Z"
		}
		return t.Format(time.RFC3339)
	}
	status := tk.status
	b, _ := json.Marshal(map[string]string{"id": uuid.NewString(), "number": "A001", "sector": tk.sector, "day": tk.issued.Format(time.DateOnly),
		"issued": ts(tk.issued), "status": status, "called_at": ts(tk.called), "started_at": ts(tk.started), "finished_at": ts(tk.finished)})
	return string(b)
}

func queueEv(kind protocol.Kind, doc string, at time.Time) protocol.Event {
	p, _ := json.Marshal(protocol.QueuePayload{Doc: json.RawMessage(doc)})
	return protocol.Event{ID: uuid.NewString(), Kind: kind, Created: at, Payload: p}
}

func genRatingEvent(r genRating) protocol.Event {
	p := protocol.RatingPayload{Kind: r.kind, Ref: uuid.NewString(), Level: r.level, ClerkID: 3, ClerkName: "王丽", Window: 2, Matter: r.matter, At: r.at}
	if r.level <= 2 {
		p.Reasons = []string{protocol.RatingReasons[0]}
	}
	b, _ := json.Marshal(p)
	return protocol.Event{ID: uuid.NewString(), Kind: protocol.RatingGiven, Created: r.at, Payload: b}
}

// expected works out, from the generator's records alone, each group's
// counts over a period: the groups keyed as the dashboard labels them.
func (g genCounty) expected(t *testing.T, cal *workday.Calendar, cat *catalog.Catalog, from, to string, group func(point, sector string, m *catalog.Matter) string) map[string]*figures.Counts {
	out := map[string]*figures.Counts{}
	at := func(key string) *figures.Counts {
		if out[key] == nil {
			out[key] = &figures.Counts{}
		}
		return out[key]
	}
	in := func(t time.Time) bool {
		d := t.In(workday.China).Format(time.DateOnly)
		return d >= from && d <= to
	}
	byName := map[string]*catalog.Matter{}
	for i := range cat.Matters {
		byName[cat.Matters[i].Name] = &cat.Matters[i]
	}
	for _, c := range g.cases {
		k := &figures.Counts{}
		func() {
			// Only a group the period has anything of is a row.
			defer func() {
				if *k != (figures.Counts{}) {
					at(group(c.point.Code, "", c.matter)).Add(*k)
				}
			}()
			if in(c.accepted) {
				switch c.decision {
				case "reject":
					k.Refused++
				case "":
					k.Returned++
				default:
					k.Accepted++
					if c.decision == "complete" {
						k.Immediate++
					}
					if c.decision == "accept_deferred" {
						k.Deficient++
					}
					if c.commitment {
						k.Commitment++
					}
					if c.proxy {
						k.Proxy++
					}
					if v, ok := c.matter.VisitsKnown(); ok && v <= 1 {
						k.AtMostOnce++
					}
					if v, ok := c.matter.VisitsKnown(); ok && v == 0 {
						k.ZeroVisit++
					}
				}
			}
			decided := c.decidedAt
			if c.decision == "complete" {
				decided = c.accepted
			}
			if decided.IsZero() || c.takenBack || !in(decided) {
				return
			}
			k.Decided++
			paused := 0
			if !c.corrAt.IsZero() {
				n, err := cal.WorkdaysBetween(c.corrAt, c.resumeAt)
				if err != nil {
					t.Fatal(err)
				}
				paused = n
			}
			took, err := cal.WorkdaysBetween(c.accepted, decided)
			if err != nil {
				t.Fatal(err)
			}
			k.DecideDays += int64(max(took-paused, 0))
			k.Promised++
			moved, err := cal.AddWorkdays(c.due, paused)
			if err != nil {
				t.Fatal(err)
			}
			if decided.In(workday.China).Format(time.DateOnly) <= moved.Format(time.DateOnly) {
				k.OnTime++
			}
		}()
	}
	for _, tk := range g.tickets {
		if !in(tk.issued) {
			continue
		}
		k := at(group(tk.point, tk.sector, nil))
		k.Tickets++
		if tk.status == "waiting" {
			continue
		}
		k.Closed++
		k.Called++
		k.WaitSecs += int64(tk.called.Sub(tk.issued) / time.Second)
		if tk.status == "noshow" {
			k.NoShows++
		} else {
			k.Served++
			k.ServiceSecs += int64(tk.finished.Sub(tk.started) / time.Second)
		}
	}
	for _, r := range g.ratings {
		if !in(r.at) {
			continue
		}
		var key string
		if r.kind == "ticket" {
			key = group(r.point, r.matter, nil)
		} else {
			key = group(r.point, "", byName[r.matter])
		}
		at(key).Ratings[r.level]++
	}
	return out
}

var (
	tableRE = regexp.MustCompile(`(?s)<table class="list figures">(.*?)</table>`)
	rowRE   = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	cellRE  = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
)

// pageTables reads the dashboard's tables: rows of cell texts, the
// header row first.
func pageTables(t *testing.T, body string) [][][]string {
	var out [][][]string
	for _, tm := range tableRE.FindAllStringSubmatch(body, -1) {
		var rows [][]string
		for _, rm := range rowRE.FindAllStringSubmatch(tm[1], -1) {
			var cells []string
			for _, cm := range cellRE.FindAllStringSubmatch(rm[1], -1) {
				cells = append(cells, html.UnescapeString(strings.TrimSpace(cm[1])))
			}
			rows = append(rows, cells)
		}
		out = append(out, rows)
	}
	if len(out) != 3 {
		t.Fatalf("got %d tables on the dashboard, want 3 (figures, trend, coverage)", len(out))
	}
	return out
}

func wantCells(label string, c figures.Counts) []string {
	row := []string{label}
	for _, f := range figures.All {
		row = append(row, f.Of(c).Text())
	}
	return row
}

// newGeneratedCounty is a county of the demo catalog with generateCounty's
// cases, tickets and ratings.
func newGeneratedCounty(t *testing.T) (*env, genCounty, *catalog.Catalog, *workday.Calendar) {
	t.Helper()
	e := newEnv(t)
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	cal, err := county.MergeCalendars(nil)
	if err != nil {
		t.Fatal(err)
	}
	return e, generateCounty(t, e, cat, cal), cat, cal
}

func TestDashboardKnownAnswers(t *testing.T) {
	e, g, cat, cal := newGeneratedCounty(t)
	var n [4]int
	for _, c := range g.cases {
		switch {
		case !c.corrAt.IsZero():
			n[0]++
		case c.takenBack:
			n[1]++
		case c.decision == "accept_deferred":
			n[2]++
		case c.proxy:
			n[3]++
		}
	}
	t.Logf("generated %d cases (补正 %d, taken back %d, 容缺 %d, 代办 %d), %d tickets, %d ratings", len(g.cases), n[0], n[1], n[2], n[3], len(g.tickets), len(g.ratings))
	if slices.Contains(n[:], 0) {
		t.Fatalf("the generator made no case of some kind: %v", n)
	}
	b := e.client(t)
	b.mustLogin("lishen")
	names := map[string]string{}
	points, _ := e.st.ServicePoints(context.Background())
	for _, p := range points {
		names[p.Code] = p.Name
	}
	groupers := map[string]func(point, sector string, m *catalog.Matter) string{
		"point": func(point, _ string, _ *catalog.Matter) string { return names[point] },
		"sector": func(_, sector string, m *catalog.Matter) string {
			if m != nil {
				return m.Sector
			}
			return sector
		},
		"department": func(_, _ string, m *catalog.Matter) string {
			if m != nil {
				return m.Department
			}
			return "取号（不分事项）"
		},
		"matter": func(_, _ string, m *catalog.Matter) string {
			if m != nil {
				return m.Name
			}
			return "取号（不分事项）"
		},
	}
	for _, p := range []struct{ from, to string }{
		{"2026-09-01", "2026-11-30"}, // a quarter: whole months, weekly trend
		{"2026-10-01", "2026-10-31"},
		{"2026-11-16", "2026-11-22"},
		{"2026-08-20", "2026-12-10"}, // days at both ends of whole months, monthly trend
		{"2026-09-10", "2026-11-05"}, // a whole month, most of one and a few days of another
		{"2026-09-05", "2026-10-04"}, // a rolling 30 days: a month less 4 days, and 4 days
	} {
		for by, group := range groupers {
			status, body := b.get(fmt.Sprintf("/office/dashboard?from=%s&to=%s&by=%s", p.from, p.to, by))
			if status != http.StatusOK {
				t.Fatalf("dashboard: got %d", status)
			}
			tables := pageTables(t, body)
			want := g.expected(t, cal, cat, p.from, p.to, group)
			got := map[string][]string{}
			rows := tables[0][1:]
			for _, r := range rows[:len(rows)-1] {
				got[r[0]] = r
			}
			var total figures.Counts
			for label, c := range want {
				total.Add(*c)
				if w := wantCells(label, *c); !slices.Equal(got[label], w) {
					t.Errorf("%s–%s by %s, %s:\n got %v\nwant %v", p.from, p.to, by, label, got[label], w)
				}
				delete(got, label)
			}
			for label := range got {
				t.Errorf("%s–%s by %s: got a row %q the records do not have", p.from, p.to, by, label)
			}
			if w := wantCells("合计", total); !slices.Equal(rows[len(rows)-1], w) {
				t.Errorf("%s–%s by %s, total:\n got %v\nwant %v", p.from, p.to, by, rows[len(rows)-1], w)
			}
			if by != "point" {
				continue
			}
			// The trend: each week from the Monday of the first, or each
			// month for a period longer than a quarter.
			from, _ := time.ParseInLocation(time.DateOnly, p.from, workday.China)
			to, _ := time.ParseInLocation(time.DateOnly, p.to, workday.China)
			monthly := to.Sub(from) > 92*24*time.Hour
			bucket := from.AddDate(0, 0, -((int(from.Weekday()) + 6) % 7))
			next := func(d time.Time) time.Time { return d.AddDate(0, 0, 7) }
			label := "01-02"
			if monthly {
				bucket = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, workday.China)
				next = func(d time.Time) time.Time { return d.AddDate(0, 1, 0) }
				label = "2006-01"
			}
			trend := tables[1][1:]
			i := 0
			for ; !bucket.After(to); bucket = next(bucket) {
				end := next(bucket).AddDate(0, 0, -1)
				lo, hi := max(bucket.Format(time.DateOnly), p.from), min(end.Format(time.DateOnly), p.to)
				var c figures.Counts
				for _, x := range g.expected(t, cal, cat, lo, hi, groupers["point"]) {
					c.Add(*x)
				}
				w := []string{bucket.Format(label)}
				for _, id := range []figures.ID{"accepted", "immediate_rate", "on_time_rate", "avg_days", "satisfied_rate", "avg_wait", "no_shows"} {
					f, _ := figures.ByID(id)
					w = append(w, f.Of(c).Text())
				}
				if i >= len(trend) || !slices.Equal(trend[i], w) {
					got := []string(nil)
					if i < len(trend) {
						got = trend[i]
					}
					t.Errorf("%s–%s trend, %s:\n got %v\nwant %v", p.from, p.to, w[0], got, w)
				}
				i++
			}
			if i != len(trend) {
				t.Errorf("%s–%s trend: got %d weeks, want %d", p.from, p.to, len(trend), i)
			}
		}
	}
}
