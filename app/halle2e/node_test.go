package halle2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/yichuang/yichuang/app/ui/selfservice"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/countylink"
	"github.com/yichuang/yichuang/app/hallsync"
	"github.com/yichuang/yichuang/app/kiosk"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/intake"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/sync/client"
)

// A node is one kiosk process of the test hall: the kiosk's own packages
// (store, hall side, county link, the screens' services) without a window,
// each with its own data directory and database file, driven by the test
// through a small control API on loopback in place of a clerk's taps.

const nodeEnv = "YICHUANG_HALL_NODE"

// spec is a node's configuration.
type spec struct {
	Name   string `json:"name"`
	Dir    string `json:"dir"`
	Role   string `json:"role"`
	Device int    `json:"device"`
	// Listen is where a hub serves the hall.
	Listen string `json:"listen,omitempty"`
	// Hub is the hub's address as this machine reaches it.
	Hub string `json:"hub,omitempty"`
}

const (
	point      = "330522101000"
	pointName  = "洪桥镇便民服务中心"
	supLogin   = "zhuguan"
	supSecret  = "hq-2026-chen"
	nodeWindow = 0
)

// runNode is the child process: it serves the control API until killed.
func runNode(raw string) {
	var sp spec
	if err := json.Unmarshal([]byte(raw), &sp); err != nil {
		fmt.Fprintln(os.Stderr, "node spec:", err)
		os.Exit(3)
	}
	n, err := openNode(sp)
	if err != nil {
		fmt.Fprintln(os.Stderr, "node:", err)
		os.Exit(3)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "node listen:", err)
		os.Exit(3)
	}
	fmt.Println("ready " + ln.Addr().String())
	http.Serve(ln, n.handler())
}

type node struct {
	sp   spec
	db   *store.DB
	link *countylink.Link

	mu    sync.Mutex
	hall  *kiosk.HallSide
	actor clerks.Account
}

func openNode(sp spec) (*node, error) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(sp.Dir, "yichuang.db"), store.Options{Clock: clock.System{}})
	if err != nil {
		return nil, err
	}
	n := &node{sp: sp, db: db}
	if _, ok, err := db.Kiosk(ctx); err != nil {
		return nil, err
	} else if !ok {
		if _, err := db.ConfigureKiosk(ctx, servicepoint.Kiosk{Point: servicepoint.ServicePoint{Code: point, Name: pointName, Level: "township"},
			Device: sp.Device, QueueRole: sp.Role, HubAddr: sp.Hub}); err != nil {
			return nil, err
		}
	}
	if ok, _ := db.HasCatalog(ctx); !ok {
		if _, err := db.LoadCatalog(ctx, assets.DemoCatalog()); err != nil {
			return nil, err
		}
	}
	if sp.Role == servicepoint.QueueHub {
		if has, _ := db.HasSupervisor(ctx); !has {
			if _, err := db.CreateFirstSupervisor(ctx, clerks.Account{Login: supLogin, Name: "陈主管", Window: 1}, supSecret); err != nil {
				return nil, err
			}
		}
	}
	opts := client.Options{Gzip: true, AttemptTimeout: 3 * time.Second, RetryMax: 1, RetryWaitMin: 50 * time.Millisecond, RetryWaitMax: 200 * time.Millisecond}
	n.link = countylink.New(countylink.Config{Store: db, Files: services.Files(sp.Dir, db), Clock: clock.System{}, Version: "0.0.0-e2e",
		Client: &opts, Manual: true})
	// A restarted machine's data is sealed: the hub opens it with its
	// supervisor's sign-in (the morning after a power cut), a window or
	// terminal with the key its hub keeps for it, as the kiosk does.
	if db.Locked() && sp.Role == servicepoint.QueueHub {
		if _, err := db.Authenticate(ctx, supLogin, supSecret); err != nil {
			return nil, err
		}
	}
	if keyed, _ := db.Keyed(ctx); keyed && db.Locked() {
		go func() {
			for db.Locked() {
				if l, err := db.HallLink(ctx); err == nil && l.Paired() {
					if key, err := hallsync.UnlockKey(ctx, l); err == nil {
						db.UnlockWithHub(ctx, l.Hub, key)
					}
				}
				time.Sleep(200 * time.Millisecond)
			}
			n.startHall()
		}()
	} else {
		n.startHall()
	}
	// The county link's background rounds, quickened for the test (the
	// kiosk's own loop backs off up to minutes while the county is away).
	go func() {
		for {
			n.link.Round(ctx)
			time.Sleep(400 * time.Millisecond)
		}
	}()
	return n, nil
}

