package office_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// numbers is free text as a kiosk may send it, with ID numbers and mobiles
// in every shape the office must mask: in a file name, with a trailing X,
// the old 15 digits, full-width, in groups, after +86, split by an
// invisible character.
const numbers = "身份证正面_330522195505050017.jpg；11010519491231002X；旧证330522550505001；手机13812345678；" +
	"１３９８７６５４３２１；138 1234 5678；330522 19550505 0017；+86 139-8765-4321；33052219\u200b5505050017"

// fullNumbers are what must never reach a page, as typed and as digits
// (the page is searched both as sent and with separators dropped and
// full-width digits folded).
var fullNumbers = []string{"330522195505050017", "11010519491231002X", "330522550505001", "13812345678", "13987654321",
	"１３９８７６５４３２１", "138 1234 5678", "330522 19550505 0017", "139-8765-4321", "33052219\u200b5505050017"}

// fill sets every string reachable from v to text, and gives every
// pointer, slice and map one element, so a page that shows any field of
// the value shows text.
func fill(v reflect.Value, text string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(text)
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fill(v.Elem(), text)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), text)
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), text)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k := reflect.New(v.Type().Key()).Elem()
		fill(k, text)
		e := reflect.New(v.Type().Elem()).Elem()
		fill(e, text)
		m.SetMapIndex(k, e)
		v.Set(m)
	}
}

// leaks lists the full numbers in a response (headers and body).
func leaks(resp *http.Response, body string) []string {
	var all strings.Builder
	for k, vs := range resp.Header {
		all.WriteString(k + ": " + strings.Join(vs, " ") + "\n")
	}
	all.WriteString(body)
	text := all.String()
	folded := strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case strings.ContainsRune(" \u00a0\u3000-_\u200b\u200c\u200d\u2060\ufeff", r):
			return -1
		}
		return r
	}, text)
	var out []string
	for _, n := range fullNumbers {
		if strings.Contains(text, n) || strings.Contains(strings.ToUpper(folded), strings.ToUpper(n)) {
			out = append(out, n)
		}
	}
	return out
}

