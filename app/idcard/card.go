// Package idcard provides what a second-generation ID-card reader (二代证阅读器)
// reads: the Card, the Reader that reads one, the parsing of the standard SDT
// base message (the 256 bytes of UCS-2 text every certified reader returns)
// and a Poller that watches a reader off the UI goroutine and reports a card
// put down or taken away.
//
// The driver that talks to a vendor's library is in idcard/sdt; this package
// is pure Go so that screens can use its types without loading anything.
package idcard

import (
	"context"
	"image"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/workday"
)

// Kind is which document lay on the reader. The SDT base message says it in
// its 125th character (GA 467 and the 2017/2023 foreign-card additions).
type Kind int

// Kinds of card the SDT API reads.
const (
	// Resident is the 居民身份证 (type flag blank).
	Resident Kind = iota
	// Foreign2017 is the 2017 外国人永久居留身份证 (flag "I"): a 15-character
	// number of three letters and twelve digits, which the kiosk's 18-character
	// ID rules do not take.
	Foreign2017
	// Foreign2023 is the 2023 外国人永久居留身份证 (flag "Y"): an 18-character
	// number starting with 9, checked like a resident's.
	Foreign2023
	// HKMacaoTaiwan is the 港澳台居民居住证 (flag "J"): a resident-card layout
	// and an 18-digit number starting 81, 82 or 83.
	HKMacaoTaiwan
)

// Kinds are every kind, for the screens' translations.
var Kinds = []Kind{Resident, Foreign2017, Foreign2023, HKMacaoTaiwan}

// KindName is the document's name for screens.
func KindName(k Kind) string {
	switch k {
	case Foreign2017, Foreign2023:
		return "外国人永久居留身份证"
	case HKMacaoTaiwan:
		return "港澳台居民居住证"
	}
	return "居民身份证"
}

// Card is what a reader read from a card. Text fields are as the chip holds
// them with the padding trimmed; codes (sex, nation) are turned into words.
type Card struct {
	Kind Kind
	// Name is the Chinese name; on a foreign card without one it is the
	// English name.
	Name string
	// EnglishName is a foreign card's name in Latin letters.
	EnglishName string
	// Sex is 男 or 女 (未知 for the codes 0 and 9).
	Sex string
	// Nation is the 民族 of a resident, or a foreign card's nationality code
	// (ISO 3166 alpha-3, e.g. CAN).
	Nation string
	// Birth is the birth date as printed, YYYYMMDD.
	Birth string
	// Address is the 住址 (residents and residence permits only).
	Address string
	// IDNumber is the number on the card; never logged, masked on screen.
	IDNumber string
	// Authority is the 签发机关 (a foreign card holds the code of the office
	// that accepted the application).
	Authority string
	// ValidFrom and ValidTo are YYYYMMDD; ValidTo is 长期 on a card that
	// does not expire.
	ValidFrom, ValidTo string
	// PassNumber and IssueCount are a 港澳台居民居住证's 通行证号码 and 签发次数.
	PassNumber, IssueCount string
	// Photo is the holder's photo when the vendor's WLT decoder is
	// configured; nil otherwise.
	Photo image.Image
}

// Permanent is how the chip writes a card valid for life.
const Permanent = "长期"

// Expired says whether the card's validity ended before now's day in China
// (a card valid to 20240101 is still good on that day). A date that does not
// parse is treated as expired: an unreadable validity is not accepted
// silently.
func (c Card) Expired(now time.Time) bool {
	if c.ValidTo == Permanent {
		return false
	}
	to, err := time.ParseInLocation("20060102", c.ValidTo, workday.China)
	if err != nil {
		return true
	}
	today := now.In(workday.China)
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, workday.China)
	return to.Before(day)
}

// ValidText is the validity as printed on the back of the card.
func (c Card) ValidText() string {
	return dotted(c.ValidFrom) + "-" + dotted(c.ValidTo)
}

func dotted(d string) string {
	if len(d) != 8 {
		return d
	}
	return d[:4] + "." + d[4:6] + "." + d[6:]
}

// SameHolder says whether two ID numbers are the same person's, ignoring a
// lower-case x and spaces typed at a counter.
func SameHolder(a, b string) bool {
	n := func(s string) string { return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", "")) }
	return n(a) != "" && n(a) == n(b)
}

// Reader reads the card on the reader. Read returns ErrNoCard when nothing
// lies there, ErrNoReader when the reader or its library cannot be reached,
// ErrRemoved when the card was taken away while it was read, and an error
// wrapping ErrReadFailed for anything else the reader reports.
type Reader interface {
	Read(ctx context.Context) (Card, error)
}
