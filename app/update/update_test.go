package update_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/update"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
	"github.com/yichuang/yichuang/sync/release"
)

func TestWindowContains(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 12, 2, h, m, 0, 0, workday.China) }
	for _, tc := range []struct {
		w    update.Window
		t    time.Time
		want bool
	}{
		{update.Window{}, at(0, 59), false},
		{update.Window{}, at(1, 0), true},
		{update.Window{}, at(4, 59), true},
		{update.Window{}, at(5, 0), false},
		{update.Window{}, at(14, 0), false},
		// The same instant in UTC: the window is Beijing time.
		{update.Window{}, at(2, 0).UTC(), true},
		{update.Window{From: 23 * time.Hour, To: 2 * time.Hour}, at(23, 30), true},
		{update.Window{From: 23 * time.Hour, To: 2 * time.Hour}, at(1, 30), true},
		{update.Window{From: 23 * time.Hour, To: 2 * time.Hour}, at(2, 30), false},
	} {
		if got := tc.w.Contains(tc.t); got != tc.want {
			t.Errorf("%+v contains %s: got %v, want %v", tc.w, tc.t.Format(time.RFC3339), got, tc.want)
		}
	}
}

// county is an in-memory release server: its bytes, and how many it
// sends per call before "the link breaks" (cut, 0: all). With down set,
// a call after a cut sends nothing (the link stays down for the round)
// until up is called.
type county struct {
	bin        []byte
	cut        int
	calls      int
	sent       int
	down, dead bool
}

func (c *county) DownloadRelease(_ context.Context, _ string, from int64, w io.Writer) (int64, error) {
	c.calls++
	if c.dead {
		return 0, errors.New("no route to host")
	}
	rest := c.bin[from:]
	if c.cut > 0 && len(rest) > c.cut {
		w.Write(rest[:c.cut])
		c.sent += c.cut
		c.dead = c.down
		return int64(len(c.bin)), errors.New("connection reset")
	}
	n, err := w.Write(rest)
	c.sent += n
	return int64(len(c.bin)), err
}

func (c *county) up() { c.dead = false }

type fixture struct {
	dir      string
	pub      ed25519.PublicKey
	priv     ed25519.PrivateKey
	clk      *clock.Manual
	u        *update.Updater
	checks   []string
	checkErr error
	restarts int
}

var night = time.Date(2026, 12, 2, 2, 0, 0, 0, workday.China)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pub, priv, _ := release.GenerateKey()
	f := &fixture{dir: t.TempDir(), pub: pub, priv: priv, clk: clock.NewManual(night)}
	f.u = &update.Updater{DataDir: f.dir, Keys: []ed25519.PublicKey{pub}, Track: "stable", OS: "linux", Arch: "amd64",
		Running: "0.7.0", Clock: f.clk,
		// A copy of the live database file, as store.BackupTo makes.
		Snapshot: func(_ context.Context, path string) error {
			b, err := os.ReadFile(filepath.Join(f.dir, update.DatabaseName))
			if errors.Is(err, os.ErrNotExist) {
				b, err = []byte("SQLite format 3\x00 empty"), nil
			}
			if err != nil {
				return err
			}
			return os.WriteFile(path, b, 0o600)
		},
		SelfCheck: func(_ context.Context, bin, dir string) error {
			if _, err := os.Stat(filepath.Join(dir, "yichuang.db")); err != nil {
				return err
			}
			f.checks = append(f.checks, bin)
			return f.checkErr
		},
		Restart: func() { f.restarts++ }}
	return f
}

func (f *fixture) offer(t *testing.T, priv ed25519.PrivateKey, version string, bin []byte) protocol.UpdateOffer {
	t.Helper()
	sum := sha256.Sum256(bin)
	m := release.Manifest{Product: release.Product, Version: version, Track: "stable", OS: "linux", Arch: "amd64",
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(bin)), Signed: night.Add(-time.Hour), Expires: night.Add(24 * time.Hour)}
	signed, err := release.Sign(priv, m)
	if err != nil {
		t.Fatal(err)
	}
	return protocol.UpdateOffer{Version: version, Manifest: signed, SHA256: m.SHA256, Size: m.Size}
}

