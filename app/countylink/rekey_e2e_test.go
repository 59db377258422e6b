package countylink_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// legacyEnrolled is a kiosk enrolled as before 0.8: no key sent, an HMAC
// secret received and stored.
func legacyEnrolled(t *testing.T, cd *halltest.Countyd) (*halltest.Hall, store.Enrollment) {
	t.Helper()
	body, _ := json.Marshal(protocol.EnrollRequest{Code: cd.EnrollCode(t), Hostname: "old-kiosk", AppVersion: "0.7.0"})
	resp, err := http.Post(cd.URL+"/api/v1/enroll", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var er protocol.EnrollResponse
	if err := json.NewDecoder(resp.Body).Decode(&er); err != nil || er.Secret == "" {
		t.Fatalf("legacy enrollment: %d %+v %v", resp.StatusCode, er, err)
	}
	h := halltest.Open(t, halltest.ConfiguredData(t), nil)
	e := store.Enrollment{CountyURL: cd.URL, DeviceID: er.DeviceID, Secret: er.Secret}
	if err := h.DB.SaveEnrollment(context.Background(), 0, e); err != nil {
		t.Fatal(err)
	}
	return h, e
}

// A kiosk enrolled before 0.8 moves to a key pair at its first round: it
// keeps only the private key, the county only the public one, and the old
// secret no longer signs. A move whose answer was lost is finished on the
// next round.
func TestKioskMovesToAKeyPair(t *testing.T) {
	ctx := context.Background()
	cd := halltest.StartCountyd(t, t.TempDir(), "127.0.0.1:0")

	h, old := legacyEnrolled(t, cd)
	sup := h.Supervisor(t)
	cs := h.CaseWithScan(t, sup, 10<<10)
	l := h.Link(sup.ID, "")
	if rep := halltest.Round(t, l); rep.Pushed == 0 || rep.Rejected != 0 {
		t.Fatalf("first round after the upgrade: %+v", rep)
	}
	e, _, _ := h.DB.Enrollment(ctx)
	if e.Key == "" || e.Secret != "" || e.NextKey != "" || e.DeviceID != old.DeviceID {
		t.Fatalf("after the round the kiosk holds key %v, secret %q, next key %v", e.Key != "", e.Secret, e.NextKey != "")
	}
	if rep := halltest.Round(t, l); rep.Rejected != 0 {
		t.Fatalf("a round with the key: %+v", rep)
	}
	req, _ := http.NewRequest("GET", cd.URL+"/api/v1/feed", nil)
	signLegacySecret(req, old)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old secret after the move: %v %v", resp.StatusCode, err)
	}

	// A second old kiosk whose move reached the county but whose answer
	// was lost: the county holds its next key already.
	h2, old2 := legacyEnrolled(t, cd)
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	if err := h2.DB.SetNextDeviceKey(ctx, base64.StdEncoding.EncodeToString(seed)); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(protocol.RekeyRequest{PublicKey: protocol.EncodePublicKey(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))})
	req, _ = http.NewRequest("POST", cd.URL+"/api/v1/device/key", bytes.NewReader(body))
	signLegacySecret(req, old2, body...)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("the move at the county: %v %v", resp.StatusCode, err)
	}
	l2 := h2.Link(0, "")
	halltest.Round(t, l2)
	if e2, _, _ := h2.DB.Enrollment(ctx); e2.Key != base64.StdEncoding.EncodeToString(seed) || e2.Secret != "" {
		t.Errorf("after the lost answer the kiosk holds key %q, secret %q", e2.Key, e2.Secret)
	}

	cd.Stop()
	st := halltest.CountyStore(t, cd.Data)
	for _, id := range []string{old.DeviceID, old2.DeviceID} {
		d, err := st.Device(ctx, id)
		if err != nil || d.Secret != "" || d.PublicKey == nil {
			t.Errorf("county device %s: secret %q, key %v, %v", id, d.Secret, d.PublicKey != nil, err)
		}
	}
	if c, err := st.Case(ctx, cs.Tracking); err != nil || c.ID != cs.ID {
		t.Errorf("the case pushed in the round of the move: %v", err)
	}
}

func signLegacySecret(req *http.Request, e store.Enrollment, body ...byte) {
	countytest.Sign(req, e.DeviceID, e.Secret, body, time.Now())
}
