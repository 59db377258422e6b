package ids

import "github.com/yichuang/yichuang/app/msg"

// Tier is the level a 12-digit statistical division code (统计用区划代码)
// names.
type Tier int

// Tiers of a 12-digit code.
const (
	TierTownship Tier = iota + 1 // a 街道, 镇, 乡 or similar unit: the last three digits are 000
	TierVillage                  // a 居委会, 村委会 or similar unit
)

// Messages of CheckDivisionCode.
var (
	ErrDivisionFormat   = msg.New("区划代码应为12位数字，例如 330522101000")
	ErrDivisionProvince = msg.New("区划代码前两位“{{.Code}}”不是有效的省级代码")
	ErrDivisionCounty   = msg.New("区划代码第3–6位“{{.Code}}”不是县级代码（第3–4位、第5–6位都不能是00）")
	ErrDivisionTownship = msg.New("区划代码第7–9位“{{.Code}}”不是乡级代码：001–099为街道，100–199为镇，200–399为乡，400–599为类似乡级单位")
	ErrDivisionVillage  = msg.New("区划代码第10–12位“{{.Code}}”不是村级代码：001–199为居委会，200–399为村委会，400–599为类似单位；乡镇本身为000")
)

// CheckDivisionCode checks a 12-digit statistical division code of a
// township or a village and tells which it is. The first six digits are a
// county of GB/T 2260 (a mainland province, then a prefecture and a
// county, neither 00); digits 7–9 are the township in the ranges of GB/T
// 10114 (001–599); digits 10–12 are the village in the National Bureau of
// Statistics' ranges (001–599), or 000 for the township itself.
func CheckDivisionCode(code string) (Tier, error) {
	if len(code) != 12 || !isDigits(code) {
		return 0, ErrDivisionFormat
	}
	if !provinces[code[:2]] || code[0] >= '7' {
		return 0, msg.New(ErrDivisionProvince.Key, "Code", code[:2])
	}
	if code[2:4] == "00" || code[4:6] == "00" {
		return 0, msg.New(ErrDivisionCounty.Key, "Code", code[2:6])
	}
	if t := code[6:9]; t == "000" || t > "599" {
		return 0, msg.New(ErrDivisionTownship.Key, "Code", t)
	}
	switch v := code[9:]; {
	case v == "000":
		return TierTownship, nil
	case v > "599":
		return 0, msg.New(ErrDivisionVillage.Key, "Code", v)
	}
	return TierVillage, nil
}
