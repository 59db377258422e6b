package county_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
	"github.com/yichuang/yichuang/sync/release"
)

// TestReleaseOfferAndRanges: the status answer offers a published
// release for the device's platform unless it runs it; the release's
// bytes come in spans of at most MaxReleaseSpan from any offset, with
// Content-Range, and nothing is served of an unpublished release.
func TestReleaseOfferAndRanges(t *testing.T) {
	ctx := context.Background()
	c := countytest.Start(t, countytest.Options{})
	dev, secret := c.Enroll(t, countytest.TestPoint)
	_, priv, _ := release.GenerateKey()
	bin := bytes.Repeat([]byte("yichuang"), (county.MaxReleaseSpan+county.ReleaseChunk/2)/8) // 8.5 MiB: two spans
	sum := sha256.Sum256(bin)
	sha := hex.EncodeToString(sum[:])
	signed, err := release.Sign(priv, release.Manifest{Product: release.Product, Version: "0.8.0", Track: "stable", OS: "linux",
		Arch: "amd64", SHA256: sha, Size: int64(len(bin)), Signed: time.Now(), Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DB.AddRelease(ctx, signed, bytes.NewReader(bin), "signer"); err != nil {
		t.Fatal(err)
	}
	get := func(rng string) (int, http.Header, []byte) {
		h := http.Header{}
		if rng != "" {
			h.Set("Range", rng)
		}
		return c.Do(t, dev, secret, "GET", "/api/v1/releases/"+sha, nil, h)
	}
	report := func(version, arch string) (int, protocol.StatusAnswer) {
		body, _ := json.Marshal(protocol.DeviceStatus{AppVersion: version, OS: "linux", Arch: arch, Printer: protocol.PrinterStatus{State: "unknown"}})
		status, _, b := c.Do(t, dev, secret, "POST", "/api/v1/status", body, nil)
		var a protocol.StatusAnswer
		if status == http.StatusOK {
			json.Unmarshal(b, &a)
		}
		return status, a
	}

	if status, _, _ := get("bytes=0-"); status != http.StatusNotFound {
		t.Errorf("unpublished: got %d, want 404", status)
	}
	if status, _ := report("0.7.0", "amd64"); status != http.StatusNoContent {
		t.Errorf("report before publishing: got %d, want 204", status)
	}
	if _, err := c.DB.PublishRelease(ctx, "0.8.0", "linux", "amd64", county.ChannelAll, county.AuditEntry{StaffLogin: "x", ClientIP: "local"}); err != nil {
		t.Fatal(err)
	}
	status, a := report("0.7.0", "amd64")
	if status != http.StatusOK || a.Update == nil || a.Update.Version != "0.8.0" || !bytes.Equal(a.Update.Manifest, signed) || a.Update.SHA256 != sha {
		t.Errorf("report from 0.7.0: got %d %+v, want the 0.8.0 offer with its signed manifest", status, a.Update)
	}
	for _, tc := range []struct{ version, arch string }{{"0.8.0", "amd64"}, {"0.7.0", "arm64"}} {
		if status, _ := report(tc.version, tc.arch); status != http.StatusNoContent {
			t.Errorf("report from %s/%s: got %d, want 204", tc.version, tc.arch, status)
		}
	}

	var got []byte
	for _, want := range []struct {
		from  int
		n     int
		total string
	}{{0, county.MaxReleaseSpan, fmt.Sprintf("bytes 0-%d/%d", county.MaxReleaseSpan-1, len(bin))},
		{county.MaxReleaseSpan, len(bin) - county.MaxReleaseSpan, fmt.Sprintf("bytes %d-%d/%d", county.MaxReleaseSpan, len(bin)-1, len(bin))}} {
		status, h, b := get(fmt.Sprintf("bytes=%d-", want.from))
		if status != http.StatusPartialContent || len(b) != want.n || h.Get("Content-Range") != want.total {
			t.Fatalf("from %d: got %d, %d bytes, %q; want 206, %d, %q", want.from, status, len(b), h.Get("Content-Range"), want.n, want.total)
		}
		got = append(got, b...)
	}
	if !bytes.Equal(got, bin) {
		t.Error("the spans put together are not the release")
	}
	// Mid-chunk, as a download cut off anywhere resumes.
	if status, _, b := get("bytes=1048577-"); status != http.StatusPartialContent || !bytes.Equal(b, bin[1048577:min(1048577+county.MaxReleaseSpan, len(bin))]) {
		t.Errorf("from 1048577: got %d, %d bytes, want the span from there", status, len(b))
	}
	if status, _, _ := get(fmt.Sprintf("bytes=%d-", len(bin))); status != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("past the end: got %d, want 416", status)
	}
	for _, bad := range []string{"bytes=0-99", "bytes=-5", "items=0-"} {
		if status, _, _ := get(bad); status != http.StatusBadRequest {
			t.Errorf("Range %q: got %d, want 400", bad, status)
		}
	}
}
