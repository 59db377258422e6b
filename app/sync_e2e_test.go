package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/printing"
	"github.com/yichuang/yichuang/sync/client"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
)

var (
	countydOnce gosync.Once
	countydBin  string
	countydErr  error
)

// TestMain removes the countyd binary built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if countydBin != "" {
		os.RemoveAll(filepath.Dir(countydBin))
	}
	os.Exit(code)
}

// countydBinary builds the real county server once per test run.
func countydBinary(t testing.TB) string {
	t.Helper()
	countydOnce.Do(func() {
		dir, err := os.MkdirTemp("", "countyd-bin-")
		if err != nil {
			countydErr = err
			return
		}
		countydBin = filepath.Join(dir, "countyd")
		out, err := exec.Command("go", "build", "-tags", "sqlite_fts5,no_emoji", "-o", countydBin, "github.com/yichuang/yichuang/sync/countyd").CombinedOutput()
		if err != nil {
			countydErr = fmt.Errorf("build countyd: %v\n%s", err, out)
		}
	})
	if countydErr != nil {
		t.Fatal(countydErr)
	}
	return countydBin
}

// countyd is a running county server process.
type countyd struct {
	cmd    *exec.Cmd
	URL    string
	Listen string
	data   string
	stderr *bytes.Buffer
}

var listening = regexp.MustCompile(`countyd listening on (https?://\S+)`)

// startCountyd starts countyd on loopback (listen "127.0.0.1:0" picks a
// port) with its data in dir.
func startCountyd(t testing.TB, dir, listen string, extra ...string) *countyd {
	t.Helper()
	c := &countyd{data: dir, stderr: &bytes.Buffer{}}
	c.cmd = exec.Command(countydBinary(t), append([]string{"serve", "-listen", listen, "-data", dir}, extra...)...)
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.cmd.Stderr = c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case u := <-found:
		c.URL = u
		c.Listen = u[strings.Index(u, "://")+3:]
	case <-time.After(60 * time.Second):
		c.cmd.Process.Kill()
		t.Fatalf("countyd did not start; stderr:\n%s", c.stderr)
	}
	t.Cleanup(func() { c.cmd.Process.Kill(); c.cmd.Wait() })
	return c
}

// admin runs a countyd subcommand on the same data directory, as county
// staff do, and returns its output.
func (c *countyd) admin(t testing.TB, args ...string) string {
	t.Helper()
	full := append([]string{args[0], "-data", c.data}, args[1:]...)
	out, err := exec.Command(countydBinary(t), full...).CombinedOutput()
	if err != nil {
		t.Fatalf("countyd %v: %v\n%s", args, err, out)
	}
	return string(out)
}

var enrollCode = regexp.MustCompile(`[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}`)

