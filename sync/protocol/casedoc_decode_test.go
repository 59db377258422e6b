package protocol

import (
	"encoding/json"
	"errors"
	"testing"
)

// A case document is decoded once (issue 18); its layout is still judged
// first: a newer layout is refused whatever its fields hold, a missing v
// is layout 1, and a document that does not decode changes nothing.
func TestCaseDocLayoutJudgedWithOneDecoding(t *testing.T) {
	for _, tc := range []struct {
		name, doc  string
		wantV      int
		wantStatus string
		newer      bool
		fails      bool
	}{
		{"no v", `{"id":"c1","status":"accepted"}`, 1, "accepted", false, false},
		{"v 1", `{"v":1,"id":"c1","status":"accepted"}`, 1, "accepted", false, false},
		{"newer, fields retyped", `{"v":2,"id":"c1","status":{"code":"accepted"}}`, 0, "", true, true},
		{"newer, v after the fields", `{"status":7,"v":3}`, 0, "", true, true},
		{"v 0", `{"v":0,"status":"accepted"}`, 0, "", false, true},
		{"v a text", `{"v":"1","status":"accepted"}`, 0, "", false, true},
		{"a field retyped", `{"v":1,"status":7}`, 0, "", false, true},
	} {
		d := CaseDoc{Status: "kept"}
		err := json.Unmarshal([]byte(tc.doc), &d)
		var ve *VersionError
		if got := errors.As(err, &ve); got != tc.newer {
			t.Errorf("%s: got version error %v (%v), want %v", tc.name, got, err, tc.newer)
		}
		if got := err != nil; got != tc.fails {
			t.Errorf("%s: got error %v, want one %v", tc.name, err, tc.fails)
		}
		if tc.fails {
			if d.Status != "kept" {
				t.Errorf("%s: got status %q after a refusal, want it unchanged", tc.name, d.Status)
			}
			continue
		}
		if d.V != tc.wantV || d.Status != tc.wantStatus {
			t.Errorf("%s: got v %d, status %q; want %d, %q", tc.name, d.V, d.Status, tc.wantV, tc.wantStatus)
		}
	}
}