// keys is what the launcher checks installed releases against: the key
// pinned at install.
func (f *fixture) keys() []ed25519.PublicKey { return []ed25519.PublicKey{f.pub} }

func (f *fixture) state(t *testing.T) update.State {
	t.Helper()
	st, err := update.LoadState(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A download whose link goes down in three rounds resumes where it
// stopped each time.
func TestOfferResumesVerifiesAndInstalls(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	bin := bytes.Repeat([]byte("new kiosk "), 1000)
	c := &county{bin: bin, cut: 3000, down: true}
	o := f.offer(t, f.priv, "0.8.0", bin)
	for i := 0; i < 3; i++ {
		c.up()
		if err := f.u.Offer(ctx, c, o); err == nil {
			t.Fatalf("round %d: got no error from a broken download", i)
		}
		if got := f.u.Status(); got.State != protocol.UpdateDownloading {
			t.Fatalf("round %d: got %+v, want downloading", i, got)
		}
	}
	c.up()
	if err := f.u.Offer(ctx, c, o); err != nil {
		t.Fatal(err)
	}
	if c.sent != len(bin) {
		t.Errorf("the county sent %d bytes for a %d-byte release, want each byte once (resumed, never restarted)", c.sent, len(bin))
	}
}

// A link that breaks every 30 s (the client's per-request limit on a slow
// line) but brings some bytes each time finishes in one round: a request
// that made progress is followed by the next.
func TestDownloadGoesOnWhileItMakesProgress(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	bin := bytes.Repeat([]byte("new kiosk "), 1000)
	c := &county{bin: bin, cut: 999}
	if err := f.u.Offer(ctx, c, f.offer(t, f.priv, "0.8.0", bin)); err != nil {
		t.Fatalf("got %v, want the download finished in this round", err)
	}
	if got := f.u.Status(); got.State != protocol.UpdateInstalled || c.sent != len(bin) {
		t.Errorf("got %+v after %d bytes, want installed after %d", got, c.sent, len(bin))
	}
}

// A verified release installs at night: self-checked on a copy,
// switched, restarted.
func TestOfferInstallsAtNight(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	bin := bytes.Repeat([]byte("new kiosk "), 1000)
	if err := f.u.Offer(ctx, &county{bin: bin}, f.offer(t, f.priv, "0.8.0", bin)); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(update.Binary(f.dir, "0.8.0"))
	if !bytes.Equal(got, bin) {
		t.Errorf("got %d staged bytes, want the %d released", len(got), len(bin))
	}
	if st := f.state(t); st.Status.State != protocol.UpdateInstalled || st.Current != "0.8.0" || st.Highest != "0.8.0" || f.restarts != 1 || len(f.checks) != 1 {
		t.Errorf("got %+v, %d restarts, checks %v; want installed 0.8.0, one restart, one self-check", st, f.restarts, f.checks)
	}
}

// A newer release offered half-way through a download replaces it: the
// first one's bytes go.
func TestNewerOfferReplacesADownload(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	old := bytes.Repeat([]byte("new kiosk "), 1000)
	f.u.Offer(ctx, &county{bin: old, cut: 3000, down: true}, f.offer(t, f.priv, "0.8.0", old))
	newer := bytes.Repeat([]byte("newer kiosk "), 1000)
	o := f.offer(t, f.priv, "0.8.1", newer)
	f.u.Offer(ctx, &county{bin: newer, cut: 5000, down: true}, o)
	parts, _ := filepath.Glob(filepath.Join(f.dir, "updates", "download", "*.part"))
	if len(parts) != 1 || !strings.Contains(parts[0], o.SHA256) {
		t.Errorf("got partial downloads %v, want only 0.8.1's", parts)
	}
	if got := f.u.Status(); got.State != protocol.UpdateDownloading || got.Version != "0.8.1" {
		t.Errorf("got %+v, want downloading 0.8.1", got)
	}
}

func TestOfferRefusals(t *testing.T) {
	ctx := context.Background()
	bin := []byte("new kiosk")
	_, otherKey, _ := release.GenerateKey()
	for _, tc := range []struct {
		name string
		make func(f *fixture) (protocol.UpdateOffer, *county)
		want string
	}{
		{"a tampered binary (same length)", func(f *fixture) (protocol.UpdateOffer, *county) {
			return f.offer(t, f.priv, "0.8.0", bin), &county{bin: []byte("new kiosK")}
		}, release.HashMismatch},
		{"a shorter binary", func(f *fixture) (protocol.UpdateOffer, *county) {
			return f.offer(t, f.priv, "0.8.0", bin), &county{bin: bin[:4]}
		}, release.HashMismatch},
		{"a longer binary", func(f *fixture) (protocol.UpdateOffer, *county) {
			return f.offer(t, f.priv, "0.8.0", bin), &county{bin: append(append([]byte(nil), bin...), "!"...)}
		}, release.HashMismatch},
		{"another key", func(f *fixture) (protocol.UpdateOffer, *county) {
			return f.offer(t, otherKey, "0.8.0", bin), &county{bin: bin}
		}, release.UnknownKey},
		{"an older version", func(f *fixture) (protocol.UpdateOffer, *county) {
			return f.offer(t, f.priv, "0.6.0", bin), &county{bin: bin}
		}, release.NotNewer},
		{"an offer naming other bytes", func(f *fixture) (protocol.UpdateOffer, *county) {
			o := f.offer(t, f.priv, "0.8.0", bin)
			o.Size++
			return o, &county{bin: bin}
		}, release.HashMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			o, c := tc.make(f)
			err := f.u.Offer(ctx, c, o)
			if got := release.ReasonOf(err); got != tc.want {
				t.Errorf("got %q (%v), want %q", got, err, tc.want)
			}
			st := f.u.Status()
			if st.State != protocol.UpdateRefused || !strings.HasPrefix(st.Reason, tc.want) {
				t.Errorf("got %+v, want refused: %s", st, tc.want)
			}
			if _, err := os.Stat(filepath.Join(f.dir, "versions")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("got a versions directory (%v), want nothing staged", err)
			}
			if f.restarts != 0 {
				t.Errorf("got %d restarts, want none", f.restarts)
			}
			// Offered again in the next round: not downloaded again (a
			// bad binary would cost the link its size every round).
			calls := c.calls
			f.u.Offer(ctx, c, o)
			if c.calls != calls {
				t.Errorf("offered again: got %d more downloads, want none", c.calls-calls)
			}
		})
	}
}

// Outside the night window, or with work open, a verified release waits;
// the window and no open work install it.
func TestInstallWaitsForNightAndNoOpenWork(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.clk.Set(time.Date(2026, 12, 2, 10, 0, 0, 0, workday.China))
	open := "受理表单填写中"
	f.u.OpenWork = func(context.Context) (string, bool) { return open, open != "" }
	bin := []byte("new kiosk")
	if err := f.u.Offer(ctx, &county{bin: bin}, f.offer(t, f.priv, "0.8.0", bin)); err != nil {
		t.Fatal(err)
	}
	if got := f.u.Status(); got.State != protocol.UpdateWaitingNight || got.Version != "0.8.0" {
		t.Fatalf("at 10:00 got %+v, want waiting_for_night", got)
	}
	f.clk.Set(night)
	if err := f.u.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.u.Status(); got.State != protocol.UpdateWaitingNight || got.Reason != open || f.restarts != 0 {
		t.Fatalf("at night with an open form got %+v, %d restarts; want waiting (%s)", got, f.restarts, open)
	}
	open = ""
	if err := f.u.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.u.Status(); got.State != protocol.UpdateInstalled || f.restarts != 1 {
		t.Fatalf("at night, nothing open: got %+v, %d restarts; want installed", got, f.restarts)
	}
}

// A failed self-check removes the release and reports rolled_back; the
// county offering it again changes nothing, and an older one is refused.
func TestFailedSelfCheckRollsBack(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.checkErr = errors.New("exit status 1: 自检失败 self-check failed: open database")
	bin := []byte("new kiosk")
	o := f.offer(t, f.priv, "0.8.0", bin)
	if err := f.u.Offer(ctx, &county{bin: bin}, o); err != nil {
		t.Fatal(err)
	}
	st := f.state(t)
	if st.Status.State != protocol.UpdateRolledBack || !strings.Contains(st.Status.Reason, "self-check failed") || st.Current != "" || f.restarts != 0 {
		t.Fatalf("got %+v, %d restarts; want rolled_back, nothing switched", st, f.restarts)
	}
	if _, err := os.Stat(update.Binary(f.dir, "0.8.0")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got the failed release kept (%v), want it removed", err)
	}
	if err := f.u.Offer(ctx, &county{bin: bin}, o); err != nil || f.u.Status().State != protocol.UpdateRolledBack {
		t.Errorf("offered again: got %v, %+v; want rolled_back kept", err, f.u.Status())
	}
	if err := f.u.Offer(ctx, &county{bin: bin}, f.offer(t, f.priv, "0.7.5", bin)); release.ReasonOf(err) != release.NotNewer {
		t.Errorf("got %v, want an older release refused", err)
	}
}

// The launcher runs an installed newer release, counts its starts until
// it is healthy, and rolls back by itself after MaxTries unhealthy ones.
func TestHandoffAndRollback(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	live := filepath.Join(f.dir, update.DatabaseName)
	os.WriteFile(live, []byte("cases of 0.7.0"), 0o600)
	bin := []byte("new kiosk")
	if err := f.u.Offer(ctx, &county{bin: bin}, f.offer(t, f.priv, "0.8.0", bin)); err != nil {
		t.Fatal(err)
	}
	// 0.8.0's first start migrates the data, then it dies.
	os.WriteFile(live, []byte("schema of 0.8.0"), 0o600)
	os.WriteFile(live+"-wal", []byte("0.8.0's log"), 0o600)
	// Commands (--version, --self-check) hand over but are not tries.
	for i := 0; i < update.MaxTries+2; i++ {
		if got, _ := update.Handoff(f.dir, "0.7.0", f.keys(), false); got != update.Binary(f.dir, "0.8.0") {
			t.Fatalf("command %d: got %q, want the installed release", i, got)
		}
	}
	for i := 1; i <= update.MaxTries; i++ {
		got, err := update.Handoff(f.dir, "0.7.0", f.keys(), true)
		if err != nil || got != update.Binary(f.dir, "0.8.0") {
			t.Fatalf("start %d: got %q, %v; want the installed release", i, got, err)
		}
		// The new binary's own start hands off to nothing.
		if got, _ := update.Handoff(f.dir, "0.8.0", f.keys(), true); got != "" {
			t.Fatalf("the new release handed off to %q, want itself", got)
		}
	}
	got, err := update.Handoff(f.dir, "0.7.0", f.keys(), true)
	st := f.state(t)
	if err != nil || got != "" || st.Current != "" || st.Status.State != protocol.UpdateRolledBack || !strings.Contains(st.Status.Reason, "did not start healthy") {
		t.Fatalf("after %d unhealthy starts: got %q, %v, %+v; want a rollback to the packaged binary", update.MaxTries, got, err, st)
	}
	// The data is put back as it was before the update; 0.8.0's is kept
	// aside, its log with it.
	for path, want := range map[string]string{live: "cases of 0.7.0", live + ".rolled-back-0.8.0": "schema of 0.8.0",
		live + ".rolled-back-0.8.0-wal": "0.8.0's log"} {
		if b, _ := os.ReadFile(path); string(b) != want {
			t.Errorf("%s: got %q, want %q", filepath.Base(path), b, want)
		}
	}
	if _, err := os.Stat(live + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got 0.8.0's log left beside the data put back (%v), want it moved", err)
	}
	if !strings.Contains(st.Status.Reason, "data put back") {
		t.Errorf("reason %q does not say the data was put back", st.Status.Reason)
	}

	// A healthy start keeps the release for every later start.
	f2 := newFixture(t)
	if err := f2.u.Offer(ctx, &county{bin: bin}, f2.offer(t, f2.priv, "0.8.0", bin)); err != nil {
		t.Fatal(err)
	}
	update.Handoff(f2.dir, "0.7.0", f2.keys(), true)
	if err := update.MarkHealthy(f2.dir, "0.8.0"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f2.dir, "updates", "before.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got the copy from before the update kept once the release is healthy (%v), want it removed", err)
	}
	for i := 0; i < update.MaxTries+2; i++ {
		if got, _ := update.Handoff(f2.dir, "0.7.0", f2.keys(), true); got != update.Binary(f2.dir, "0.8.0") {
			t.Fatalf("healthy release, start %d: got %q", i, got)
		}
	}
	// A .deb upgraded past it runs itself.
	if got, _ := update.Handoff(f2.dir, "0.9.0", f2.keys(), true); got != "" {
		t.Errorf("a packaged 0.9.0 handed off to %q, want itself", got)
	}
	t.Setenv(update.NoHandoff, "1")
	if got, _ := update.Handoff(f2.dir, "0.7.0", f2.keys(), true); got != "" {
		t.Errorf("with %s set got %q, want no handoff", update.NoHandoff, got)
	}
}

