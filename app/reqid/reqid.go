// Package reqid makes the ids terminals put on requests that must take
// effect at most once (a ticket, a booking, a call): random, so two
// terminals never pick the same one, and kept by the caller for retries.
package reqid

import (
	"crypto/rand"
	"encoding/hex"
)

// New returns a fresh 128-bit random id in hex.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
