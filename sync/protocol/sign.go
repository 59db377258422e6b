package protocol

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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
