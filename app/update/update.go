// Package update provides the kiosk's signed updates from the county
// (docs/updates.md): it checks a release the county offers against the
// keys pinned at install time and the kiosk's policy (track, platform,
// expiry, never an older or equal version), downloads it resumably,
// verifies its bytes, stages it in the data directory, installs it in the
// night window when no case is open (after the new binary's self-check
// on a copy of this kiosk's data), and hands the process over to the
// newest good binary at start, rolling back by itself when a new one does
// not start healthy.
//
// It has no screens and imports no Fyne; the kiosk wires it to the county
// link (Offer), a timer (Step), its own start (Handoff, MarkHealthy) and
// its status report (Status).
package update

import (
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
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
	"github.com/yichuang/yichuang/sync/release"
)

// Window is the time of day updates install, in Beijing time: From up to
// To (From > To spans midnight). The zero Window is 01:00–05:00, when no
// hall is open (延时/错时 service ends by 21:00).
type Window struct{ From, To time.Duration }

// Night is the default window.
var Night = Window{From: 1 * time.Hour, To: 5 * time.Hour}

// Contains reports whether t falls in the window.
func (w Window) Contains(t time.Time) bool {
	if w == (Window{}) {
		w = Night
	}
	lt := t.In(workday.China)
	since := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute + time.Duration(lt.Second())*time.Second
	if w.From <= w.To {
		return since >= w.From && since < w.To
	}
	return since >= w.From || since < w.To
}

// MaxTries is how many starts a newly installed release gets to report
// healthy before the launcher rolls back to the previous one.
const MaxTries = 3

// Downloader fetches a span of a release (sync/client.Client).
type Downloader interface {
	DownloadRelease(ctx context.Context, sha string, from int64, w io.Writer) (int64, error)
}

// Updater is one kiosk's updates. Its state lives in a file of the data
// directory, which the launcher (Handoff) reads at the next start before
// any database is opened.
type Updater struct {
	// DataDir is the kiosk's data directory: the state in updates/, the
	// installed releases in versions/<version>/.
	DataDir string
	// Keys are the release keys pinned at install time (PinnedKeys).
	Keys []ed25519.PublicKey
	// Track, OS and Arch are what this kiosk installs; Running is the
	// version of this binary.
	Track, OS, Arch, Running string
	Clock                    clock.Clock
	Window                   Window
	// OpenWork says whether the kiosk has work open on screen (an intake
	// form being filled, a called ticket being served) and what: no
	// install then. Nil means never.
	OpenWork func(ctx context.Context) (string, bool)
	// Snapshot copies the kiosk's database to path (store.BackupTo): the
	// new binary's self-check runs on that copy, never on the live data.
	Snapshot func(ctx context.Context, path string) error
	// SelfCheck runs a binary's self-check on a data directory; nil runs
	// "BIN --self-check -data DIR".
	SelfCheck func(ctx context.Context, bin, dir string) error
	// Restart is called after a release was switched in: the kiosk ends,
	// and its service manager starts it again through the launcher.
	Restart func()
	// Log hears what happened, for the kiosk's log.
	Log func(format string, args ...any)

	mu sync.Mutex
}

// State is the updates' state file.
type State struct {
	// Status is what the kiosk reports to the county.
	Status protocol.UpdateStatus `json:"status"`
	// Highest is the highest version ever accepted for installing: no
	// release at or below it is installed again, even after it was
	// rolled back.
	Highest string `json:"highest,omitempty"`
	// Offer is the verified manifest being downloaded or staged.
	Offer []byte `json:"offer,omitempty"`
	// Current is the release the launcher runs ("" is the packaged
	// binary), Previous the one before it; Tries counts Current's starts
	// not yet healthy.
	Current  string `json:"current,omitempty"`
	Previous string `json:"previous,omitempty"`
	Tries    int    `json:"tries,omitempty"`
	Healthy  bool   `json:"healthy,omitempty"`
	// NextKeys are keys named by installed releases signed with a pinned
	// key (key rotation): trusted from then on.
	NextKeys []string `json:"next_keys,omitempty"`
	// BadSHA is a release whose downloaded bytes were not the signed
	// ones, at BadAt: it is downloaded again only after RetryBadDownload.
	BadSHA string    `json:"bad_sha,omitempty"`
	BadAt  time.Time `json:"bad_at,omitempty"`
	// Before names the release that updates/before.db is the data from
	// just before (put back if that release is rolled back by the
	// launcher; removed once it is healthy).
	Before string `json:"before,omitempty"`
	// StartError is why the launcher could not start Current last time
	// (a data directory mounted noexec, say): the rollback says it.
	StartError string `json:"start_error,omitempty"`
}

