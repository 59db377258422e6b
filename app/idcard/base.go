package idcard

import (
	"fmt"
	"strings"
	"unicode/utf16"
)

// BaseSize is the length of the SDT base message (SDT_ReadBaseMsg's CHMsg):
// 128 UCS-2 little-endian characters in fixed-width fields.
const BaseSize = 256

// PhotoSize is the length of the WLT-compressed photo (PHMsg).
const PhotoSize = 1024

// flagAt is the byte offset of the card-type flag, the same in every layout.
const flagAt = 248

// field is one fixed-width slot of a layout, in bytes.
type field struct {
	off, size int
}

// The layouts, by byte offset and width. Resident (GA 467):
// name 30, sex 2, nation 4, birth 16, address 70, ID 36, authority 30,
// valid from 16, valid to 16, reserved 36. The 港澳台 residence permit keeps
// it and puts its pass number (18) and issue count (4) in the reserved area.
var (
	rName, rSex, rNation, rBirth = field{0, 30}, field{30, 2}, field{32, 4}, field{36, 16}
	rAddress, rID, rAuthority    = field{52, 70}, field{122, 36}, field{158, 30}
	rFrom, rTo                   = field{188, 16}, field{204, 16}
	jPass, jIssues               = field{220, 18}, field{238, 4}
)

// 2017 foreign permanent-resident card: English name 120, sex 2, number 30,
// nationality 6, Chinese name 30, valid from 16, valid to 16, birth 16,
// card version 4, authority code 8, type flag 2, reserved 6.
var (
	iEnglish, iSex, iID, iNation = field{0, 120}, field{120, 2}, field{122, 30}, field{152, 6}
	iName, iFrom, iTo, iBirth    = field{158, 30}, field{188, 16}, field{204, 16}, field{220, 16}
	iAuthority                   = field{240, 8}
)

// 2023 foreign permanent-resident card: Chinese name 30, sex 2, renewals 4,
// birth 16, English name (first 35 letters) 70, ID 36, reserved 30,
// valid from 16, valid to 16, English name (letters 36–46) 22,
// nationality 6, type flag 2, link to the old card's number 6.
var (
	yName, ySex, yRenewals, yBirth = field{0, 30}, field{30, 2}, field{32, 4}, field{36, 16}
	yEnglish, yID, yFrom, yTo      = field{52, 70}, field{122, 36}, field{188, 16}, field{204, 16}
	yEnglishMore, yNation          = field{220, 22}, field{242, 6}
)

// The type flags: a resident card leaves the slot blank.
const (
	flagForeign2017 = 'I'
	flagForeign2023 = 'Y'
	flagHKMT        = 'J'
)

// text decodes a UCS-2LE slot, trimming the spaces and NULs that pad it.
func text(b []byte, f field) string {
	return strings.TrimRight(raw(b, f), " \x00")
}

func raw(b []byte, f field) string {
	u := make([]uint16, f.size/2)
	for i := range u {
		u[i] = uint16(b[f.off+2*i]) | uint16(b[f.off+2*i+1])<<8
	}
	return string(utf16.Decode(u))
}

// ParseBase reads an SDT base message. It fails with ErrBadMessage when
// the message is short, its type flag is unknown or it holds no number.
func ParseBase(b []byte) (Card, error) {
	if len(b) < BaseSize {
		return Card{}, fmt.Errorf("base message of %d bytes, want %d: %w", len(b), BaseSize, ErrBadMessage)
	}
	var c Card
	switch flag := raw(b, field{flagAt, 2}); flag {
	case " ", "\x00":
		c = Card{Kind: Resident, Name: text(b, rName), Sex: sexName(text(b, rSex)), Nation: nationName(text(b, rNation)),
			Birth: text(b, rBirth), Address: text(b, rAddress), IDNumber: text(b, rID), Authority: text(b, rAuthority),
			ValidFrom: text(b, rFrom), ValidTo: text(b, rTo)}
	case string(rune(flagHKMT)):
		// The nation slot is reserved on a residence permit.
		c = Card{Kind: HKMacaoTaiwan, Name: text(b, rName), Sex: sexName(text(b, rSex)),
			Birth: text(b, rBirth), Address: text(b, rAddress), IDNumber: text(b, rID), Authority: text(b, rAuthority),
			ValidFrom: text(b, rFrom), ValidTo: text(b, rTo), PassNumber: text(b, jPass), IssueCount: text(b, jIssues)}
	case string(rune(flagForeign2017)):
		c = Card{Kind: Foreign2017, Name: text(b, iName), EnglishName: text(b, iEnglish), Sex: sexName(text(b, iSex)),
			Nation: text(b, iNation), Birth: text(b, iBirth), IDNumber: text(b, iID), Authority: text(b, iAuthority),
			ValidFrom: text(b, iFrom), ValidTo: text(b, iTo)}
	case string(rune(flagForeign2023)):
		// The English name runs on in a second slot past letter 35.
		english := strings.TrimRight(raw(b, yEnglish)+raw(b, yEnglishMore), " \x00")
		c = Card{Kind: Foreign2023, Name: text(b, yName), EnglishName: english, Sex: sexName(text(b, ySex)),
			Nation: text(b, yNation), Birth: text(b, yBirth), IDNumber: text(b, yID), IssueCount: text(b, yRenewals),
			ValidFrom: text(b, yFrom), ValidTo: text(b, yTo)}
	default:
		return Card{}, fmt.Errorf("card type flag %q: %w", flag, ErrBadMessage)
	}
	if c.Name == "" {
		c.Name = c.EnglishName
	}
	if c.IDNumber == "" {
		return Card{}, fmt.Errorf("no ID number in the base message: %w", ErrBadMessage)
	}
	return c, nil
}

