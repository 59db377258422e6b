// Package ids validates, normalizes and masks the identifiers a service hall
// handles every day: resident ID numbers (GB 11643-1999), unified social
// credit codes of enterprises (GB 32100-2015) and mainland mobile numbers.
//
// Input comes from people typing at a counter or a touch screen, so every
// validator first normalizes what is harmless (spaces, full-width digits, a
// lowercase x) and then names the one rule that failed in words a clerk
// understands. Errors are *msg.Error so the UI can translate them.
package ids

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/textfold"
)

// Messages returned by the validators; compare with errors.Is.
var (
	ErrEmpty          = msg.New("请填写号码")
	ErrIDOldFormat    = msg.New("这是15位的一代身份证号码，已停止使用，请录入18位号码")
	ErrIDLength       = msg.New("身份证号码应为18位，录入的是{{.Len}}位")
	ErrIDChars        = msg.New("身份证号码前17位只能是数字，最后一位是数字或X（第{{.Pos}}位是“{{.Char}}”）")
	ErrIDProvince     = msg.New("身份证号码前两位“{{.Code}}”不是有效的省级行政区划代码")
	ErrIDBirthDate    = msg.New("身份证号码第7–14位的出生日期“{{.Date}}”不是真实的日期")
	ErrIDBirthFuture  = msg.New("身份证号码中的出生日期“{{.Date}}”晚于今天")
	ErrIDBirthTooOld  = msg.New("身份证号码中的出生年份“{{.Year}}”早于1850年，请核对")
	ErrIDChecksum     = msg.New("身份证号码校验位不对：按前17位算出最后一位应为“{{.Want}}”，录入的是“{{.Got}}”，请逐位核对")
	ErrUSCCLength     = msg.New("统一社会信用代码应为18位，录入的是{{.Len}}位")
	ErrUSCCChars      = msg.New("统一社会信用代码第{{.Pos}}位“{{.Char}}”不允许（不使用字母I、O、Z、S、V）")
	ErrUSCCAuthority  = msg.New("统一社会信用代码第1位“{{.Char}}”不是登记管理部门代码（应为1–9、A、N或Y）")
	ErrUSCCCategory   = msg.New("统一社会信用代码第2位“{{.Char}}”不是第1位为“{{.First}}”时的机构类别代码（应为{{.Allowed}}之一）")
	ErrUSCCRegion     = msg.New("统一社会信用代码第3–8位应为登记机关行政区划代码（6位数字）")
	ErrUSCCChecksum   = msg.New("统一社会信用代码校验位不对：按前17位算出最后一位应为“{{.Want}}”，录入的是“{{.Got}}”，请逐位核对")
	ErrMobileLength   = msg.New("手机号码应为11位，录入的是{{.Len}}位")
	ErrMobileChars    = msg.New("手机号码只能包含数字")
	ErrMobilePrefix   = msg.New("手机号码应以13–19开头")
	ErrMobileLandline = msg.New("这像是固定电话号码（以0开头），请填写11位手机号码")
)

// normalize removes all spaces and maps full-width ASCII (what Chinese
// input methods type in full-width mode) to half-width.
func normalize(s string) string { return textfold.Compact(s, unicode.IsSpace) }

