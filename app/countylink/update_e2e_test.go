package countylink_test

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/countylink"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/update"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
	"github.com/yichuang/yichuang/sync/release"
)

// TestSignedUpdate (issue 21): a real countyd publishes signed releases of
// a stand-in kiosk binary to the pilot; the kiosk fetches, verifies,
// installs and reports one (the fleet shows the new version), refuses a
// tampered release, one signed by another key and a rollback to an older
// version (each reported as refused), and rolls back a release whose
// self-check fails.
func TestSignedUpdate(t *testing.T) {
	ctx := context.Background()
	work := t.TempDir()
	cd := halltest.StartCountyd(t, filepath.Join(work, "county"), "127.0.0.1:0")
	h, _, sup := halltest.Enrolled(t, cd, cd.URL)

	// Offline signing: the key pair, the releases, their manifests.
	keys := filepath.Join(work, "keys")
	os.MkdirAll(keys, 0o700)
	cd.Admin(t, "release", "keygen", "-out", filepath.Join(keys, "update-key"))
	cd.Admin(t, "release", "keygen", "-out", filepath.Join(keys, "stranger"))
	build := func(version string, broken bool) string {
		t.Helper()
		out := filepath.Join(work, "build", version, "yichuang")
		ld := "-X main.version=" + version
		if broken {
			ld += " -X main.broken=yes"
		}
		if b, err := exec.Command("go", "build", "-o", out, "-ldflags", ld, "./testdata/newkiosk").CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", version, err, b)
		}
		return out
	}
	publish := func(version, key string, broken bool, channel string) string {
		t.Helper()
		bin := build(version, broken)
		cd.Admin(t, "release", "sign", "-key", filepath.Join(keys, key+".secret"), "-binary", bin, "-version", version,
			"-os", runtime.GOOS, "-arch", runtime.GOARCH)
		cd.Admin(t, "release", "add", "-manifest", bin+".manifest", "-binary", bin)
		cd.Admin(t, "release", "publish", "-version", version, "-os", runtime.GOOS, "-arch", runtime.GOARCH, "-channel", channel, "-by", "wang.admin")
		return bin
	}

	// The kiosk as installed: 0.7.0, the package's pinned key, the night.
	pinned, err := update.PinnedKeys(filepath.Join(keys, "update-key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	night := time.Now().In(workday.China)
	night = time.Date(night.Year(), night.Month(), night.Day(), 2, 0, 0, 0, workday.China)
	restarts := 0
	kiosk := func(version string) (*countylink.Link, *update.Updater) {
		u := &update.Updater{DataDir: h.Dir, Keys: pinned, Track: "stable", OS: runtime.GOOS, Arch: runtime.GOARCH,
			Running: version, Clock: clock.NewManual(night),
			Snapshot: h.DB.BackupTo, Restart: func() { restarts++ }, Log: t.Logf}
		l := countylink.New(countylink.Config{Store: h.DB, Files: h.Files(), Clock: clock.System{}, Version: version,
			Actor: func() int64 { return sup.ID }, Manual: true, Updates: u})
		return l, u
	}
	round := func(l *countylink.Link) {
		t.Helper()
		halltest.Round(t, l) // reports, takes the offer
		halltest.Round(t, l) // reports what became of it
	}
	fleet := func() county.FleetDevice {
		t.Helper()
		db := halltest.CountyStore(t, cd.Data)
		devs, err := db.DevicePage(ctx, county.FleetFilter{Now: time.Now()})
		if err != nil || len(devs) != 1 {
			t.Fatalf("fleet: %d devices, %v", len(devs), err)
		}
		return devs[0]
	}
	wantState := func(u *update.Updater, state, version, reason string) {
		t.Helper()
		got := u.Status()
		if got.State != state || got.Version != version || !strings.Contains(got.Reason, reason) {
			t.Fatalf("kiosk: got %+v, want %s %s (%s)", got, state, version, reason)
		}
		f := fleet()
		if r := f.Report.Status.Update; r == nil || r.State != state || r.Version != version {
			t.Fatalf("fleet: got %+v, want %s %s", r, state, version)
		}
	}

	// The pilot is this hall; 0.8.0 goes to the pilot and is installed.
	cd.Admin(t, "release", "pilots", "-set", "330522101000", "-by", "wang.admin")
	publish("0.8.0", "update-key", false, "pilot")
	l, u := kiosk("0.7.0")
	round(l)
	wantState(u, protocol.UpdateInstalled, "0.8.0", "")
	if restarts != 1 {
		t.Fatalf("got %d restarts, want 1 after installing", restarts)
	}
	// The restart: the launcher hands the packaged 0.7.0 over to 0.8.0.
	next, err := update.Handoff(h.Dir, "0.7.0", pinned, true)
	if err != nil || next != update.Binary(h.Dir, "0.8.0") {
		t.Fatalf("handoff: got %q, %v", next, err)
	}
	if out, _ := exec.Command(next, "--version").Output(); !strings.Contains(string(out), "0.8.0") {
		t.Fatalf("the installed binary says %q, want 0.8.0", out)
	}
	l, u = kiosk("0.8.0")
	if err := update.MarkHealthy(h.Dir, "0.8.0"); err != nil {
		t.Fatal(err)
	}
	round(l)
	if f := fleet(); f.AppVersion != "0.8.0" {
		t.Fatalf("fleet shows %q, want 0.8.0", f.AppVersion)
	}
	if out := cd.Admin(t, "release", "list"); !strings.Contains(out, "installed=1") {
		t.Errorf("release list: got\n%s\nwant 0.8.0 installed=1", out)
	}

	// A tampered release: signed, uploaded, then its bytes changed at the
	// county (a broken disk, or someone with the database).
	publish("0.8.1", "update-key", false, "all")
	tamper(t, filepath.Join(cd.Data, "county.db"), "0.8.1")
	round(l)
	wantState(u, protocol.UpdateRefused, "0.8.1", release.HashMismatch)

	// A release signed by a key the kiosk was not installed with.
	publish("0.8.2", "stranger", false, "all")
	round(l)
	wantState(u, protocol.UpdateRefused, "0.8.2", release.UnknownKey)

	// A release whose self-check fails is rolled back; 0.8.0 keeps running.
	publish("0.9.0", "update-key", true, "pilot")
	round(l)
	wantState(u, protocol.UpdateRolledBack, "0.9.0", "self-check failed")
	if next, _ := update.Handoff(h.Dir, "0.7.0", pinned, true); next != update.Binary(h.Dir, "0.8.0") {
		t.Errorf("after the rollback the launcher runs %q, want 0.8.0", next)
	}

	// A rollback to an older signed release: staff withdraw the newer ones
	// and publish 0.6.0; the kiosk refuses it.
	for _, v := range []string{"0.9.0", "0.8.2", "0.8.1", "0.8.0"} {
		cd.Admin(t, "release", "publish", "-version", v, "-os", runtime.GOOS, "-arch", runtime.GOARCH, "-channel", "none")
	}
	publish("0.6.0", "update-key", false, "all")
	round(l)
	wantState(u, protocol.UpdateRefused, "0.6.0", release.NotNewer)
	if restarts != 1 {
		t.Errorf("got %d restarts, want only the one install", restarts)
	}

	// Every publication is on the audit trail.
	audit, _, err := halltest.CountyStore(t, cd.Data).AuditLog(ctx, county.AuditFilter{Action: "release.publish"})
	if err != nil || len(audit) != 5 {
		t.Errorf("got %d release.publish audit rows (%v), want 5", len(audit), err)
	}
}

// tamper changes the stored bytes of a release in the county's database.
func tamper(t *testing.T, dbPath, version string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Same length, other bytes: only the hash can tell.
	res, err := db.Exec(`UPDATE release_chunks SET data = zeroblob(length(data))
		WHERE sha256 = (SELECT sha256 FROM releases WHERE version = ?) AND pos = 0`, version)
	if n, _ := res.RowsAffected(); err != nil || n == 0 {
		t.Fatalf("tamper with %s: %v (%d chunks)", version, err, n)
	}
}
