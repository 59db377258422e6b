package casewire

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/sync/protocol"
)

// fill sets every exported field reachable from v to a value that is not
// the zero value, so a field added to the domain and forgotten here shows up
// as a difference after the round trip.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Int, reflect.Int64:
		if v.Type() == reflect.TypeOf(time.Duration(0)) {
			v.SetInt(int64(*n) * int64(time.Second))
			return
		}
		v.SetInt(int64(*n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2026, 3, 1+*n%27, 9, *n%60, 0, 0, time.UTC)))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Tag.Get("json") == "-" {
				continue
			}
			fill(v.Field(i), n)
		}
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), n)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		fill(s.Index(0), n)
		fill(s.Index(1), n)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, n)
		fill(e, n)
		m.SetMapIndex(k, e)
		v.Set(m)
	default:
		panic("fill: unhandled kind " + v.Kind().String())
	}
}

func fullCase() cases.Case {
	var c cases.Case
	n := 0
	fill(reflect.ValueOf(&c).Elem(), &n)
	c.Version = 0   // storage metadata, not part of the record
	c.QueryPIN = "" // the PIN in clear never crosses the wire
	return c
}

func TestEveryDomainFieldCrossesTheWire(t *testing.T) {
	want := fullCase()
	raw, err := json.Marshal(Doc(want))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("round trip lost something:\ngot  %s\nwant %s", g, w)
	}
	if !strings.Contains(string(raw), `"v":1`) {
		t.Errorf("wire document %s does not carry its layout", raw)
	}
}

// TestReadsWhatOlderKiosksSent: kiosks before CaseDoc sent the domain's own
// JSON, with no "v"; that is layout 1 and reads the same.
func TestReadsWhatOlderKiosksSent(t *testing.T) {
	want := fullCase()
	old, err := json.Marshal(want) // the domain struct's own encoding, as 0.6 wrote it
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(old)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("an old kiosk's document reads differently:\ngot  %+v\nwant %+v", got, want)
	}
}

func TestNewerLayoutIsRefusedNotMisread(t *testing.T) {
	for _, raw := range []string{
		`{"v":2,"id":"a","tracking":"b","status":"accepted"}`,
		`{"v":3,"id":"a","tracking":"b","applicant":"a string in a future layout"}`,
	} {
		_, err := Decode([]byte(raw))
		var ve *protocol.VersionError
		if !errors.As(err, &ve) {
			t.Errorf("Decode(%s) error = %v, want a VersionError", raw, err)
			continue
		}
		if ve.Max != protocol.CaseDocVersion || ve.Got < 2 {
			t.Errorf("VersionError = %+v", ve)
		}
	}
	if _, err := Decode([]byte(`{"v":0,"id":"a","tracking":"b"}`)); err == nil {
		t.Error("layout 0 was read")
	}
	if _, err := Decode([]byte(`{"v":1,"tracking":"b"}`)); err == nil {
		t.Error("a document without id was read")
	}
}
