package county_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// feed reads one page of the feed as the device.
func feed(t *testing.T, e *env, dev, secret, query string) protocol.FeedResponse {
	t.Helper()
	status, _, b := e.c.Do(t, dev, secret, "GET", "/api/v1/feed"+query, nil, nil)
	if status != 200 {
		t.Fatalf("feed%s: %d %s", query, status, b)
	}
	var resp protocol.FeedResponse
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	return resp
}

func kinds(items []protocol.FeedItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, string(it.Kind))
	}
	return out
}

func TestFeedPerPoint(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dev2, secret2 := e.c.Enroll(t, otherPoint)
	id, tr := newCase()
	r := e.push(t, caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted"))

	change := county.StatusChange{Case: tr, Status: protocol.CountyCorrection, SupplyBy: "2026-12-04", By: "县市场监管局 李审",
		Reason:      "租赁协议未签字",
		Supplements: []protocol.Supplement{{Matter: "330000-SS-0001", Material: "premises_proof", Name: "经营场所使用证明"}}}
	if _, err := e.c.Store.SetCaseStatus(ctx, change); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Store.PublishCatalog(ctx, "", json.RawMessage(`{"version":"2026.12","matters":[]}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Store.PublishCatalog(ctx, otherPoint.Code, json.RawMessage(`{"version":"2026.12-zc","matters":[]}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Store.PublishHolidays(ctx, json.RawMessage(`{"year":2027,"holidays":[]}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Store.CreateBooking(ctx, otherPoint.Code, json.RawMessage(`{"id":"b1","code":"1208B017"}`)); err != nil {
		t.Fatal(err)
	}

	mine := feed(t, e, e.dev, e.secret, "?after=0")
	theirs := feed(t, e, dev2, secret2, "")
	if got, want := fmt.Sprint(kinds(mine.Items)), "[case.status catalog.published holidays.published]"; got != want {
		t.Errorf("own feed = %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(kinds(theirs.Items)), "[catalog.published catalog.published holidays.published booking.created]"; got != want {
		t.Errorf("other point's feed = %s, want %s", got, want)
	}
	var cs protocol.CaseStatus
	if err := json.Unmarshal(mine.Items[0].Payload, &cs); err != nil {
		t.Fatal(err)
	}
	want := protocol.CaseStatus{CaseID: id, Tracking: tr, CountyCase: r[0].CountyCase, Status: "correction",
		Supplements: change.Supplements, SupplyBy: "2026-12-04", Reason: change.Reason, By: change.By, At: t0}
	if !cs.At.Equal(t0) {
		t.Errorf("case.status at = %v, want %v", cs.At, t0)
	}
	cs.At = want.At
	if fmt.Sprint(cs) != fmt.Sprint(want) {
		t.Errorf("case.status payload = %+v, want %+v", cs, want)
	}
	var doc protocol.DocumentPayload
	json.Unmarshal(mine.Items[1].Payload, &doc)
	if doc.Version != "2026.12" || string(doc.Document) != `{"version":"2026.12","matters":[]}` {
		t.Errorf("catalog payload = %+v", doc)
	}
	c, err := e.c.Store.Case(ctx, r[0].CountyCase)
	if err != nil || c.CountyStatus != "correction" || c.KioskStatus != "accepted" {
		t.Errorf("case after set-status = %+v, %v", c, err)
	}
}

func TestFeedPaging(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var want []int64
	for i := range 7 {
		it, err := e.c.Store.CreateBooking(ctx, countytest.TestPoint.Code, json.RawMessage(fmt.Sprintf(`{"id":"b%d"}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, it.Cursor)
		// Another point's items in between are invisible and skipped.
		e.c.Store.CreateBooking(ctx, otherPoint.Code, json.RawMessage(`{"id":"x"}`))
	}
	var got []int64
	after, pages := int64(0), 0
	for {
		resp := feed(t, e, e.dev, e.secret, fmt.Sprintf("?after=%d&limit=3", after))
		pages++
		for _, it := range resp.Items {
			got = append(got, it.Cursor)
		}
		if len(resp.Items) > 0 && resp.Next != resp.Items[len(resp.Items)-1].Cursor {
			t.Errorf("next = %d, want the last cursor %d", resp.Next, resp.Items[len(resp.Items)-1].Cursor)
		}
		after = resp.Next
		if !resp.More {
			break
		}
		if pages > 10 {
			t.Fatal("more never ends")
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || pages != 3 {
		t.Errorf("cursors = %v in %d pages, want %v in 3", got, pages, want)
	}
	end := feed(t, e, e.dev, e.secret, fmt.Sprintf("?after=%d", after))
	if len(end.Items) != 0 || end.Next != after || end.More {
		t.Errorf("after the end: %+v, want no items, next %d", end, after)
	}
	for _, q := range []string{"?limit=0", "?after=-1", "?after=x", "?limit=1e3"} {
		status, _, b := e.c.Do(t, e.dev, e.secret, "GET", "/api/v1/feed"+q, nil, nil)
		if got := errorCode(t, b).Code; status != 400 || got != protocol.CodeMalformed {
			t.Errorf("feed%s: got %d %s, want 400 malformed", q, status, got)
		}
	}
	if resp := feed(t, e, e.dev, e.secret, "?limit=100000"); len(resp.Items) != 7 {
		t.Errorf("limit over the cap: %d items, want 7", len(resp.Items))
	}
}

func TestSetCaseStatusValidates(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id, tr := newCase()
	e.push(t, caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted"))
	sup := []protocol.Supplement{{Name: "经营场所使用证明"}}
	tests := []struct {
		name string
		c    county.StatusChange
		ok   bool
	}{
		{"reviewing", county.StatusChange{Case: tr, Status: "reviewing"}, true},
		{"by id", county.StatusChange{Case: id, Status: "reviewing"}, true},
		{"tracking in lower case", county.StatusChange{Case: " " + lower(tr), Status: "reviewing"}, true},
		{"denied with reason", county.StatusChange{Case: tr, Status: "denied", Reason: "不符合选址要求"}, true},
		{"denied without reason", county.StatusChange{Case: tr, Status: "denied", Reason: " "}, false},
		{"correction", county.StatusChange{Case: tr, Status: "correction", Supplements: sup, SupplyBy: "2026-11-26"}, true},
		{"correction without supplements", county.StatusChange{Case: tr, Status: "correction", SupplyBy: "2026-12-04"}, false},
		{"correction without supply-by", county.StatusChange{Case: tr, Status: "correction", Supplements: sup}, false},
		{"correction due yesterday", county.StatusChange{Case: tr, Status: "correction", Supplements: sup, SupplyBy: "2026-11-25"}, false},
		{"supplement without name", county.StatusChange{Case: tr, Status: "correction", Supplements: []protocol.Supplement{{Matter: "m"}}, SupplyBy: "2026-12-04"}, false},
		{"completed with pickup", county.StatusChange{Case: tr, Status: "completed", Pickup: "洪桥镇便民服务中心 3 号窗口，带身份证原件"}, true},
		{"completed without pickup", county.StatusChange{Case: tr, Status: "completed"}, false},
		{"supplements with reviewing", county.StatusChange{Case: tr, Status: "reviewing", Supplements: sup}, false},
		{"pickup with denied", county.StatusChange{Case: tr, Status: "denied", Reason: "x", Pickup: "y"}, false},
		{"unknown status", county.StatusChange{Case: tr, Status: "approved"}, false},
		{"unknown case", county.StatusChange{Case: "NOSUCHCASE", Status: "reviewing"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.stats(t).Feed
			_, err := e.c.Store.SetCaseStatus(ctx, tt.c)
			after := e.stats(t).Feed
			if (err == nil) != tt.ok {
				t.Errorf("err = %v, want ok=%v", err, tt.ok)
			}
			if grew := after - before; (grew == 1) != tt.ok || grew > 1 {
				t.Errorf("feed grew by %d, want %v", grew, tt.ok)
			}
			var ie *county.InvalidError
			if err != nil && !errors.As(err, &ie) && !errors.Is(err, county.ErrNotFound) {
				t.Errorf("err = %v (%T), want *InvalidError or ErrNotFound", err, err)
			}
		})
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestPublishValidates(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for name, err := range map[string]error{
		"catalog without version": second(e.c.Store.PublishCatalog(ctx, "", json.RawMessage(`{"matters":[]}`))),
		"catalog not an object":   second(e.c.Store.PublishCatalog(ctx, "", json.RawMessage(`[]`))),
		"catalog for a bad point": second(e.c.Store.PublishCatalog(ctx, "33", json.RawMessage(`{"version":"1"}`))),
		"holidays without year":   second(e.c.Store.PublishHolidays(ctx, json.RawMessage(`{"holidays":[]}`))),
		"booking without id":      second(e.c.Store.CreateBooking(ctx, countytest.TestPoint.Code, json.RawMessage(`{"code":"x"}`))),
		"booking without point":   second(e.c.Store.CreateBooking(ctx, "", json.RawMessage(`{"id":"x"}`))),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n := e.stats(t).Feed; n != 0 {
		t.Errorf("feed has %d items after refused publications, want 0", n)
	}
}

func second[T any](_ T, err error) error { return err }

// TestHallEventsReachTheOtherDevicesOfThePoint: a case event and a rating
// one device of a hall sends go down the feed of the point's other devices
// (so they hear of it with the hall's LAN down), not back to the sender,
// and not to another point. A device the county revokes is named in its
// point's feed, for the hall's hub to take it out of the hall.
func TestHallEventsReachTheOtherDevicesOfThePoint(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dev2, secret2 := e.c.Enroll(t, countytest.TestPoint)
	dev3, secret3 := e.c.Enroll(t, otherPoint)
	id, tr := newCase()
	ev := caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted")
	rating := protocol.Event{ID: "rating-1", Kind: protocol.RatingGiven, Created: t0,
		Payload: json.RawMessage(`{"kind":"case","ref":"` + id + `","level":5,"clerk_id":3,"clerk_name":"王丽","at":"2026-11-26T10:31:00+08:00"}`)}
	e.push(t, ev, rating)

	var got []protocol.Event
	for _, it := range feed(t, e, dev2, secret2, "").Items {
		if it.Kind == protocol.FeedCaseEvent {
			var x protocol.Event
			if err := json.Unmarshal(it.Payload, &x); err != nil {
				t.Fatal(err)
			}
			got = append(got, x)
		}
	}
	if len(got) != 2 || got[0].ID != ev.ID || got[1].ID != rating.ID || string(got[0].Payload) != string(ev.Payload) {
		t.Fatalf("the hall's other device got %+v, want the case event and the rating as sent", got)
	}
	for _, who := range []struct{ dev, secret, name string }{{e.dev, e.secret, "the sender"}, {dev3, secret3, "another point"}} {
		for _, it := range feed(t, e, who.dev, who.secret, "").Items {
			if it.Kind == protocol.FeedCaseEvent {
				t.Errorf("%s got a hall event: %s", who.name, it.Payload)
			}
		}
	}

	if err := e.c.Store.RevokeDevice(ctx, dev2); err != nil {
		t.Fatal(err)
	}
	var revoked []string
	for _, it := range feed(t, e, e.dev, e.secret, "").Items {
		if it.Kind == protocol.FeedDeviceRevoked {
			var r protocol.DeviceRevoked
			json.Unmarshal(it.Payload, &r)
			revoked = append(revoked, r.DeviceID)
		}
	}
	if fmt.Sprint(revoked) != fmt.Sprint([]string{dev2}) {
		t.Errorf("revocations in the point's feed: %v, want %s", revoked, dev2)
	}
}

// TestConflictOnTheChain: an event made on top of an event the county does
// not hold at that place is refused with the county's head, like a second
// event at the same place.
func TestConflictOnTheChain(t *testing.T) {
	e := newEnv(t)
	point := countytest.TestPoint.Code
	id, tr := newCase()
	first := caseEvent(id, tr, point, 1, "case.accepted", "accepted")
	e.push(t, first)
	second := caseEvent(id, tr, point, 2, "case.supplemented", "accepted")
	second.Payload = withBase(t, second.Payload, "some-other-v1")
	got := e.push(t, second)
	if got[0].Error == nil || got[0].Error.Code != protocol.CodeConflict || got[0].Head == nil || got[0].Head.EventID != first.ID {
		t.Fatalf("made on another v1: %+v", got[0])
	}
	third := caseEvent(id, tr, point, 2, "case.supplemented", "accepted")
	third.Payload = withBase(t, third.Payload, first.ID)
	if got := e.push(t, third); got[0].Status != protocol.Applied {
		t.Fatalf("made on the county's v1: %+v", got[0])
	}
}

func withBase(t *testing.T, payload json.RawMessage, base string) json.RawMessage {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	m["base"] = base
	b, _ := json.Marshal(m)
	return b
}
