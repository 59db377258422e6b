package cases

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"strings"
)

// QueryPINDigits is the length of the query PIN (查询密码). Six digits with
// the store's lock (five tries, then a quarter of an hour) leave a guesser
// about one chance in 200,000 per lock period.
const QueryPINDigits = 6

// NewQueryPIN draws a PIN from r (crypto/rand.Reader in production) and
// returns it with its salted hash, which is all the case keeps.
func NewQueryPIN(r io.Reader) (pin, hash string, err error) {
	if r == nil {
		r = rand.Reader
	}
	n, err := rand.Int(r, big.NewInt(1_000_000))
	if err != nil {
		return "", "", fmt.Errorf("draw query pin: %w", err)
	}
	pin = fmt.Sprintf("%0*d", QueryPINDigits, n.Int64())
	salt := make([]byte, 16)
	if _, err := io.ReadFull(r, salt); err != nil {
		return "", "", fmt.Errorf("draw query pin salt: %w", err)
	}
	return pin, hashPIN(salt, pin), nil
}

// hashPIN is "s1$salt$sha256(salt‖pin)" in hex. The hash alone would fall
// to a search of a million PINs; it is kept inside the sealed case record,
// so reading it needs the data key first.
func hashPIN(salt []byte, pin string) string {
	sum := sha256.Sum256(append(append([]byte{}, salt...), pin...))
	return "s1$" + hex.EncodeToString(salt) + "$" + hex.EncodeToString(sum[:])
}

// VerifyQueryPIN reports whether pin matches hash, in constant time.
func VerifyQueryPIN(hash, pin string) bool {
	pin = strings.TrimSpace(pin)
	parts := strings.Split(hash, "$")
	if len(parts) != 3 || parts[0] != "s1" || len(pin) != QueryPINDigits || strings.Trim(pin, "0123456789") != "" {
		return false
	}
	salt, err := hex.DecodeString(parts[1])
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(hashPIN(salt, pin)), []byte(hash)) == 1
}
