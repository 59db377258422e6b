package kiosk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/internal/uitest"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
)

// The controller runs headless: the same start-up and navigation as the
// real window (kiosk_test.go in app/ runs that under Xvfb), with Fyne's
// test app and window.

// shown is the text of everything the window draws.
func shown(w fyne.Window) string { return uitest.Shown(w) }

func start(t *testing.T, dir, mode string) (*Controller, fyne.Window) {
	t.Helper()
	a := busytest.NewApp(t) // the home screen's status refresh waits for the UI goroutine
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	k := New(a, w, Options{Dir: dir, KeepBackups: 7, Clock: clock.System{}, StartMode: mode, Version: "0.0.0-test"})
	k.Start()
	t.Cleanup(k.Close)
	return k, w
}

func TestStartOpensTheSessionsScreen(t *testing.T) {
	for _, tc := range []struct {
		mode       string
		want       string
		fullscreen bool
	}{
		{"", "窗口受理", false},
		{"home", "村代办", false},
		{"counter", "新办件", false}, // the clerk who opened the machine is signed in
		{"agent", "窗口人员登录", false},
		{"selfservice", "24小时自助服务", true},
	} {
		name := tc.mode
		if name == "" {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			k, w := start(t, halltest.ConfiguredData(t), tc.mode)
			unlock(t, k, w)
			if got := shown(w); !strings.Contains(got, tc.want) {
				t.Errorf("mode %q shows:\n%s\nwant %q on it", tc.mode, got, tc.want)
			}
			if w.FullScreen() != tc.fullscreen {
				t.Errorf("mode %q: fullscreen %v, want %v", tc.mode, w.FullScreen(), tc.fullscreen)
			}
			if k.db == nil || k.link == nil || k.queue() == nil {
				t.Errorf("after start: database %v, link %v, queue %v", k.db != nil, k.link != nil, k.queue() != nil)
			}
			if k.startMode != "" {
				t.Errorf("start mode %q is still pending: it is used once", k.startMode)
			}
		})
	}
}

// A signed-in supervisor goes from home to the counter's workspace (with
// the supervisor's tools), to the terminal (fullscreen) and home again.
func TestNavigation(t *testing.T) {
	k, w := start(t, halltest.ConfiguredData(t), "")
	sup, err := k.db.Authenticate(context.Background(), halltest.SupervisorLogin, halltest.SupervisorSecret)
	if err != nil {
		t.Fatal(err)
	}
	k.clerk = sup
	k.showCounter()
	if got := shown(w); !strings.Contains(got, "新办件") || !strings.Contains(got, "县中心连接") {
		t.Fatalf("the supervisor's workspace shows:\n%s", got)
	}
	k.showSelfService()
	if !w.FullScreen() {
		t.Error("the terminal is not fullscreen")
	}
	k.showHome()
	if got := shown(w); !strings.Contains(got, "自助服务") {
		t.Errorf("home shows:\n%s", got)
	}
}

func TestFirstStartShowsSetupWithTheDemoCatalog(t *testing.T) {
	dir := t.TempDir()
	k, w := start(t, dir, "")
	if got := shown(w); !strings.Contains(got, "本机单独使用") {
		t.Errorf("first start shows:\n%s\nwant the setup form", got)
	}
	cat, err := k.db.ActiveCatalog(context.Background())
	if err != nil || len(cat.Matters) < 120 {
		t.Errorf("after first start: catalog %v, %v; want the demo catalog", cat != nil, err)
	}
}

func TestDamagedDatabaseOffersTheBackup(t *testing.T) {
	dir := halltest.ConfiguredData(t)
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "yichuang.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.DailyBackup(ctx, 7); err != nil {
		t.Fatal(err)
	}
	db.Close()
	damaged := []byte("SQLite format 2 — overwritten by a careless copy")
	path := filepath.Join(dir, "yichuang.db")
	os.WriteFile(path, damaged, 0o600)

	k, w := start(t, dir, "")
	if got := shown(w); !strings.Contains(got, "数据库文件损坏或无法读取") {
		t.Errorf("damaged database shows:\n%s", got)
	}
	if k.db != nil {
		t.Error("the controller opened a damaged database")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, damaged) {
		t.Error("the damaged file changed before anyone chose to restore")
	}
}

