package county_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// A hall config goes to its own service point only, and only once it
// passes the rule the kiosk applies.
func TestPublishHallConfig(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	doc, err := os.ReadFile("testdata/hall-config.json")
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct{ name, point, doc string }{
		{"letter used twice", countytest.TestPoint.Code, strings.Replace(string(doc), `"letter": "B"`, `"letter": "A"`, 1)},
		{"lunch overlaps the morning", countytest.TestPoint.Code, strings.Replace(string(doc), `"from": "13:30"`, `"from": "11:00"`, 1)},
		{"not a point code", "33052210", string(doc)},
	}
	for _, tt := range bad {
		if _, err := e.c.Store.PublishHallConfig(ctx, tt.point, json.RawMessage(tt.doc)); err == nil {
			t.Errorf("%s: got no error, want the config refused", tt.name)
		}
	}
	if _, err := e.c.Store.PublishHallConfig(ctx, otherPoint.Code, doc); err != nil {
		t.Fatal(err)
	}
	status, _, body := e.c.Do(t, e.dev, e.secret, "GET", "/api/v1/feed?after=0", nil, nil)
	var fr protocol.FeedResponse
	json.Unmarshal(body, &fr)
	if status != 200 || len(fr.Items) != 0 {
		t.Fatalf("another point's config reached this point: %d %s", status, body)
	}
	if _, err := e.c.Store.PublishHallConfig(ctx, countytest.TestPoint.Code, doc); err != nil {
		t.Fatal(err)
	}
	_, _, body = e.c.Do(t, e.dev, e.secret, "GET", "/api/v1/feed?after=0", nil, nil)
	json.Unmarshal(body, &fr)
	if len(fr.Items) != 1 || fr.Items[0].Kind != protocol.FeedHallConfig {
		t.Fatalf("feed: got %s, want one %s item", body, protocol.FeedHallConfig)
	}
	var p protocol.DocumentPayload
	if err := json.Unmarshal(fr.Items[0].Payload, &p); err != nil || p.Version != "2026-12-hongqiao" || !strings.Contains(string(p.Document), "公积金") {
		t.Errorf("payload: got %s (%v), want version 2026-12-hongqiao with the sectors", fr.Items[0].Payload, err)
	}
}
