package county_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// FuzzPush sends arbitrary signed bodies through the whole server and the
// SQLite store: whatever the body, the answer is 200 with one result per
// event, or 400/413, and a repeat of an accepted body changes nothing.
func FuzzPush(f *testing.F) {
	f.Add([]byte(`{"events":[]}`), false)
	ev := caseEvent("c1", "47U8BPC811Y2000H", countytest.TestPoint.Code, 1, "case.accepted", "accepted", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
	b, _ := json.Marshal(protocol.PushRequest{Events: []protocol.Event{ev}})
	f.Add(b, false)
	f.Add(b, true)
	f.Add([]byte(`{"events":[{"id":"x","kind":"ticket.issued","payload":{"doc":{}}},{"id":"x","kind":"case.y","payload":{}}]}`), false)
	c := countytest.Start(f, countytest.Options{})
	dev, secret := c.Enroll(f, countytest.TestPoint)
	f.Fuzz(func(t *testing.T, body []byte, compress bool) {
		var header map[string][]string
		if compress {
			body = gzipped(t, body)
			header = map[string][]string{"Content-Encoding": {"gzip"}}
		}
		status, _, b := c.Do(t, dev, secret, "POST", "/api/v1/events", body, header)
		switch status {
		case 400, 413:
			errorCode(t, b)
			return
		case 200:
		default:
			t.Fatalf("status %d: %s", status, b)
		}
		var resp protocol.PushResponse
		if err := json.Unmarshal(b, &resp); err != nil {
			t.Fatal(err)
		}
		before, _ := c.Store.Stats(context.Background())
		status, _, b2 := c.Do(t, dev, secret, "POST", "/api/v1/events", body, header)
		after, _ := c.Store.Stats(context.Background())
		var resp2 protocol.PushResponse
		json.Unmarshal(b2, &resp2)
		if status != 200 || len(resp2.Results) != len(resp.Results) {
			t.Fatalf("repeat: %d %s", status, b2)
		}
		for i, r := range resp2.Results {
			if r.Status == protocol.Applied && !r.Repeat {
				t.Fatalf("repeat result %d applied again: %+v", i, r)
			}
		}
		after.Nonces, after.Rejected = before.Nonces, before.Rejected
		if !bytes.Equal([]byte(toJSON(after)), []byte(toJSON(before))) {
			t.Fatalf("repeat changed the store: %+v, was %+v", after, before)
		}
	})
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