// StartFailed records that the launcher could not start the release it
// handed over to; the start was counted already.
func StartFailed(dataDir string, err error) error {
	st, lerr := LoadState(dataDir)
	if lerr != nil {
		return lerr
	}
	st.StartError = err.Error()
	return saveState(dataDir, st)
}

// beforePath is the copy of the database taken just before a release was
// switched in.
func beforePath(dataDir string) string { return filepath.Join(dataDir, "updates", "before.db") }

// DatabaseName is the kiosk's database file in its data directory.
const DatabaseName = "yichuang.db"

// putDataBack replaces the database (and its WAL) with the copy taken
// before release v was switched in; the release's own files are kept
// beside it, renamed, for a technician.
func putDataBack(dataDir, v string) (string, error) {
	before := beforePath(dataDir)
	if _, err := os.Stat(before); err != nil {
		return "", err
	}
	db := filepath.Join(dataDir, DatabaseName)
	aside := db + ".rolled-back-" + v
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(db+suffix, aside+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	if err := os.Rename(before, db); err != nil {
		return "", err
	}
	return aside, nil
}

// RetryBadDownload is how long a release whose bytes did not match waits
// before it is downloaded again (the county may have put it right).
const RetryBadDownload = 24 * time.Hour

func statePath(dataDir string) string { return filepath.Join(dataDir, "updates", "state.json") }

// BinaryName is the kiosk binary's file name in a versions directory.
func BinaryName() string {
	if runtime.GOOS == "windows" {
		return "Yichuang.exe"
	}
	return "yichuang"
}

// Binary is where an installed release's binary lives.
func Binary(dataDir, version string) string {
	return filepath.Join(dataDir, "versions", version, BinaryName())
}

// LoadState reads the state file; a missing one is the empty state.
func LoadState(dataDir string) (State, error) {
	var st State
	b, err := os.ReadFile(statePath(dataDir))
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read update state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("decode update state: %w", err)
	}
	return st, nil
}

// saveState writes the state file whole or not at all: a power cut while
// it is written leaves the old one.
func saveState(dataDir string, st State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileSync(statePath(dataDir), b, 0o644)
}

