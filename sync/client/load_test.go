package client_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/sync/client"
	"github.com/yichuang/yichuang/sync/protocol"
)

// memKiosk is a kiosk's outbox and feed cursor in memory: the load test
// measures the county, so each simulated kiosk keeps only what the sync
// round reads and writes.
type memKiosk struct {
	mu      sync.Mutex
	point   string
	device  int
	seq     int
	pending []protocol.Event
	cursor  int64
	pushed  int
}

func (k *memKiosk) accept(n int, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i := 0; i < n; i++ {
		k.seq++
		id := uuid.NewString()
		tracking, err := protocol.EncodeTracking(protocol.TrackingParts{ServicePoint: k.point, Device: k.device, Day: now, Seq: k.seq})
		if err != nil {
			continue // a code whose check would be '*', or a full day: skip it
		}
		doc := fmt.Sprintf(`{"id":%q,"tracking":%q,"service_point":%q,"status":"accepted","decision":"accept",
			"matters":["330000-SS-0001"],"applicant":{"kind":"individual","name":"张小红","id_number":"330522199003150024","mobile":"13857201234"},
			"fields":{"business_scope":"餐饮服务","business_address":"洪桥镇洪桥路18号"},"due":%q,"accepted":%q}`,
			id, tracking, k.point, now.AddDate(0, 0, 5).Format(time.RFC3339), now.Format(time.RFC3339))
		var cd protocol.CaseDoc
		if err := json.Unmarshal([]byte(doc), &cd); err != nil {
			panic(err)
		}
		p, _ := json.Marshal(protocol.CaseEvent{CaseID: id, Tracking: tracking, Version: 1, At: now, Case: cd})
		k.pending = append(k.pending, protocol.Event{ID: uuid.NewString(), Kind: "case.accepted", Created: now, Payload: p})
	}
}

func (k *memKiosk) SendableEvents(_ context.Context, limit int) ([]protocol.Event, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]protocol.Event(nil), k.pending[:min(limit, len(k.pending))]...), nil
}

func (k *memKiosk) RecordPush(_ context.Context, results []protocol.Result) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	done := map[string]bool{}
	for _, r := range results {
		done[r.ID] = true
	}
	left := k.pending[:0]
	for _, e := range k.pending {
		if !done[e.ID] {
			left = append(left, e)
		}
	}
	k.pushed += len(k.pending) - len(left)
	k.pending = left
	return nil
}

func (k *memKiosk) FeedCursor(context.Context) (int64, error) { return k.cursor, nil }
func (k *memKiosk) ApplyFeed(_ context.Context, items []protocol.FeedItem) error {
	for _, it := range items {
		k.cursor = it.Cursor
	}
	return nil
}
func (k *memKiosk) PendingUploads(context.Context) ([]string, error) { return nil, nil }
func (k *memKiosk) MarkUploaded(context.Context, string) error       { return nil }

var listenLine = regexp.MustCompile(`countyd listening on (http://\S+)`)