// TestNoFullNumberOnAnyPage seeds ID numbers and mobiles in every string a
// kiosk sends (every field of two case documents, an attachment's name,
// the device's host name, version and status report), in logins typed at
// the login form and in staff's reasons, then opens every page of the back
// office in both languages, as an admin, and finds no full number in any
// page, header or attribute. Only the audited reveal shows one.
func TestNoFullNumberOnAnyPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	scan := []byte("\xff\xd8\xff jpeg of an ID card")
	sum := sha256.Sum256(scan)
	sha := hex.EncodeToString(sum[:])

	var refs []string
	for _, kind := range []string{protocol.ApplicantPerson, protocol.ApplicantEnterprise} {
		var d protocol.CaseDoc
		fill(reflect.ValueOf(&d).Elem(), numbers)
		d.V, d.ServicePoint = 1, countytest.TestPoint.Code
		d.ID, d.Tracking = countytest.NewCase(countytest.TestPoint.Code) // identifiers the county resolves are checked
		d.Applicant.Kind = kind
		d.Attachments[0].SHA256, d.Attachments[0].Type, d.Attachments[0].Size = sha, "image/jpeg", int64(len(scan))
		d.Accepted, d.Due = t0.AddDate(0, 0, -3), t0.AddDate(0, 0, 10)
		p, err := json.Marshal(protocol.CaseEvent{CaseID: d.ID, Tracking: d.Tracking, Version: 1, At: d.Accepted, Case: d})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(protocol.PushRequest{Events: []protocol.Event{{ID: uuid.NewString(), Kind: "case.accepted", Created: d.Accepted, Payload: p}}})
		status, b := e.signed(t, "POST", "/api/v1/events", body)
		var resp protocol.PushResponse
		if err := json.Unmarshal(b, &resp); status != http.StatusOK || err != nil || resp.Results[0].Status != protocol.Applied {
			t.Fatalf("push the %s case: %d %s", kind, status, b)
		}
		refs = append(refs, resp.Results[0].CountyCase)
	}
	if status, body := e.signedPut(t, "/api/v1/blobs/"+sha+"?offset=0", scan); status != http.StatusOK {
		t.Fatalf("upload: %d %s", status, body)
	}
	var report protocol.DeviceStatus
	fill(reflect.ValueOf(&report).Elem(), numbers)
	// What the county checks of a report: a known printer state, and at
	// most 200 bytes of version and queue name.
	report.Printer.State = "error"
	report.AppVersion, report.Printer.Queue = "0.7.0+13812345678", "HP_11010519491231002X"
	// A known update state and platform; the version and reason stay full
	// of numbers (the fleet page shows both).
	report.OS, report.Arch, report.Update.State = "linux", "amd64", protocol.UpdateRolledBack
	report.Update.Version = "0.8.0+13812345678"
	if len(report.Update.Reason) > protocol.MaxUpdateReasonBytes {
		report.Update.Reason = report.Update.Reason[:protocol.MaxUpdateReasonBytes]
	}
	body, _ := json.Marshal(report)
	if status, b := e.signed(t, "POST", "/api/v1/status", body); status >= 300 {
		t.Fatalf("status report: %d %s", status, b)
	}
	code, err := e.st.CreateEnrollCode(ctx, countytest.TestPoint)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := e.st.Enroll(ctx, code.Code, numbers, numbers)
	if err != nil {
		t.Fatal(err)
	}

	// Anyone may type a number as a login; staff type reasons.
	anon := e.client(t)
	for _, login := range []string{"330522195505050017", "13812345678"} {
		anon.login(login, "wrong-password")
	}
	b := e.client(t)
	b.mustLogin("admin")
	token := b.csrf("/office/cases/" + refs[0])
	b.post("/office/cases/"+refs[0]+"/status", url.Values{"csrf": {token}, "status": {"correction"}, "material": {"0"},
		"extra": {numbers}, "supply_by": {"2026-12-10"}})
	b.post("/office/cases/"+refs[1]+"/status", url.Values{"csrf": {token}, "status": {"denied"}, "reason": {numbers}})

	get := func(method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		var resp *http.Response
		var err error
		if method == "POST" {
			resp, err = b.c.PostForm(e.url+path, form)
		} else {
			resp, err = b.c.Get(e.url + path)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	// One look through the audited reveal, whose reason quotes numbers too.
	resp, page := get("POST", "/office/cases/"+refs[0]+"/reveal", url.Values{"csrf": {token}, "field": {"applicant.mobile"}, "reason": {"核实：" + numbers}})
	if resp.StatusCode != http.StatusOK || len(leaks(resp, page)) == 0 {
		t.Fatalf("the reveal answered %d and showed %v: the test would not see a full number", resp.StatusCode, leaks(resp, page))
	}

	pages := []struct{ method, path string }{
		{"GET", "/office/cases"},
		{"GET", "/office/fleet"},
		{"GET", "/office/fleet/devices/" + dev.ID + "/revoke"},
		{"GET", "/office/fleet/devices/" + e.dev + "/revoke"},
		{"GET", "/office/audit"},
		{"GET", "/office/staff"},
		{"GET", "/office/catalog"},
		{"POST", "/office/fleet/codes"}, // refused: the fleet page again
		{"POST", "/office/staff"},       // refused: the staff page again
	}
	for _, ref := range refs {
		pages = append(pages, []struct{ method, path string }{
			{"GET", "/office/cases/" + ref},
			{"GET", "/office/cases/" + ref + "/attachments/" + sha},
			{"POST", "/office/cases/" + ref + "/reveal"}, // no reason: the case page with a problem
			{"POST", "/office/cases/" + ref + "/status"}, // no decision: the same
		}...)
	}
	shown := 0
	for _, lang := range []string{"zh", "en"} {
		b.get("/office/lang?l=" + lang)
		for _, p := range pages {
			resp, body := get(p.method, p.path, url.Values{"csrf": {token}, "field": {"applicant.id_number"}})
			if resp.StatusCode >= 500 || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound {
				t.Errorf("%s %s %s: status %d", lang, p.method, p.path, resp.StatusCode)
			}
			if got := leaks(resp, body); len(got) > 0 {
				t.Errorf("%s %s %s shows %q in full", lang, p.method, p.path, got)
			}
			if strings.Contains(body, "330522********0017") {
				shown++
			}
		}
	}
	// The seeds did reach the pages (masked), or the test proves nothing.
	if shown < 10 {
		t.Errorf("the masked seed shows on %d pages; want it on the case, list, fleet and audit pages", shown)
	}
}
