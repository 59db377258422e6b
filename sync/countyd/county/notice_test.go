package county_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// A notice pushed by a kiosk goes to the county's gateway once: a repeat of
// the push (a lost answer) does not send a second SMS.
func TestNoticesAreRelayedOnce(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 8, 45, 0, 0, time.FixedZone("CST", 8*3600))
	st, err := county.OpenSQLite(ctx, filepath.Join(t.TempDir(), "county.db"), county.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var sent []protocol.NoticePayload
	srv := httptest.NewServer(county.NewServer(st, county.Options{Now: func() time.Time { return now },
		Notify: func(_ context.Context, n protocol.NoticePayload) error { sent = append(sent, n); return nil }}))
	defer srv.Close()
	code, err := st.CreateEnrollCode(ctx, county.ServicePoint{Code: "330522101000", Name: "洪桥镇便民服务中心", Level: county.LevelTownship})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := st.Enroll(ctx, code.Code, "kiosk", "test")
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(protocol.NoticePayload{CaseID: "c1", Tracking: "47U8BPC811Y1000X", Mobile: "13857201234",
		Text: "【一窗】您自助申报的事项预审退回：照片不清楚。", At: now})
	body, _ := json.Marshal(protocol.PushRequest{Events: []protocol.Event{{ID: uuid.NewString(), Kind: protocol.NoticeRequested, Created: now, Payload: payload}}})
	for round := 0; round < 2; round++ {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/events", bytes.NewReader(body))
		countytest.Sign(req, dev.ID, dev.Secret, body, now)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var pr protocol.PushResponse
		json.NewDecoder(resp.Body).Decode(&pr)
		resp.Body.Close()
		if len(pr.Results) != 1 || pr.Results[0].Status != protocol.Applied {
			t.Fatalf("round %d: %+v", round, pr)
		}
	}
	if len(sent) != 1 || sent[0].Mobile != "13857201234" {
		t.Errorf("gateway got %+v, want the notice once", sent)
	}
}
