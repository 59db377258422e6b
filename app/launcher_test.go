package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/update"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
	"github.com/yichuang/yichuang/sync/release"
)

var nextBuild built

// fileServer serves one release's bytes as the county would.
type fileServer []byte

func (f fileServer) DownloadRelease(_ context.Context, _ string, from int64, w io.Writer) (int64, error) {
	_, err := w.Write(f[from:])
	return int64(len(f)), err
}

// TestLauncherRunsTheInstalledRelease: the real kiosk binary, built again
// as 0.99.0, passes its own self-check on a copy of a configured hall's
// data and is installed; the packaged binary then hands over to it (exec,
// as at every start), and after MaxTries starts that never became healthy
// it runs itself again and the state says rolled_back.
func TestLauncherRunsTheInstalledRelease(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("updates are wired on Linux only")
	}
	packaged := kioskBinary(t)
	next := nextBuild.binaryWith(t, "-X main.version=0.99.0")
	dir := halltest.ConfiguredData(t)
	h := halltest.Open(t, dir, nil)

	bin, err := os.ReadFile(next)
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := release.GenerateKey()
	// The key the package pinned: the launcher checks the installed
	// binary against it before it runs it.
	keyFile := filepath.Join(t.TempDir(), "update-key.pub")
	if err := os.WriteFile(keyFile, release.MarshalPublicKey(pub), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(bin)
	night := time.Date(2026, 12, 2, 2, 0, 0, 0, workday.China)
	signed, err := release.Sign(priv, release.Manifest{Product: release.Product, Version: "0.99.0", Track: "stable",
		OS: runtime.GOOS, Arch: runtime.GOARCH, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(bin)),
		Signed: night.Add(-time.Hour), Expires: night.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	u := &update.Updater{DataDir: dir, Keys: []ed25519.PublicKey{pub}, Track: "stable", OS: runtime.GOOS, Arch: runtime.GOARCH,
		Running: Version(), Clock: clock.NewManual(night), Snapshot: h.DB.BackupTo, Log: t.Logf}
	err = u.Offer(context.Background(), fileServer(bin), protocol.UpdateOffer{Version: "0.99.0", Manifest: signed,
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(bin))})
	if st := u.Status(); err != nil || st.State != protocol.UpdateInstalled {
		t.Fatalf("install: got %+v, %v; want installed (the real self-check passed)", st, err)
	}
	h.DB.Close()

	version := func() string {
		t.Helper()
		out, err := exec.Command(packaged, "-version", "-data", dir, "-update-key", keyFile).CombinedOutput()
		if err != nil {
			t.Fatalf("%s -version: %v\n%s", packaged, err, out)
		}
		return string(bytes.TrimSpace(out))
	}
	if got := version(); !strings.HasPrefix(got, "yichuang 0.99.0") {
		t.Fatalf("the packaged binary says %q, want the installed 0.99.0 to answer", got)
	}
	// A binary a launcher started never hands over again (a release whose
	// binary says an older version than its manifest would start itself
	// for ever): with the launcher's mark it answers for itself.
	marked := exec.Command(packaged, "-version", "-data", dir, "-update-key", keyFile)
	marked.Env = append(os.Environ(), update.LauncherEnv+"="+packaged)
	if out, err := marked.CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "yichuang "+Version()) {
		t.Errorf("started by a launcher: got %q, %v; want the binary's own %s", out, err, Version())
	}
	// Starts of the kiosk that die before they are healthy.
	for i := 0; i < update.MaxTries; i++ {
		if got, _ := update.Handoff(dir, Version(), []ed25519.PublicKey{pub}, true); got != update.Binary(dir, "0.99.0") {
			t.Fatalf("start %d: got %q", i, got)
		}
	}
	if got := version(); !strings.HasPrefix(got, "yichuang "+Version()) {
		t.Errorf("after %d failed starts the binary says %q, want the packaged %s", update.MaxTries, got, Version())
	}
	if st, _ := update.LoadState(dir); st.Status.State != protocol.UpdateRolledBack || st.Current != "" {
		t.Errorf("state: got %+v, want rolled_back to the packaged binary", st)
	}
	// The data was put back as it was before the update, and the packaged
	// kiosk's own self-check passes on it.
	if _, err := os.Stat(filepath.Join(dir, update.DatabaseName+".rolled-back-0.99.0")); err != nil {
		t.Errorf("the release's data was not kept aside: %v", err)
	}
	out, err := exec.Command(packaged, "-self-check", "-data", dir, "-update-key", keyFile).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "yichuang "+Version()) || !strings.Contains(string(out), "自检通过") {
		t.Errorf("self-check after the rollback: %v\n%s", err, out)
	}
}

// binaryWith builds the kiosk with extra -ldflags, once per test run.
func (b *built) binaryWith(tb testing.TB, ldflags string) string {
	tb.Helper()
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "yichuang-next-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "yichuang")
		out, err := exec.Command("go", "build", "-tags", "sqlite_fts5,no_emoji", "-ldflags", ldflags, "-o", b.path, ".").CombinedOutput()
		if err != nil {
			b.err = err
			tb.Logf("%s", out)
		}
	})
	if b.err != nil {
		tb.Fatal(b.err)
	}
	return b.path
}
