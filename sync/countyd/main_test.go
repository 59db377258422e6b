package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
	"github.com/yichuang/yichuang/sync/protocol"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds countyd once per test run.
func binary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "countyd-test")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "countyd")
		out, err := exec.Command("go", "build", "-tags", "sqlite_fts5,no_emoji", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Cleanup()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// countyd runs a subcommand to completion and returns its standard output.
func countyd(t testing.TB, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("countyd %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

type server struct {
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer
	done   chan error
}

// start runs the server on a free loopback port and waits for its address.
func start(t testing.TB, data string, extra ...string) *server {
	t.Helper()
	args := append([]string{"-listen", "127.0.0.1:0", "-data", data}, extra...)
	s := &server{cmd: exec.Command(binary(t), args...), stderr: new(bytes.Buffer), done: make(chan error, 1)}
	s.cmd.Stderr = s.stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		t.Fatalf("no address line; stderr:\n%s", s.stderr)
	}
	line := sc.Text()
	s.url, _ = strings.CutPrefix(line, "countyd listening on ")
	if !strings.HasPrefix(s.url, "http://127.0.0.1:") {
		t.Fatalf("address line %q", line)
	}
	go func() {
		io.Copy(io.Discard, stdout)
		s.done <- s.cmd.Wait()
	}()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

type kiosk struct {
	url, dev, secret string
}

func (k *kiosk) do(method, target string, body []byte, header http.Header) (int, []byte, error) {
	req, err := http.NewRequest(method, k.url+target, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for name, v := range header {
		req.Header[name] = v
	}
	countytest.Sign(req, k.dev, k.secret, body, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (k *kiosk) push(events []protocol.Event) ([]protocol.Result, error) {
	body, _ := json.Marshal(protocol.PushRequest{Events: events})
	status, b, err := k.do("POST", "/api/v1/events", body, nil)
	if err != nil {
		return nil, err
	}
	if status != 200 {
		return nil, fmt.Errorf("push: %d %s", status, b)
	}
	var resp protocol.PushResponse
	if err := json.Unmarshal(b, &resp); err != nil {
		return nil, err
	}
	return resp.Results, nil
}

func enroll(t testing.TB, url, data string) *kiosk {
	t.Helper()
	code := strings.TrimSpace(countyd(t, "enroll-code", "-data", data, "-point", "330522101000", "-name", "洪桥镇便民服务中心", "-level", "township"))
	return enrollWith(t, url, code)
}

// enrollWith enrolls a kiosk with a code.
func enrollWith(t testing.TB, url, code string) *kiosk {
	t.Helper()
	body := fmt.Sprintf(`{"code":%q,"hostname":"hall-pc-1","app_version":"0.6.0"}`, code)
	resp, err := http.Post(url+"/api/v1/enroll", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var er protocol.EnrollResponse
	if err := json.NewDecoder(resp.Body).Decode(&er); err != nil || resp.StatusCode != 200 {
		t.Fatalf("enroll: %d %v", resp.StatusCode, err)
	}
	return &kiosk{url: url, dev: er.DeviceID, secret: er.Secret}
}

func caseEvent(caseID, tracking string, version int) protocol.Event {
	doc := fmt.Sprintf(`{"id":%q,"tracking":%q,"service_point":"330522101000","status":"accepted","applicant":{"name":"林小明"},
		"attachments":[{"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","name":"a.txt","size":4,"type":"text/plain"}]}`,
		caseID, tracking)
	var cd protocol.CaseDoc
	if err := json.Unmarshal([]byte(doc), &cd); err != nil {
		panic(err)
	}
	p, _ := json.Marshal(protocol.CaseEvent{CaseID: caseID, Tracking: tracking, Version: version, At: time.Now(), Case: cd})
	kind := protocol.Kind("case.accepted")
	if version > 1 {
		kind = "case.supplemented"
	}
	return protocol.Event{ID: uuid.NewString(), Kind: kind, Created: time.Now(), Payload: p}
}

func TestServeAndSubcommands(t *testing.T) {
	data := t.TempDir()
	srv := start(t, data)
	k := enroll(t, srv.url, data)

	id, tr := countytest.NewCase(countytest.TestPoint.Code)
	results, err := k.push([]protocol.Event{caseEvent(id, tr, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if results[0].Status != protocol.Applied {
		t.Fatalf("push: %+v", results[0])
	}
	cc := results[0].CountyCase
	list := countyd(t, "cases", "-data", data)
	if !strings.Contains(list, cc) || !strings.Contains(list, tr) || !strings.Contains(list, "n (0/1)") {
		t.Errorf("cases output lacks the case or its incomplete attachments:\n%s", list)
	}
	// The attachment arrives; the case becomes complete at the county.
	status, b, err := k.do("PUT", "/api/v1/blobs/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08?offset=0",
		[]byte("test"), http.Header{protocol.HeaderTotalLength: {"4"}})
	if err != nil || status != 200 {
		t.Fatalf("upload: %d %s %v", status, b, err)
	}
	if list := countyd(t, "cases", "-data", data, "-status", "accepted"); !strings.Contains(list, "y (1/1)") {
		t.Errorf("cases after upload:\n%s", list)
	}

	countyd(t, "set-status", "-data", data, "-case", strings.ToLower(tr), "-status", "correction",
		"-supplement", "330000-SS-0001:premises_proof:经营场所使用证明", "-supplement", "租赁协议（双方签字）",
		"-supply-by", time.Now().AddDate(0, 0, 7).Format(time.DateOnly), "-reason", "租赁协议未签字", "-by", "李审")
	status, b, err = k.do("GET", "/api/v1/feed?after=0", nil, nil)
	if err != nil || status != 200 {
		t.Fatalf("feed: %d %s %v", status, b, err)
	}
	var feed protocol.FeedResponse
	json.Unmarshal(b, &feed)
	if len(feed.Items) != 1 || feed.Items[0].Kind != protocol.FeedCaseStatus {
		t.Fatalf("feed = %s, want one case.status", b)
	}
	var cs protocol.CaseStatus
	json.Unmarshal(feed.Items[0].Payload, &cs)
	if cs.CountyCase != cc || cs.Status != "correction" || len(cs.Supplements) != 2 || cs.Supplements[1].Name != "租赁协议（双方签字）" {
		t.Errorf("case.status = %+v", cs)
	}

	// A refused decision says why and exits non-zero.
	cmd := exec.Command(binary(t), "set-status", "-data", data, "-case", cc, "-status", "denied")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "reason") {
		t.Errorf("denied without reason: %v %s", err, out)
	}
	if out := countyd(t, "devices", "-data", data); !strings.Contains(out, k.dev) || !strings.Contains(out, "active") {
		t.Errorf("devices:\n%s", out)
	}
	countyd(t, "revoke", "-data", data, "-device", k.dev)
	if status, b, _ := k.do("GET", "/api/v1/feed", nil, nil); status != 401 || !strings.Contains(string(b), "revoked") {
		t.Errorf("after revoke: %d %s", status, b)
	}

	// SIGTERM: a graceful stop, exit status 0.
	srv.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-srv.done; err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, srv.stderr)
	}
	if strings.Contains(srv.stderr.String(), k.secret) {
		t.Error("the log holds the device secret")
	}
}

// TestKillMidStream kills the server with SIGKILL while a kiosk streams
// pushes, restarts it on the same data and sends everything again, as a
// kiosk whose answers were lost does: every event is applied exactly once.
func TestKillMidStream(t *testing.T) {
	data := t.TempDir()
	srv := start(t, data)
	k := enroll(t, srv.url, data)

	const cases, versions, perBatch = 30, 10, 10
	var all []protocol.Event
	var ids, trs [cases]string
	for c := range cases {
		ids[c], trs[c] = countytest.NewCase(countytest.TestPoint.Code)
	}
	for v := 1; v <= versions; v++ {
		for c := range cases {
			all = append(all, caseEvent(ids[c], trs[c], v))
		}
	}
	var batches [][]protocol.Event
	for i := 0; i < len(all); i += perBatch {
		batches = append(batches, all[i:min(i+perBatch, len(all))])
	}

	// Stream until the kill cuts the connection; kill after a few answers,
	// while the next push is on its way.
	answered := 0
	killed := make(chan struct{})
	for _, batch := range batches {
		if answered == 4 {
			go func() {
				srv.cmd.Process.Signal(syscall.SIGKILL)
				close(killed)
			}()
		}
		if _, err := k.push(batch); err != nil {
			break
		}
		answered++
	}
	<-killed
	<-srv.done
	if answered >= len(batches) {
		t.Fatalf("all %d batches answered before the kill", answered)
	}

	srv = start(t, data)
	k.url = srv.url
	for i, batch := range batches {
		results, err := k.push(batch)
		if err != nil {
			t.Fatalf("re-push %d: %v", i, err)
		}
		for j, r := range results {
			if r.Status != protocol.Applied {
				t.Fatalf("batch %d event %d: %+v", i, j, r)
			}
			if i < answered && !r.Repeat {
				t.Errorf("batch %d was answered before the kill but applied again: %+v", i, r)
			}
			// The batch cut off by the kill committed whole or not at all.
			if i == answered && r.Repeat != results[0].Repeat {
				t.Errorf("batch %d, cut off by the kill, was applied in part: event %d repeat=%v, event 0 repeat=%v",
					i, j, r.Repeat, results[0].Repeat)
			}
		}
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	<-srv.done

	st, err := county.OpenSQLite(context.Background(), filepath.Join(data, "county.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stats, err := st.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Applied != int64(len(all)) || stats.CaseLog != int64(len(all)) || stats.Cases != cases || stats.Rejected != 0 {
		t.Errorf("applied %d, case log %d, cases %d, rejected %d; want %d, %d, %d, 0",
			stats.Applied, stats.CaseLog, stats.Cases, stats.Rejected, len(all), len(all), cases)
	}
	for c := range cases {
		log, err := st.CaseLog(context.Background(), ids[c])
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, l := range log {
			got = append(got, l.Version)
		}
		if fmt.Sprint(got) != "[1 2 3 4 5 6 7 8 9 10]" {
			t.Errorf("case %d applied versions %v, want 1 to 10 once each in order", c, got)
		}
	}
}