func (n *node) startHall() {
	ctx := context.Background()
	cfg, _, _ := n.db.Kiosk(ctx)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.hall != nil {
		n.hall.Stop()
	}
	n.hall = kiosk.StartHall(context.Background(), n.db, clock.System{}, n.sp.Dir, n.sp.Listen, cfg, func() {})
}

func (n *node) side() *kiosk.HallSide {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.hall
}

func (n *node) hallService() services.Hall {
	h := n.side()
	s := services.Hall{DB: n.db, Role: h.Role(), Repl: h.Replicator(), HubProblem: h.Problem(), Now: time.Now,
		Actor: func() clerks.Account { n.mu.Lock(); defer n.mu.Unlock(); return n.actor }}
	if srv := h.Server(); srv != nil {
		s.Identity = srv.Identity
	}
	return s
}

func (n *node) intake(ctx context.Context) (*services.Intake, error) {
	svc, err := services.NewIntake(ctx, n.db, n.sp.Dir, clock.System{})
	if err != nil {
		return nil, err
	}
	svc.Counter.Printer = nil // no printer in the test hall: papers are archived
	if r := n.side().Replicator(); r != nil {
		svc.Hall = r
		svc.Committed = r.Kick
	}
	return svc, nil
}

// draft is the 个体工商户设立登记 of 张小红, every material as the catalog
// first allows (原件).
func (n *node) draft(ctx context.Context) (cases.Draft, error) {
	cat, err := n.db.ActiveCatalog(ctx)
	if err != nil {
		return cases.Draft{}, err
	}
	m, _ := cat.Matter("330000-SS-0001")
	d := cases.Draft{Matters: []string{m.Code}, Applicant: cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "13857201234"},
		Fields: map[string]string{"organization_form": "个人经营", "business_address": "洪桥镇洪桥路18号", "business_scope": "餐饮服务",
			"registered_capital": "5", "employees": "3", "delivery": "窗口领取"}}
	for _, mat := range m.Materials {
		d.Materials = append(d.Materials, cases.MaterialEntry{Matter: m.Code, Material: mat.ID, State: cases.AllowedStates(mat)[0]})
	}
	return d, nil
}

// counterWithDraft is the counter's service and the usual draft.
func (n *node) counterWithDraft(ctx context.Context) (*services.Intake, cases.Draft, error) {
	svc, err := n.intake(ctx)
	if err != nil {
		return nil, cases.Draft{}, err
	}
	d, err := n.draft(ctx)
	return svc, d, err
}

type answer map[string]any

