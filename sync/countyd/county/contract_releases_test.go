package county_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
	"github.com/yichuang/yichuang/sync/release"
)

// contractReleases: releases mean the same on both stores: a binary must
// be the one its manifest signs; a device is offered the newest release
// published to all or, in the pilot, to the pilot, for its platform; a
// withdrawn release is offered to no one; the bytes come back whole from
// any offset; the update counts follow the reports.
func contractReleases(t *testing.T, open opener) {
	ctx := context.Background()
	clk := newStepClock()
	st := open(t, clk.now)
	_, priv, _ := release.GenerateKey()
	add := func(version, arch string, bin []byte) county.Release {
		t.Helper()
		sum := sha256.Sum256(bin)
		signed, err := release.Sign(priv, release.Manifest{Product: release.Product, Version: version, Track: "stable", OS: "linux",
			Arch: arch, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(bin)), Signed: clk.now(), Expires: clk.now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		r, err := st.AddRelease(ctx, signed, bytes.NewReader(bin), "signer")
		if err != nil {
			t.Fatalf("add %s: %v", version, err)
		}
		return r
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), county.ReleaseChunk/16*2+1000) // 3 chunks
	r080 := add("0.8.0", "amd64", big)
	add("0.8.0", "arm64", []byte("arm kiosk"))
	add("0.10.0", "amd64", []byte("kiosk 0.10"))

	// A binary that is not the signed one is refused, and nothing stays.
	sum := sha256.Sum256([]byte("the signed one"))
	signed, _ := release.Sign(priv, release.Manifest{Product: release.Product, Version: "0.9.0", Track: "stable", OS: "linux",
		Arch: "amd64", SHA256: hex.EncodeToString(sum[:]), Size: 14, Signed: clk.now(), Expires: clk.now().Add(time.Hour)})
	if _, err := st.AddRelease(ctx, signed, bytes.NewReader([]byte("another binary")), "x"); !errors.As(err, new(*county.InvalidError)) {
		t.Errorf("a binary that is not the signed one: got %v, want an InvalidError", err)
	}

	pilot := mustDevice(t, st, county.ServicePoint{Code: "330522101000", Name: "和平镇", Level: county.LevelTownship}, "hall")
	other := mustDevice(t, st, county.ServicePoint{Code: "330522102000", Name: "泗安镇", Level: county.LevelTownship}, "hall")
	offered := func(d county.Device, arch string) string {
		t.Helper()
		r, err := st.ReleaseFor(ctx, d, "linux", arch)
		if errors.Is(err, county.ErrNotFound) {
			return ""
		}
		if err != nil {
			t.Fatal(err)
		}
		return r.Version
	}
	if got := offered(pilot, "amd64"); got != "" {
		t.Errorf("before publishing: got %q offered, want none", got)
	}
	if err := st.SetReleasePilots(ctx, []string{"330522101000"}, auditAs("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PublishRelease(ctx, "0.8.0", "linux", "amd64", county.ChannelPilot, auditAs("x")); err != nil {
		t.Fatal(err)
	}
	if got, got2 := offered(pilot, "amd64"), offered(other, "amd64"); got != "0.8.0" || got2 != "" {
		t.Errorf("pilot: got %q for the pilot, %q for the other point; want 0.8.0 and none", got, got2)
	}
	if got := offered(pilot, "arm64"); got != "" {
		t.Errorf("another platform: got %q, want none", got)
	}
	if _, err := st.PublishRelease(ctx, "0.10.0", "linux", "amd64", county.ChannelAll, auditAs("x")); err != nil {
		t.Fatal(err)
	}
	if got, got2 := offered(pilot, "amd64"), offered(other, "amd64"); got != "0.10.0" || got2 != "0.10.0" {
		t.Errorf("all: got %q, %q; want 0.10.0 (newer than 0.8.0 by number, not text) for both", got, got2)
	}
	if _, err := st.PublishRelease(ctx, "0.10.0", "linux", "amd64", county.ChannelNone, auditAs("x")); err != nil {
		t.Fatal(err)
	}
	if got, got2 := offered(pilot, "amd64"), offered(other, "amd64"); got != "0.8.0" || got2 != "" {
		t.Errorf("0.10.0 withdrawn: got %q, %q; want 0.8.0 for the pilot only", got, got2)
	}
	if _, err := st.PublishRelease(ctx, "0.8.0", "linux", "amd64", "everyone", auditAs("x")); !errors.As(err, new(*county.InvalidError)) {
		t.Errorf("an unknown channel: got %v, want an InvalidError", err)
	}

	// The bytes from any offset, chunk by chunk, are the binary's.
	for _, from := range []int64{0, 1, county.ReleaseChunk - 1, county.ReleaseChunk, int64(len(big)) - 1} {
		var got []byte
		err := st.ReleaseBytes(ctx, r080.SHA256, from, func(pos int64, data []byte) bool {
			if len(got) == 0 {
				data = data[from-pos:]
			}
			got = append(got, data...)
			return true
		})
		if err != nil || !bytes.Equal(got, big[from:]) {
			t.Errorf("from %d: got %d bytes (%v), want the %d from there", from, len(got), err, len(big)-int(from))
		}
	}

	for _, d := range []county.Device{pilot, other} {
		us := protocol.UpdateStatus{State: protocol.UpdateInstalled, Version: "0.8.0"}
		if d.ID == other.ID {
			us.State = protocol.UpdateRefused
		}
		if err := st.SetDeviceStatus(ctx, d.ID, protocol.DeviceStatus{AppVersion: "0.8.0", Update: &us}); err != nil {
			t.Fatal(err)
		}
	}
	counts, err := st.UpdateCounts(ctx, "0.8.0")
	if err != nil || counts[protocol.UpdateInstalled] != 1 || counts[protocol.UpdateRefused] != 1 {
		t.Errorf("counts: got %v (%v), want one installed and one refused", counts, err)
	}
	if list, err := st.ReleaseList(ctx); err != nil || len(list) != 3 || list[0].Version != "0.10.0" {
		t.Errorf("list: got %d releases, first %+v (%v); want 3, newest first", len(list), list, err)
	}
}