// enrolledKiosk sets up a hall kiosk, accepts nothing yet, and enrolls it
// with the county through the same link the 县中心连接 screen uses.
func enrolledKiosk(t testing.TB, cd *countyd, countyURL string) (*kiosk, *countyLink, clerks.Account) {
	t.Helper()
	ctx := context.Background()
	dir := configuredData(t)
	db, err := store.Open(ctx, filepath.Join(dir, "yichuang.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sup, err := db.Authenticate(ctx, "zhuguan", "hq-2026-chen")
	if err != nil {
		t.Fatal(err)
	}
	k := &kiosk{dir: dir, db: db, clock: clock.System{}, clerk: sup}
	l := newCountyLink(db, k.files(), time.Now, func() int64 { return sup.ID })
	l.manual = true
	code := enrollCode.FindString(cd.admin(t, "enroll-code", "-point", "330522101000", "-name", "洪桥镇便民服务中心", "-level", "township"))
	if code == "" {
		t.Fatal("countyd enroll-code printed no code")
	}
	if err := l.Enroll(ctx, countyURL, code); err != nil {
		t.Fatalf("enroll: %v", err)
	}
	// The code is single-use.
	if err := l.Enroll(ctx, countyURL, code); err == nil || !strings.Contains(err.Error(), "登记码无效") {
		t.Errorf("second use of the code: %v", err)
	}
	return k, l, sup
}

// caseWithScan accepts a case at the counter with one scanned attachment.
func caseWithScan(t testing.TB, k *kiosk, sup clerks.Account, size int) cases.Case {
	t.Helper()
	ctx := context.Background()
	svc, err := k.counterService(ctx)
	if err != nil {
		t.Fatal(err)
	}
	scan := make([]byte, size)
	rand.Read(scan)
	copy(scan, "%PDF-1.4\n") // a PDF by its first bytes, as blobs checks
	att, err := k.files().Put(bytes.NewReader(scan), "申请书.pdf")
	if err != nil {
		t.Fatal(err)
	}
	d := restaurantDraft(t, k, "")
	d.Attachments = []cases.Attachment{att}
	cs, err := svc.c.Submit(ctx, sup, d, cases.Decision{Kind: cases.Accept})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func round(t testing.TB, l *countyLink) client.Report {
	t.Helper()
	rep, err := l.Round(context.Background())
	if err != nil {
		t.Fatalf("sync round: %v", err)
	}
	return rep
}

// TestSyncWithTheRealCounty: a case with a scan goes up to a real countyd
// over loopback; county staff ask for a correction and then complete it;
// both come down and show in the self-service progress query.
func TestSyncWithTheRealCounty(t *testing.T) {
	ctx := context.Background()
	cd := startCountyd(t, t.TempDir(), "127.0.0.1:0")
	k, l, sup := enrolledKiosk(t, cd, cd.URL)
	cs := caseWithScan(t, k, sup, 300<<10) // 300 KB: several chunks
	if _, err := k.db.Rate(ctx, rating.Rating{Kind: rating.Case, Ref: cs.ID, Level: 4, ClerkID: sup.ID, ClerkName: sup.Name, Window: 1}); err != nil {
		t.Fatal(err)
	}

	rep := round(t, l)
	if rep.Pushed == 0 || rep.Uploaded != 1 || rep.Rejected != 0 {
		t.Fatalf("first round %+v", rep)
	}
	if st, _ := k.db.SyncStatus(ctx); st.Pending != 0 || st.Uploads != 0 || st.LastPull.IsZero() {
		t.Fatalf("after the round: %+v", st)
	}
	list := cd.admin(t, "cases", "-point", "330522101000")
	if !strings.Contains(list, cs.Tracking) {
		t.Fatalf("county case list has no %s:\n%s", cs.Tracking, list)
	}

	cd.admin(t, "set-status", "-case", cs.Tracking, "-status", "correction",
		"-supplement", "330000-SS-0001:premises_proof:经营场所使用证明", "-supplement", "租赁合同原件",
		"-supply-by", "2026-12-04", "-reason", "租赁协议未签字", "-by", "县市场监管局 李审")
	if rep := round(t, l); rep.Pulled != 1 {
		t.Fatalf("pull after correction: %+v", rep)
	}
	self := &selfService{db: k.db, clock: clock.System{}}
	p, err := self.Progress(ctx, cs.Tracking, "1234")
	if err != nil {
		t.Fatal(err)
	}
	if current(p) != "补正" || len(p.Supplements) != 1 || p.Supplements[0].Material != "premises_proof" || !p.Synced {
		t.Errorf("progress after correction: current %q, supplements %+v %v, synced %v", current(p), p.Supplements, p.MoreSupplements, p.Synced)
	}

	cd.admin(t, "set-status", "-case", cs.Tracking, "-status", "completed", "-pickup", "请到洪桥镇便民服务中心3号窗口领取营业执照")
	round(t, l)
	p, _ = self.Progress(ctx, cs.Tracking, "1234")
	if current(p) != "办结" || !strings.Contains(p.Pickup, "3号窗口") {
		t.Errorf("progress after completion: current %q, pickup %q", current(p), p.Pickup)
	}
	got, _ := k.db.CaseByID(ctx, cs.ID)
	if got.Status != cases.StatusCompleted || got.County == nil || got.County.CaseNo == "" {
		t.Errorf("kiosk case %s, county %+v", got.Status, got.County)
	}

	// The county's store: one case, its attachment complete, each event once.
	cd.cmd.Process.Kill()
	cd.cmd.Wait()
	cs2 := countyStore(t, cd.data)
	c, err := cs2.Case(ctx, cs.Tracking)
	if err != nil || c.CountyStatus != "completed" {
		t.Fatalf("county case %+v, %v", c, err)
	}
	st, _ := cs2.Stats(ctx)
	if st.CompleteBlobs != 1 || st.Rejected != 0 {
		t.Errorf("county stats %+v", st)
	}
	// The kiosk reported its own state after each round, for the fleet view.
	e, _, _ := k.db.Enrollment(ctx)
	reports, err := cs2.DeviceStatuses(ctx)
	if r, ok := reports[e.DeviceID]; err != nil || !ok || r.Status.AppVersion != Version() || r.Status.Pending != 0 || r.Status.Printer.State == "" {
		t.Errorf("county has no status report of the kiosk: %+v, %v", reports, err)
	}
}

func current(p cases.Progress) string {
	for _, s := range p.Steps {
		if s.Current {
			return s.Name
		}
	}
	return ""
}

func countyStore(t testing.TB, dir string) *county.SQLite {
	t.Helper()
	s, err := county.OpenSQLite(context.Background(), filepath.Join(dir, "county.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestCaseKeepsItsCatalogVersion: the county publishes a catalog that
// renames a matter and drops one of its materials; a case accepted under
// the older version still prints with its own names and can still be
// supplemented, while new cases use the new version.
func TestCaseKeepsItsCatalogVersion(t *testing.T) {
	ctx := context.Background()
	dir := configuredData(t)
	db, err := store.Open(ctx, filepath.Join(dir, "yichuang.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sup, _ := db.Authenticate(ctx, "zhuguan", "hq-2026-chen")
	k := &kiosk{dir: dir, db: db, clock: clock.System{}}
	svc, old := acceptDeferredCase(t, k, sup)

	var doc map[string]any
	json.Unmarshal(assets.DemoCatalog(), &doc)
	doc["version"] = "2026.12-county"
	for _, m := range doc["matters"].([]any) {
		m := m.(map[string]any)
		if m["code"] == "330000-SS-0001" {
			m["name"] = "个体工商户登记（新版）"
			var kept []any
			for _, mat := range m["materials"].([]any) {
				if mat.(map[string]any)["id"] != "premises_proof" {
					kept = append(kept, mat)
				}
			}
			m["materials"] = kept
		}
	}
	raw, _ := json.Marshal(doc)
	item, _ := json.Marshal(protocol.DocumentPayload{Version: "2026.12-county", Document: raw})
	if err := db.ApplyFeed(ctx, []protocol.FeedItem{{Cursor: 1, Kind: protocol.FeedCatalog, At: time.Now(), Payload: item}}); err != nil {
		t.Fatal(err)
	}
	if cat, _ := db.ActiveCatalog(ctx); cat.Version != "2026.12-county" {
		t.Fatalf("active catalog %s", cat.Version)
	}

	pdf, _, err := svc.c.Render(ctx, old, printing.SupplementNotice)
	if err != nil {
		t.Fatalf("old case's notice under the new catalog: %v", err)
	}
	text := pdfText(t, pdf)
	if !strings.Contains(text, "个体工商户设立登记") || !strings.Contains(text, "经营场所") {
		t.Errorf("old case's notice lost its own names:\n%s", text)
	}
	got, err := svc.c.Supplement(ctx, sup, old, []cases.MaterialEntry{{Matter: "330000-SS-0001", Material: "premises_proof", State: cases.Original}})
	if err != nil || got.Status != cases.StatusAccepted {
		t.Fatalf("supplement under the old version: %s, %v", got.Status, err)
	}
	fresh, err := svc.c.Submit(ctx, sup, restaurantDraft(t, k, ""), cases.Decision{Kind: cases.Accept})
	if err != nil || fresh.CatalogVer != "2026.12-county" {
		t.Fatalf("a new case: version %q, %v", fresh.CatalogVer, err)
	}
}

func pdfText(t testing.TB, pdf []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "doc.pdf")
	os.WriteFile(f, pdf, 0o600)
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// TestLinkSaysWhatIsWrong: a kiosk clock 10 minutes fast is told 时钟不准
// with the offset; a device the county revoked is told to enroll again;
// neither stores anything at the county.
func TestLinkSaysWhatIsWrong(t *testing.T) {
	ctx := context.Background()
	cd := startCountyd(t, t.TempDir(), "127.0.0.1:0")
	k, l, sup := enrolledKiosk(t, cd, cd.URL)
	acceptDeferredCase(t, k, sup)

	l.now = func() time.Time { return time.Now().Add(10 * time.Minute) }
	_, err := l.Round(ctx)
	if got := linkError(err, l.now()).Error(); !strings.Contains(got, "时钟不准") || !strings.Contains(got, "10分钟") {
		t.Errorf("fast clock: %q", got)
	}
	if st, _ := k.db.SyncStatus(ctx); st.Pending == 0 || !st.LastPush.IsZero() {
		t.Errorf("events left the kiosk with a wrong clock: %+v", st)
	}

	l.now = time.Now
	e, _, _ := k.db.Enrollment(ctx)
	cd.admin(t, "revoke", "-device", e.DeviceID)
	_, err = l.Round(ctx)
	if got := linkError(err, time.Now()).Error(); !strings.Contains(got, "已被停用") {
		t.Errorf("revoked device: %q", got)
	}
	if info, _ := l.Info(ctx); info.Online || !strings.Contains(info.Note, "已被停用") {
		t.Errorf("revoked device: online %v, note %q", info.Online, info.Note)
	}
}

// TestSyncOverTLSWithTheCountysOwnCA: the county serves HTTPS with a
// certificate from its own CA; a kiosk that has the CA file in its data
// directory enrolls and syncs, one without it refuses the connection.
func TestSyncOverTLSWithTheCountysOwnCA(t *testing.T) {
	ctx := context.Background()
	pki := t.TempDir()
	caPEM := writeTestPKI(t, pki)
	cd := startCountyd(t, t.TempDir(), "127.0.0.1:0", "-tls-cert", filepath.Join(pki, "cert.pem"), "-tls-key", filepath.Join(pki, "key.pem"))
	if !strings.HasPrefix(cd.URL, "https://") {
		t.Fatalf("county URL %s", cd.URL)
	}

	// Without the county's CA the kiosk does not trust the server.
	dir := configuredData(t)
	db, err := store.Open(ctx, filepath.Join(dir, "yichuang.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l := newCountyLink(db, (&kiosk{dir: dir}).files(), time.Now, func() int64 { return 0 })
	l.manual, l.caFile = true, filepath.Join(dir, "county-ca.pem")
	code := enrollCode.FindString(cd.admin(t, "enroll-code", "-point", "330522101000", "-name", "洪桥镇便民服务中心", "-level", "township"))
	if err := l.Enroll(ctx, cd.URL, code); err == nil || !strings.Contains(err.Error(), "无法连接县中心") {
		t.Fatalf("enroll without the CA: %v", err)
	}
	// With it, the same (unused) code works and a round goes through.
	if err := os.WriteFile(l.caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := l.Enroll(ctx, cd.URL, code); err != nil {
		t.Fatalf("enroll with the CA: %v", err)
	}
	if rep, err := l.Round(ctx); err != nil || rep.Pushed == 0 {
		t.Fatalf("round over TLS: %+v, %v", rep, err)
	}
}

// writeTestPKI writes a CA and a server certificate for 127.0.0.1 signed
// by it (cert.pem, key.pem) and returns the CA certificate in PEM.
func writeTestPKI(t testing.TB, dir string) []byte {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "测试县政务服务中心 CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "county.local"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}
