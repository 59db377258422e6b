package office_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
)

func TestAttachmentOnlyWhenCompleteAndAudited(t *testing.T) {
	e := newEnv(t)
	scan := []byte("%PDF-1.4 scan of the premises lease")
	sum := sha256.Sum256(scan)
	sha := hex.EncodeToString(sum[:])
	s := newSeed("林小明", t0.AddDate(0, 0, 7))
	s.attachments = []map[string]any{{"sha256": sha, "name": "租赁合同.pdf", "size": len(scan), "type": "application/pdf"}}
	cc := e.push(t, s)
	b := e.client(t)
	b.mustLogin("lishen")
	path := "/office/cases/" + cc + "/attachments/" + sha
	if status, _ := b.get(path); status != http.StatusNotFound {
		t.Errorf("before upload: got %d, want 404", status)
	}
	status, body := e.signedPut(t, "/api/v1/blobs/"+sha+"?offset=0", scan)
	if status != http.StatusOK {
		t.Fatalf("upload: %d %s", status, body)
	}
	resp, err := b.c.Get(e.url + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("attachment: got %d %q, want 200 application/pdf with nosniff", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rows := e.audit(t, county.AuditFilter{Action: "attachment.view"})
	if len(rows) != 1 || rows[0].Detail != sha || rows[0].Subject != cc {
		t.Errorf("attachment.view audit: got %+v", rows)
	}
	// Another case's blob is not reachable through this case.
	if status, _ := b.get("/office/cases/" + cc + "/attachments/" + sha[:63] + "0"); status != http.StatusNotFound {
		t.Errorf("foreign blob: got %d, want 404", status)
	}
}

func (e *env) signedPut(t testing.TB, path string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest("PUT", e.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Yc-Total-Length", strconv.Itoa(len(body)))
	countytest.Sign(req, e.dev, e.secret, body, e.clock.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Status
}
