// Package tracking provides case tracking codes (办件查询码): short enough to
// read over the phone and type on a kiosk keypad, unique across every kiosk
// without any coordination, and protected by an ISO 7064 MOD 37-2 check
// character that catches every single-character error and every swap of two
// neighbouring characters.
//
// Why MOD 37-2 and not the hybrid MOD 37,36: the hybrid system misses some
// adjacent transpositions (our test found "…K45E…" ↔ "…K54E…"). The pure
// system works modulo the prime 37, so any single change or swap changes the
// weighted sum; its one drawback is a 37th check value, written "*" by the
// standard, which no keypad has. Codes whose check would be "*" are simply
// never issued (ErrUnusable; the caller takes the next sequence number), so
// every issued code is plain 0–9A–Z and keeps the full guarantee.
//
// Format (16 characters from 0–9 and A–Z, shown in groups of four):
//
//	PPPPPPPP D TTT SSS C
//	│        │ │   │   └ check character, ISO 7064 MOD 37-2 over the first 15
//	│        │ │   └ sequence of the case on that device that day, base 36 (0–46655)
//	│        │ └ day of acceptance, days since 2020-01-01 Beijing time, base 36 (to 2147)
//	│        └ device number within the hall, 1–9 and A–Z (1–35)
//	└ the hall's 12-digit statistical division code, base 36
//
// The division code is unique to the hall nationwide and the device number
// within the hall, so two kiosks can never mint the same code, online or not.
package tracking

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/textfold"
)

// Length is the number of characters in a code.
const Length = 16

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// epoch is day 0 of the TTT field.
var epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, beijing)

var beijing = time.FixedZone("CST", 8*60*60)

// Messages for codes that cannot be read.
var (
	ErrLength = msg.New("查询码应为16位（数字和字母），录入的是{{.Len}}位")
	ErrChars  = msg.New("查询码只含数字和字母，第{{.Pos}}位“{{.Char}}”不对")
	ErrCheck  = msg.New("查询码有误，请逐位核对（常见：0和O、1和I、相邻两位颠倒）")
)

// ErrUnusable means the parts give a code whose check value would be "*";
// take the next sequence number (about one in 37 is skipped).
var ErrUnusable = errors.New("tracking code: check value is '*', use the next sequence")

// Parts are the fields a code is made of.
type Parts struct {
	ServicePoint string // 12-digit division code
	Device       int    // 1–35
	Day          time.Time
	Seq          int // 0–46655
}

// Encode builds the code for p.
func Encode(p Parts) (string, error) {
	point, err := strconv.ParseUint(p.ServicePoint, 10, 64)
	if err != nil || len(p.ServicePoint) != 12 {
		return "", fmt.Errorf("tracking code: service point %q is not a 12-digit code", p.ServicePoint)
	}
	if p.Device < 1 || p.Device > 35 {
		return "", fmt.Errorf("tracking code: device %d not in 1–35", p.Device)
	}
	y, m, d := p.Day.In(beijing).Date()
	days := int(time.Date(y, m, d, 0, 0, 0, 0, beijing).Sub(epoch).Hours() / 24)
	if days < 0 || days >= 36*36*36 {
		return "", fmt.Errorf("tracking code: day %s out of range", p.Day.Format("2006-01-02"))
	}
	if p.Seq < 0 || p.Seq >= 36*36*36 {
		return "", fmt.Errorf("tracking code: sequence %d out of range", p.Seq)
	}
	body := base36(point, 8) + base36(uint64(p.Device), 1) + base36(uint64(days), 3) + base36(uint64(p.Seq), 3)
	c := checkValue(body)
	if c == 36 {
		return "", ErrUnusable
	}
	return body + string(alphabet[c]), nil
}

func base36(n uint64, width int) string {
	s := strings.ToUpper(strconv.FormatUint(n, 36))
	return strings.Repeat("0", width-len(s)) + s
}

// checkValue returns the ISO 7064 MOD 37-2 check value (0–36) of s, which
// must consist of alphabet characters: the value c that makes
// Σ v_i·2^(n-i) + c ≡ 1 (mod 37) over the whole code.
func checkValue(s string) int {
	p := 0
	for i := 0; i < len(s); i++ {
		p = ((p + strings.IndexByte(alphabet, s[i])) * 2) % 37
	}
	return (38 - p) % 37
}

// Normalize reads a code as people type it — lowercase, spaces, dashes,
// full-width characters — and returns the canonical 16 characters, or a
// message saying what is wrong.
func Normalize(s string) (string, error) {
	c := strings.ToUpper(textfold.Compact(s, func(r rune) bool { return r == '-' || unicode.IsSpace(r) }))
	pos := 0
	for _, r := range c {
		pos++
		if !strings.ContainsRune(alphabet, r) {
			return "", msg.New(ErrChars.Key, "Pos", pos, "Char", string(r))
		}
	}
	if len(c) != Length {
		return "", msg.New(ErrLength.Key, "Len", pos)
	}
	if checkValue(c[:Length-1]) != strings.IndexByte(alphabet, c[Length-1]) {
		return "", ErrCheck
	}
	return c, nil
}

// Decode returns the parts of a valid code.
func Decode(s string) (Parts, error) {
	c, err := Normalize(s)
	if err != nil {
		return Parts{}, err
	}
	point, _ := strconv.ParseUint(c[0:8], 36, 64)
	dev, _ := strconv.ParseUint(c[8:9], 36, 64)
	days, _ := strconv.ParseUint(c[9:12], 36, 64)
	seq, _ := strconv.ParseUint(c[12:15], 36, 64)
	if point > 999999999999 || dev == 0 {
		return Parts{}, ErrCheck
	}
	return Parts{ServicePoint: fmt.Sprintf("%012d", point), Device: int(dev),
		Day: epoch.AddDate(0, 0, int(days)), Seq: int(seq)}, nil
}

// Format groups a code in fours for print and screen: 4P2K 1X0Q 1A4T 00C7.
func Format(code string) string {
	if len(code) != Length {
		return code
	}
	return code[0:4] + " " + code[4:8] + " " + code[8:12] + " " + code[12:16]
}
