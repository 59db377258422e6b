package ids

import (
	"errors"
	"testing"
)

// withIDCheck completes 17 digits with their GB 11643 check character.
func withIDCheck(body string) string { return body + string(ResidentIDCheck(body)) }

// withUSCCCheck completes 17 characters with their GB 32100 check character.
func withUSCCCheck(body string) string { return body + string(USCCCheck(body)) }

func TestNormalizePersonID(t *testing.T) {
	// A 2023 card issued in Zhejiang (33) to a Japanese national (392),
	// born 1985-07-01, sequence 001.
	fp := withIDCheck("93339219850701001")
	tests := []struct {
		name, in, want string
		kind           IDKind
		err            error
	}{
		{"resident ID", "11010519491231002X", "11010519491231002X", ResidentCard, nil},
		{"foreign permanent resident ID", fp, fp, ForeignPermanent, nil},
		{"foreign, spaces and full width", " ９" + fp[1:9] + " " + fp[9:], fp, ForeignPermanent, nil},
		{"foreign, issued in Taiwan (not an issuing province)", withIDCheck("97139219850701001"), "", "", ErrFPProvince},
		{"foreign, issued in no province", withIDCheck("99939219850701001"), "", "", ErrFPProvince},
		{"foreign, nationality 156 (China)", withIDCheck("93315619850701001"), "", "", ErrFPNationality},
		{"foreign, nationality 999 (no such code)", withIDCheck("93399919850701001"), "", "", ErrFPNationality},
		{"foreign, born on 31 February", withIDCheck("93339219850231001"), "", "", ErrFPBirthDate},
		{"foreign, born after today", withIDCheck("93339220271231001"), "", "", ErrFPBirthDate},
		{"foreign, wrong check digit", fp[:17] + map[bool]string{true: "1", false: "0"}[fp[17] == '0'], "", "", ErrFPChecksum},
		{"foreign, letter inside", "933392198507010A1" + "1", "", "", ErrFPChars},
		{"resident rules still apply to others", "110105194912310021", "", "", ErrIDChecksum},
		{"17 characters starting with 9 is a resident ID typo", "93339219850701001", "", "", ErrIDLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizePersonID(tt.in, today)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("NormalizePersonID(%q) error = %v, want %v", tt.in, err, tt.err)
			}
			if got != tt.want {
				t.Errorf("NormalizePersonID(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err == nil && KindOf(got) != tt.kind {
				t.Errorf("KindOf(%q) = %q, want %q", got, KindOf(got), tt.kind)
			}
		})
	}
	// A resident ID never starts with 9, so a resident-only check refuses
	// the card by its province rather than mistaking it.
	if _, err := NormalizeResidentID(fp, today); !errors.Is(err, ErrIDProvince) {
		t.Errorf("NormalizeResidentID(foreign card) error = %v, want %v", err, ErrIDProvince)
	}
	if got, want := KindName(KindOf(fp)), "外国人永久居留身份证"; got != want {
		t.Errorf("KindName = %q, want %q", got, want)
	}
}

func TestUSCCAuthorityAndCategory(t *testing.T) {
	tests := []struct {
		name, body string
		err        error
	}{
		{"enterprise (9 1)", "91330522MA2B00001", nil},
		{"individual business (9 2)", "92330522MA2B00001", nil},
		{"farmers' cooperative (9 3)", "93330522MA2B00001", nil},
		{"state organ (1 1)", "11330522002000001", nil},
		{"social organisation (5 1)", "51330522MJ9000001", nil},
		{"village collective economic organisation (N 2)", "N2330522MF0000001", nil},
		{"other (Y 1)", "Y1330522MF0000001", nil},
		{"no authority B", "B1330522MF0000001", ErrUSCCAuthority},
		{"no authority 0", "01330522MF0000001", ErrUSCCAuthority},
		{"market regulation has no category 4", "94330522MA2B00001", ErrUSCCCategory},
		{"civil affairs has no category 4", "54330522MJ9000001", ErrUSCCCategory},
		{"other has only category 1", "Y2330522MF0000001", ErrUSCCCategory},
		{"category letter", "9A330522MA2B00001", ErrUSCCCategory},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := withUSCCCheck(tt.body)
			_, err := NormalizeUSCC(code)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Errorf("NormalizeUSCC(%q) error = %v, want %v", code, err, tt.err)
			}
		})
	}
	_, err := NormalizeUSCC(withUSCCCheck("94330522MA2B00001"))
	if got, want := err.Error(), "统一社会信用代码第2位“4”不是第1位为“9”时的机构类别代码（应为1、2、3之一）"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

func TestCheckDivisionCode(t *testing.T) {
	tests := []struct {
		code string
		want Tier
		err  error
	}{
		{"330522101000", TierTownship, nil}, // 洪桥镇 (a town: 100–199)
		{"330522001000", TierTownship, nil}, // a 街道 (001–099)
		{"330522201000", TierTownship, nil}, // a 乡 (200–399)
		{"330522400000", TierTownship, nil}, // a unit like a township (400–599)
		{"330522101001", TierVillage, nil},  // a 居委会 (001–199)
		{"330522101201", TierVillage, nil},  // a 村委会 (200–399)
		{"330522101599", TierVillage, nil},
		{"110105001001", TierVillage, nil},
		{"429004100201", TierVillage, nil}, // 仙桃: a county-level city directly under the province (90)
		{"33052210100", 0, ErrDivisionFormat},
		{"33052210100A", 0, ErrDivisionFormat},
		{"000522101000", 0, ErrDivisionProvince},
		{"990522101000", 0, ErrDivisionProvince},
		{"710522101000", 0, ErrDivisionProvince}, // Taiwan has no statistical codes
		{"330022101000", 0, ErrDivisionCounty},
		{"330500101000", 0, ErrDivisionCounty},
		{"330522000000", 0, ErrDivisionTownship},
		{"330522600000", 0, ErrDivisionTownship},
		{"330522999201", 0, ErrDivisionTownship},
		{"330522101600", 0, ErrDivisionVillage},
		{"330522101999", 0, ErrDivisionVillage},
	}
	for _, tt := range tests {
		got, err := CheckDivisionCode(tt.code)
		if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
			t.Errorf("CheckDivisionCode(%q) error = %v, want %v", tt.code, err, tt.err)
			continue
		}
		if got != tt.want {
			t.Errorf("CheckDivisionCode(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}
