package hallsync

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/blobs"
	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/hall"
	"github.com/yichuang/yichuang/app/hallnet"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/sync/protocol"
)

const point = "330522101000"

type testHub struct {
	db     *store.DB
	srv    *Server
	addr   string
	fp     string
	sup    clerks.Account
	blobs  blobs.Store
	cancel context.CancelFunc
}

func openDB(t testing.TB, dir string, device int, role, hubAddr string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "kiosk.db"), store.Options{Clock: clock.System{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.ConfigureKiosk(ctx, servicepoint.Kiosk{Point: servicepoint.ServicePoint{Code: point, Name: "洪桥镇便民服务中心", Level: "township"},
		Device: device, QueueRole: role, HubAddr: hubAddr}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LoadCatalog(ctx, assets.DemoCatalog()); err != nil {
		t.Fatal(err)
	}
	return db
}

func startTestHub(t testing.TB) *testHub {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	h := &testHub{db: openDB(t, dir, 1, servicepoint.QueueHub, ""), cancel: cancel}
	h.blobs = blobs.Store{Dir: filepath.Join(dir, "files"), Keys: h.db}
	var err error
	if h.sup, err = h.db.CreateFirstSupervisor(ctx, clerks.Account{Login: "zhuguan", Name: "陈主管", Window: 1}, "hq-2026-chen"); err != nil {
		t.Fatal(err)
	}
	id, err := hallnet.NewIdentity("洪桥镇", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h.fp, _ = id.Fingerprint()
	if err := h.db.SaveHubIdentity(ctx, id.CertPEM, id.KeyPEM); err != nil {
		t.Fatal(err)
	}
	if err := h.db.SeedHall(ctx); err != nil {
		t.Fatal(err)
	}
	h.srv = &Server{Store: h.db, Identity: id, Blobs: h.blobs, Queue: hall.Handler(hall.NewLocal(h.db, clock.System{}, "公告")), MaxWait: 3 * time.Second}
	h.db.OnHallLog(h.srv.Notify)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = ln.Addr().String()
	go h.srv.Serve(ctx, ln)
	t.Cleanup(cancel)
	return h
}

// code makes a pairing code at the hub, as its supervisor does.
func (h *testHub) code(t testing.TB) string {
	t.Helper()
	code, c, err := hallnet.NewCode(h.fp)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.db.NewPairing(context.Background(), h.sup.ID, hallnet.HashSecret(c.Secret), time.Now().Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	return code
}

type machine struct {
	db    *store.DB
	repl  *Replicator
	blobs blobs.Store
	id    string
}

// join sets up a machine, pairs it with a fresh code and starts its
// replicator.
func (h *testHub) join(t testing.TB, device int) *machine {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	m := &machine{db: openDB(t, dir, device, servicepoint.QueueClient, h.addr)}
	m.blobs = blobs.Store{Dir: filepath.Join(dir, "files"), Keys: m.db}
	var err error
	if m.id, err = m.db.MachineID(ctx); err != nil {
		t.Fatalf("machine id: %v", err)
	}
	link, err := Pair(ctx, Pairing{Addr: h.addr, Code: h.code(t), Machine: m.id, Device: device, Name: "pc", Point: point})
	if err != nil {
		t.Fatalf("pair: %v", err)
	}
	if err := m.db.JoinHall(ctx, 0, link); err != nil {
		t.Fatalf("join: %v", err)
	}
	m.repl = &Replicator{Store: m.db, Blobs: m.blobs, Wait: 2 * time.Second}
	rctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go m.repl.Run(rctx)
	return m
}

func eventually(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func newCase(t testing.TB, db *store.DB, files blobs.Store, window int) cases.Case {
	t.Helper()
	scan, err := files.Put(strings.NewReader("%PDF-1.4 租赁合同 "+time.Now().String()), "租赁合同.pdf")
	if err != nil {
		t.Fatal(err)
	}
	c := cases.Case{ServicePoint: point, Draft: cases.Draft{Matters: []string{"330000-SS-0001"},
		Applicant: cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "13857201234"},
		Fields:    map[string]string{"business_scope": "餐饮服务"}, Attachments: []cases.Attachment{scan}},
		Decision: cases.Accept, Status: cases.StatusAccepted, Clerk: cases.Actor{Name: "王丽", Window: window}}
	got, err := db.CreateCase(context.Background(), c, c.Clerk)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestHallOverTheLAN: a case accepted at window 2 is at window 3 at once
// (the log request was waiting for it), its scan goes through the hub, and a
// clerk signs in at any machine with the hall's account, a lock holding at
// all of them.
func TestHallOverTheLAN(t *testing.T) {
	h := startTestHub(t)
	a, b := h.join(t, 2), h.join(t, 3)
	ctx := context.Background()
	eventually(t, "both machines online", 5*time.Second, func() bool { return a.repl.State().Online && b.repl.State().Online })

	c := newCase(t, a.db, a.blobs, 2)
	ev, err := a.db.HeadEvent(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if st, err := a.repl.Settle(ctx, ev, 2*time.Second); err != nil || st != "accepted" {
		t.Fatalf("settle: %q, %v", st, err)
	}
	eventually(t, "the case at window 3", 2*time.Second, func() bool {
		_, err := b.db.CaseByTracking(ctx, c.Tracking)
		return err == nil
	})
	t.Logf("accepted at window 2, visible at window 3 after %v", time.Since(start))

	eventually(t, "the scan at the hub", 5*time.Second, func() bool {
		return h.blobs.Verify(c.Attachments[0].SHA256) == nil
	})
	if err := b.repl.Fetch(ctx, c.Attachments[0].SHA256); err != nil {
		t.Fatalf("fetch the scan at window 3: %v", err)
	}
	if err := b.blobs.Verify(c.Attachments[0].SHA256); err != nil {
		t.Errorf("window 3's copy: %v", err)
	}

	if _, err := b.repl.Login(ctx, "zhuguan", "hq-2026-chen"); err != nil {
		t.Fatalf("the hub's supervisor signs in at window 3: %v", err)
	}
	for i := 0; i < clerks.MaxFailures; i++ {
		b.repl.Login(ctx, "zhuguan", "not-the-pin")
	}
	_, err = a.repl.Login(ctx, "zhuguan", "hq-2026-chen")
	if !errors.Is(err, clerks.ErrLocked) {
		t.Errorf("sign-in at window 2 after five wrong tries at window 3: %v, want locked", err)
	}
	eventually(t, "the lock reaches window 2's copy", 5*time.Second, func() bool {
		_, err := a.db.Authenticate(ctx, "zhuguan", "hq-2026-chen")
		return errors.Is(err, clerks.ErrLocked)
	})

	// The queue is served to paired machines over the same link.
	base, conn, ok := b.repl.Conn(ctx)
	if !ok {
		t.Fatal("no queue connection")
	}
	q := hall.NewClient(base, conn)
	if _, err := q.Board(ctx); err != nil {
		t.Errorf("board through the hall link: %v", err)
	}
}

// TestHallRefusesStrangers: nothing is served without a paired machine's
// token, a pairing code works once and only for its hall, a machine never
// talks to another machine posing as its hub, and a removed machine stops
// receiving cases.
func TestHallRefusesStrangers(t *testing.T) {
	h := startTestHub(t)
	ctx := context.Background()
	a := h.join(t, 2)
	eventually(t, "online", 5*time.Second, func() bool { return a.repl.State().Online })

	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: hallnet.PinnedConfig(h.fp)}}
	for _, tok := range []string{"", "forged-token", strings.Repeat("A", 43)} {
		for _, path := range []string{"/hall/v1/log?after=0", "/api/board", "/hall/v1/blobs/" + strings.Repeat("0", 64)} {
			req, _ := http.NewRequest(http.MethodGet, "https://"+h.addr+path, nil)
			if tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			resp, err := insecure.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || strings.Contains(string(body), "张小红") {
				t.Errorf("GET %s with token %q: %d %s", path, tok, resp.StatusCode, body)
			}
		}
	}
	if resp, err := http.Get("http://" + h.addr + "/hall/v1/log"); err == nil {
		if resp.StatusCode == http.StatusOK {
			t.Error("the hub answered plain HTTP")
		}
		resp.Body.Close()
	}

	// Pairing: a typo, the right code twice, another hall's machine, a
	// device number already used.
	id := "machine-x"
	if _, err := Pair(ctx, Pairing{Addr: h.addr, Code: "ABCD-EFGH-JKMN-PQRS-TVWX", Machine: id, Device: 5, Point: point}); !errors.Is(err, ErrPairTypo) {
		t.Errorf("typo: %v", err)
	}
	code := h.code(t)
	if _, err := Pair(ctx, Pairing{Addr: h.addr, Code: code, Machine: id, Device: 5, Point: "330522102000"}); !errors.Is(err, ErrOtherPoint) {
		t.Errorf("another hall's machine: %v", err)
	}
	if _, err := Pair(ctx, Pairing{Addr: h.addr, Code: code, Machine: id, Device: 2, Point: point}); !errors.Is(err, store.ErrDeviceTaken) {
		t.Errorf("a number in use: %v", err)
	}
	if _, err := Pair(ctx, Pairing{Addr: h.addr, Code: code, Machine: id, Device: 5, Point: point}); err != nil {
		t.Fatalf("good pairing: %v", err)
	}
	if _, err := Pair(ctx, Pairing{Addr: h.addr, Code: code, Machine: "machine-y", Device: 6, Point: point}); !errors.Is(err, store.ErrPairingCode) {
		t.Errorf("the same code again: %v", err)
	}

	// Another machine answers at an address with a code made for this hub.
	impostor := startTestHub(t)
	if _, err := Pair(ctx, Pairing{Addr: impostor.addr, Code: h.code(t), Machine: "machine-z", Device: 7, Point: point}); !errors.Is(err, ErrPairWrongHub) {
		t.Errorf("pairing with the wrong hub: %v", err)
	}
	tr := &http.Transport{TLSClientConfig: hallnet.PinnedConfig(h.fp)}
	if _, err := (&http.Client{Transport: tr}).Get("https://" + impostor.addr + "/hall/v1/log"); err == nil {
		t.Error("a paired machine talked to another hub")
	}

	// Removed: nothing more for it.
	if err := h.db.RemoveMachine(ctx, h.sup.ID, a.id, "电脑报废"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the machine knows it was removed", 10*time.Second, func() bool { return a.repl.State().Removed })
	c := newCase(t, h.db, h.blobs, 1)
	time.Sleep(500 * time.Millisecond)
	if _, err := a.db.CaseByTracking(ctx, c.Tracking); err == nil {
		t.Error("a removed machine received a new case")
	}
	if st := a.repl.State(); !errors.Is(st.Err, ErrHubRemoved) {
		t.Errorf("state of the removed machine: %+v", st)
	}
}

// Guessing a pairing secret: after 5 tries a minute from one address the
// hub answers 429 with Retry-After and does not look at the secret, so a
// code's 35 bits cannot be searched in the ten minutes it lives.
func TestPairingGuessesAreLimited(t *testing.T) {
	h := startTestHub(t)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: hallnet.PinnedConfig(h.fp)}}
	try := func(secret string) *http.Response {
		body, _ := json.Marshal(protocol.HallPairRequest{Secret: secret, Machine: "guesser", Device: 9, Point: point})
		resp, err := client.Post("https://"+h.addr+"/hall/v1/pair", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for i := range 5 {
		if resp := try(fmt.Sprintf("GUESS%02d", i)); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("guess %d: %d, want 403", i+1, resp.StatusCode)
		}
	}
	resp := try("GUESS05")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("sixth guess in a minute: %d, Retry-After %q; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// TestHallSpeaksTLSOnly is a guard for the test above: the pinned client
// config really refuses a certificate it was not given.
func TestPinRefusesAnotherCertificate(t *testing.T) {
	h := startTestHub(t)
	other := startTestHub(t)
	conn, err := tls.Dial("tcp", h.addr, hallnet.PinnedConfig(other.fp))
	if err == nil {
		conn.Close()
		t.Fatal("a pin for one hub accepted another")
	}
}

// TestHallConflictAtTheWindow: two windows hand out the same result; the
// second clerk is told at once, in words, and nothing of theirs stands.
func TestHallConflictAtTheWindow(t *testing.T) {
	h := startTestHub(t)
	a, b := h.join(t, 2), h.join(t, 3)
	ctx := context.Background()
	c := newCase(t, a.db, a.blobs, 2)
	eventually(t, "case at window 3", 5*time.Second, func() bool { _, err := b.db.CaseByTracking(ctx, c.Tracking); return err == nil })
	eventually(t, "case at the hub", 5*time.Second, func() bool { _, err := h.db.CaseByTracking(ctx, c.Tracking); return err == nil })
	// 办结 at the county, heard by everyone.
	for _, db := range []*store.DB{h.db, a.db, b.db} {
		cs, _ := db.CaseByTracking(ctx, c.Tracking)
		cs.Status = cases.StatusCompleted
		if _, err := db.UpdateCase(ctx, cs, cases.EvCompleted, cases.Actor{Name: "测试"}, nil); err != nil && db == h.db {
			t.Fatal(err)
		}
		if db == h.db {
			break
		}
	}
	eventually(t, "completed everywhere", 5*time.Second, func() bool {
		ca, _ := a.db.CaseByTracking(ctx, c.Tracking)
		cb, _ := b.db.CaseByTracking(ctx, c.Tracking)
		return ca.Status == cases.StatusCompleted && cb.Status == cases.StatusCompleted
	})
	// Window 3 is cut off from the hub for a moment (its replicator is
	// not told); both hand out.
	deliver := func(m *machine, window int) string {
		cs, _ := m.db.CaseByTracking(ctx, c.Tracking)
		after, err := cases.Deliver(cs, cases.Person{Name: "张小红", IDNumber: "330522199003150024"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.db.UpdateCase(ctx, after, cases.EvDelivered, cases.Actor{Name: "窗口", Window: window}, after.Pickup); err != nil {
			t.Fatal(err)
		}
		ev, _ := m.db.HeadEvent(ctx, c.ID)
		return ev
	}
	evA := deliver(a, 2)
	evB := deliver(b, 3)
	stA, _ := a.repl.Settle(ctx, evA, 3*time.Second)
	stB, _ := b.repl.Settle(ctx, evB, 3*time.Second)
	if (stA == "accepted") == (stB == "accepted") {
		t.Fatalf("settled %q at window 2 and %q at window 3: want exactly one accepted", stA, stB)
	}
	loser, lost := b, evB
	if stB == "accepted" {
		loser, lost = a, evA
	}
	m, err := loser.db.LostNotice(ctx, lost)
	if err != nil || m == nil || !strings.Contains(m.Error(), "出件") {
		t.Fatalf("the losing window's notice: %v, %v", m, err)
	}
	var lm *msg.Error
	if !errors.As(error(m), &lm) || lm.Key != store.ErrLostTo.Key {
		t.Errorf("notice %v is not the lost-action message", m)
	}
}

// TestPrereviewScansReachTheCounters: a citizen files at the terminal with
// a photo of a material; the counters that pre-review get the photo too.
func TestPrereviewScansReachTheCounters(t *testing.T) {
	h := startTestHub(t)
	term, b := h.join(t, 4), h.join(t, 3)
	ctx := context.Background()
	photo, err := term.blobs.Put(strings.NewReader("\x89PNG\r\n\x1a\n租赁合同照片"), "租赁合同.png")
	if err != nil {
		t.Fatal(err)
	}
	filing := cases.Submit(cases.Draft{Matters: []string{"330000-SS-0001"},
		Applicant:   cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "13857201234"},
		Attachments: []cases.Attachment{photo}}, point, time.Now())
	cs, err := term.db.CreateCase(ctx, filing, cases.Actor{Name: "自助终端"})
	if err != nil {
		t.Fatal(err)
	}
	term.repl.Kick()
	eventually(t, "the filing at window 3", 5*time.Second, func() bool {
		got, err := b.db.CasesInStatus(ctx, cases.StatusPrereview)
		return err == nil && len(got) == 1 && got[0].ID == cs.ID
	})
	eventually(t, "the photo at window 3", 10*time.Second, func() bool { return b.blobs.Verify(photo.SHA256) == nil })
}
