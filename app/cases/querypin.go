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
	"time"

	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/msg"
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

// Messages of the query PIN's reset.
var (
	ErrPINResetWho     = msg.New("证件号码与申请人（单位为法定代表人）或已登记受托人的都不一致，不能重置查询密码；请核对来人的证件")
	ErrPINResetReduced = msg.New("此件已办结归档，个人信息已按规定删除，无法核对身份，不能重置查询密码；请向县行政服务中心查询")
)

// PINReset is what the event of a reset records: whom the person at the
// window stood for. Never the PIN, its hash or an ID number: the event goes
// to every machine of the hall, to the county and into the history.
type PINReset struct {
	As string `json:"as"` // applicant, legal_rep or authorized
}

// ResetQueryPIN gives a case a new query PIN (查询密码) for a citizen who
// lost the paper: the clerk has the person's ID card in hand and idNumber
// is what the clerk typed from it. Only the applicant (an enterprise's legal
// representative) or a registered 受托人 may have it, as only they may
// collect the result (Deliver); the old PIN stops working, since the hash
// is replaced. The new PIN is on the returned case (QueryPIN) for the
// citizen's notice only, with its hash (QueryPINHash) for the record. A
// reduced case has no one left to check against and is refused.
func ResetQueryPIN(c Case, idNumber string, r io.Reader, now time.Time) (Case, PINReset, error) {
	if !c.Reduced.IsZero() {
		return c, PINReset{}, ErrPINResetReduced
	}
	id, err := ids.NormalizePersonID(idNumber, now)
	if err != nil {
		return c, PINReset{}, err
	}
	as := c.standsFor(id)
	if as == "" {
		return c, PINReset{}, ErrPINResetWho
	}
	pin, hash, err := NewQueryPIN(r)
	if err != nil {
		return c, PINReset{}, err
	}
	c.QueryPIN, c.QueryPINHash = pin, hash
	return c, PINReset{As: as}, nil
}
