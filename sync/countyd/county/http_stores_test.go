package county_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// TestHTTPSyncOnBothStores: a hall's two kiosks enroll, push and read the
// feed over HTTP, as in the field, against a county on SQLite and on
// PostgreSQL; the answers are the same.
func TestHTTPSyncOnBothStores(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.Database(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := countytest.NewClock(t0)
			c := countytest.Start(t, countytest.Options{Now: clock.Now, DatabaseURL: tc.url(t)})
			e := &env{c: c, clock: clock}
			enroll := func(host string) (string, string) {
				status, body := postEnroll(t, c.URL, `{"code":"`+c.EnrollCode(t, countytest.TestPoint)+`","hostname":"`+host+`","app_version":"0.9.0"}`)
				var r protocol.EnrollResponse
				if status != http.StatusOK || json.Unmarshal(body, &r) != nil || r.DeviceID == "" {
					t.Fatalf("enroll %s: %d %s", host, status, body)
				}
				return r.DeviceID, r.Secret
			}
			e.dev, e.secret = enroll("window-1")
			dev2, secret2 := enroll("window-2")

			id, tr := newCase()
			evs := []protocol.Event{caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted"), ratingEvent(id)}
			first := e.push(t, evs...)
			again := e.push(t, evs...)
			for i := range evs {
				if first[i].Status != protocol.Applied || first[i].Repeat || !again[i].Repeat || again[i].CountyCase != first[i].CountyCase {
					t.Errorf("event %d: got %+v then %+v, want applied then the same answer as a repeat", i, first[i], again[i])
				}
			}
			if got, want := first[0].CountyCase, "330522-2026-000001"; got != want {
				t.Errorf("county case: got %q, want %q", got, want)
			}

			var got []string
			after := int64(0)
			for page := 0; ; page++ {
				r := feed(t, e, dev2, secret2, fmt.Sprintf("?after=%d&limit=1", after))
				if page > 10 || len(r.Items) > 1 {
					t.Fatalf("page %d after %d: %d items", page, after, len(r.Items))
				}
				got = append(got, hallEvents(t, r.Items)...)
				if !r.More {
					break
				}
				after = r.Next
			}
			if want := []string{evs[0].ID, evs[1].ID}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("the other window's feed: got %v, want %v", got, want)
			}
			if own := hallEvents(t, feed(t, e, e.dev, e.secret, "").Items); len(own) != 0 {
				t.Errorf("the sender's feed: got its own events %v, want none", own)
			}

			body, _ := json.Marshal(protocol.DeviceStatus{AppVersion: "0.9.0", Pending: 0, At: t0})
			if status, _, b := c.Do(t, e.dev, e.secret, "POST", "/api/v1/status", body, nil); status != http.StatusNoContent {
				t.Errorf("status report: got %d %s, want 204", status, b)
			}
			st, err := c.DB.Stats(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if st.Applied != 2 || st.Cases != 1 || st.Devices != 2 {
				t.Errorf("stats: got %+v, want 2 applied, 1 case, 2 devices", st)
			}
		})
	}
}
