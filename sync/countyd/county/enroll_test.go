package county_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

func postEnroll(t *testing.T, url string, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url+"/api/v1/enroll", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.Bytes()
}

func TestEnrollOnce(t *testing.T) {
	clock := countytest.NewClock(t0)
	c := countytest.Start(t, countytest.Options{Now: clock.Now})
	code := c.EnrollCode(t, countytest.TestPoint)
	if len(code) != 14 || code[4] != '-' || code[9] != '-' {
		t.Errorf("code = %q, want XXXX-XXXX-XXXX", code)
	}

	// Typed in lower case with a space instead of a dash: still found.
	typed := strings.ToLower(strings.Replace(code, "-", " ", 1))
	status, body := postEnroll(t, c.URL, `{"code":"`+typed+`","hostname":"hall-pc-1","app_version":"0.6.0"}`)
	if status != http.StatusOK {
		t.Fatalf("enroll: status %d, want 200 (%s)", status, body)
	}
	var got protocol.EnrollResponse
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.DeviceID, "d_") || len(got.Secret) != 43 {
		t.Errorf("device %q secret length %d, want d_… and 43", got.DeviceID, len(got.Secret))
	}
	want := protocol.ServicePointPayload{Code: countytest.TestPoint.Code, Name: countytest.TestPoint.Name, Level: "township"}
	if got.ServicePoint != want {
		t.Errorf("service point = %+v, want %+v", got.ServicePoint, want)
	}
	if !got.ServerTime.Equal(t0) {
		t.Errorf("server time = %v, want %v", got.ServerTime, t0)
	}

	// The secret works: a signed feed request passes.
	if status, _, body := c.Do(t, got.DeviceID, got.Secret, "GET", "/api/v1/feed", nil, nil); status != 200 {
		t.Errorf("feed with the new identity: %d %s", status, body)
	}
	// The same code again: refused, nothing created.
	status, body = postEnroll(t, c.URL, `{"code":"`+code+`"}`)
	if status != http.StatusForbidden || errorCode(t, body).Code != protocol.CodeBadEnrollment {
		t.Errorf("second use: %d %s, want 403 bad_enrollment", status, body)
	}
	if st, _ := c.Store.Stats(context.Background()); st.Devices != 1 {
		t.Errorf("devices = %d after a refused enrollment, want 1", st.Devices)
	}
}

func TestEnrollRefused(t *testing.T) {
	clock := countytest.NewClock(t0)
	c := countytest.Start(t, countytest.Options{Now: clock.Now})
	expired := c.EnrollCode(t, countytest.TestPoint)
	clock.Add(county.EnrollTTL + time.Second)
	fresh := c.EnrollCode(t, countytest.TestPoint)
	used := c.EnrollCode(t, countytest.TestPoint)
	if status, body := postEnroll(t, c.URL, `{"code":"`+used+`"}`); status != 200 {
		t.Fatalf("first use: %d %s", status, body)
	}
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"expired", `{"code":"` + expired + `"}`, 403, protocol.CodeBadEnrollment},
		{"used", `{"code":"` + used + `"}`, 403, protocol.CodeBadEnrollment},
		{"unknown", `{"code":"K7QX-2M9D-PLTA"}`, 403, protocol.CodeBadEnrollment},
		{"empty", `{"code":""}`, 403, protocol.CodeBadEnrollment},
		{"not json", `code=` + fresh, 400, protocol.CodeMalformed},
		{"trailing data", `{"code":"` + fresh + `"} {}`, 400, protocol.CodeMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := c.Store.Stats(context.Background())
			status, body := postEnroll(t, c.URL, tt.body)
			if got := errorCode(t, body).Code; status != tt.status || got != tt.code {
				t.Errorf("got %d %s, want %d %s", status, got, tt.status, tt.code)
			}
			if after, _ := c.Store.Stats(context.Background()); after != before {
				t.Errorf("stats changed: got %+v, want %+v", after, before)
			}
		})
	}
	// The fresh code was never consumed by the refused attempts.
	if status, body := postEnroll(t, c.URL, `{"code":"`+fresh+`"}`); status != 200 {
		t.Errorf("fresh code after refusals: %d %s, want 200", status, body)
	}
}
