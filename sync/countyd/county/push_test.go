package county_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"testing"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

var countyCaseRE = regexp.MustCompile(`^330522-2026-\d{6}$`)

func TestPushAppliedAndRepeat(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id, tr := newCase()
	evs := []protocol.Event{
		caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted"),
		caseEvent(id, tr, countytest.TestPoint.Code, 2, "case.supplemented", "accepted"),
	}
	first := e.push(t, evs...)
	for i, r := range first {
		if r.Status != protocol.Applied || r.Repeat || r.ID != evs[i].ID || !countyCaseRE.MatchString(r.CountyCase) {
			t.Errorf("result %d = %+v, want applied with a county case", i, r)
		}
	}
	if first[0].CountyCase != first[1].CountyCase {
		t.Errorf("county cases %s and %s differ for one case", first[0].CountyCase, first[1].CountyCase)
	}
	before := e.stats(t)

	// The answer was lost: the kiosk sends the same events again.
	again := e.push(t, evs...)
	for i, r := range again {
		want := first[i]
		want.Repeat = true
		if r != want {
			t.Errorf("repeat %d = %+v, want %+v", i, r, want)
		}
	}
	after := e.stats(t)
	after.Nonces, before.Nonces = 0, 0 // each request has its own nonce
	if after != before {
		t.Errorf("a repeat changed the store: got %+v, want %+v", after, before)
	}
	if before.Applied != 2 || before.Cases != 1 || before.CaseLog != 2 {
		t.Errorf("applied %d cases %d log %d, want 2 1 2", before.Applied, before.Cases, before.CaseLog)
	}
	c, err := e.c.Store.Case(ctx, tr)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != 2 || c.CountyCase != first[0].CountyCase || c.Point != countytest.TestPoint.Code {
		t.Errorf("case = %+v", c)
	}
}

func TestPushRejections(t *testing.T) {
	e := newEnv(t)
	point := countytest.TestPoint.Code
	id, tr := newCase()
	e.push(t, caseEvent(id, tr, point, 3, "case.accepted", "accepted"))

	other, otherTr := countytest.NewCase(otherPoint.Code)
	good, goodTr := newCase()
	held, heldTr := newCase()
	fine, fineTr := newCase()
	notObject := caseEvent(held, heldTr, point, 1, "case.accepted", "accepted")
	notObject.Payload = json.RawMessage(`[1,2]`)
	noDoc := caseEvent(held, heldTr, point, 1, "case.accepted", "accepted")
	noDoc.Payload = json.RawMessage(`{"case_id":"` + held + `","tracking":"` + heldTr + `","version":1,"case":null}`)
	badSHA := caseEvent(good, goodTr, point, 1, "case.accepted", "accepted", "ABC")
	evs := []protocol.Event{
		caseEvent(id, tr, point, 2, "case.supplemented", "accepted"),               // older than applied 3: history the county lacked
		caseEvent(id, tr, point, 3, "case.supplemented", "accepted"),               // another event at applied 3: a conflict
		caseEvent(other, otherTr, otherPoint.Code, 1, "case.accepted", "accepted"), // another hall's case
		{ID: uuid.NewString(), Kind: "case.teleported", Payload: json.RawMessage(`{}`)},
		{ID: uuid.NewString(), Kind: "weather.report", Payload: json.RawMessage(`{}`)},
		noDoc,
		caseEvent(held, heldTr, point, 2, "case.supplemented", "accepted"), // after its rejected predecessor
		badSHA,
		caseEvent(good, goodTr, point, 1, "case.accepted", "accepted"), // held back after its bad twin
		caseEvent(fine, fineTr, point, 1, "case.accepted", "accepted"),
		notObject,
		{ID: uuid.NewString(), Kind: protocol.TicketIssued, Payload: json.RawMessage(`{"doc":{"id":"t1","number":"A001"}}`)},
		{ID: uuid.NewString(), Kind: protocol.BookingCreated, Payload: json.RawMessage(`{"doc":"x"}`)},
	}
	want := []string{"applied", "conflict", "wrong_point", "bad_payload", "unknown_kind", "bad_payload",
		"out_of_order", "bad_payload", "out_of_order", "applied", "bad_payload", "applied", "bad_payload"}
	got := e.push(t, evs...)
	for i, r := range got {
		code := r.Status
		if r.Error != nil {
			code = r.Error.Code
		}
		if r.ID != evs[i].ID || code != want[i] {
			t.Errorf("event %d (%s): got %s %+v, want %s", i, evs[i].Kind, code, r.Error, want[i])
		}
	}
	if got[1].Head == nil || got[1].Head.Event.Version != 3 || got[1].Head.Event.CaseID != id {
		t.Errorf("conflict without the county's head: %+v", got[1].Head)
	}
	st := e.stats(t)
	if st.Applied != 4 || st.Cases != 2 || st.Inbox != 1 || st.Rejected != 10 {
		t.Errorf("applied %d cases %d inbox %d rejected %d, want 4 2 1 10", st.Applied, st.Cases, st.Inbox, st.Rejected)
	}
	c, _ := e.c.Store.Case(context.Background(), tr)
	if c.Version != 3 {
		t.Errorf("a history event moved the case to version %d", c.Version)
	}

	// A rejection is judged again on retry (the county may have fixed its
	// side); unchanged, it gets the same answer and still no repeat flag.
	again := e.push(t, evs[1])
	if again[0].Status != protocol.Rejected || again[0].Repeat || again[0].Error.Code != protocol.CodeConflict {
		t.Errorf("retry of a rejected event = %+v, want rejected as a conflict", again[0])
	}
	// The held-back event applies once sent after a good predecessor.
	e.push(t, caseEvent(held, heldTr, point, 1, "case.accepted", "accepted"))
	if r := e.push(t, evs[6]); r[0].Status != protocol.Applied {
		t.Errorf("held-back event after its predecessor: %+v, want applied", r[0])
	}
}

