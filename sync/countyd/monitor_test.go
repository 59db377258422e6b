package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// TestMonitoring runs the real binary with a monitoring listener: the
// probes answer on both listeners, /metrics only on the monitoring one
// (never to kiosks), a push shows in it, and the caller's request id comes
// back and is in the request's JSON log line.
func TestMonitoring(t *testing.T) {
	data := t.TempDir()
	cmd := exec.Command(binary(t), "-listen", "127.0.0.1:0", "-metrics-listen", "127.0.0.1:0", "-data", data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-done
		}
	}()
	sc := bufio.NewScanner(stdout)
	var lines []string
	for len(lines) < 2 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	go func() {
		io.Copy(io.Discard, stdout)
		done <- cmd.Wait()
	}()
	if len(lines) < 2 {
		t.Fatalf("address lines: got %q; stderr:\n%s", lines, stderr.String())
	}
	api, _ := strings.CutPrefix(lines[0], "countyd listening on ")
	mon, ok := strings.CutPrefix(lines[1], "countyd monitoring on ")
	if !ok {
		t.Fatalf("second line %q, want the monitoring address", lines[1])
	}
	mon = strings.TrimSuffix(mon, "/metrics")

	fetch := func(url string, header http.Header) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	tests := []struct {
		url      string
		wantCode int
	}{
		{api + "/healthz", 200},
		{api + "/readyz", 200},
		{api + "/metrics", 404}, // the API's own not-found: no series for kiosks
		{mon + "/healthz", 200},
		{mon + "/readyz", 200},
	}
	for _, tt := range tests {
		if code, _, body := fetch(tt.url, nil); code != tt.wantCode {
			t.Errorf("GET %s: got %d %q, want %d", tt.url, code, body, tt.wantCode)
		}
	}

	k := enroll(t, api, data)
	caseID, tracking := countytest.NewCase(countytest.TestPoint.Code)
	if _, err := k.push([]protocol.Event{caseEvent(caseID, tracking, 1)}); err != nil {
		t.Fatal(err)
	}
	const id = "lb-req-0001"
	if code, h, _ := fetch(api+"/api/v1/nothing", http.Header{"X-Request-Id": {id}}); code != 404 || h.Get("X-Request-Id") != id {
		t.Errorf("request id: got %d with X-Request-Id %q, want 404 echoing %q", code, h.Get("X-Request-Id"), id)
	}
	_, _, metrics := fetch(mon+"/metrics", nil)
	for _, want := range []string{
		`countyd_events_total{result="applied"} 1`,
		`countyd_http_requests_total{code="200",route="POST /api/v1/events"} 1`,
		`countyd_http_requests_total{code="200",route="GET /readyz"} 1`,
		`countyd_http_requests_total{code="404",route="/"} 2`, // /metrics and /api/v1/nothing: the API's catch-all, not the paths
		`countyd_ready 1`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("metrics lack %q", want)
			for _, l := range strings.Split(metrics, "\n") {
				if strings.HasPrefix(l, "countyd_http") {
					t.Log(l)
				}
			}
		}
	}

	cmd.Process.Signal(syscall.SIGTERM)
	if err := <-done; err != nil {
		t.Fatalf("countyd: %v\n%s", err, stderr.String())
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		if m["request_id"] == id {
			found = true
			if m["status"] != float64(404) || m["path"] != "/api/v1/nothing" {
				t.Errorf("the request's line: got %v, want status 404 and its path", m)
			}
		}
	}
	if !found {
		t.Errorf("no log line has request_id %q:\n%s", id, stderr.String())
	}
}
