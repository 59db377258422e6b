// Package release provides the signed release manifests of kiosk updates
// (docs/updates.md): an Ed25519 signature over a small JSON manifest that
// names the binary by its SHA-256, the version, the track and the platform
// it is for, and when the signature stops being good. Release signing
// happens offline (countyd release sign, with a private key file); the
// county center only stores and serves what was signed; a kiosk checks the
// signature against the public keys pinned when it was installed, and its
// Policy against what it runs and has accepted before.
//
// Standard library only: both the kiosk and countyd import it.
package release

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Product is the only product a kiosk installs: a manifest for another
// (countyd, say, signed with the same key) is refused.
const Product = "yichuang"

// context is prefixed to the signed bytes, so a signature made by the
// release key for anything else (another format, another tool) never
// verifies as a manifest.
const context = "yichuang-release-v1\n"

// MaxManifest bounds a signed manifest: a few short fields fit many times.
const MaxManifest = 8 << 10

// Manifest is what the release key vouches for.
type Manifest struct {
	Product string `json:"product"`
	Version string `json:"version"`
	// Track is the release line the kiosk was installed on ("stable"); a
	// release signed for another track is refused. (The county's pilot
	// and all are its rollout, not part of the signature: staff choose
	// who gets a signed release first.)
	Track  string `json:"track"`
	OS     string `json:"os"`
	Arch   string `json:"arch"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Signed and Expires bound when the signature is good: an old
	// manifest replayed after Expires is refused (a county, or someone
	// between it and the kiosk, cannot keep offering a release the
	// signer has stopped vouching for).
	Signed  time.Time `json:"signed"`
	Expires time.Time `json:"expires"`
	// NextKey, when set, is the public key (base64) that signs the
	// releases after this one: the old key names its successor (key
	// rotation, docs/updates.md).
	NextKey string `json:"next_key,omitempty"`
}

// Envelope is a signed manifest as it travels and is stored: the exact
// signed bytes (so nothing is re-encoded before it is checked), the id of
// the key that signed them, and the signature.
type Envelope struct {
	Manifest []byte `json:"manifest"` // base64 in JSON
	KeyID    string `json:"key_id"`
	Sig      []byte `json:"sig"`
}

// Reasons a manifest or a release is refused, reported to the county as
// "refused: <reason>".
const (
	Malformed    = "malformed"      // not a manifest
	UnknownKey   = "unknown-key"    // signed by a key the kiosk does not trust
	BadSignature = "bad-signature"  // the signature does not verify
	Expired      = "expired"        // past its Expires (or signed in the future)
	OtherProduct = "other-product"  // not a kiosk release
	OtherTrack   = "other-track"    // signed for another track
	OtherTarget  = "other-platform" // another OS or architecture
	NotNewer     = "not-newer"      // not newer than what runs or was accepted (rollback)
	HashMismatch = "hash-mismatch"  // the downloaded bytes are not the signed ones
)

// Refusal is why a release is not installed.
type Refusal struct {
	Reason string // one of the reasons above
	Detail string
}

func (r *Refusal) Error() string {
	if r.Detail == "" {
		return r.Reason
	}
	return r.Reason + ": " + r.Detail
}

func refuse(reason, format string, args ...any) error {
	return &Refusal{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// ReasonOf returns a refusal's reason, or "" for any other error.
func ReasonOf(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}

// KeyID names a public key: the first 8 bytes of its SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return hex.EncodeToString(h[:8])
}

// Sign signs m with priv and returns the envelope's JSON.
func Sign(priv ed25519.PrivateKey, m Manifest) ([]byte, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	env := Envelope{Manifest: body, KeyID: KeyID(priv.Public().(ed25519.PublicKey)),
		Sig: ed25519.Sign(priv, append([]byte(context), body...))}
	return json.Marshal(env)
}

// Parse reads an envelope and its manifest without checking the
// signature: for the county, which shows and serves what was signed but
// holds no key that could make it trusted.
func Parse(signed []byte) (Envelope, Manifest, error) {
	var env Envelope
	var m Manifest
	if len(signed) > MaxManifest {
		return env, m, refuse(Malformed, "manifest of %d bytes", len(signed))
	}
	if err := strictJSON(signed, &env); err != nil {
		return env, m, refuse(Malformed, "envelope: %v", err)
	}
	if err := strictJSON(env.Manifest, &m); err != nil {
		return env, m, refuse(Malformed, "manifest: %v", err)
	}
	if err := m.validate(); err != nil {
		return env, m, err
	}
	return env, m, nil
}

func strictJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

// validate checks the fields every manifest needs.
func (m Manifest) validate() error {
	switch {
	case m.Product == "":
		return refuse(Malformed, "no product")
	case !ValidVersion(m.Version):
		return refuse(Malformed, "version %q is not MAJOR.MINOR.PATCH", m.Version)
	case m.Track == "" || m.OS == "" || m.Arch == "":
		return refuse(Malformed, "track, os and arch are required")
	case len(m.SHA256) != 64 || strings.Trim(m.SHA256, "0123456789abcdef") != "":
		return refuse(Malformed, "sha256 must be 64 lowercase hex digits")
	case m.Size <= 0:
		return refuse(Malformed, "size %d", m.Size)
	case m.Expires.IsZero() || !m.Expires.After(m.Signed):
		return refuse(Malformed, "expires must follow signed")
	}
	if m.NextKey != "" {
		if k, err := base64.StdEncoding.DecodeString(m.NextKey); err != nil || len(k) != ed25519.PublicKeySize {
			return refuse(Malformed, "next_key is not an Ed25519 public key")
		}
	}
	return nil
}

// Verify checks that signed is a manifest signed by one of keys and
// returns it. It does not judge whether the release suits this kiosk
// (Policy.Check does).
func Verify(signed []byte, keys []ed25519.PublicKey) (Manifest, error) {
	env, m, err := Parse(signed)
	if err != nil {
		return Manifest{}, err
	}
	for _, k := range keys {
		if KeyID(k) != env.KeyID {
			continue
		}
		if !ed25519.Verify(k, append([]byte(context), env.Manifest...), env.Sig) {
			return Manifest{}, refuse(BadSignature, "key %s", env.KeyID)
		}
		return m, nil
	}
	return Manifest{}, refuse(UnknownKey, "key %s is not pinned here", env.KeyID)
}

// Policy is what a kiosk accepts: its product, track and platform, only
// versions newer than the one it runs and than the highest it ever
// accepted (a rollback to an older signed release is refused even after
// the newer one was itself rolled back), and only while the signature is
// good at Now.
type Policy struct {
	Track, OS, Arch string
	Running         string
	Highest         string // "" when nothing was ever accepted
	Now             time.Time
}

// Check returns nil when m may be installed, else a *Refusal.
func (p Policy) Check(m Manifest) error {
	switch {
	case m.Product != Product:
		return refuse(OtherProduct, "%s", m.Product)
	case m.Track != p.Track:
		return refuse(OtherTrack, "%s, this kiosk follows %s", m.Track, p.Track)
	case m.OS != p.OS || m.Arch != p.Arch:
		return refuse(OtherTarget, "%s/%s, this kiosk is %s/%s", m.OS, m.Arch, p.OS, p.Arch)
	case !p.Now.Before(m.Expires):
		return refuse(Expired, "expired %s", m.Expires.UTC().Format(time.RFC3339))
	case p.Now.Add(clockSlack).Before(m.Signed):
		return refuse(Expired, "signed %s, in the future", m.Signed.UTC().Format(time.RFC3339))
	}
	for _, v := range []string{p.Running, p.Highest} {
		if ValidVersion(v) && Compare(m.Version, v) <= 0 {
			return refuse(NotNewer, "%s is not newer than %s", m.Version, v)
		}
	}
	return nil
}

// clockSlack tolerates a kiosk clock a little behind the signer's.
const clockSlack = 24 * time.Hour

// ValidVersion reports whether v is MAJOR.MINOR.PATCH in decimal digits.
func ValidVersion(v string) bool {
	_, ok := parts(v)
	return ok
}

func parts(v string) ([3]int, bool) {
	var out [3]int
	f := strings.Split(v, ".")
	if len(f) != 3 {
		return out, false
	}
	for i, s := range f {
		if s == "" || len(s) > 6 || strings.Trim(s, "0123456789") != "" || (len(s) > 1 && s[0] == '0') {
			return out, false
		}
		out[i], _ = strconv.Atoi(s)
	}
	return out, true
}

// Compare orders two valid versions numerically (0.10.0 after 0.9.0): -1,
// 0 or +1. An invalid version sorts before every valid one.
func Compare(a, b string) int {
	pa, oka := parts(a)
	pb, okb := parts(b)
	switch {
	case !oka && !okb:
		return strings.Compare(a, b)
	case !oka:
		return -1
	case !okb:
		return 1
	}
	for i := range pa {
		if pa[i] != pb[i] {
			if pa[i] < pb[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// SortKey is a version written so that text order is version order (the
// county's newest-release query): each part zero-padded to 6 digits.
func SortKey(v string) string {
	p, ok := parts(v)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%06d.%06d.%06d", p[0], p[1], p[2])
}

// Key files: one key a line, "<kind> <base64>", # comments and blank
// lines allowed. A public key file may hold several keys (the old and the
// new one during a rotation).
const (
	publicKind = "yichuang-update-key-v1"
	secretKind = "yichuang-update-secret-v1"
)

// GenerateKey makes a release key pair.
func GenerateKey() (ed25519.PublicKey, ed25519.PrivateKey, error) {
	return ed25519.GenerateKey(rand.Reader)
}

// MarshalPublicKey writes pub as one line of a public key file.
func MarshalPublicKey(pub ed25519.PublicKey) []byte {
	return []byte(fmt.Sprintf("# key %s\n%s %s\n", KeyID(pub), publicKind, base64.StdEncoding.EncodeToString(pub)))
}

// MarshalPrivateKey writes priv's seed as a secret key file.
func MarshalPrivateKey(priv ed25519.PrivateKey) []byte {
	return []byte(fmt.Sprintf("# release signing key %s: keep offline\n%s %s\n",
		KeyID(priv.Public().(ed25519.PublicKey)), secretKind, base64.StdEncoding.EncodeToString(priv.Seed())))
}

// ParsePublicKeys reads a public key file.
func ParsePublicKeys(b []byte) ([]ed25519.PublicKey, error) {
	var keys []ed25519.PublicKey
	err := eachKey(b, publicKind, ed25519.PublicKeySize, func(k []byte) { keys = append(keys, ed25519.PublicKey(k)) })
	if err == nil && len(keys) == 0 {
		err = errors.New("no public key in the file")
	}
	return keys, err
}

// ParsePrivateKey reads a secret key file.
func ParsePrivateKey(b []byte) (ed25519.PrivateKey, error) {
	var key ed25519.PrivateKey
	err := eachKey(b, secretKind, ed25519.SeedSize, func(k []byte) { key = ed25519.NewKeyFromSeed(k) })
	if err == nil && key == nil {
		err = errors.New("no secret key in the file")
	}
	return key, err
}

func eachKey(b []byte, kind string, size int, fn func([]byte)) error {
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, " ")
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
		if k != kind || err != nil || len(raw) != size {
			return fmt.Errorf("line %d: not a %s line", i+1, kind)
		}
		fn(raw)
	}
	return nil
}
