package county_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// t0 is the county's clock in tests: a working morning in a hall.
var t0 = time.Date(2026, 11, 26, 10, 30, 0, 0, workday.China)

var otherPoint = county.ServicePoint{Code: "330522102000", Name: "雉城街道便民服务中心", Level: county.LevelTownship}

// env is a running county with one enrolled kiosk at countytest.TestPoint.
type env struct {
	c      *countytest.County
	clock  *countytest.Clock
	dev    string
	secret string
}

func newEnv(t testing.TB) *env { return newEnvLog(t, nil) }

// newEnvLog is newEnv with the request log sent to log (nil: the test log).
func newEnvLog(t testing.TB, log *slog.Logger) *env { return newEnvOn(t, log, "") }

// newEnvOn is newEnvLog on the PostgreSQL database at url ("": SQLite).
func newEnvOn(t testing.TB, log *slog.Logger, url string) *env {
	clock := countytest.NewClock(t0)
	c := countytest.Start(t, countytest.Options{Now: clock.Now, Log: log, DatabaseURL: url})
	dev, secret := c.Enroll(t, countytest.TestPoint)
	return &env{c: c, clock: clock, dev: dev, secret: secret}
}

func (e *env) stats(t testing.TB) county.Stats {
	t.Helper()
	st, err := e.c.DB.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// caseDoc is a kiosk case document of about 2 KB, shaped like app/cases.Case.
func caseDoc(caseID, tracking, point, status string, attachments ...string) json.RawMessage {
	atts := []map[string]any{}
	for i, sha := range attachments {
		atts = append(atts, map[string]any{"sha256": sha, "name": fmt.Sprintf("扫描件%d.pdf", i+1), "size": 183422, "type": "application/pdf"})
	}
	doc := map[string]any{
		"id": caseID, "tracking": tracking, "service_point": point, "status": status,
		"bundle": "kaiyiyiyuan", "matters": []string{"330000-SS-0001", "330000-SS-0002"},
		"applicant": map[string]any{"kind": "enterprise", "name": "长兴县洪桥镇小林早餐店", "id_number": "92330522MA2B3C4D5E",
			"legal_rep_name": "林小明", "legal_rep_id": "330522199001011234", "mobile": "13800000000"},
		"fields": map[string]string{"business_scope": "早餐、面点、豆浆、油条的现场制售", "premises_address": "长兴县洪桥镇洪桥村中心街18号",
			"employees": "3", "area_m2": "42", "opening_hours": "05:30-11:00", "water_source": "市政供水"},
		"materials": []map[string]string{
			{"matter": "330000-SS-0001", "material": "application_form", "state": "original"},
			{"matter": "330000-SS-0001", "material": "premises_proof", "state": "copy"},
			{"matter": "330000-SS-0001", "material": "id_card", "state": "shared"},
			{"matter": "330000-SS-0002", "material": "health_certificate", "state": "original"},
			{"matter": "330000-SS-0002", "material": "floor_plan", "state": "deferred"},
			{"matter": "330000-SS-0002", "material": "commitment", "state": "committed"},
		},
		"attachments": atts,
		"decision":    "accept", "accepted": "2026-11-26T10:31:02+08:00", "due": "2026-12-10T00:00:00+08:00",
		"matter_due":      map[string]string{"330000-SS-0001": "2026-12-10T00:00:00+08:00", "330000-SS-0002": "2026-12-03T00:00:00+08:00"},
		"clerk":           map[string]any{"id": 3, "name": "王丽", "window": 2},
		"catalog_version": "2026.11-demo",
		"notes":           strings.Repeat("窗口备注：申请人材料齐全，现场核验原件。", 8),
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return b
}

// rawCaseEvent is a CaseEvent whose case document is given as JSON, as a
// kiosk of any release may send it.
type rawCaseEvent struct {
	protocol.CaseEvent
	Case json.RawMessage `json:"case"`
}

// caseEvent is a case event with the whole case after it.
func caseEvent(caseID, tracking, point string, version int, kind, status string, attachments ...string) protocol.Event {
	p, err := json.Marshal(rawCaseEvent{CaseEvent: protocol.CaseEvent{CaseID: caseID, Tracking: tracking, Version: version, At: t0,
		Actor: protocol.Actor{ID: 3, Name: "王丽", Window: 2}}, Case: caseDoc(caseID, tracking, point, status, attachments...)})
	if err != nil {
		panic(err)
	}
	return protocol.Event{ID: uuid.NewString(), Kind: protocol.Kind(kind), Created: t0, Payload: p}
}

// newCase is a case id and tracking code of the test point.
func newCase() (caseID, tracking string) { return countytest.NewCase(countytest.TestPoint.Code) }

func pushBody(t testing.TB, events []protocol.Event) []byte {
	t.Helper()
	b, err := json.Marshal(protocol.PushRequest{Events: events})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// push sends events and wants a 200.
func (e *env) push(t testing.TB, events ...protocol.Event) []protocol.Result {
	t.Helper()
	status, _, body := e.c.Do(t, e.dev, e.secret, "POST", "/api/v1/events", pushBody(t, events), nil)
	if status != http.StatusOK {
		t.Fatalf("push: status %d, body %s", status, body)
	}
	var resp protocol.PushResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) != len(events) {
		t.Fatalf("push: got %d results for %d events", len(resp.Results), len(events))
	}
	return resp.Results
}

// errorCode decodes an error body.
func errorCode(t testing.TB, body []byte) protocol.Error {
	t.Helper()
	var eb protocol.ErrorBody
	if err := json.Unmarshal(body, &eb); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return eb.Error
}

func countyFilter(point string) county.CaseFilter { return county.CaseFilter{Point: point} }
