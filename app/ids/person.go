package ids

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/workday"
)

// IDKind is the kind of document a person's 18-character number belongs to.
// The two kinds share length, birth date and check digit (GB 11643-1999's
// mod 11-2), but not their first digits, so the number itself tells them
// apart and a clerk need not choose.
type IDKind string

// Kinds of personal identity numbers.
const (
	// ResidentCard: 居民身份证, and the residence permits of Hong Kong, Macao
	// and Taiwan residents (81, 82, 83), which use the same format.
	ResidentCard IDKind = "resident"
	// ForeignPermanent: 外国人永久居留身份证 (2023 edition): 9, the
	// province where it was issued, a three-digit nationality code, the
	// birth date, a sequence number and the check digit.
	ForeignPermanent IDKind = "foreign_permanent"
)

// KindName is the document's name as printed on papers and shown on screen.
func KindName(k IDKind) string {
	if k == ForeignPermanent {
		return "外国人永久居留身份证"
	}
	return "居民身份证"
}

// KindOf tells which document a normalized number is of.
func KindOf(id string) IDKind {
	if len(id) == 18 && id[0] == '9' {
		return ForeignPermanent
	}
	return ResidentCard
}

// Messages for the foreign permanent resident ID card.
var (
	ErrFPChars       = msg.New("外国人永久居留身份证号码前17位只能是数字，最后一位是数字或X（第{{.Pos}}位是“{{.Char}}”）")
	ErrFPProvince    = msg.New("外国人永久居留身份证号码第2–3位“{{.Code}}”不是有效的受理地省级代码")
	ErrFPNationality = msg.New("外国人永久居留身份证号码第4–6位“{{.Code}}”不是有效的国籍代码")
	ErrFPBirthDate   = msg.New("外国人永久居留身份证号码第7–14位的出生日期“{{.Date}}”不是真实的日期或晚于今天")
	ErrFPChecksum    = msg.New("外国人永久居留身份证号码校验位不对：按前17位算出最后一位应为“{{.Want}}”，录入的是“{{.Got}}”，请逐位核对")
)

// nationalities are the ISO 3166-1 numeric codes the card's fourth to
// sixth digits take (from Debian's iso-codes 4.15). China (156) and its
// Hong Kong (344), Macao (446) and Taiwan (158) are left out: their
// residents hold other documents.
var nationalities = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(isoNumeric) {
		m[c] = true
	}
	return m
}()

const isoNumeric = "" +
	"004 008 010 012 016 020 024 028 031 032 036 040 044 048 050 051 052 056 060 064 " +
	"068 070 072 074 076 084 086 090 092 096 100 104 108 112 116 120 124 132 136 140 " +
	"144 148 152 162 166 170 174 175 178 180 184 188 191 192 196 203 204 208 212 214 " +
	"218 222 226 231 232 233 234 238 239 242 246 248 250 254 258 260 262 266 268 270 " +
	"275 276 288 292 296 300 304 308 312 316 320 324 328 332 334 336 340 348 352 356 " +
	"360 364 368 372 376 380 384 388 392 398 400 404 408 410 414 417 418 422 426 428 " +
	"430 434 438 440 442 450 454 458 462 466 470 474 478 480 484 492 496 498 499 500 " +
	"504 508 512 516 520 524 528 531 533 534 535 540 548 554 558 562 566 570 574 578 " +
	"580 581 583 584 585 586 591 598 600 604 608 612 616 620 624 626 630 634 638 642 " +
	"643 646 652 654 659 660 662 663 666 670 674 678 682 686 688 690 694 702 703 704 " +
	"705 706 710 716 724 728 729 732 740 744 748 752 756 760 762 764 768 772 776 780 " +
	"784 788 792 795 796 798 800 804 807 818 826 831 832 833 834 840 850 854 858 860 " +
	"862 876 882 887 894"

// NormalizePersonID returns the canonical form of a valid personal ID
// number of either kind: a resident ID, or a foreign permanent resident ID
// (recognised by its leading 9, which no province code has).
func NormalizePersonID(s string, today time.Time) (string, error) {
	id := strings.ToUpper(normalize(s))
	if utf8.RuneCountInString(id) == 18 && strings.HasPrefix(id, "9") {
		return NormalizeForeignPermanentID(id, today)
	}
	return NormalizeResidentID(s, today)
}

// NormalizeForeignPermanentID checks a 2023 foreign permanent resident ID
// card number (外国人永久居留身份证) against today's date.
func NormalizeForeignPermanentID(s string, today time.Time) (string, error) {
	id := strings.ToUpper(normalize(s))
	if n := utf8.RuneCountInString(id); n != 18 {
		if n == 0 {
			return "", ErrEmpty
		}
		return "", msg.New(ErrIDLength.Key, "Len", n)
	}
	pos := 0
	for i, r := range id {
		pos++
		if r >= '0' && r <= '9' || i == 17 && r == 'X' {
			continue
		}
		return "", msg.New(ErrFPChars.Key, "Pos", pos, "Char", string(r))
	}
	if id[0] != '9' {
		return "", msg.New(ErrFPChars.Key, "Pos", 1, "Char", id[:1])
	}
	if !provinces[id[1:3]] || id[1] >= '7' {
		return "", msg.New(ErrFPProvince.Key, "Code", id[1:3])
	}
	if !nationalities[id[3:6]] {
		return "", msg.New(ErrFPNationality.Key, "Code", id[3:6])
	}
	if birthDate(id[6:14], today) != nil {
		return "", msg.New(ErrFPBirthDate.Key, "Date", id[6:14])
	}
	if want := ResidentIDCheck(id); want != id[17] {
		return "", msg.New(ErrFPChecksum.Key, "Want", string(want), "Got", string(id[17]))
	}
	return id, nil
}

// birthDate checks eight digits as a real date between 1850 and today.
func birthDate(s string, today time.Time) error {
	birth, err := time.Parse("20060102", s)
	if err != nil {
		return msg.New(ErrIDBirthDate.Key, "Date", s)
	}
	if birth.Year() < 1850 {
		return msg.New(ErrIDBirthTooOld.Key, "Year", birth.Year())
	}
	// Today is the hall's calendar day, not the machine's.
	y, m, d := today.In(workday.China).Date()
	if birth.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
		return msg.New(ErrIDBirthFuture.Key, "Date", birth.Format("2006-01-02"))
	}
	return nil
}
