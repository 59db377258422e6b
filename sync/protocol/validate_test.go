package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkPayloadDecoding is CheckPayload by decoding: every token through
// encoding/json. It is the reference the fast scanner is held to.
func checkPayloadDecoding(raw []byte) error {
	if !utf8.Valid(raw) || !json.Valid(raw) {
		return errors.New("invalid")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				if depth++; depth > MaxDepth {
					return errors.New("deep")
				}
			} else {
				depth--
			}
		case string:
			if len(t) > MaxText {
				return errors.New("long")
			}
			for _, r := range t {
				if r == utf8.RuneError || isControl(r) {
					return errors.New("control")
				}
			}
		case json.Number:
			if len(t) > 32 {
				return errors.New("number")
			}
		}
	}
}

func TestCheckPayload(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		ok        bool
	}{
		{"a case", `{"id":"c","applicant":{"name":"张小红","mobile":"13857201234"},"fields":{"addr":"洪桥\n18号"},"n":[1,2.5e3,-4]}`, true},
		{"escaped text", `{"a":"\u4e2d\u6587 \t \"quoted\" \\ \/ \ud83d\ude00"}`, true},
		{"text at the limit", `{"a":"` + strings.Repeat("x", MaxText) + `"}`, true},
		{"text over the limit", `{"a":"` + strings.Repeat("x", MaxText+1) + `"}`, false},
		{"escaped text over the limit", `{"a":"` + strings.Repeat(`\u4e2d`, MaxText/3+1) + `"}`, false},
		{"key over the limit", `{"` + strings.Repeat("k", MaxText+1) + `":1}`, false},
		{"escape ESC", `{"a":"red\u001b[31m"}`, false},
		{"backspace", `{"a":"x\by"}`, false},
		{"raw C1 control", "{\"a\":\"x\u0085y\"}", false},
		{"DEL", "{\"a\":\"x\x7fy\"}", false},
		{"lone surrogate", `{"a":"\ud83d"}`, false},
		{"replacement character", `{"a":"\ufffd"}`, false},
		{"not UTF-8", "{\"a\":\"\xff\"}", false},
		{"not JSON", `{"a":`, false},
		{"deep", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), false},
		{"as deep as allowed", strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), true},
		{"long number", `{"a":` + strings.Repeat("9", 33) + `}`, false},
	} {
		err := CheckPayload(json.RawMessage(tc.raw))
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok %v", tc.name, err, tc.ok)
		}
		if ref := checkPayloadDecoding([]byte(tc.raw)); (ref == nil) != (err == nil) {
			t.Errorf("%s: the scanner says %v, decoding says %v", tc.name, err, ref)
		}
	}
}

// FuzzCheckPayload holds the scanner to the decoding reference.
func FuzzCheckPayload(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":"\u001b"}`, `{"a":"\ud83d\ude00"}`, `[1,2,{"x":[true,null]}]`, `{"a":"x\u0085"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, want := CheckPayload(raw), checkPayloadDecoding(raw)
		if (got == nil) != (want == nil) {
			t.Fatalf("%q: scanner %v, decoding %v", raw, got, want)
		}
	})
}
