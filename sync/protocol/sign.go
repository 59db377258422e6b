package protocol

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// Canonical is the text a request signature covers: the method, the path
// with its query exactly as sent, the timestamp (Unix seconds), the nonce and
// the hex SHA-256 of the body bytes as sent (compressed if compressed),
// joined by newlines. Covering the body hash rather than the body keeps the
// signature cheap to check before the body is read.
func Canonical(method, pathAndQuery, timestamp, nonce, bodySHA256 string) string {
	return strings.Join([]string{strings.ToUpper(method), pathAndQuery, timestamp, nonce, bodySHA256}, "\n")
}

// BodyHash is the hex SHA-256 of a request body ("" hashes the empty body).
func BodyHash(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:])
}

// Sign returns the hex HMAC-SHA256 of canonical under the device secret.
func Sign(secret, canonical string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(canonical))
	return hex.EncodeToString(m.Sum(nil))
}

// Verify compares a signature in constant time.
func Verify(secret, canonical, signature string) bool {
	want, err := hex.DecodeString(Sign(secret, canonical))
	if err != nil {
		return false
	}
	got, err := hex.DecodeString(signature)
	if err != nil {
		return false
	}
	return hmac.Equal(got, want)
}

// Device keys. A device enrolled by 0.8 or later holds an Ed25519 private
// key it made itself; the county stores only the public key, so nothing
// the county holds lets anyone act as the device. Devices enrolled before
// hold an HMAC secret the county also holds; they move to a key pair with
// POST /api/v1/device/key (RekeyRequest), signed one last time with the
// secret, after which the county forgets the secret.

// SignEd25519 returns the base64 Ed25519 signature of canonical.
func SignEd25519(key ed25519.PrivateKey, canonical string) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(key, []byte(canonical)))
}

// VerifyEd25519 checks a base64 Ed25519 signature.
func VerifyEd25519(pub ed25519.PublicKey, canonical, signature string) bool {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || len(sig) != ed25519.SignatureSize || len(pub) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(pub, []byte(canonical), sig)
}

// EncodePublicKey writes a public key as the protocol carries it (base64).
func EncodePublicKey(pub ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(pub) }

// DecodePublicKey reads a public key as the protocol carries it.
func DecodePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("a public key is 32 bytes in base64")
	}
	return ed25519.PublicKey(b), nil
}
