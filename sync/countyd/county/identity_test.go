package county_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// pushAs pushes events as a device and returns the results (any status).
func (e *env) pushAs(t *testing.T, dev, secret string, events ...protocol.Event) (int, []protocol.Result) {
	t.Helper()
	status, _, body := e.c.Do(t, dev, secret, "POST", "/api/v1/events", pushBody(t, events), nil)
	var pr protocol.PushResponse
	json.Unmarshal(body, &pr)
	return status, pr.Results
}

func rejectedWith(rs []protocol.Result, code string) bool {
	return len(rs) == 1 && rs[0].Status == protocol.Rejected && rs[0].Error != nil && rs[0].Error.Code == code
}

// withDoc is a case event whose case document is changed by edit.
func withDoc(ev protocol.Event, edit func(p, doc map[string]any)) protocol.Event {
	var p map[string]any
	json.Unmarshal(ev.Payload, &p)
	edit(p, p["case"].(map[string]any))
	ev.Payload, _ = json.Marshal(p)
	return ev
}

// Identifiers the county resolves are unambiguous across the county, and
// every string a device sends has a length and a character set: a device
// of another point cannot hide a case behind its own (issue 15, item 2).
func TestCaseIdentitiesCannotCollide(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id, tr := newCase()
	cc := e.push(t, caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted"))[0].CountyCase
	devB, secretB := e.c.Enroll(t, otherPoint)
	devA2, secretA2 := e.c.Enroll(t, countytest.TestPoint)
	_, trB := countytest.NewCase(otherPoint.Code)
	long := strings.Repeat("x", 200_000)

	for name, tc := range map[string]struct {
		dev, secret string
		ev          protocol.Event
		code        string
	}{
		"B's case named with A's county number": {devB, secretB,
			caseEvent(cc, trB, otherPoint.Code, 1, "case.accepted", "accepted"), protocol.CodeBadPayload},
		"B's case with A's tracking code": {devB, secretB,
			caseEvent(uuid.NewString(), tr, otherPoint.Code, 1, "case.accepted", "accepted"), protocol.CodeWrongPoint},
		"a new case of A's point with a tracking code in use": {devA2, secretA2,
			caseEvent(uuid.NewString(), tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted"), protocol.CodeTrackingTaken},
		"a 200,000-character case id": {devB, secretB,
			caseEvent(long, trB, otherPoint.Code, 1, "case.accepted", "accepted"), protocol.CodeBadPayload},
		"an upper-case case id": {devB, secretB,
			caseEvent(strings.ToUpper(uuid.NewString()), trB, otherPoint.Code, 1, "case.accepted", "accepted"), protocol.CodeBadPayload},
		"a tracking code with a wrong check": {devB, secretB,
			caseEvent(uuid.NewString(), trB[:15]+wrongCheck(trB), otherPoint.Code, 1, "case.accepted", "accepted"), protocol.CodeBadPayload},
		"a 200,000-character name": {devB, secretB, withDoc(caseEvent(uuid.NewString(), trB, otherPoint.Code, 1, "case.accepted", "accepted"),
			func(_, doc map[string]any) { doc["applicant"].(map[string]any)["name"] = long }), protocol.CodeBadPayload},
		"a control character in a field": {devB, secretB, withDoc(caseEvent(uuid.NewString(), trB, otherPoint.Code, 1, "case.accepted", "accepted"),
			func(_, doc map[string]any) { doc["fields"].(map[string]any)["premises_address"] = "洪桥\x1b[31m村" }), protocol.CodeBadPayload},
		"a field name of 5,000 bytes": {devB, secretB, withDoc(caseEvent(uuid.NewString(), trB, otherPoint.Code, 1, "case.accepted", "accepted"),
			func(_, doc map[string]any) { doc["fields"].(map[string]any)[strings.Repeat("k", 5000)] = "v" }), protocol.CodeBadPayload},
		"a changed tracking code": {e.dev, e.secret, withDoc(caseEvent(id, tr, countytest.TestPoint.Code, 2, "case.supplemented", "accepted"),
			func(p, doc map[string]any) {
				_, other := newCase()
				p["tracking"], doc["tracking"] = other, other
			}), protocol.CodeBadPayload},
	} {
		status, rs := e.pushAs(t, tc.dev, tc.secret, tc.ev)
		if status != http.StatusOK || !rejectedWith(rs, tc.code) {
			t.Errorf("%s: %d %+v, want rejected %s", name, status, rs, tc.code)
		}
	}

	// Every way of naming A's case still names it alone.
	for _, ref := range []string{cc, id, strings.ToUpper(id), tr, strings.ToLower(tr), tr[:4] + " " + tr[4:8] + "-" + tr[8:]} {
		got, err := e.c.Store.Case(ctx, ref)
		if err != nil || got.ID != id {
			t.Errorf("Case(%q) = %s, %v; want A's case", ref, got.ID, err)
		}
	}
	if _, err := e.c.Store.SetCaseStatus(ctx, county.StatusChange{Case: cc, Status: protocol.CountyReviewing, By: "李审"}); err != nil {
		t.Errorf("a decision on A's case by its county number: %v", err)
	}
	if _, err := e.c.Store.Case(ctx, uuid.NewString()); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("an unknown case id: %v", err)
	}

	// An event id or kind outside its character set refuses the push.
	ev := caseEvent(uuid.NewString(), trB, otherPoint.Code, 1, "case.accepted", "accepted")
	for _, bad := range []protocol.Event{{ID: long, Kind: ev.Kind, Payload: ev.Payload}, {ID: "a b", Kind: ev.Kind, Payload: ev.Payload},
		{ID: uuid.NewString(), Kind: "case.<script>", Payload: ev.Payload}} {
		if status, _ := e.pushAs(t, devB, secretB, bad); status != http.StatusBadRequest {
			t.Errorf("event id %.20q kind %q: status %d, want 400", bad.ID, bad.Kind, status)
		}
	}
}

// A device cannot pin a case at a version no later event passes, nor
// skip far ahead of what the county holds.
func TestCaseVersionsAreBounded(t *testing.T) {
	e := newEnv(t)
	id, tr := newCase()
	e.push(t, caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted"))
	for _, v := range []int{math.MaxInt32, math.MaxInt64, county.MaxCaseVersion + 1, 1 + county.MaxVersionJump + 1} {
		if rs := e.push(t, caseEvent(id, tr, countytest.TestPoint.Code, v, "case.supplemented", "accepted")); !rejectedWith(rs, protocol.CodeBadPayload) {
			t.Errorf("version %d: %+v, want rejected", v, rs)
		}
	}
	fresh, freshTr := newCase()
	if rs := e.push(t, caseEvent(fresh, freshTr, countytest.TestPoint.Code, county.MaxVersionJump+1, "case.supplemented", "accepted")); !rejectedWith(rs, protocol.CodeBadPayload) {
		t.Errorf("a new case at version %d: %+v, want rejected", county.MaxVersionJump+1, rs)
	}
	if rs := e.push(t, caseEvent(id, tr, countytest.TestPoint.Code, 2, "case.supplemented", "accepted")); rs[0].Status != protocol.Applied {
		t.Errorf("the next version after the refused ones: %+v", rs[0])
	}
	if rs := e.push(t, caseEvent(id, tr, countytest.TestPoint.Code, 5, "case.supplemented", "accepted")); rs[0].Status != protocol.Applied {
		t.Errorf("a small gap (another window's events still on their way): %+v", rs[0])
	}
}

// An event id is its device's: another point's device that knows it gets
// neither the stored answer nor the event.
func TestEventIDsAreTheDevicesOwn(t *testing.T) {
	e := newEnv(t)
	id, tr := newCase()
	ev := caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted")
	cc := e.push(t, ev)[0].CountyCase
	devB, secretB := e.c.Enroll(t, otherPoint)
	_, trB := countytest.NewCase(otherPoint.Code)
	theft := caseEvent(uuid.NewString(), trB, otherPoint.Code, 1, "case.accepted", "accepted")
	theft.ID = ev.ID
	status, body := e.pushAs(t, devB, secretB, theft)
	if status != http.StatusOK || !rejectedWith(body, protocol.CodeIDTaken) || body[0].CountyCase != "" || body[0].Repeat {
		t.Errorf("another point's device with A's event id: %d %+v", status, body)
	}
	raw, _ := json.Marshal(body)
	if strings.Contains(string(raw), cc) {
		t.Errorf("the answer names A's county case: %s", raw)
	}
	// The same point's other device (a machine re-enrolled in the hall)
	// gets the answer as a repeat.
	devA2, secretA2 := e.c.Enroll(t, countytest.TestPoint)
	if _, rs := e.pushAs(t, devA2, secretA2, ev); len(rs) != 1 || !rs[0].Repeat || rs[0].CountyCase != cc {
		t.Errorf("the hall's other device repeating the event: %+v", rs)
	}
}

// Ratings are checked by the county as by the rating screen (issue 15,
// item 7).
func TestRatingsAreChecked(t *testing.T) {
	e := newEnv(t)
	good := protocol.RatingPayload{Kind: "case", Ref: uuid.NewString(), Level: 2, Reasons: []string{"等候时间长"}, ClerkID: 3,
		ClerkName: "王丽", Window: 2, Matter: "个体工商户设立登记", At: t0}
	for name, edit := range map[string]func(*protocol.RatingPayload){
		"level 99":         func(r *protocol.RatingPayload) { r.Level = 99 },
		"level -3":         func(r *protocol.RatingPayload) { r.Level = -3 },
		"level 0":          func(r *protocol.RatingPayload) { r.Level = 0 },
		"level 2^31-1":     func(r *protocol.RatingPayload) { r.Level = math.MaxInt32 },
		"unknown kind":     func(r *protocol.RatingPayload) { r.Kind = "window" },
		"clerk -1":         func(r *protocol.RatingPayload) { r.ClerkID = -1 },
		"unknown reason":   func(r *protocol.RatingPayload) { r.Reasons = []string{"随便写的"} },
		"201-char note":    func(r *protocol.RatingPayload) { r.Note = strings.Repeat("差", 201) },
		"window 1000":      func(r *protocol.RatingPayload) { r.Window = 1000 },
		"no reference":     func(r *protocol.RatingPayload) { r.Ref = "" },
		"reference <a>":    func(r *protocol.RatingPayload) { r.Ref = "<a href=x>" },
		"too many reasons": func(r *protocol.RatingPayload) { r.Reasons = append(protocol.RatingReasons, "等候时间长") },
	} {
		r := good
		edit(&r)
		p, _ := json.Marshal(r)
		rs := e.push(t, protocol.Event{ID: uuid.NewString(), Kind: protocol.RatingGiven, Created: t0, Payload: p})
		if !rejectedWith(rs, protocol.CodeBadPayload) {
			t.Errorf("%s: %+v, want rejected", name, rs)
		}
	}
	p, _ := json.Marshal(good)
	if rs := e.push(t, protocol.Event{ID: uuid.NewString(), Kind: protocol.RatingGiven, Created: t0, Payload: p}); rs[0].Status != protocol.Applied {
		t.Errorf("a good rating: %+v", rs[0])
	}
}

// wrongCheck is a check character other than tracking code tr's own: "0"
// was once used whatever the code, and a code whose check is "0" (which
// codes get depends on how many cases the process made before) then
// passed as "wrong".
func wrongCheck(tr string) string {
	if tr[15] == '0' {
		return "1"
	}
	return "0"
}
