package county_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/protocol"
)

func TestDeviceStatus(t *testing.T) {
	e := newEnv(t)
	report := protocol.DeviceStatus{AppVersion: "0.6.0", Pending: 12, Quarantined: 1, Uploads: 0,
		LastError: "无法连接县中心", At: t0,
		Printer: protocol.PrinterStatus{Queue: "hall-a4", State: "error", Detail: "lp: printer is stopped", At: t0.Add(-time.Minute)}}
	body, _ := json.Marshal(report)

	// Unsigned: refused, nothing stored.
	req, _ := http.NewRequest("POST", e.c.URL+"/api/v1/status", strings.NewReader(string(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned: got %d, want 401", resp.StatusCode)
	}
	got, err := e.c.Store.DeviceStatuses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("after an unsigned report: got %d stored, want none", len(got))
	}

	tests := []struct {
		name string
		body string
		want int
	}{
		{"not json", "status ok", http.StatusBadRequest},
		{"negative count", `{"pending": -1, "printer": {"state": "ok"}}`, http.StatusBadRequest},
		{"unknown printer state", `{"printer": {"state": "on fire"}}`, http.StatusBadRequest},
		{"too large", `{"last_error": "` + strings.Repeat("x", 70<<10) + `"}`, http.StatusRequestEntityTooLarge},
		{"good", string(body), http.StatusNoContent},
	}
	for _, tt := range tests {
		status, _, b := e.c.Do(t, e.dev, e.secret, "POST", "/api/v1/status", []byte(tt.body), nil)
		if status != tt.want {
			t.Errorf("%s: got %d (%s), want %d", tt.name, status, b, tt.want)
		}
	}
	got, err = e.c.Store.DeviceStatuses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r, ok := got[e.dev]
	if !ok || len(got) != 1 {
		t.Fatalf("stored reports: got %v, want one for %s", got, e.dev)
	}
	if r.Status.Pending != 12 || r.Status.Quarantined != 1 || r.Status.Printer.State != "error" ||
		r.Status.Printer.Detail != "lp: printer is stopped" || r.Status.LastError != "无法连接县中心" || !r.Received.Equal(t0) {
		t.Errorf("stored report: got %+v, want %+v received at %v", r, report, t0)
	}

	// A later report replaces the earlier one.
	report.Pending, report.Printer.State = 0, "ok"
	body, _ = json.Marshal(report)
	if status, _, b := e.c.Do(t, e.dev, e.secret, "POST", "/api/v1/status", body, nil); status != http.StatusNoContent {
		t.Fatalf("second report: %d %s", status, b)
	}
	got, _ = e.c.Store.DeviceStatuses(context.Background())
	if g := got[e.dev].Status; g.Pending != 0 || g.Printer.State != "ok" {
		t.Errorf("after a second report: got %+v, want pending 0, printer ok", g)
	}
}
