package release_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/release"
)

var signedAt = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func manifest(version string) release.Manifest {
	return release.Manifest{Product: release.Product, Version: version, Track: "stable", OS: "linux", Arch: "amd64",
		SHA256: strings.Repeat("ab", 32), Size: 1234, Signed: signedAt, Expires: signedAt.Add(30 * 24 * time.Hour)}
}

func mustKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := release.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func sign(t *testing.T, priv ed25519.PrivateKey, m release.Manifest) []byte {
	t.Helper()
	b, err := release.Sign(priv, m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tamper re-encodes the envelope with its manifest changed by edit but the
// old signature kept.
func tamper(t *testing.T, signed []byte, edit func(*release.Manifest)) []byte {
	t.Helper()
	var env release.Envelope
	if err := json.Unmarshal(signed, &env); err != nil {
		t.Fatal(err)
	}
	var m release.Manifest
	if err := json.Unmarshal(env.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	edit(&m)
	env.Manifest, _ = json.Marshal(m)
	out, _ := json.Marshal(env)
	return out
}

// unknownField adds a field the manifest does not have: a kiosk must not
// accept what it cannot fully read.
func unknownField(t *testing.T, signed []byte) []byte {
	t.Helper()
	var env release.Envelope
	if err := json.Unmarshal(signed, &env); err != nil {
		t.Fatal(err)
	}
	env.Manifest = append(bytes.TrimSuffix(env.Manifest, []byte("}")), []byte(`,"min_kernel":"5.10"}`)...)
	out, _ := json.Marshal(env)
	return out
}

func TestVerifyAndPolicy(t *testing.T) {
	pub, priv := mustKey(t)
	_, other := mustKey(t)
	good := sign(t, priv, manifest("0.8.0"))
	policy := release.Policy{Track: "stable", OS: "linux", Arch: "amd64", Running: "0.7.0", Now: signedAt.Add(time.Hour)}
	with := func(edit func(*release.Policy)) release.Policy { p := policy; edit(&p); return p }
	signedWith := func(edit func(*release.Manifest)) []byte { m := manifest("0.8.0"); edit(&m); return sign(t, priv, m) }
	for _, tc := range []struct {
		name   string
		signed []byte
		policy release.Policy
		want   string // refusal reason, "" for accepted
	}{
		{"a good release", good, policy, ""},
		{"a release signed by another key", sign(t, other, manifest("0.8.0")), policy, release.UnknownKey},
		{"a manifest changed after signing", tamper(t, good, func(m *release.Manifest) { m.SHA256 = strings.Repeat("cd", 32) }), policy, release.BadSignature},
		{"a version changed after signing", tamper(t, good, func(m *release.Manifest) { m.Version = "9.0.0" }), policy, release.BadSignature},
		{"the version that runs", good, with(func(p *release.Policy) { p.Running = "0.8.0" }), release.NotNewer},
		{"an older version (rollback)", sign(t, priv, manifest("0.6.9")), policy, release.NotNewer},
		{"older than the highest accepted", good, with(func(p *release.Policy) { p.Highest = "0.8.1" }), release.NotNewer},
		{"equal to the highest accepted", good, with(func(p *release.Policy) { p.Highest = "0.8.0" }), release.NotNewer},
		{"0.10.0 is newer than 0.9.0", sign(t, priv, manifest("0.10.0")), with(func(p *release.Policy) { p.Running = "0.9.0" }), ""},
		{"replayed after its expiry", good, with(func(p *release.Policy) { p.Now = signedAt.Add(31 * 24 * time.Hour) }), release.Expired},
		{"signed in the future", good, with(func(p *release.Policy) { p.Now = signedAt.Add(-48 * time.Hour) }), release.Expired},
		{"another track", signedWith(func(m *release.Manifest) { m.Track = "testing" }), policy, release.OtherTrack},
		{"another architecture", signedWith(func(m *release.Manifest) { m.Arch = "arm64" }), policy, release.OtherTarget},
		{"another OS", signedWith(func(m *release.Manifest) { m.OS = "windows" }), policy, release.OtherTarget},
		{"another product", signedWith(func(m *release.Manifest) { m.Product = "countyd" }), policy, release.OtherProduct},
		{"not JSON", []byte("yichuang 0.8.0"), policy, release.Malformed},
		{"an unknown field", unknownField(t, good), policy, release.Malformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := release.Verify(tc.signed, []ed25519.PublicKey{pub})
			if err == nil {
				err = tc.policy.Check(m)
			}
			if got := release.ReasonOf(err); got != tc.want {
				t.Errorf("got %q (%v), want %q", got, err, tc.want)
			}
		})
	}
}

// A pinned file may hold two keys (a rotation): a release signed by either
// verifies; the context prefix stops a signature over the bare manifest.
func TestKeyFilesAndSignatureContext(t *testing.T) {
	pub1, priv1 := mustKey(t)
	pub2, priv2 := mustKey(t)
	file := append(release.MarshalPublicKey(pub1), release.MarshalPublicKey(pub2)...)
	keys, err := release.ParsePublicKeys(file)
	if err != nil || len(keys) != 2 {
		t.Fatalf("got %d keys (%v), want 2", len(keys), err)
	}
	for _, priv := range []ed25519.PrivateKey{priv1, priv2} {
		if _, err := release.Verify(sign(t, priv, manifest("0.8.0")), keys); err != nil {
			t.Errorf("got %v, want a release signed by a pinned key accepted", err)
		}
	}
	back, err := release.ParsePrivateKey(release.MarshalPrivateKey(priv1))
	if err != nil || !bytes.Equal(back, priv1) {
		t.Errorf("got %v, want the secret key read back", err)
	}
	if _, err := release.ParsePublicKeys(release.MarshalPrivateKey(priv1)); err == nil {
		t.Error("got a secret key file read as a public one, want an error")
	}

	// The same bytes signed without the context are not a manifest signature.
	body, _ := json.Marshal(manifest("0.8.0"))
	env, _ := json.Marshal(release.Envelope{Manifest: body, KeyID: release.KeyID(pub1), Sig: ed25519.Sign(priv1, body)})
	if _, err := release.Verify(env, keys); release.ReasonOf(err) != release.BadSignature {
		t.Errorf("got %v, want %s", err, release.BadSignature)
	}
	if _, err := release.Sign(priv1, release.Manifest{Version: "1"}); err == nil {
		t.Error("got an incomplete manifest signed, want an error")
	}
	m := manifest("0.8.0")
	m.NextKey = base64.StdEncoding.EncodeToString(pub2)
	if _, err := release.Verify(sign(t, priv1, m), keys[:1]); err != nil {
		t.Errorf("got %v, want a manifest naming the next key accepted", err)
	}
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"0.7.0", "0.7.0", 0}, {"0.7.0", "0.8.0", -1}, {"0.10.0", "0.9.9", 1}, {"1.0.0", "0.99.99", 1},
		{"0.7", "0.7.0", -1}, {"0.7.0-dev", "0.0.1", -1}, {"01.0.0", "0.0.1", -1},
	} {
		if got := release.Compare(tc.a, tc.b); got != tc.want {
			t.Errorf("Compare(%q, %q): got %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if ka, kb := release.SortKey(tc.a), release.SortKey(tc.b); ka != "" && kb != "" && strings.Compare(ka, kb) != tc.want {
			t.Errorf("SortKey order of %q, %q: got %d, want %d", tc.a, tc.b, strings.Compare(ka, kb), tc.want)
		}
	}
}

// FuzzParse: no input panics the parser, and whatever it accepts is a
// complete manifest that signs and verifies again unchanged.
func FuzzParse(f *testing.F) {
	pub, priv, _ := release.GenerateKey()
	good, _ := release.Sign(priv, manifest("0.8.0"))
	f.Add(good)
	f.Add([]byte(`{"manifest":"e30=","key_id":"00","sig":""}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, m, err := release.Parse(b)
		if err != nil {
			if release.ReasonOf(err) != release.Malformed {
				t.Fatalf("got %v, want a malformed refusal", err)
			}
			return
		}
		again, err := release.Sign(priv, m)
		if err != nil {
			t.Fatalf("a parsed manifest does not sign: %v", err)
		}
		got, err := release.Verify(again, []ed25519.PublicKey{pub})
		if err != nil || got != m {
			t.Fatalf("got %+v, %v, want %+v", got, err, m)
		}
	})
}