// Key rotation: a release signed by the pinned key that names the next
// key makes the kiosk trust the next key once it is installed, and not
// before.
func TestKeyRotationThroughAnInstalledRelease(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	nextPub, nextPriv, _ := release.GenerateKey()
	bin := []byte("kiosk 0.8.0")
	o := f.offer(t, f.priv, "0.8.0", bin)
	// The same manifest, naming the next key, signed by the pinned key.
	_, m, err := release.Parse(o.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	m.NextKey = base64.StdEncoding.EncodeToString(nextPub)
	if o.Manifest, err = release.Sign(f.priv, m); err != nil {
		t.Fatal(err)
	}
	bin9 := []byte("kiosk 0.9.0")
	o9 := f.offer(t, nextPriv, "0.9.0", bin9)

	// Before 0.8.0 is installed (daytime: it waits), the next key is not trusted.
	f.clk.Set(night.Add(10 * time.Hour))
	if err := f.u.Offer(ctx, &county{bin: bin}, o); err != nil {
		t.Fatal(err)
	}
	if err := f.u.Offer(ctx, &county{bin: bin9}, o9); release.ReasonOf(err) != release.UnknownKey {
		t.Fatalf("before the install: got %v, want the next key unknown", err)
	}
	f.clk.Set(night)
	if err := f.u.Offer(ctx, &county{bin: bin}, o); err != nil || f.u.Status().State != protocol.UpdateInstalled {
		t.Fatalf("install 0.8.0: got %v, %+v", err, f.u.Status())
	}
	// The kiosk now runs 0.8.0; 0.9.0, signed by the next key, installs.
	f.u.Running = "0.8.0"
	if err := f.u.Offer(ctx, &county{bin: bin9}, o9); err != nil || f.u.Status().State != protocol.UpdateInstalled || f.u.Status().Version != "0.9.0" {
		t.Fatalf("after the rotation: got %v, %+v; want 0.9.0 installed", err, f.u.Status())
	}
}

// blockingCounty sends nothing until released: a download in progress.
type blockingCounty struct {
	started, release chan struct{}
	bin              []byte
}

func (c *blockingCounty) DownloadRelease(_ context.Context, _ string, from int64, w io.Writer) (int64, error) {
	close(c.started)
	<-c.release
	_, err := w.Write(c.bin[from:])
	return int64(len(c.bin)), err
}

// The status report does not wait for a download in progress.
func TestStatusDuringADownload(t *testing.T) {
	f := newFixture(t)
	bin := []byte("new kiosk")
	c := &blockingCounty{started: make(chan struct{}), release: make(chan struct{}), bin: bin}
	done := make(chan error, 1)
	go func() { done <- f.u.Offer(context.Background(), c, f.offer(t, f.priv, "0.8.0", bin)) }()
	<-c.started
	got := make(chan protocol.UpdateStatus, 1)
	go func() { got <- f.u.Status() }()
	select {
	case st := <-got:
		if st.State != protocol.UpdateDownloading {
			t.Errorf("got %+v, want downloading", st)
		}
	case <-time.After(5 * time.Second):
		t.Error("Status waited for the download")
	}
	close(c.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A long reason in Chinese reaches the county whole-charactered and
// within its limit, or the county would refuse the whole report.
func TestLongReasonFitsTheReport(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.checkErr = errors.New("exit status 1: " + strings.Repeat("自检失败：数据库无法打开", 40))
	bin := []byte("new kiosk")
	if err := f.u.Offer(ctx, &county{bin: bin}, f.offer(t, f.priv, "0.8.0", bin)); err != nil {
		t.Fatal(err)
	}
	got := f.u.Status()
	body, _ := json.Marshal(got.Reason)
	var back string
	json.Unmarshal(body, &back)
	if got.State != protocol.UpdateRolledBack || len(back) > protocol.MaxUpdateReasonBytes || !utf8.ValidString(got.Reason) || back != got.Reason {
		t.Errorf("got %d bytes (%d as sent), valid %v; want at most %d whole characters",
			len(got.Reason), len(back), utf8.ValidString(got.Reason), protocol.MaxUpdateReasonBytes)
	}
}

// A release the launcher cannot start at all is rolled back with the
// reason it could not start.
func TestRollbackSaysWhyAReleaseCouldNotStart(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	bin := []byte("new kiosk")
	if err := f.u.Offer(ctx, &county{bin: bin}, f.offer(t, f.priv, "0.8.0", bin)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < update.MaxTries; i++ {
		if got, _ := update.Handoff(f.dir, "0.7.0", f.keys(), true); got == "" {
			t.Fatalf("start %d: no handover", i)
		}
		if err := update.StartFailed(f.dir, errors.New("permission denied")); err != nil {
			t.Fatal(err)
		}
	}
	update.Handoff(f.dir, "0.7.0", f.keys(), true)
	if st := f.u.Status(); st.State != protocol.UpdateRolledBack || !strings.Contains(st.Reason, "could not be started (permission denied)") {
		t.Errorf("got %+v, want rolled_back saying it could not be started", st)
	}
}

// The launcher runs only the bytes the signer vouched for: a binary
// changed in the data directory after it was installed, one whose signed
// manifest is gone, and any at all when no key is pinned any more are
// never started; the kiosk rolls back to the packaged binary and says why.
func TestLauncherRunsOnlyTheSignedBinary(t *testing.T) {
	ctx := context.Background()
	other, _, _ := release.GenerateKey()
	for _, tc := range []struct {
		name string
		harm func(f *fixture)
		keys func(f *fixture) []ed25519.PublicKey
		want string
	}{
		{"binary changed", func(f *fixture) {
			os.WriteFile(update.Binary(f.dir, "0.8.0"), []byte("not the kiosk"), 0o755)
		}, (*fixture).keys, "the binary is not the signed one"},
		{"same size, other bytes", func(f *fixture) {
			os.WriteFile(update.Binary(f.dir, "0.8.0"), []byte("old kiosk"), 0o755)
		}, (*fixture).keys, "the binary is not the signed one"},
		{"manifest gone", func(f *fixture) {
			os.Remove(filepath.Join(filepath.Dir(update.Binary(f.dir, "0.8.0")), "release.sig"))
		}, (*fixture).keys, "signed manifest is missing"},
		{"another key pinned", func(*fixture) {}, func(*fixture) []ed25519.PublicKey { return []ed25519.PublicKey{other} }, "its manifest"},
		{"no key pinned", func(*fixture) {}, func(*fixture) []ed25519.PublicKey { return nil }, "no pinned release key"},
	} {
		f := newFixture(t)
		bin := []byte("new kiosk")
		if err := f.u.Offer(ctx, &county{bin: bin}, f.offer(t, f.priv, "0.8.0", bin)); err != nil {
			t.Fatal(err)
		}
		if got, _ := update.Handoff(f.dir, "0.7.0", f.keys(), true); got != update.Binary(f.dir, "0.8.0") {
			t.Fatalf("%s: the untouched release: got %q, want it run", tc.name, got)
		}
		tc.harm(f)
		got, err := update.Handoff(f.dir, "0.7.0", tc.keys(f), true)
		st := f.state(t)
		if err != nil || got != "" || st.Current != "" || st.Status.State != protocol.UpdateRolledBack || !strings.Contains(st.Status.Reason, tc.want) {
			t.Errorf("%s: got %q, %v, %+v; want the packaged binary, rolled_back saying %q", tc.name, got, err, st.Status, tc.want)
		}
		if _, err := os.Stat(update.Binary(f.dir, "0.8.0")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: got the refused binary left in place (%v), want it removed", tc.name, err)
		}
	}
}

// The launcher where there is no exec (Windows) supervises the release as
// its child: a normal end ends it, a release that keeps failing before it
// is healthy is started again until MaxTries, then rolled back and this
// binary runs; a healthy release that keeps failing is restarted only up
// to the crash limit; a command runs the release once.
func TestSupervisorStartsAgainAndRollsBack(t *testing.T) {
	ctx := context.Background()
	bin := []byte("new kiosk")
	setup := func(t *testing.T) *fixture {
		f := newFixture(t)
		if err := f.u.Offer(ctx, &county{bin: bin}, f.offer(t, f.priv, "0.8.0", bin)); err != nil {
			t.Fatal(err)
		}
		return f
	}
	type run struct {
		code int
		err  error
	}
	for _, tc := range []struct {
		name       string
		healthy    bool
		start      bool
		runs       []run
		wantStarts int
		wantCode   int
		wantHanded bool
		wantState  string
		wantPauses int
	}{
		{"ends normally", false, true, []run{{0, nil}}, 1, 0, true, protocol.UpdateInstalled, 0},
		{"dies until rolled back", false, true, []run{{2, nil}, {2, nil}, {2, nil}, {0, nil}}, update.MaxTries, 0, false, protocol.UpdateRolledBack, update.MaxTries},
		{"cannot be started", false, true, []run{{0, errors.New("access denied")}, {0, errors.New("access denied")}, {0, errors.New("access denied")}}, update.MaxTries, 0, false, protocol.UpdateRolledBack, 0},
		{"healthy, crashes past the limit", true, true, []run{{2, nil}, {2, nil}, {2, nil}, {2, nil}}, 3, 2, true, protocol.UpdateInstalled, 2},
		{"a command runs once", false, false, []run{{7, nil}}, 1, 7, true, protocol.UpdateInstalled, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			if tc.healthy {
				if err := update.MarkHealthy(f.dir, "0.8.0"); err != nil {
					t.Fatal(err)
				}
			}
			starts, pauses := 0, 0
			s := update.Supervisor{DataDir: f.dir, Running: "0.7.0", Keys: f.keys(), MaxCrashes: 2,
				Pause: func(time.Duration) { pauses++ },
				Run: func(got string, args []string) (int, error) {
					if got != update.Binary(f.dir, "0.8.0") || len(args) != 2 || args[1] != "-fullscreen" {
						t.Fatalf("ran %q %q, want the installed release with the launcher's arguments", got, args)
					}
					r := tc.runs[starts]
					starts++
					return r.code, r.err
				}}
			code, handed, err := s.Launch([]string{"Yichuang.exe", "-fullscreen"}, tc.start)
			if err != nil || starts != tc.wantStarts || code != tc.wantCode || handed != tc.wantHanded || pauses != tc.wantPauses {
				t.Errorf("got %d starts, code %d, handed over %v, %d pauses, %v; want %d, %d, %v, %d",
					starts, code, handed, pauses, err, tc.wantStarts, tc.wantCode, tc.wantHanded, tc.wantPauses)
			}
			if st := f.state(t); st.Status.State != tc.wantState {
				t.Errorf("state %+v, want %s", st.Status, tc.wantState)
			}
		})
	}
}

// Relaunch starts the launcher that started this kiosk (not the release
// itself), with the kiosk's arguments, telling it which process to wait
// for, and without the launcher's own mark in its environment.
func TestRelaunchStartsTheLauncherAfterThisProcess(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in launcher is a shell script")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	launcher := filepath.Join(dir, "launcher")
	script := "#!/bin/sh\nprintf '%s|%s|%s\\n' \"$" + update.AfterPIDEnv + "\" \"$" + update.LauncherEnv + "\" \"$*\" > " + out + ".tmp && mv " + out + ".tmp " + out + "\n"
	if err := os.WriteFile(launcher, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(update.LauncherEnv, launcher)
	if err := update.Relaunch(); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for i := 0; i < 200 && len(got) == 0; i++ {
		time.Sleep(25 * time.Millisecond)
		got, _ = os.ReadFile(out)
	}
	want := fmt.Sprintf("%d||%s\n", os.Getpid(), strings.Join(os.Args[1:], " "))
	if string(got) != want {
		t.Errorf("the launcher got %q, want %q", got, want)
	}
}