// TestLoad200Kiosks runs 200 simulated kiosks against one real countyd on
// loopback — each pushing new cases, pulling its feed and reporting its
// status every few seconds — while a county officer keeps opening the back
// office's pages. It reports the pages' latency (goal: p95 under 300 ms).
// It runs only when YICHUANG_LOAD is set to a duration ("5m"): make load.
func TestLoad200Kiosks(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("YICHUANG_LOAD"))
	if err != nil {
		t.Skip("load test: set YICHUANG_LOAD=5m (make load)")
	}
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "countyd")
	if out, err := exec.Command("go", "build", "-tags", "sqlite_fts5,no_emoji", "-o", bin, "github.com/yichuang/yichuang/sync/countyd").CombinedOutput(); err != nil {
		t.Fatalf("build countyd: %v\n%s", err, out)
	}
	data := t.TempDir()
	admin := func(stdin string, args ...string) string {
		cmd := exec.Command(bin, append([]string{args[0], "-data", data}, args[1:]...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("countyd %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	srv := exec.Command(bin, "serve", "-listen", "127.0.0.1:0", "-data", data)
	out, _ := srv.StdoutPipe()
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	sc := bufio.NewScanner(out)
	var base string
	for sc.Scan() {
		if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	if base == "" {
		t.Fatal("countyd did not start")
	}

	// 200 kiosks in 40 halls, enrolled through the real API.
	code := regexp.MustCompile(`[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}`)
	var kiosks []*memKiosk
	var syncers []*client.Syncer
	for i := 0; i < 200; i++ {
		point := fmt.Sprintf("330522%03d000", 101+i/5)
		c := code.FindString(admin("", "enroll-code", "-point", point, "-name", fmt.Sprintf("第%d便民服务中心", 1+i/5), "-level", "township"))
		er, key, err := client.Enroll(ctx, base, c, fmt.Sprintf("kiosk-%d", i), "load", client.Options{})
		if err != nil {
			t.Fatalf("enroll %d: %v", i, err)
		}
		cl, _ := client.New(base, client.Credentials{DeviceID: er.DeviceID, Key: key}, client.Options{Gzip: true, RetryWaitMin: 100 * time.Millisecond, RetryWaitMax: 2 * time.Second})
		k := &memKiosk{point: point, device: i%5 + 1}
		kiosks = append(kiosks, k)
		syncers = append(syncers, &client.Syncer{Client: cl, Store: k, BatchSize: 500,
			Status: func(context.Context, error) (protocol.DeviceStatus, error) {
				return protocol.DeviceStatus{AppVersion: "load", Printer: protocol.PrinterStatus{State: "ok"}, At: time.Now()}, nil
			}})
	}

	officer := newOfficer(t, base, admin)
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	var mu sync.Mutex
	rounds, failed := 0, 0
	for i := range syncers {
		wg.Add(1)
		go func(k *memKiosk, s *client.Syncer) {
			defer wg.Done()
			time.Sleep(rand.N(3 * time.Second)) // the halls do not start in step
			for time.Now().Before(end) {
				k.accept(rand.IntN(4), time.Now())
				_, err := s.Once(ctx)
				mu.Lock()
				rounds++
				if err != nil {
					failed++
				}
				mu.Unlock()
				time.Sleep(2*time.Second + rand.N(2*time.Second))
			}
		}(kiosks[i], syncers[i])
	}
	var lat []time.Duration
	for time.Now().Before(end) {
		lat = append(lat, officer.browse(t)...)
		time.Sleep(200 * time.Millisecond)
	}
	wg.Wait()
	pushed := 0
	for _, k := range kiosks {
		pushed += k.pushed
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
	t.Logf("%v: %d kiosks, %d rounds (%d failed), %d cases pushed; %d page views: p50 %v, p95 %v, p99 %v, max %v",
		d, len(kiosks), rounds, failed, pushed, len(lat), p(0.5), p(0.95), p(0.99), lat[len(lat)-1])
	if failed*100 > rounds {
		t.Errorf("%d of %d sync rounds failed", failed, rounds)
	}
}

// officer is a county staff member in the back office, with a session.
type officer struct {
	base  string
	http  *http.Client
	cases []string // case page links seen in the list
}

var (
	csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	caseLink  = regexp.MustCompile(`href="(/office/cases/[^"?/]+)"`)
)

// newOfficer creates an admin with countyd staff-add and signs in through
// the login form, as a person in a browser would.
func newOfficer(t *testing.T, base string, admin func(stdin string, args ...string) string) *officer {
	t.Helper()
	admin("zw-2026-load\n", "staff-add", "-login", "lishen", "-name", "李审", "-role", "admin")
	jar, _ := cookiejar.New(nil)
	o := &officer{base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	page := o.get(t, "/office/login")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field on the login page:\n%s", page)
	}
	resp, err := o.http.PostForm(base+"/office/login", url.Values{"csrf": {m[1]}, "login": {"lishen"}, "password": {"zw-2026-load"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Contains(string(body), `name="password"`) {
		t.Fatalf("login: %d\n%s", resp.StatusCode, body)
	}
	return o
}

func (o *officer) get(t *testing.T, path string) string {
	t.Helper()
	resp, err := o.http.Get(o.base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return string(b)
}

// browse opens the pages staff use every day and returns how long each
// took: the case list, the list filtered, a case, the fleet.
func (o *officer) browse(t *testing.T) []time.Duration {
	var out []time.Duration
	timed := func(path string) string {
		t0 := time.Now()
		page := o.get(t, path)
		out = append(out, time.Since(t0))
		return page
	}
	list := timed("/office/cases")
	for _, m := range caseLink.FindAllStringSubmatch(list, -1) {
		o.cases = append(o.cases, m[1])
	}
	timed("/office/cases?status=accepted")
	if len(o.cases) > 0 {
		timed(o.cases[rand.IntN(len(o.cases))])
	}
	timed("/office/fleet")
	return out
}