// A file that opens but whose pages are damaged is found by the check
// that runs behind the first screen: the clerk gets the recovery screen,
// the store takes no more writes, and restoring the backup brings the
// kiosk back.
func TestDamageFoundAfterStartOffersTheBackup(t *testing.T) {
	dir := halltest.ConfiguredData(t)
	ctx := context.Background()
	path := filepath.Join(dir, "yichuang.db")
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.DailyBackup(ctx, 7); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// Garbage over an index the first screens never read.
	raw, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var root, size int
	err = raw.QueryRow(`SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_master WHERE name = 'ratings_at'`).Scan(&root, &size)
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	for i := (root - 1) * size; i < root*size; i++ {
		b[i] = 0xA5
	}
	os.WriteFile(path, b, 0o600)

	k, w := start(t, dir, "")
	if k.db == nil {
		t.Fatalf("the damaged index kept the file from opening; want it found by the background check:\n%s", shown(w))
	}
	waitShown(t, w, "数据库文件损坏或无法读取")
	var ce *store.CorruptError
	if err := k.db.SetSetting(ctx, "test.after_damage", "x"); !errors.As(err, &ce) {
		t.Errorf("a write after the damage was found = %v, want *store.CorruptError", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, b) {
		t.Error("the damaged file changed before anyone chose to restore")
	}
	tapButton(t, w, "恢复最新备份")
	waitShown(t, w, "已恢复")
}

// The backups loop writes today's backup at once and stops when the
// kiosk closes.
func TestBackupOnStart(t *testing.T) {
	dir := halltest.ConfiguredData(t)
	start(t, dir, "")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if got, _ := filepath.Glob(filepath.Join(dir, "backups", "*")); len(got) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no backup 30 s after start")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestFirstStartJoinsTheHall: a new machine of a hall is set up on its
// setup screen with the hub's address and a pairing code from the hub's
// supervisor. It takes the hall's accounts from the hub and opens on the
// home screen; the hub's supervisor signs in at it, and a case taken in at
// the hub is there.
// startHub runs a set-up hall's hub on loopback and makes a pairing code
// there, as its supervisor would in 大厅设备.
func startHub(t *testing.T) (hub *halltest.Hall, listen, code string) {
	t.Helper()
	ctx := context.Background()
	hubDir := halltest.ConfiguredData(t)
	hub = halltest.Open(t, hubDir, clock.System{})
	cfg, _, _ := hub.DB.Kiosk(ctx)
	cfg.QueueRole = servicepoint.QueueHub
	if _, err := hub.DB.ConfigureKiosk(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	listen = "127.0.0.1:" + freePort(t)
	side := StartHall(context.Background(), hub.DB, clock.System{}, hubDir, listen, cfg, func() {})
	t.Cleanup(side.Stop)
	sup := hub.Supervisor(t)
	code, _, err := services.Hall{DB: hub.DB, Role: servicepoint.QueueHub, Identity: side.Server().Identity,
		Actor: func() clerks.Account { return sup }, Now: time.Now}.NewCode(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return hub, listen, code
}

// waitShown settles the window until it shows want.
func waitShown(t *testing.T, w fyne.Window, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(shown(w), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the window shows:\n%s\nwant %q on it", shown(w), want)
		}
		busytest.Settle(t, noWait{})
		time.Sleep(50 * time.Millisecond)
	}
}

func TestFirstStartJoinsTheHall(t *testing.T) {
	ctx := context.Background()
	hub, listen, code := startHub(t)
	c := hub.CaseWithScan(t, hub.Supervisor(t), 2<<10)

	k, w := start(t, t.TempDir(), "")
	s := k.setup
	if s == nil {
		t.Fatalf("first start shows:\n%s\nwant the setup form", shown(w))
	}
	test.Type(s.Code, "330522101000")
	test.Type(s.Name, "洪桥镇便民服务中心")
	s.Device.SetText("2")
	s.Queue.SetSelected("连接大厅主机")
	test.Type(s.Hub, listen)
	test.Type(s.PairCode, strings.ToLower(code))
	test.Tap(s.Submit)
	busytest.Settle(t, s)
	waitShown(t, w, "窗口受理")
	if _, err := k.accountsService().Authenticate(ctx, halltest.SupervisorLogin, halltest.SupervisorSecret); err != nil {
		t.Errorf("the hub's supervisor at the new machine: %v", err)
	}
	if _, err := k.db.CaseByTracking(ctx, c.Tracking); err != nil {
		t.Errorf("the hub's case at the new machine: %v", err)
	}
}

// A window of a 0.6 hall (set to 连接大厅主机, never paired: 0.6 shared
// only the queue, with a hall key) opens after the upgrade on its own,
// says it is not paired, and keeps working; once paired on its settings
// screen, the cases it took alone go to the hub.
func TestUpgradedWindowWorksAloneUntilPaired(t *testing.T) {
	ctx := context.Background()
	hub, listen, code := startHub(t)

	dir := halltest.ConfiguredData(t)
	win := halltest.Open(t, dir, clock.System{})
	cfg, _, _ := win.DB.Kiosk(ctx)
	cfg.Device, cfg.QueueRole, cfg.HubAddr = 2, servicepoint.QueueClient, listen
	if _, err := win.DB.ConfigureKiosk(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	alone := win.CaseWithScan(t, win.Supervisor(t), 1<<10)
	win.DB.Close()

	k, w := start(t, dir, "")
	unlock(t, k, w)
	waitShown(t, w, "本机尚未与大厅主机配对")
	if got := shown(w); !strings.Contains(got, "窗口受理") {
		t.Fatalf("the unpaired window shows:\n%s\nwant its home screen under the banner", got)
	}
	if _, err := k.db.CaseByTracking(ctx, alone.Tracking); err != nil {
		t.Fatalf("the case taken alone at the window: %v", err)
	}

	k.showSettings()
	s := k.setup
	if s == nil {
		t.Fatalf("settings show:\n%s", shown(w))
	}
	test.Type(s.PairCode, code)
	test.Tap(s.Submit)
	busytest.Settle(t, s)
	waitShown(t, w, "窗口受理")
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := hub.DB.CaseByTracking(ctx, alone.Tracking)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window's own case at the hub after pairing: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := shown(w); strings.Contains(got, "本机尚未与大厅主机配对") {
		t.Errorf("after pairing the window still shows:\n%s", got)
	}
}

// unlock signs the supervisor in at the locked machine's first screen,
// as a clerk does after the machine started (its data is sealed).
func unlock(t *testing.T, k *Controller, w fyne.Window) {
	t.Helper()
	if k.lock == nil || !strings.Contains(shown(w), "本机数据已加密保护") {
		t.Fatalf("a machine with sealed data starts on:\n%s\nwant the sign-in that opens it", shown(w))
	}
	test.Type(k.lock.User, halltest.SupervisorLogin)
	test.Type(k.lock.Secret, halltest.SupervisorSecret)
	test.Tap(k.lock.Submit)
	busytest.Settle(t, noWait{})
	if k.db.Locked() {
		t.Fatalf("after the sign-in the data is still locked: %s", k.lock.Message.Text)
	}
}

// noWait lets busytest.Settle run queued UI calls without waiting for an
// action.
type noWait struct{}

func (noWait) Wait(context.Context) error { return nil }

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// Scans and papers a release before 0.8 kept in clear are sealed once the
// machine's data is opened after the upgrade.
func TestOldFilesAreSealedAtTheFirstSignIn(t *testing.T) {
	dir := halltest.ConfiguredData(t)
	scan := []byte("%PDF-1.4 an old scan of an ID card")
	sum := sha256.Sum256(scan)
	name := hex.EncodeToString(sum[:])
	scanPath := filepath.Join(dir, "files", name[:2], name[2:4], name)
	paperPath := filepath.Join(dir, "prints", "2026", "11", "47U8BPC821XV000C-receipt-a4-20261126T103000.pdf")
	for path, b := range map[string][]byte{scanPath: scan, paperPath: []byte("%PDF-1.4 an old receipt 张小红")} {
		os.MkdirAll(filepath.Dir(path), 0o700)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	k, w := start(t, dir, "")
	unlock(t, k, w)
	deadline := time.Now().Add(10 * time.Second)
	for {
		a, _ := os.ReadFile(scanPath)
		b, _ := os.ReadFile(paperPath)
		if !bytes.Contains(a, []byte("ID card")) && !bytes.Contains(b, []byte("张小红")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("old files still in clear: scan %v, paper %v", bytes.Contains(a, []byte("ID card")), bytes.Contains(b, []byte("张小红")))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got, err := services.Files(dir, k.db).Open(name); err != nil || !bytes.Equal(got, scan) {
		t.Errorf("the sealed scan opens: %v", err)
	}
	if got, err := services.Archive(dir, k.db).Read(paperPath); err != nil || !bytes.Contains(got, []byte("old receipt")) {
		t.Errorf("the sealed paper opens: %v", err)
	}
}

// A machine wiped after the county revoked it says so when it starts, and
// goes on once a supervisor has signed in to acknowledge it.
func TestWipedMachineSaysSo(t *testing.T) {
	dir := halltest.ConfiguredData(t)
	h := halltest.Open(t, dir, clock.System{})
	if err := services.WipeRevoked(context.Background(), h.DB, dir); err != nil {
		t.Fatal(err)
	}
	h.DB.Close()
	k, w := start(t, dir, "")
	waitShown(t, w, "县中心已停用本机")
	tapButton(t, w, "主管登录确认")
	lg := findLogin(t, w)
	test.Type(lg.user, halltest.SupervisorLogin)
	test.Type(lg.secret, halltest.SupervisorSecret)
	test.Tap(lg.submit)
	busytest.Settle(t, noWait{})
	waitShown(t, w, "窗口受理")
	if _, wiped, _ := k.db.Wiped(context.Background()); wiped {
		t.Error("the wipe is still to be acknowledged after the supervisor signed in")
	}
}

// tapButton taps the button with a text on the window.
func tapButton(t *testing.T, w fyne.Window, text string) {
	t.Helper()
	var found *widget.Button
	walkObjects(w.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q on:\n%s", text, shown(w))
	}
	test.Tap(found)
}

type loginForm struct {
	user, secret *widget.Entry
	submit       *widget.Button
}

// findLogin finds the sign-in form's fields on the window.
func findLogin(t *testing.T, w fyne.Window) loginForm {
	t.Helper()
	var f loginForm
	walkObjects(w.Content(), func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Entry:
			if x.Password {
				f.secret = x
			} else if f.user == nil {
				f.user = x
			}
		case *widget.Button:
			if x.Text == "登录" {
				f.submit = x
			}
		}
	})
	if f.user == nil || f.secret == nil || f.submit == nil {
		t.Fatalf("no sign-in form on:\n%s", shown(w))
	}
	return f
}

func walkObjects(o fyne.CanvasObject, f func(fyne.CanvasObject)) { uitest.Walk(o, f) }
