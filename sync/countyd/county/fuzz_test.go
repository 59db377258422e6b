package county

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/yichuang/yichuang/sync/protocol"
)

const seedPush = `{"events":[{"id":"7b0c7e2e-5c1a-4c55-9d55-0c2f1f6c2a11","kind":"case.accepted","created":"2026-11-26T10:31:02+08:00",
"payload":{"case_id":"c1","tracking":"47U8BPC811Y2000H","version":1,"at":"2026-11-26T10:31:02+08:00","actor":{"id":3,"name":"王丽","window":2},
"case":{"id":"c1","tracking":"47U8BPC811Y2000H","service_point":"330522101000","status":"accepted","attachments":[]}}}]}`

func FuzzDecodePush(f *testing.F) {
	f.Add("", []byte(seedPush), false)
	f.Add("gzip", []byte(seedPush), true)
	f.Add("gzip", []byte(seedPush), false)
	f.Add("", []byte(`{"events":[]}`), false)
	f.Add("identity", []byte(`{"events":null}`), false)
	f.Add("", []byte(`{"events":[{"id":""}]}`), false)
	f.Add("br", []byte(`{}`), false)
	f.Add("", []byte(`{"events":[]} x`), false)
	f.Fuzz(func(t *testing.T, encoding string, body []byte, compress bool) {
		if compress {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write(body)
			zw.Close()
			body = b.Bytes()
		}
		req, e := decodePush(encoding, body)
		if e != nil {
			if e.status != 400 && e.status != 413 {
				t.Fatalf("status %d for a bad body", e.status)
			}
			return
		}
		if len(req.Events) > protocol.MaxBatch {
			t.Fatalf("%d events accepted", len(req.Events))
		}
		for _, ev := range req.Events {
			if !protocol.ValidID(ev.ID) || !protocol.ValidID(string(ev.Kind)) {
				t.Fatalf("event id %q accepted", ev.ID)
			}
		}
		// What was accepted survives a round trip: the store sees the
		// events the client sent.
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		if req2, e := decodePush("", again); e != nil || len(req2.Events) != len(req.Events) {
			t.Fatalf("round trip: %v, %d events, want %d", e, len(req2.Events), len(req.Events))
		}
	})
}

func FuzzDecodeEnroll(f *testing.F) {
	f.Add([]byte(`{"code":"K7QX-2M9D-PLTA","hostname":"hall-pc-1","app_version":"0.6.0"}`))
	f.Add([]byte(`{"code":1}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"code":"a"}{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, e := decodeEnroll(body)
		if e != nil {
			if e.status != 400 {
				t.Fatalf("status %d", e.status)
			}
			return
		}
		if len(req.Hostname) > maxEnrollField || len(req.AppVersion) > maxEnrollField {
			t.Fatalf("oversize fields accepted")
		}
		_ = normalizeCode(req.Code)
	})
}

func FuzzParseFeedQuery(f *testing.F) {
	for _, q := range []string{"", "after=0", "after=41&limit=500", "limit=0", "after=-1", "limit=99999999999999999999", "after=1&after=2", "limit=%zz"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw) // as r.URL.Query(): bad pairs dropped
		after, limit, e := parseFeedQuery(q)
		if e != nil {
			if e.status != 400 {
				t.Fatalf("status %d", e.status)
			}
			return
		}
		if after < 0 || limit < 1 || limit > protocol.MaxFeed {
			t.Fatalf("after %d limit %d accepted", after, limit)
		}
	})
}

func FuzzParseBlobPut(f *testing.F) {
	sha := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	f.Add(sha, "0", "4", 4)
	f.Add(sha, "1048576", "2097152", 1048576)
	f.Add(sha, "9223372036854775807", "10", 5)
	f.Add(sha, "0", " 10 ", 11)
	f.Add("../../etc/passwd", "0", "1", 1)
	f.Add(sha, "-0", "+5", 0)
	f.Fuzz(func(t *testing.T, sha, offset, total string, chunkLen int) {
		if chunkLen < 0 || chunkLen > 2*protocol.MaxChunk {
			return // a body length is never negative; the reader caps it
		}
		p, e := parseBlobPut(sha, offset, total, chunkLen)
		if e != nil {
			if e.status != 400 && e.status != 413 {
				t.Fatalf("status %d", e.status)
			}
			return
		}
		if !isSHA256(p.sha) || p.offset < 0 || p.total > MaxBlob || chunkLen > protocol.MaxChunk || p.offset+int64(chunkLen) > p.total {
			t.Fatalf("accepted %+v with a chunk of %d", p, chunkLen)
		}
	})
}

// compact gives what json.Compact gives (or the input when it refuses
// it), whether or not it takes the short way for a compact document.
func FuzzCompact(f *testing.F) {
	for _, s := range []string{
		`{"a":1}`, `{ "a": 1 }`, "{\"a\":\n[1,2]}", `{"a":"x y"}`, `{"a":"say \"hi\" "}`, `{"a":"\\"}`,
		`{"a":"\\" , "b":2}`, `{"a":"\\\" "}`, `{"a":1} `, `{"a":`, `{"a":"\u2028"}`, "{\"备注\":\"材料 齐全\"}", ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var b bytes.Buffer
		want := doc
		if json.Compact(&b, doc) == nil {
			want = b.Bytes()
		}
		if got := compact(doc); !bytes.Equal(got, want) {
			t.Errorf("compact(%q): got %q, want %q", doc, got, want)
		}
	})
}
