package countylink_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/countylink"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/services"
)

// TestSyncWithTheRealCounty: a case with a scan goes up to a real countyd
// over loopback; county staff ask for a correction and then complete it;
// both come down and show in the self-service progress query.
func TestSyncWithTheRealCounty(t *testing.T) {
	ctx := context.Background()
	cd := halltest.StartCountyd(t, t.TempDir(), "127.0.0.1:0")
	h, l, sup := halltest.Enrolled(t, cd, cd.URL)
	cs := h.CaseWithScan(t, sup, 300<<10) // 300 KB: several chunks
	if _, err := h.DB.Rate(ctx, rating.Rating{Kind: rating.Case, Ref: cs.ID, Level: 4, ClerkID: sup.ID, ClerkName: sup.Name, Window: 1}); err != nil {
		t.Fatal(err)
	}

	rep := halltest.Round(t, l)
	if rep.Pushed == 0 || rep.Uploaded != 1 || rep.Rejected != 0 {
		t.Fatalf("first round %+v", rep)
	}
	if st, _ := h.DB.SyncStatus(ctx); st.Pending != 0 || st.Uploads != 0 || st.LastPull.IsZero() {
		t.Fatalf("after the round: %+v", st)
	}
	list := cd.Admin(t, "cases", "-point", "330522101000")
	if !strings.Contains(list, cs.Tracking) {
		t.Fatalf("county case list has no %s:\n%s", cs.Tracking, list)
	}

	cd.Admin(t, "set-status", "-case", cs.Tracking, "-status", "correction",
		"-supplement", "330000-SS-0001:premises_proof:经营场所使用证明", "-supplement", "租赁合同原件",
		"-supply-by", "2026-12-04", "-reason", "租赁协议未签字", "-by", "县市场监管局 李审")
	if rep := halltest.Round(t, l); rep.Pulled != 1 {
		t.Fatalf("pull after correction: %+v", rep)
	}
	self := &services.SelfService{DB: h.DB, Clock: clock.System{}}
	p, err := self.Progress(ctx, cs.Tracking, cs.QueryPIN)
	if err != nil {
		t.Fatal(err)
	}
	if current(p) != "补正" || len(p.Supplements) != 1 || p.Supplements[0].Material != "premises_proof" || !p.Synced {
		t.Errorf("progress after correction: current %q, supplements %+v %v, synced %v", current(p), p.Supplements, p.MoreSupplements, p.Synced)
	}

	cd.Admin(t, "set-status", "-case", cs.Tracking, "-status", "completed", "-pickup", "请到洪桥镇便民服务中心3号窗口领取营业执照")
	halltest.Round(t, l)
	p, _ = self.Progress(ctx, cs.Tracking, cs.QueryPIN)
	if current(p) != "办结" || !strings.Contains(p.Pickup, "3号窗口") {
		t.Errorf("progress after completion: current %q, pickup %q", current(p), p.Pickup)
	}
	got, _ := h.DB.CaseByID(ctx, cs.ID)
	if got.Status != cases.StatusCompleted || got.County == nil || got.County.CaseNo == "" {
		t.Errorf("kiosk case %s, county %+v", got.Status, got.County)
	}

	// The county's store: one case, its attachment complete, each event once.
	cd.Stop()
	cs2 := halltest.CountyStore(t, cd.Data)
	c, err := cs2.Case(ctx, cs.Tracking)
	if err != nil || c.CountyStatus != "completed" {
		t.Fatalf("county case %+v, %v", c, err)
	}
	st, _ := cs2.Stats(ctx)
	if st.CompleteBlobs != 1 || st.Rejected != 0 {
		t.Errorf("county stats %+v", st)
	}
	// The kiosk reported its own state after each round, for the fleet view.
	e, _, _ := h.DB.Enrollment(ctx)
	reports, err := cs2.DeviceStatuses(ctx)
	if r, ok := reports[e.DeviceID]; err != nil || !ok || r.Status.AppVersion != halltest.Version || r.Status.Pending != 0 || r.Status.Printer.State == "" {
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

// TestLinkSaysWhatIsWrong: a kiosk clock 10 minutes fast is told 时钟不准
// with the offset; a device the county revoked is told to enroll again;
// neither stores anything at the county.
func TestLinkSaysWhatIsWrong(t *testing.T) {
	ctx := context.Background()
	cd := halltest.StartCountyd(t, t.TempDir(), "127.0.0.1:0")
	h, l, sup := halltest.Enrolled(t, cd, cd.URL)
	h.AcceptDeferredCase(t, sup)

	fast := fastClock(10 * time.Minute)
	l.SetClock(fast)
	_, err := l.Round(ctx)
	if got := countylink.Explain(err, fast.Now()).Error(); !strings.Contains(got, "时钟不准") || !strings.Contains(got, "10分钟") {
		t.Errorf("fast clock: %q", got)
	}
	if st, _ := h.DB.SyncStatus(ctx); st.Pending == 0 || !st.LastPush.IsZero() {
		t.Errorf("events left the kiosk with a wrong clock: %+v", st)
	}

	l.SetClock(clock.System{})
	e, _, _ := h.DB.Enrollment(ctx)
	cd.Admin(t, "revoke", "-device", e.DeviceID)
	_, err = l.Round(ctx)
	if got := countylink.Explain(err, time.Now()).Error(); !strings.Contains(got, "已被停用") {
		t.Errorf("revoked device: %q", got)
	}
	if info, _ := (services.County{DB: h.DB, Link: l}).Info(ctx); info.Online || !strings.Contains(info.Note, "已被停用") {
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
	cd := halltest.StartCountyd(t, t.TempDir(), "127.0.0.1:0", "-tls-cert", filepath.Join(pki, "cert.pem"), "-tls-key", filepath.Join(pki, "key.pem"))
	if !strings.HasPrefix(cd.URL, "https://") {
		t.Fatalf("county URL %s", cd.URL)
	}

	// Without the county's CA the kiosk does not trust the server.
	h := halltest.Open(t, halltest.ConfiguredData(t), nil)
	caFile := filepath.Join(h.Dir, "county-ca.pem")
	l := h.Link(0, caFile)
	code := cd.EnrollCode(t)
	if err := l.Enroll(ctx, cd.URL, code); err == nil || !strings.Contains(err.Error(), "无法连接县中心") {
		t.Fatalf("enroll without the CA: %v", err)
	}
	// With it, the same (unused) code works and a round goes through.
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
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

// fastClock is a kiosk clock that runs ahead of the county's.
type fastClock time.Duration

func (f fastClock) Now() time.Time { return time.Now().Add(time.Duration(f)) }