func (n *node) handler() http.Handler {
	mux := http.NewServeMux()
	do := func(path string, f func(ctx context.Context, in map[string]any) (answer, error)) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			in := map[string]any{}
			json.NewDecoder(r.Body).Decode(&in)
			out, err := f(r.Context(), in)
			if out == nil {
				out = answer{}
			}
			if err != nil {
				out["err"] = err.Error()
				var stale *intake.StaleError
				out["stale"] = errors.As(err, &stale)
			}
			json.NewEncoder(w).Encode(out)
		})
	}
	str := func(in map[string]any, k string) string { s, _ := in[k].(string); return s }
	do("/code", func(ctx context.Context, in map[string]any) (answer, error) {
		code, _, err := n.hallService().NewCode(ctx)
		return answer{"code": code}, err
	})
	do("/pair", func(ctx context.Context, in map[string]any) (answer, error) {
		if err := n.hallService().Pair(ctx, str(in, "addr"), str(in, "code")); err != nil {
			return nil, err
		}
		n.startHall()
		return nil, nil
	})
	do("/enroll", func(ctx context.Context, in map[string]any) (answer, error) {
		return nil, n.link.Enroll(ctx, str(in, "url"), str(in, "code"))
	})
	do("/login", func(ctx context.Context, in map[string]any) (answer, error) {
		acc := services.Accounts{DB: n.db, Repl: n.side().Replicator()}
		a, err := acc.Authenticate(ctx, str(in, "login"), str(in, "secret"))
		if err != nil {
			return nil, err
		}
		if w, ok := in["window"].(float64); ok {
			a.Window = int(w)
		}
		n.mu.Lock()
		n.actor = a
		n.mu.Unlock()
		return answer{"id": a.ID, "name": a.Name}, nil
	})
	do("/accept", func(ctx context.Context, in map[string]any) (answer, error) {
		svc, d, err := n.counterWithDraft(ctx)
		if err != nil {
			return nil, err
		}
		kind := cases.Accept
		if in["complete"] == true {
			kind = cases.Complete
		}
		o, err := svc.Decide(ctx, n.actor, d, cases.Decision{Kind: kind})
		if err != nil {
			return nil, err
		}
		return answer{"tracking": o.Case.Tracking, "status": string(o.Case.Status), "pin": o.Case.QueryPIN}, nil
	})
	do("/selffile", func(ctx context.Context, in map[string]any) (answer, error) {
		svc, d, err := n.counterWithDraft(ctx)
		if err != nil {
			return nil, err
		}
		// At the terminal every material is a photo (电子副本).
		cat, err := n.db.ActiveCatalog(ctx)
		if err != nil {
			return nil, err
		}
		m, _ := cat.Matter("330000-SS-0001")
		for i, mat := range m.Materials {
			d.Materials[i].State = cases.SelfStates(mat)[0]
		}
		f := &services.Filing{Counter: svc.Counter, ScanDir: filepath.Join(n.sp.Dir, "scans-in")}
		cs, err := f.SubmitSelf(ctx, d)
		var slip *selfservice.SlipNotPrinted
		if err != nil && !errors.As(err, &slip) { // no printer here: the filing is stored all the same
			return nil, err
		}
		return answer{"tracking": cs.Tracking}, nil
	})
	do("/progress", func(ctx context.Context, in map[string]any) (answer, error) {
		s := &services.SelfService{DB: n.db, Clock: clock.System{}}
		p, err := s.Progress(ctx, str(in, "code"), str(in, "last4"))
		if err != nil {
			return nil, err
		}
		return answer{"steps": len(p.Steps)}, nil
	})
	do("/prereview", func(ctx context.Context, in map[string]any) (answer, error) {
		svc, err := n.intake(ctx)
		if err != nil {
			return nil, err
		}
		list, err := svc.Prereview(ctx)
		if err != nil {
			return nil, err
		}
		var codes []string
		for _, c := range list {
			codes = append(codes, c.Tracking)
		}
		return answer{"trackings": codes}, nil
	})
	do("/prereview/accept", func(ctx context.Context, in map[string]any) (answer, error) {
		svc, err := n.intake(ctx)
		if err != nil {
			return nil, err
		}
		cs, err := svc.Lookup(ctx, str(in, "tracking"))
		if err != nil {
			return nil, err
		}
		o, err := svc.AcceptSubmission(ctx, n.actor, cs, cs.Draft, cases.Decision{Kind: cases.Accept})
		if err != nil {
			return nil, err
		}
		return answer{"status": string(o.Case.Status)}, nil
	})
	do("/deliver", func(ctx context.Context, in map[string]any) (answer, error) {
		svc, err := n.intake(ctx)
		if err != nil {
			return nil, err
		}
		cs, err := svc.Lookup(ctx, str(in, "tracking"))
		if err != nil {
			return nil, err
		}
		after, err := svc.Deliver(ctx, n.actor, cs, cases.Person{Name: "张小红", IDNumber: "330522199003150024"})
		if err != nil {
			return nil, err
		}
		return answer{"status": string(after.Status)}, nil
	})
	do("/case", func(ctx context.Context, in map[string]any) (answer, error) {
		cs, err := n.db.CaseByTracking(ctx, str(in, "tracking"))
		if err != nil {
			return answer{"found": false}, nil
		}
		head, _ := n.db.HeadEvent(ctx, cs.ID)
		out := answer{"found": true, "status": string(cs.Status), "head": head}
		if cs.Pickup != nil {
			out["pickup"] = cs.Pickup.At.Format(time.RFC3339Nano)
		}
		return out, nil
	})
	do("/debug", func(ctx context.Context, in map[string]any) (answer, error) {
		cs, err := n.db.CaseByTracking(ctx, str(in, "tracking"))
		if err != nil {
			return nil, err
		}
		evs, _ := n.db.CaseEvents(ctx, cs.ID)
		cur, _ := n.db.FeedCursor(ctx)
		var lines []string
		for _, e := range evs {
			st, _ := n.db.HallState(ctx, e.EventID)
			lines = append(lines, fmt.Sprintf("%s %s %s hall=%s", e.EventID[:8], e.Kind, e.Actor, st))
		}
		return answer{"events": lines, "feed": cur}, nil
	})
	// 好差评 and its follow-up (followup_e2e_test.go).
	do("/rate", func(ctx context.Context, in map[string]any) (answer, error) {
		lvl, _ := in["level"].(float64)
		_, err := n.db.Rate(ctx, rating.Rating{Kind: rating.Case, Ref: str(in, "ref"), Level: rating.Level(lvl), Reasons: []string{"等候时间长"},
			Note: str(in, "note"), ClerkID: n.actor.ID, ClerkName: n.actor.Name, Window: n.actor.Window, Matter: "食品经营许可"})
		return nil, err
	})
	do("/followups", func(ctx context.Context, in map[string]any) (answer, error) {
		fs, err := services.FollowUps{DB: n.db, Now: time.Now}.FollowUps(ctx)
		if err != nil {
			return nil, err
		}
		var ids, notes []string
		steps := 0
		for _, f := range fs {
			ids = append(ids, f.ID)
			notes = append(notes, f.Rating.Note)
			steps += len(f.Steps)
		}
		return answer{"ids": ids, "notes": notes, "steps": steps}, nil
	})
	do("/followup", func(ctx context.Context, in map[string]any) (answer, error) {
		kind := rating.Called
		if str(in, "kind") == "rectified" {
			kind = rating.Rectified
		}
		_, err := services.FollowUps{DB: n.db, Now: time.Now}.RecordFollowUp(ctx, str(in, "id"),
			rating.Step{Kind: kind, ByID: n.actor.ID, ByName: n.actor.Name, Reached: true, Text: str(in, "text")})
		return nil, err
	})
	do("/count", func(ctx context.Context, in map[string]any) (answer, error) {
		n, err := n.db.CaseCount(ctx)
		return answer{"cases": n}, err
	})
	do("/state", func(ctx context.Context, in map[string]any) (answer, error) {
		st, err := n.hallService().HallStatus(ctx)
		if err != nil {
			return nil, err
		}
		sync, _ := n.db.SyncStatus(ctx)
		hc, _ := n.db.HallCounts(ctx)
		var notes []string
		for _, x := range st.Notices {
			notes = append(notes, x.Text.Error())
		}
		ls, _ := n.link.Snapshot()
		return answer{"online": st.Online, "pending": sync.Pending, "hall_pending": hc.Pending, "notices": notes,
			"refused": sync.Quarantined, "county_err": fmt.Sprint(ls.Err)}, nil
	})
	return mux
}

