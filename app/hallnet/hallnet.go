// Package hallnet provides the trust of a hall's LAN: the hub's own
// certificate (made on the hub, no CA, no internet), machines pinning it by
// its SHA-256, the one-time pairing code a supervisor reads off the hub and
// types at a new machine, and the bearer tokens paired machines use.
//
// A pairing code carries a prefix of the hub certificate's fingerprint and
// a secret. The new machine connects over TLS, accepts the hub only if its
// certificate matches the prefix (so nobody else on the LAN can pose as the
// hub), and then sends the secret (so nobody else can pair): after that it
// pins the whole fingerprint, and the hub knows it by its token.
package hallnet

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// Identity is the hub's certificate and private key, PEM encoded.
type Identity struct {
	CertPEM, KeyPEM []byte
}

// NewIdentity makes a hub's self-signed certificate (ECDSA P-256, valid 30
// years: a hub is replaced long before, and an expired pin would cut the
// hall off with nobody there to fix it). name goes into its subject.
func NewIdentity(name string, now time.Time) (Identity, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Identity{}, fmt.Errorf("hub key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return Identity{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Yichuang hall hub " + name, Organization: []string{"一窗 Yichuang"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(30, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"yichuang-hub"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return Identity{}, fmt.Errorf("hub certificate: %w", err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return Identity{}, err
	}
	return Identity{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}),
	}, nil
}

// Fingerprint is the SHA-256 of the certificate (DER), lowercase hex.
func (id Identity) Fingerprint() (string, error) {
	b, _ := pem.Decode(id.CertPEM)
	if b == nil {
		return "", errors.New("hub certificate is not PEM")
	}
	return fingerprint(b.Bytes), nil
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// ServerConfig is the hub's TLS configuration.
func ServerConfig(id Identity) (*tls.Config, error) {
	cert, err := tls.X509KeyPair(id.CertPEM, id.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("hub certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}, nil
}

// ErrPin says the server's certificate is not the hub's: another machine
// answers at the hub's address (or the hub was replaced without pairing
// again).
var ErrPin = errors.New("the server's certificate is not the paired hub's")

// PinnedConfig trusts exactly the certificate whose SHA-256 is fingerprint
// (hex). No CA and no name are involved: the pin is the trust.
func PinnedConfig(fingerprint string) *tls.Config {
	want := strings.ToLower(fingerprint)
	return pinned(func(got string) bool {
		return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
	})
}

func pinned(ok func(fingerprint string) bool) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		// The chain and name checks are replaced by the pin below, which
		// is stricter: one certificate, byte for byte.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || !ok(fingerprint(cs.PeerCertificates[0].Raw)) {
				return ErrPin
			}
			return nil
		},
	}
}

// Pairing code layout: 20 symbols of Crockford's base32 (no I, L, O, U),
// shown in five groups of four. The first 12 are 60 bits of the hub
// certificate's fingerprint, the next 7 a 35-bit secret, the last a check
// symbol that catches a mistyped or swapped symbol before anything is sent.
const (
	alphabet   = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	fpSymbols  = 12
	secSymbols = 7
	codeLen    = fpSymbols + secSymbols + 1
)

// ErrCode says a pairing code cannot be read (wrong length, a symbol that
// is not in the code's alphabet, or a wrong check symbol).
var ErrCode = errors.New("pairing code mistyped")

// Code is a parsed pairing code.
type Code struct {
	// FingerprintPrefix is the first 60 bits of the hub's fingerprint, as
	// 12 symbols.
	FingerprintPrefix string
	// Secret is what the hub checks.
	Secret string
}

// NewCode makes a pairing code for the hub whose certificate has the
// given fingerprint; the secret is random.
func NewCode(fingerprint string) (code string, c Code, err error) {
	fp, err := hex.DecodeString(fingerprint)
	if err != nil || len(fp) < 8 {
		return "", Code{}, fmt.Errorf("fingerprint %q", fingerprint)
	}
	c.FingerprintPrefix = encode(fp[:8], fpSymbols)
	sec := make([]byte, 5)
	if _, err := rand.Read(sec); err != nil {
		return "", Code{}, err
	}
	c.Secret = encode(sec, secSymbols)
	raw := c.FingerprintPrefix + c.Secret
	raw += string(alphabet[check(raw)])
	var groups []string
	for i := 0; i < len(raw); i += 4 {
		groups = append(groups, raw[i:i+4])
	}
	return strings.Join(groups, "-"), c, nil
}

// encode writes the first n*5 bits of b as n symbols.
func encode(b []byte, n int) string {
	var v big.Int
	v.SetBytes(b)
	v.Rsh(&v, uint(len(b)*8-n*5))
	out := make([]byte, n)
	mask := big.NewInt(31)
	for i := n - 1; i >= 0; i-- {
		var s big.Int
		s.And(&v, mask)
		out[i] = alphabet[s.Int64()]
		v.Rsh(&v, 5)
	}
	return string(out)
}

// check is a weighted sum mod 31: a prime, so one wrong symbol and a swap
// of two neighbours change it, unless the two symbols are 0 and Z (31
// apart). A mistake it misses is still refused by the hub (the prefix or
// the secret does not match), only with a less precise message.
func check(s string) int {
	sum := 0
	for i := 0; i < len(s); i++ {
		sum += (i + 1) * strings.IndexByte(alphabet, s[i])
	}
	return sum % 31
}

// ParseCode reads a pairing code as a person typed it: any case, with or
// without dashes and spaces, O read as 0 and I or L as 1.
func ParseCode(s string) (Code, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case ' ', '-', '\t':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > 127 || !strings.ContainsRune(alphabet, r) {
			return Code{}, ErrCode
		}
		b.WriteRune(r)
	}
	raw := b.String()
	if len(raw) != codeLen || alphabet[check(raw[:codeLen-1])] != raw[codeLen-1] {
		return Code{}, ErrCode
	}
	return Code{FingerprintPrefix: raw[:fpSymbols], Secret: raw[fpSymbols : fpSymbols+secSymbols]}, nil
}

// PairingConfig trusts a server whose certificate matches a pairing code's
// fingerprint prefix, and reports the full fingerprint it saw through got,
// to be pinned from then on.
func PairingConfig(c Code, got *string) *tls.Config {
	return pinned(func(fp string) bool {
		b, err := hex.DecodeString(fp)
		if err != nil || len(b) < 8 || subtle.ConstantTimeCompare([]byte(encode(b[:8], fpSymbols)), []byte(c.FingerprintPrefix)) != 1 {
			return false
		}
		*got = fp
		return true
	})
}

// HashSecret is how the hub keeps a pairing secret or a token: SHA-256,
// hex. Both are random with enough bits that a fast hash is the right one.
func HashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// NewToken is a machine's bearer token: 32 random bytes.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Bearer is the token a request carries, or "".
func Bearer(r *http.Request) string {
	t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	return strings.TrimSpace(t)
}