func TestPushWrongPointOfExistingCase(t *testing.T) {
	e := newEnv(t)
	dev2, secret2 := e.c.Enroll(t, otherPoint)
	id, tr := newCase()
	e.push(t, caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted"))
	// The other hall's kiosk claims the case for itself.
	body := pushBody(t, []protocol.Event{caseEvent(id, tr, otherPoint.Code, 2, "case.supplemented", "accepted")})
	status, _, b := e.c.Do(t, dev2, secret2, "POST", "/api/v1/events", body, nil)
	var resp protocol.PushResponse
	json.Unmarshal(b, &resp)
	if status != 200 || len(resp.Results) != 1 || resp.Results[0].Error == nil || resp.Results[0].Error.Code != protocol.CodeWrongPoint {
		t.Errorf("got %d %s, want a wrong_point rejection", status, b)
	}
}

func TestPushGzip(t *testing.T) {
	e := newEnv(t)
	id, tr := newCase()
	evs := []protocol.Event{caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted")}
	status, _, b := e.c.Do(t, e.dev, e.secret, "POST", "/api/v1/events", gzipped(t, pushBody(t, evs)),
		http.Header{"Content-Encoding": {"gzip"}})
	if status != 200 {
		t.Fatalf("gzip push: %d %s", status, b)
	}
	var resp protocol.PushResponse
	if err := json.Unmarshal(b, &resp); err != nil || len(resp.Results) != 1 || resp.Results[0].Status != protocol.Applied {
		t.Errorf("gzip push answer %s (%v), want one applied", b, err)
	}
}

func TestCaseLogOrder(t *testing.T) {
	e := newEnv(t)
	point := countytest.TestPoint.Code
	a, atr := newCase()
	b, btr := newCase()
	var evs []protocol.Event
	for v := 1; v <= 4; v++ {
		evs = append(evs, caseEvent(a, atr, point, v, "case.supplemented", "accepted"),
			caseEvent(b, btr, point, v, "case.supplemented", "accepted"))
	}
	e.push(t, evs[:3]...)
	e.push(t, evs...)
	for _, id := range []string{a, b} {
		log, err := e.c.Store.CaseLog(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, l := range log {
			got = append(got, l.Version)
		}
		if len(got) != 4 || got[0] != 1 || got[1] != 2 || got[2] != 3 || got[3] != 4 {
			t.Errorf("case %s log versions = %v, want [1 2 3 4]", id, got)
		}
	}
}

// TestPushNewerCaseLayoutIsRefused: a case document of a layout this county
// does not read is refused with a code that says to upgrade, and nothing of
// it is stored, rather than read with fields missing or misplaced.
func TestPushNewerCaseLayoutIsRefused(t *testing.T) {
	e := newEnv(t)
	id, tr := newCase()
	ev := caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted")
	var m map[string]any
	if err := json.Unmarshal(ev.Payload, &m); err != nil {
		t.Fatal(err)
	}
	m["case"].(map[string]any)["v"] = protocol.CaseDocVersion + 1
	m["case"].(map[string]any)["applicant"] = "in layout 2 an applicant is a reference"
	ev.Payload, _ = json.Marshal(m)
	before := e.stats(t)
	got := e.push(t, ev)
	if len(got) != 1 || got[0].Status != protocol.Rejected || got[0].Error == nil || got[0].Error.Code != protocol.CodeUnsupported {
		t.Fatalf("push of a layout-%d document = %+v, want rejected %s", protocol.CaseDocVersion+1, got, protocol.CodeUnsupported)
	}
	after := e.stats(t)
	if after.Cases != before.Cases || after.Applied != before.Applied || after.CaseLog != before.CaseLog {
		t.Errorf("a refused document changed the store: %+v → %+v", before, after)
	}
}