// proc is a node process seen from the test.
type proc struct {
	t    *testing.T
	sp   spec
	cmd  *exec.Cmd
	ctl  string
	logs *strings.Builder
	mu   sync.Mutex
}

// startNode starts a node process and waits for its control API.
func startNode(t *testing.T, sp spec) *proc {
	t.Helper()
	p := &proc{t: t, sp: sp, logs: &strings.Builder{}}
	p.start()
	t.Cleanup(p.kill)
	return p
}

func (p *proc) start() {
	p.t.Helper()
	b, _ := json.Marshal(p.sp)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), nodeEnv+"="+string(b))
	out, err := cmd.StdoutPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.logs.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
				ready <- addr
			}
		}
	}()
	select {
	case p.ctl = <-ready:
	case <-time.After(60 * time.Second):
		p.t.Fatalf("node %s did not start:\n%s", p.sp.Name, p.log())
	}
	p.cmd = cmd
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// kill9 kills the node as a power cut does.
func (p *proc) kill() {
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
		p.cmd = nil
	}
}

// call asks the node to do something and returns its answer; an "err" in
// the answer fails the test unless allowErr.
func (p *proc) call(path string, in map[string]any) answer {
	p.t.Helper()
	out, err := p.try(path, in)
	if err != nil {
		p.t.Fatalf("%s %s: %v\n%s", p.sp.Name, path, err, p.log())
	}
	if e, ok := out["err"].(string); ok {
		p.t.Fatalf("%s %s: %s", p.sp.Name, path, e)
	}
	return out
}

func (p *proc) try(path string, in map[string]any) (answer, error) {
	b, _ := json.Marshal(in)
	c := &http.Client{Timeout: 60 * time.Second}
	resp, err := c.Post("http://"+p.ctl+path, "application/json", strings.NewReader(string(b)))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out answer
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("answer %q: %w", raw, err)
	}
	return out, nil
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
