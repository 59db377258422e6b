package county_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

func randomFile(n int) ([]byte, string) {
	b := make([]byte, n)
	rand.Read(b)
	h := sha256.Sum256(b)
	return b, hex.EncodeToString(h[:])
}

type blobAnswer struct {
	status           int
	stored, complete string
	code             string
}

func (e *env) putChunk(t *testing.T, sha string, offset int, total int, chunk []byte) blobAnswer {
	t.Helper()
	status, h, b := e.c.Do(t, e.dev, e.secret, "PUT", "/api/v1/blobs/"+sha+"?offset="+strconv.Itoa(offset), chunk,
		http.Header{protocol.HeaderTotalLength: {strconv.Itoa(total)}})
	a := blobAnswer{status: status, stored: h.Get(protocol.HeaderStoredLength), complete: h.Get(protocol.HeaderComplete)}
	if status != 200 {
		a.code = errorCode(t, b).Code
	}
	return a
}

func (e *env) head(t *testing.T, sha string) blobAnswer {
	t.Helper()
	status, h, _ := e.c.Do(t, e.dev, e.secret, "HEAD", "/api/v1/blobs/"+sha, nil, nil)
	return blobAnswer{status: status, stored: h.Get(protocol.HeaderStoredLength), complete: h.Get(protocol.HeaderComplete)}
}

func TestBlobResumableUpload(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const mib = protocol.MaxChunk
	data, sha := randomFile(2*mib + 12345)
	small, smallSHA := randomFile(5000)
	id, tr := newCase()
	e.push(t, caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted", sha, smallSHA))
	total := len(data)
	complete := func() bool {
		c, err := e.c.Store.Case(ctx, tr)
		if err != nil {
			t.Fatal(err)
		}
		return c.Complete
	}
	if complete() {
		t.Error("case complete before any upload")
	}

	steps := []struct {
		name string
		do   func() blobAnswer
		want blobAnswer
	}{
		{"head before", func() blobAnswer { return e.head(t, sha) }, blobAnswer{status: 404}},
		{"first chunk", func() blobAnswer { return e.putChunk(t, sha, 0, total, data[:mib]) }, blobAnswer{200, "1048576", "false", ""}},
		// The link dropped: the kiosk asks what arrived.
		{"head after a chunk", func() blobAnswer { return e.head(t, sha) }, blobAnswer{200, "1048576", "false", ""}},
		{"first chunk again", func() blobAnswer { return e.putChunk(t, sha, 0, total, data[:mib]) }, blobAnswer{409, "1048576", "", "offset"}},
		{"a gap", func() blobAnswer { return e.putChunk(t, sha, 2*mib, total, data[2*mib:]) }, blobAnswer{409, "1048576", "", "offset"}},
		{"chunk over 1 MiB", func() blobAnswer { return e.putChunk(t, sha, mib, total, data[mib:]) }, blobAnswer{413, "", "", "too_large"}},
		{"past the total", func() blobAnswer { return e.putChunk(t, sha, mib, mib+10, data[mib:2*mib]) }, blobAnswer{400, "", "", "malformed"}},
		{"second chunk", func() blobAnswer { return e.putChunk(t, sha, mib, total, data[mib:2*mib]) }, blobAnswer{200, "2097152", "false", ""}},
		{"last chunk", func() blobAnswer { return e.putChunk(t, sha, 2*mib, total, data[2*mib:]) }, blobAnswer{200, strconv.Itoa(total), "true", ""}},
		{"head complete", func() blobAnswer { return e.head(t, sha) }, blobAnswer{200, strconv.Itoa(total), "true", ""}},
		{"put after complete", func() blobAnswer { return e.putChunk(t, sha, 0, total, data[:10]) }, blobAnswer{200, strconv.Itoa(total), "true", ""}},
	}
	for _, s := range steps {
		if got := s.do(); got != s.want {
			t.Errorf("%s: got %+v, want %+v", s.name, got, s.want)
		}
	}
	got, err := os.ReadFile(filepath.Join(e.c.Dir, "blobs", sha[:2], sha[2:4], sha))
	if err != nil || string(got) != string(data) {
		t.Errorf("stored file differs from the upload (%v)", err)
	}
	if complete() {
		t.Error("case complete with one of two attachments")
	}
	if a := e.putChunk(t, smallSHA, 0, len(small), small); a.complete != "true" {
		t.Fatalf("small upload: %+v", a)
	}
	if !complete() {
		t.Error("case not complete with both attachments stored")
	}
	cs, err := e.c.Store.Cases(ctx, countyFilter(countytest.TestPoint.Code))
	if err != nil || len(cs) != 1 || !cs[0].Complete || cs[0].Attachments != 2 || cs[0].Stored != 2 {
		t.Errorf("cases = %+v, %v; want one complete with 2/2", cs, err)
	}
}

func TestBlobHashMismatch(t *testing.T) {
	e := newEnv(t)
	data, _ := randomFile(3000)
	_, other := randomFile(3000)
	if a := e.putChunk(t, other, 0, 3000, data[:1000]); a.status != 200 {
		t.Fatalf("first chunk: %+v", a)
	}
	// Announcing another total restarts the upload: offset 1000 is then
	// past the (empty) stored data.
	if a := e.putChunk(t, other, 1000, 4000, data[1000:2000]); a.status != 409 || a.stored != "0" {
		t.Errorf("other total: got %+v, want 409 at 0", a)
	}
	if a := e.putChunk(t, other, 0, 3000, data); a.status != 422 || a.code != protocol.CodeHashMismatch {
		t.Errorf("mismatch: got %+v, want 422 hash_mismatch", a)
	}
	if a := e.head(t, other); a.status != 404 {
		t.Errorf("head after a mismatch: %+v, want 404 (data discarded)", a)
	}
	if _, err := os.Stat(filepath.Join(e.c.Dir, "blobs", other[:2], other[2:4], other)); !os.IsNotExist(err) {
		t.Errorf("file after a mismatch: %v, want it removed", err)
	}
	if n := e.stats(t).Blobs; n != 0 {
		t.Errorf("blobs = %d, want 0", n)
	}
}

func TestBlobBadRequests(t *testing.T) {
	e := newEnv(t)
	_, sha := randomFile(10)
	for _, tt := range []struct {
		name, target string
		header       http.Header
		status       int
	}{
		{"upper-case name", "/api/v1/blobs/" + hexUpper(sha) + "?offset=0", http.Header{protocol.HeaderTotalLength: {"10"}}, 400},
		{"short name", "/api/v1/blobs/abc?offset=0", http.Header{protocol.HeaderTotalLength: {"10"}}, 400},
		{"no offset", "/api/v1/blobs/" + sha, http.Header{protocol.HeaderTotalLength: {"10"}}, 400},
		{"no total", "/api/v1/blobs/" + sha + "?offset=0", nil, 400},
		{"negative total", "/api/v1/blobs/" + sha + "?offset=0", http.Header{protocol.HeaderTotalLength: {"-1"}}, 400},
		{"huge total", "/api/v1/blobs/" + sha + "?offset=0", http.Header{protocol.HeaderTotalLength: {"99999999999"}}, 413},
	} {
		status, _, _ := e.c.Do(t, e.dev, e.secret, "PUT", tt.target, []byte("0123456789"), tt.header)
		if status != tt.status {
			t.Errorf("%s: got %d, want %d", tt.name, status, tt.status)
		}
	}
	if n := e.stats(t).Blobs; n != 0 {
		t.Errorf("blobs = %d after refused uploads, want 0", n)
	}
}

// TestBlobCrashBetweenWriteAndRecord: bytes written to the file but never
// recorded (a crash in between) are overwritten by the resumed upload.
func TestBlobCrashBetweenWriteAndRecord(t *testing.T) {
	e := newEnv(t)
	data, sha := randomFile(3000)
	e.putChunk(t, sha, 0, 3000, data[:1000])
	path := filepath.Join(e.c.Dir, "blobs", "partial", e.dev, sha)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("garbage that was never recorded"))
	f.Close()
	if a := e.head(t, sha); a.stored != "1000" {
		t.Errorf("head: %+v, want stored 1000", a)
	}
	if a := e.putChunk(t, sha, 1000, 3000, data[1000:]); a.status != 200 || a.complete != "true" {
		t.Errorf("resume: %+v, want complete", a)
	}
}

func hexUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// A device sees only its own unfinished uploads and its point's files: it
// cannot learn whether the county holds a file of a given hash, nor
// disturb another device's upload (issue 15).
func TestBlobsAreTheirPointsOwn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	devB, secretB := e.c.Enroll(t, otherPoint)
	b := &env{c: e.c, clock: e.clock, dev: devB, secret: secretB}
	devA2, secretA2 := e.c.Enroll(t, countytest.TestPoint)
	a2 := &env{c: e.c, clock: e.clock, dev: devA2, secret: secretA2}

	x, shaX := randomFile(3000)
	if a := e.putChunk(t, shaX, 0, 3000, x); a.complete != "true" {
		t.Fatalf("A's upload: %+v", a)
	}
	if a := b.head(t, shaX); a.status != http.StatusNotFound {
		t.Errorf("another point asks whether the county holds A's file: %+v, want 404", a)
	}
	if a := a2.head(t, shaX); a.complete != "true" {
		t.Errorf("A's hall-mate: %+v, want the file complete", a)
	}

	y, shaY := randomFile(3000)
	e.putChunk(t, shaY, 0, 3000, y[:1000])
	b.putChunk(t, shaY, 0, 5000, y[:1000]) // another total: B's own upload, not A's
	if a := e.head(t, shaY); a.stored != "1000" {
		t.Errorf("A's unfinished upload after B's: %+v, want 1000 stored", a)
	}
	if a := e.putChunk(t, shaY, 1000, 3000, y[1000:]); a.complete != "true" {
		t.Errorf("A resumes: %+v", a)
	}

	// B proves it has X by sending it whole; a wrong copy changes nothing.
	if a := b.putChunk(t, shaX, 0, 3000, make([]byte, 3000)); a.code != protocol.CodeHashMismatch {
		t.Errorf("B's wrong copy: %+v", a)
	}
	if f, _, err := e.c.Store.OpenBlob(ctx, shaX); err != nil {
		t.Errorf("A's file after B's wrong copy: %v", err)
	} else {
		f.Close()
	}
	if a := b.putChunk(t, shaX, 0, 3000, x); a.complete != "true" {
		t.Errorf("B sends X whole: %+v", a)
	}
	if a := b.head(t, shaX); a.complete != "true" {
		t.Errorf("B after sending X: %+v", a)
	}
	if n := e.stats(t).CompleteBlobs; n != 2 {
		t.Errorf("complete files %d, want 2 (X once, Y)", n)
	}

	// A device cannot leave unfinished uploads without end.
	for i := range county.MaxOpenUploads {
		_, sha := randomFile(10)
		if a := a2.putChunk(t, sha, 0, 10, []byte{1}); a.status != http.StatusOK {
			t.Fatalf("unfinished upload %d: %+v", i+1, a)
		}
	}
	_, sha := randomFile(10)
	if a := a2.putChunk(t, sha, 0, 10, []byte{1}); a.status != http.StatusTooManyRequests {
		t.Errorf("upload %d left unfinished: %+v, want 429", county.MaxOpenUploads+1, a)
	}
}