// EncodeBase writes a card as an SDT base message: the inverse of
// ParseBase, for the reader simulator and tests. A field too long for its
// slot is an error.
func EncodeBase(c Card) ([]byte, error) {
	b := make([]byte, BaseSize)
	var err error
	put := func(f field, s string) {
		u := utf16.Encode([]rune(s))
		if len(u) > f.size/2 {
			if err == nil {
				err = fmt.Errorf("%q does not fit a slot of %d characters", s, f.size/2)
			}
			u = u[:f.size/2]
		}
		for i := 0; i < f.size/2; i++ {
			v := uint16(' ')
			if i < len(u) {
				v = u[i]
			}
			b[f.off+2*i], b[f.off+2*i+1] = byte(v), byte(v>>8)
		}
	}
	put(field{0, BaseSize}, "")
	name := c.Name
	if name == c.EnglishName {
		name = "" // ParseBase names a card without a Chinese name by its English one
	}
	switch c.Kind {
	case Resident, HKMacaoTaiwan:
		put(rName, c.Name)
		put(rSex, sexCode(c.Sex))
		put(rBirth, c.Birth)
		put(rAddress, c.Address)
		put(rID, c.IDNumber)
		put(rAuthority, c.Authority)
		put(rFrom, c.ValidFrom)
		put(rTo, c.ValidTo)
		if c.Kind == Resident {
			put(rNation, nationCode(c.Nation))
		} else {
			put(jPass, c.PassNumber)
			put(jIssues, c.IssueCount)
			put(field{flagAt, 2}, string(rune(flagHKMT)))
		}
	case Foreign2017:
		put(iEnglish, c.EnglishName)
		put(iSex, sexCode(c.Sex))
		put(iID, c.IDNumber)
		put(iNation, c.Nation)
		put(iName, name)
		put(iFrom, c.ValidFrom)
		put(iTo, c.ValidTo)
		put(iBirth, c.Birth)
		put(iAuthority, c.Authority)
		put(field{flagAt, 2}, string(rune(flagForeign2017)))
	case Foreign2023:
		u := utf16.Encode([]rune(c.EnglishName))
		first, more := u, []uint16(nil)
		if len(u) > yEnglish.size/2 {
			first, more = u[:yEnglish.size/2], u[yEnglish.size/2:]
		}
		put(yName, name)
		put(ySex, sexCode(c.Sex))
		put(yRenewals, c.IssueCount)
		put(yBirth, c.Birth)
		put(yEnglish, string(utf16.Decode(first)))
		put(yEnglishMore, string(utf16.Decode(more)))
		put(yID, c.IDNumber)
		put(yFrom, c.ValidFrom)
		put(yTo, c.ValidTo)
		put(yNation, c.Nation)
		put(field{flagAt, 2}, string(rune(flagForeign2023)))
	default:
		return nil, fmt.Errorf("card kind %d has no SDT layout", c.Kind)
	}
	return b, err
}

// sexName turns GB/T 2261.1's code into the word on the card.
func sexName(code string) string {
	switch code {
	case "1":
		return "男"
	case "2":
		return "女"
	case "0", "9":
		return "未知"
	}
	return code
}

func sexCode(name string) string {
	switch name {
	case "男":
		return "1"
	case "女":
		return "2"
	case "未知":
		return "0"
	}
	return name
}

// nations are GB 3304's 民族 codes, 01–56, then 97 and 98.
var nations = strings.Fields("汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 " +
	"东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 " +
	"德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺")

func nationName(code string) string {
	switch code {
	case "97":
		return "其他"
	case "98":
		return "外国血统中国籍人士"
	}
	var n int
	if len(code) == 2 && code[0] >= '0' && code[0] <= '9' && code[1] >= '0' && code[1] <= '9' {
		n = int(code[0]-'0')*10 + int(code[1]-'0')
	}
	if n >= 1 && n <= len(nations) {
		return nations[n-1]
	}
	return code
}

func nationCode(name string) string {
	switch name {
	case "其他":
		return "97"
	case "外国血统中国籍人士":
		return "98"
	}
	for i, n := range nations {
		if n == name {
			return fmt.Sprintf("%02d", i+1)
		}
	}
	return name
}
