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
	"strings"
	"unicode"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/textfold"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Length is the number of characters in a code.
const Length = protocol.TrackingLength

const alphabet = protocol.TrackingAlphabet

// Messages for codes that cannot be read.
var (
	ErrLength = msg.New("查询码应为16位（数字和字母），录入的是{{.Len}}位")
	ErrChars  = msg.New("查询码只含数字和字母，第{{.Pos}}位“{{.Char}}”不对")
	ErrCheck  = msg.New("查询码有误，请逐位核对（常见：0和O、1和I、相邻两位颠倒）")
)

// ErrUnusable means the parts give a code whose check value would be "*";
// take the next sequence number (about one in 37 is skipped).
var ErrUnusable = protocol.ErrTrackingUnusable

// Parts are the fields a code is made of.
type Parts = protocol.TrackingParts

// Encode builds the code for p.
func Encode(p Parts) (string, error) { return protocol.EncodeTracking(p) }

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
	if !protocol.TrackingCheckOK(c) {
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
	p, err := protocol.ParseTracking(c)
	if err != nil {
		return Parts{}, ErrCheck
	}
	return p, nil
}

// Format groups a code in fours for print and screen: 4P2K 1X0Q 1A4T 00C7.
func Format(code string) string {
	if len(code) != Length {
		return code
	}
	return code[0:4] + " " + code[4:8] + " " + code[8:12] + " " + code[12:16]
}
