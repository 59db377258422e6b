package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/countyd/sms"
	"github.com/yichuang/yichuang/sync/protocol"
)

// countyd serve with a gateway sends a county decision's notice through
// it once, as the template set with countyd set-sms, and its log and
// listing never show the mobile in full.
func TestServeSendsNotices(t *testing.T) {
	var mu sync.Mutex
	var got []sms.Request
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req sms.Request
		json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		defer mu.Unlock()
		if len(got) == 0 && r.Header.Get("X-Seen") == "" {
			// The first try fails, as providers do when busy.
			got = append(got, sms.Request{})
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		got = append(got, req)
		json.NewEncoder(w).Encode(sms.Response{MessageID: "BIZ-1"})
	}))
	defer gw.Close()

	data := t.TempDir()
	cfg := `{"signature": "长兴县政务服务", "templates": {"case.completed": {"code": "SMS_123456789", "params": {"code": "tracking", "way": "pickup"}}}}`
	file := filepath.Join(t.TempDir(), "sms.json")
	os.WriteFile(file, []byte(cfg), 0o600)
	if out := countyd(t, "set-sms", "-data", data, "-file", file); !strings.Contains(out, "【长兴县政务服务】") || !strings.Contains(out, "not configured: case.denied") {
		t.Errorf("set-sms output:\n%s", out)
	}
	srv := start(t, data, "-sms-gateway", gw.URL, "-sms-every", "100ms")
	k := enroll(t, srv.url, data)
	id, tr := countytest.NewCase(countytest.TestPoint.Code)
	ev := caseEvent(id, tr, 1)
	var ce protocol.CaseEvent
	json.Unmarshal(ev.Payload, &ce)
	ce.Case.Applicant.Mobile = "13857201234"
	ev.Payload, _ = json.Marshal(ce)
	ev.ID = uuid.NewString()
	if _, err := k.push([]protocol.Event{ev}); err != nil {
		t.Fatal(err)
	}
	countyd(t, "set-status", "-data", data, "-case", tr, "-status", "completed", "-pickup", "到洪桥镇便民服务中心领取")

	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a few more rounds: nothing more may come
	mu.Lock()
	sent := append([]sms.Request(nil), got...)
	mu.Unlock()
	if len(sent) != 2 || sent[1].Mobile != "13857201234" || sent[1].TemplateCode != "SMS_123456789" ||
		sent[1].Signature != "长兴县政务服务" || sent[1].Params["way"] != "到洪桥镇便民服务中心领取" || sent[1].NoticeID == "" {
		t.Fatalf("gateway got %+v, want one failed try and one delivery of the template", sent)
	}
	list := countyd(t, "notices", "-data", data)
	if !strings.Contains(list, "sent") || !strings.Contains(list, "BIZ-1") || !strings.Contains(list, "138****1234") {
		t.Errorf("notices listing:\n%s", list)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-srv.done; err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, srv.stderr)
	}
	for _, out := range []string{list, srv.stderr.String()} {
		if strings.Contains(out, "13857201234") {
			t.Errorf("a listing or log holds the mobile:\n%s", out)
		}
	}
}