// provinces lists the first two digits of resident ID numbers in use:
// the 31 mainland provinces, Taiwan (71), Hong Kong (81), Macao (82) and
// 83, used by residence permits for Taiwan residents.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// ResidentIDCheck returns the check character for the first 17 digits.
// It panics if body is not 17 ASCII digits; callers validate first.
func ResidentIDCheck(body string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// NormalizeResidentID returns the canonical form (uppercase X, half-width)
// of a valid resident ID number, judged against today's date.
func NormalizeResidentID(s string, today time.Time) (string, error) {
	id := strings.ToUpper(normalize(s))
	n := utf8.RuneCountInString(id)
	switch {
	case n == 0:
		return "", ErrEmpty
	case n == 15 && isDigits(id):
		return "", ErrIDOldFormat
	case n != 18:
		return "", msg.New(ErrIDLength.Key, "Len", n)
	}
	if len(id) != 18 { // multi-byte runes: report the first one
		for i, r := range id {
			if r >= utf8.RuneSelf {
				return "", msg.New(ErrIDChars.Key, "Pos", utf8.RuneCountInString(id[:i])+1, "Char", string(r))
			}
		}
	}
	for i := 0; i < 18; i++ {
		c := id[i]
		if c >= '0' && c <= '9' || i == 17 && c == 'X' {
			continue
		}
		return "", msg.New(ErrIDChars.Key, "Pos", i+1, "Char", string(c))
	}
	if !provinces[id[:2]] {
		return "", msg.New(ErrIDProvince.Key, "Code", id[:2])
	}
	if err := birthDate(id[6:14], today); err != nil {
		return "", err
	}
	if want := ResidentIDCheck(id); want != id[17] {
		return "", msg.New(ErrIDChecksum.Key, "Want", string(want), "Got", string(id[17]))
	}
	return id, nil
}

// ValidateResidentID checks a resident ID number against GB 11643-1999 and
// today's date. Use NormalizeResidentID with an injected clock where the
// date matters to a test.
func ValidateResidentID(s string) error {
	_, err := NormalizeResidentID(s, time.Now())
	return err
}

const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccCategories gives, for each registration authority code (the first
// character, GB 32100-2015 table 1 and the codes assigned since: A for the
// Central Military Commission's establishment office, N for agriculture),
// the institution category codes (the second character) it registers.
var usccCategories = map[byte]string{
	'1': "1239",   // 机构编制: 机关, 事业单位, 群众团体, 其他
	'2': "19",     // 外交: 外国常驻新闻机构, 其他
	'3': "123459", // 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
	'4': "19",     // 文化: 外国在华文化中心, 其他
	'5': "1239",   // 民政: 社会团体, 民办非企业单位, 基金会, 其他
	'6': "129",    // 旅游: 外国及港澳台旅游部门常驻代表机构, 其他
	'7': "129",    // 宗教: 宗教活动场所, 宗教院校, 其他
	'8': "19",     // 工会: 基层工会, 其他
	'9': "123",    // 工商: 企业, 个体工商户, 农民专业合作社
	'A': "19",     // 中央军委改革和编制办公室: 军队事业单位, 其他
	'N': "1239",   // 农业: 组级、村级、乡镇级集体经济组织, 其他
	'Y': "1",      // 其他
}

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCCCheck returns the check character for the first 17 characters, which
// must already be in the code's character set.
func USCCCheck(body string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(usccChars, body[i]) * usccWeights[i]
	}
	return usccChars[(31-sum%31)%31]
}

// NormalizeUSCC returns the canonical (uppercase, half-width) form of a valid
// unified social credit code (GB 32100-2015).
func NormalizeUSCC(s string) (string, error) {
	c := strings.ToUpper(normalize(s))
	n := utf8.RuneCountInString(c)
	if n == 0 {
		return "", ErrEmpty
	}
	if n != 18 {
		return "", msg.New(ErrUSCCLength.Key, "Len", n)
	}
	pos := 0
	for _, r := range c {
		pos++
		if r >= utf8.RuneSelf || strings.IndexByte(usccChars, byte(r)) < 0 {
			return "", msg.New(ErrUSCCChars.Key, "Pos", pos, "Char", string(r))
		}
	}
	categories, ok := usccCategories[c[0]]
	if !ok {
		return "", msg.New(ErrUSCCAuthority.Key, "Char", c[:1])
	}
	if strings.IndexByte(categories, c[1]) < 0 {
		return "", msg.New(ErrUSCCCategory.Key, "Char", c[1:2], "First", c[:1], "Allowed", strings.Join(strings.Split(categories, ""), "、"))
	}
	if !isDigits(c[2:8]) {
		return "", ErrUSCCRegion
	}
	if want := USCCCheck(c); want != c[17] {
		return "", msg.New(ErrUSCCChecksum.Key, "Want", string(want), "Got", string(c[17]))
	}
	return c, nil
}

// ValidateUSCC checks a unified social credit code against GB 32100-2015.
func ValidateUSCC(s string) error {
	_, err := NormalizeUSCC(s)
	return err
}

// NormalizeMobile returns the 11-digit form of a mainland mobile number,
// accepting a +86/0086 prefix, spaces and dashes as people write them.
func NormalizeMobile(s string) (string, error) {
	m := normalize(s)
	m = strings.NewReplacer("-", "", "(", "", ")", "", "\u2014", "", "\u2013", "").Replace(m)
	switch {
	case strings.HasPrefix(m, "+86"):
		m = m[3:]
	case strings.HasPrefix(m, "0086"):
		m = m[4:]
	}
	n := utf8.RuneCountInString(m)
	if n == 0 {
		return "", ErrEmpty
	}
	if !isDigits(m) {
		return "", ErrMobileChars
	}
	if m[0] == '0' {
		return "", ErrMobileLandline
	}
	if n != 11 {
		return "", msg.New(ErrMobileLength.Key, "Len", n)
	}
	if m[0] != '1' || m[1] < '3' {
		return "", ErrMobilePrefix
	}
	return m, nil
}

// ValidateMobile checks a mainland mobile number (^1[3-9]\d{9}$ after
// stripping +86, spaces and dashes).
func ValidateMobile(s string) error {
	_, err := NormalizeMobile(s)
	return err
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