func writeFileSync(path string, b []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (u *Updater) logf(format string, args ...any) {
	if u.Log != nil {
		u.Log(format, args...)
	}
}

// Status is the update state to report. It reads the state file without
// the updater's lock: a download holds that lock for minutes, and the
// status report and the 县中心连接 screen must not wait for it (the file is
// replaced whole, never seen half written).
func (u *Updater) Status() protocol.UpdateStatus {
	st, err := LoadState(u.DataDir)
	if err != nil || st.Status.State == "" {
		return protocol.UpdateStatus{State: protocol.UpdateCurrent}
	}
	return st.Status
}

// trusted is the pinned keys and the ones installed releases named.
func (u *Updater) trusted(st State) []ed25519.PublicKey { return trustedKeys(u.Keys, st) }

func trustedKeys(pinned []ed25519.PublicKey, st State) []ed25519.PublicKey {
	keys := append([]ed25519.PublicKey(nil), pinned...)
	for _, k := range st.NextKeys {
		if b, err := base64.StdEncoding.DecodeString(k); err == nil && len(b) == ed25519.PublicKeySize {
			keys = append(keys, b)
		}
	}
	return keys
}

func reason(err error) string { return clip(err.Error()) }

// clip cuts a reason to what the county takes, at a character boundary:
// half a Chinese character would reach the county as a longer
// replacement character, and a report over the limit is refused whole.
func clip(s string) string {
	if len(s) <= protocol.MaxUpdateReasonBytes {
		return s
	}
	s = s[:protocol.MaxUpdateReasonBytes]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// Offer handles a release the county offers: verify, download, stage,
// and install at once when it is the night window and nothing is open.
// A download cut off resumes at the next offer. It returns the error that
// stopped it (the state already says what to report).
func (u *Updater) Offer(ctx context.Context, dl Downloader, offer protocol.UpdateOffer) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	st, err := LoadState(u.DataDir)
	if err != nil {
		return err
	}
	if (st.Status.State == protocol.UpdateRolledBack || st.Status.State == protocol.UpdateInstalled) && st.Status.Version == offer.Version {
		// Settled: the county offers it until this kiosk reports the new
		// version (or for ever, when it was rolled back here).
		return nil
	}
	m, err := release.Verify(offer.Manifest, u.trusted(st))
	if err == nil {
		err = release.Policy{Track: u.Track, OS: u.OS, Arch: u.Arch, Running: u.Running, Highest: st.Highest,
			Now: u.Clock.Now()}.Check(m)
	}
	if err == nil && (m.SHA256 != offer.SHA256 || m.Size != offer.Size) {
		err = &release.Refusal{Reason: release.HashMismatch, Detail: "the offer does not name the signed bytes"}
	}
	if err != nil {
		// A refusal is not news when it is the one already reported.
		version := offer.Version
		if m.Version != "" {
			version = m.Version
		}
		refused := protocol.UpdateStatus{State: protocol.UpdateRefused, Version: version, Reason: reason(err)}
		if st.Status == refused {
			return err // said already: the county offers it every round
		}
		st.Status = refused
		u.logf("update %s refused: %v", version, err)
		return errors.Join(err, saveState(u.DataDir, st))
	}
	switch st.Status.State {
	case protocol.UpdateDownloaded, protocol.UpdateWaitingNight:
		if st.Status.Version == m.Version {
			return u.step(ctx, &st)
		}
	}
	if st.Status.State == protocol.UpdateRefused && st.Status.Version == m.Version && st.BadSHA == m.SHA256 &&
		u.Clock.Now().Sub(st.BadAt) < RetryBadDownload {
		// Its bytes did not match a moment ago: a whole binary again every
		// round would eat a township's link.
		return nil
	}
	st.Offer, st.Status = offer.Manifest, protocol.UpdateStatus{State: protocol.UpdateDownloading, Version: m.Version}
	if err := saveState(u.DataDir, st); err != nil {
		return err
	}
	if err := u.download(ctx, dl, m); err != nil {
		if release.ReasonOf(err) != "" {
			st.BadSHA, st.BadAt = m.SHA256, u.Clock.Now()
			st.Status = protocol.UpdateStatus{State: protocol.UpdateRefused, Version: m.Version, Reason: reason(err)}
			u.logf("update %s refused: %v", m.Version, err)
			return errors.Join(err, saveState(u.DataDir, st))
		}
		return err // resumes at the next offer
	}
	st.Status = protocol.UpdateStatus{State: protocol.UpdateDownloaded, Version: m.Version}
	if err := saveState(u.DataDir, st); err != nil {
		return err
	}
	u.logf("update %s downloaded and verified", m.Version)
	return u.step(ctx, &st)
}

// partPath is where a release's download grows.
func (u *Updater) partPath(sha string) string {
	return filepath.Join(u.DataDir, "updates", "download", sha+".part")
}

// download fetches the release into its part file, from the length
// already there, and on the last byte checks the whole file against the
// signed sha256 and size before staging it: nothing unverified reaches
// versions/.
func (u *Updater) download(ctx context.Context, dl Downloader, m release.Manifest) error {
	part := u.partPath(m.SHA256)
	if err := os.MkdirAll(filepath.Dir(part), 0o755); err != nil {
		return err
	}
	// A download the county has since replaced with a newer release is
	// never finished: its bytes go.
	if old, _ := os.ReadDir(filepath.Dir(part)); len(old) > 0 {
		for _, e := range old {
			if e.Name() != filepath.Base(part) {
				os.Remove(filepath.Join(filepath.Dir(part), e.Name()))
			}
		}
	}
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open download: %w", err)
	}
	defer f.Close()
	for {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		have := fi.Size()
		if have > m.Size {
			os.Remove(part)
			return &release.Refusal{Reason: release.HashMismatch, Detail: fmt.Sprintf("county sent %d bytes, the manifest signs %d", have, m.Size)}
		}
		if have == m.Size {
			break
		}
		// A short write (the link broke) leaves what came: the next
		// call resumes after it.
		w := &limitWriter{w: f, n: m.Size - have}
		total, err := dl.DownloadRelease(ctx, m.SHA256, have, w)
		if total > 0 && total != m.Size {
			// The county holds another file under this name: waiting
			// will not make it the signed one.
			os.Remove(part)
			return &release.Refusal{Reason: release.HashMismatch, Detail: fmt.Sprintf("county holds %d bytes, the manifest signs %d", total, m.Size)}
		}
		if err != nil {
			if w.over {
				os.Remove(part)
				return &release.Refusal{Reason: release.HashMismatch, Detail: "county sent more bytes than the manifest signs"}
			}
			if w.wrote > 0 && ctx.Err() == nil {
				// A slow line cut off by the client's per-request limit:
				// it brought bytes, so ask for the next ones at once.
				continue
			}
			return fmt.Errorf("download release %s from %d: %w", m.Version, have, err)
		}
		if w.over {
			os.Remove(part)
			return &release.Refusal{Reason: release.HashMismatch, Detail: "county sent more bytes than the manifest signs"}
		}
		if w.wrote == 0 {
			return fmt.Errorf("download release %s: county sent nothing from %d", m.Version, have)
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}
	sum, err := fileSHA256(part)
	if err != nil {
		return err
	}
	if sum != m.SHA256 {
		// A tampered binary (or a corrupted one): thrown away whole, so a
		// new download starts clean.
		os.Remove(part)
		return &release.Refusal{Reason: release.HashMismatch, Detail: "sha256 " + sum[:16] + "… is not the signed " + m.SHA256[:16] + "…"}
	}
	return u.stage(part, m.Version)
}

type limitWriter struct {
	w     io.Writer
	n     int64
	wrote int64
	over  bool
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.n-l.wrote {
		l.over = true
		return 0, errors.New("more bytes than the manifest signs")
	}
	n, err := l.w.Write(p)
	l.wrote += int64(n)
	return n, err
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// stage moves a verified download to versions/<version>/, executable,
// through a temporary directory renamed at the end: the launcher never
// sees half a release.
func (u *Updater) stage(part, version string) error {
	dir := filepath.Dir(Binary(u.DataDir, version))
	tmp := dir + ".staging"
	os.RemoveAll(tmp)
	os.RemoveAll(dir)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	if err := os.Rename(part, filepath.Join(tmp, BinaryName())); err != nil {
		return fmt.Errorf("stage release: %w", err)
	}
	if err := os.Chmod(filepath.Join(tmp, BinaryName()), 0o755); err != nil {
		return err
	}
	// The signed manifest goes with the binary: the launcher checks the
	// binary against it at every start (Handoff), so a file put in the
	// data directory by anything but this updater is never run.
	st, err := LoadState(u.DataDir)
	if err != nil {
		return err
	}
	if err := writeFileSync(filepath.Join(tmp, manifestName), st.Offer, 0o644); err != nil {
		return fmt.Errorf("stage release: %w", err)
	}
	return os.Rename(tmp, dir)
}

// manifestName is the signed manifest kept beside an installed binary.
const manifestName = "release.sig"

// checkInstalled says whether bin is the release v its signed manifest
// describes, the manifest signed by one of keys: the bytes about to be
// run are the ones the signer vouched for. Expiry is not judged: it bounds
// how long a release may be offered, not how long an installed one runs.
func checkInstalled(bin, v string, keys []ed25519.PublicKey) error {
	if len(keys) == 0 {
		return errors.New("no pinned release key to check it against")
	}
	signed, err := os.ReadFile(filepath.Join(filepath.Dir(bin), manifestName))
	if err != nil {
		return fmt.Errorf("its signed manifest is missing: %w", err)
	}
	m, err := release.Verify(signed, keys)
	if err != nil {
		return fmt.Errorf("its manifest: %w", err)
	}
	if m.Version != v {
		return fmt.Errorf("its manifest is for %s", m.Version)
	}
	fi, err := os.Stat(bin)
	if err != nil {
		return err
	}
	sum, err := fileSHA256(bin)
	if err != nil {
		return err
	}
	if fi.Size() != m.Size || sum != m.SHA256 {
		return errors.New("the binary is not the signed one")
	}
	return nil
}

// Step installs a staged release when the time has come: run it from the
// kiosk's timer (every few minutes) and after each sync round.
func (u *Updater) Step(ctx context.Context) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	st, err := LoadState(u.DataDir)
	if err != nil {
		return err
	}
	return u.step(ctx, &st)
}

func (u *Updater) step(ctx context.Context, st *State) error {
	s := st.Status.State
	if s != protocol.UpdateDownloaded && s != protocol.UpdateWaitingNight {
		return nil
	}
	v := st.Status.Version
	now := u.Clock.Now()
	what, open := "", false
	if u.Window.Contains(now) && u.OpenWork != nil {
		what, open = u.OpenWork(ctx)
	}
	if !u.Window.Contains(now) || open {
		wait := protocol.UpdateStatus{State: protocol.UpdateWaitingNight, Version: v, Reason: clip(what)}
		if st.Status != wait {
			st.Status = wait
			return saveState(u.DataDir, *st)
		}
		return nil
	}
	return u.install(ctx, st, v)
}

// install runs the staged binary's self-check on a copy of this kiosk's
// data, then switches the launcher to it; a failed self-check removes it
// and reports rolled_back.
func (u *Updater) install(ctx context.Context, st *State, v string) error {
	bin := Binary(u.DataDir, v)
	checkDir := filepath.Join(u.DataDir, "updates", "check")
	os.RemoveAll(checkDir)
	defer os.RemoveAll(checkDir)
	err := os.MkdirAll(checkDir, 0o700)
	if err == nil && u.Snapshot != nil {
		err = u.Snapshot(ctx, filepath.Join(checkDir, "yichuang.db"))
	}
	if err != nil {
		return fmt.Errorf("copy the data for the self-check: %w", err)
	}
	check := u.SelfCheck
	if check == nil {
		check = RunSelfCheck
	}
	if err := check(ctx, bin, checkDir); err != nil {
		os.RemoveAll(filepath.Dir(bin))
		st.Highest = maxVersion(st.Highest, v)
		st.Status = protocol.UpdateStatus{State: protocol.UpdateRolledBack, Version: v, Reason: reason(fmt.Errorf("self-check failed: %w", err))}
		u.logf("update %s rolled back: %v", v, err)
		return saveState(u.DataDir, *st)
	}
	// The data as it is now, for the launcher to put back if the new
	// release migrates it and then never starts healthy: the release
	// before it would refuse a schema newer than it knows. Nothing is lost
	// by putting it back: it is night and no work is open, and what the
	// county already has from a failed start (pushed events, the feed) it
	// answers again the same way, every message being applied at most once.
	before := beforePath(u.DataDir)
	os.Remove(before)
	if u.Snapshot != nil {
		if err := u.Snapshot(ctx, before); err != nil {
			return fmt.Errorf("copy the data before the update: %w", err)
		}
		st.Before = v
	}
	if _, m, err := release.Parse(st.Offer); err == nil && m.NextKey != "" {
		st.NextKeys = append(st.NextKeys, m.NextKey)
	}
	st.Previous, st.Current, st.Tries, st.Healthy = st.Current, v, 0, false
	st.Highest = maxVersion(st.Highest, v)
	st.Status = protocol.UpdateStatus{State: protocol.UpdateInstalled, Version: v}
	if err := saveState(u.DataDir, *st); err != nil {
		return err
	}
	u.logf("update %s installed; restarting into it", v)
	if u.Restart != nil {
		u.Restart()
	}
	return nil
}

func maxVersion(a, b string) string {
	if release.Compare(a, b) >= 0 {
		return a
	}
	return b
}

// RunSelfCheck runs "bin --self-check -data dir" for up to three minutes;
// its error carries the binary's last line of output.
func RunSelfCheck(ctx context.Context, bin, dir string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-self-check", "-data", dir)
	cmd.Env = append(os.Environ(), NoHandoff+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return fmt.Errorf("%w: %s", err, lines[len(lines)-1])
	}
	return nil
}

// NoHandoff, set in the environment, keeps Handoff from starting another
// binary: for the self-check of a staged release and for whoever wants
// the packaged binary itself.
const NoHandoff = "YICHUANG_NO_HANDOFF"

// Handoff is the launcher, run first thing at every start: it returns
// the binary that should run instead of this one (running is this
// binary's version), or "" to go on. A release newer than this binary
// runs when installed; one that had MaxTries starts without reporting
// healthy is rolled back (the previous release, or this binary, runs)
// and reported rolled_back. A packaged binary as new or newer than the
// installed release (the .deb was upgraded) runs itself. start says
// whether this is the kiosk starting (a try that counts) or a command
// such as --version or --self-check (handed over, not counted).
func Handoff(dataDir, running string, keys []ed25519.PublicKey, start bool) (string, error) {
	if os.Getenv(NoHandoff) != "" {
		return "", nil
	}
	st, err := LoadState(dataDir)
	if err != nil || st.Current == "" {
		return "", err
	}
	keys = trustedKeys(keys, st)
	rolledBack := false
	for st.Current != "" && release.Compare(st.Current, running) > 0 {
		bin := Binary(dataDir, st.Current)
		_, statErr := os.Stat(bin)
		var badErr error
		if statErr == nil {
			badErr = checkInstalled(bin, st.Current, keys)
		}
		if statErr == nil && badErr == nil && (st.Healthy || st.Tries < MaxTries) {
			if st.Healthy || !start {
				// Nothing to count: the state file is left alone (a
				// --version from a shell beside a running kiosk).
				return bin, nil
			}
			st.Tries++
			return bin, saveState(dataDir, st)
		}
		why := fmt.Sprintf("did not start healthy in %d tries", MaxTries)
		if st.StartError != "" {
			why = fmt.Sprintf("could not be started (%s)", st.StartError)
		}
		if statErr != nil {
			why = "its binary is gone: " + statErr.Error()
		}
		if badErr != nil {
			// Not run, not even once: whatever is there is removed.
			why = "refused to start it: " + badErr.Error()
			os.RemoveAll(filepath.Dir(bin))
		}
		st.StartError = ""
		if st.Before == st.Current {
			if aside, err := putDataBack(dataDir, st.Current); err == nil {
				why += "; data put back as before the update (its own kept as " + filepath.Base(aside) + ")"
			} else {
				why += "; data not put back: " + err.Error()
			}
			st.Before = ""
		}
		st.Status = protocol.UpdateStatus{State: protocol.UpdateRolledBack, Version: st.Current, Reason: clip(why)}
		st.Current, st.Previous, st.Tries, st.Healthy = st.Previous, "", 0, true
		rolledBack = true
	}
	if !rolledBack {
		return "", nil
	}
	return "", saveState(dataDir, st)
}

// MarkHealthy is called by a running kiosk once it has been up for a
// while: the release it runs is then good, and the ones before the
// previous one are removed.
func MarkHealthy(dataDir, running string) error {
	st, err := LoadState(dataDir)
	if err != nil || st.Current != running || st.Healthy {
		return err
	}
	st.Healthy, st.Tries = true, 0
	if st.Before == running {
		// Good: the copy from before it is not needed any more.
		os.Remove(beforePath(dataDir))
		st.Before = ""
	}
	if err := saveState(dataDir, st); err != nil {
		return err
	}
	entries, _ := os.ReadDir(filepath.Join(dataDir, "versions"))
	for _, e := range entries {
		if e.IsDir() && e.Name() != st.Current && e.Name() != st.Previous {
			os.RemoveAll(filepath.Join(dataDir, "versions", e.Name()))
		}
	}
	return nil
}

// PinnedKeyFile is where the package installs the release public key.
var PinnedKeyFile = "/usr/share/yichuang/update-key.pub"

// DefaultKeyFile is the pinned key's file on this OS: the package's on
// Linux; on Windows, where install.cmd copies the kiosk into a folder of
// the user's, update-key.pub beside the launcher (the packaged
// Yichuang.exe, also for a release it started from the data directory).
func DefaultKeyFile() string {
	if runtime.GOOS != "windows" {
		return PinnedKeyFile
	}
	exe := os.Getenv(LauncherEnv)
	if exe == "" {
		exe, _ = os.Executable()
	}
	return filepath.Join(filepath.Dir(exe), "update-key.pub")
}

// PinnedKeys reads the pinned keys from the package's file. No key file
// means no updates: a kiosk never trusts a key it was not installed with.
func PinnedKeys(path string) ([]ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return release.ParsePublicKeys(b)
}
