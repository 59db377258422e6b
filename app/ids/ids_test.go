package ids

import (
	"errors"
	"testing"
	"time"
	"unicode/utf8"
)

var today = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func TestNormalizeResidentID(t *testing.T) {
	tests := []struct {
		name, in, want string
		err            error
	}{
		// The two examples printed in GB 11643-1999 itself.
		{"standard example, X check", "11010519491231002X", "11010519491231002X", nil},
		{"standard example, born 1880", "440524188001010014", "440524188001010014", nil},
		{"lowercase x", "11010519491231002x", "11010519491231002X", nil},
		{"full-width digits and X", "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", nil},
		{"spaces as typed from the card", " 110105 19491231 002X ", "11010519491231002X", nil},
		{"Zhejiang, born today", "330102202611260014", "", ErrIDChecksum},
		{"empty", "  ", "", ErrEmpty},
		{"old 15-digit card", "110105491231002", "", ErrIDOldFormat},
		{"17 digits", "11010519491231002", "", ErrIDLength},
		{"letter inside", "1101051949123100AX", "", ErrIDChars},
		{"X not last", "X10105194912310021", "", ErrIDChars},
		{"chinese char", "11010519491231002号", "", ErrIDChars},
		{"unknown province 99", "990105194912310021", "", ErrIDProvince},
		{"Feb 30", "110105194902300021", "", ErrIDBirthDate},
		{"future birth", "110105202712310021", "", ErrIDBirthFuture},
		{"too old", "110105170012310021", "", ErrIDBirthTooOld},
		{"wrong check digit", "110105194912310021", "", ErrIDChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeResidentID(tt.in, today)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("NormalizeResidentID(%q) error = %v, want %v", tt.in, err, tt.err)
			}
			if got != tt.want {
				t.Errorf("NormalizeResidentID(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestResidentIDBornTodayIsValid(t *testing.T) {
	body := "33010220261126001"
	id := body + string(ResidentIDCheck(body))
	if _, err := NormalizeResidentID(id, today); err != nil {
		t.Errorf("NormalizeResidentID(%q) = %v, want nil: a baby born today gets an ID", id, err)
	}
	if _, err := NormalizeResidentID(id, today.AddDate(0, 0, -1)); !errors.Is(err, ErrIDBirthFuture) {
		t.Errorf("one day earlier: error = %v, want %v", err, ErrIDBirthFuture)
	}
}

func TestResidentIDMessagesNameTheRule(t *testing.T) {
	_, err := NormalizeResidentID("110105194912310021", today)
	got, want := err.Error(), "身份证号码校验位不对：按前17位算出最后一位应为“X”，录入的是“1”，请逐位核对"
	if got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	_, err = NormalizeResidentID("1101051949123100", today)
	if got, want := err.Error(), "身份证号码应为18位，录入的是16位"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

func TestNormalizeUSCC(t *testing.T) {
	tests := []struct {
		name, in, want string
		err            error
	}{
		// The example printed in GB 32100-2015.
		{"standard example", "91350100M000100Y43", "91350100M000100Y43", nil},
		{"lowercase and full-width", "９１３５０１００m０００１００y４３", "91350100M000100Y43", nil},
		{"empty", "", "", ErrEmpty},
		{"17 chars", "91350100M000100Y4", "", ErrUSCCLength},
		{"letter O is excluded", "91350100O000100Y43", "", ErrUSCCChars},
		{"letter I is excluded", "9135010IM000100Y43", "", ErrUSCCChars},
		{"region not digits", "9135A100M000100Y43", "", ErrUSCCRegion},
		{"wrong check", "91350100M000100Y44", "", ErrUSCCChecksum},
		{"transposed", "91350100M000010Y43", "", ErrUSCCChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeUSCC(tt.in)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("NormalizeUSCC(%q) error = %v, want %v", tt.in, err, tt.err)
			}
			if got != tt.want {
				t.Errorf("NormalizeUSCC(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeMobile(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"13812345678", "13812345678", nil},
		{"+86 138-1234-5678", "13812345678", nil},
		{"0086 19912345678", "19912345678", nil},
		{"１３８１２３４５６７８", "13812345678", nil},
		{"138 1234 567", "", ErrMobileLength},
		{"12812345678", "", ErrMobilePrefix},
		{"23812345678", "", ErrMobilePrefix},
		{"0571-8888888", "", ErrMobileLandline},
		{"0571-88888888", "", ErrMobileLandline},
		{"138l2345678", "", ErrMobileChars},
		{"", "", ErrEmpty},
	}
	for _, tt := range tests {
		got, err := NormalizeMobile(tt.in)
		if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
			t.Errorf("NormalizeMobile(%q) error = %v, want %v", tt.in, err, tt.err)
		}
		if got != tt.want {
			t.Errorf("NormalizeMobile(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"id", MaskResidentID("330102199001011234"), "330102********1234"},
		{"id full-width", MaskResidentID("３３０１０２１９９００１０１１２３４"), "330102********1234"},
		{"id too short leaks nothing", MaskResidentID("3301021234"), "**********"},
		{"mobile", MaskMobile("13812345678"), "138****5678"},
		{"mobile short", MaskMobile("1381234"), "*******"},
		{"empty", MaskMobile(""), ""},
		{"name 2", MaskName("张三"), "张*"},
		{"name 3", MaskName("王小明"), "王*明"},
		{"name 4", MaskName("欧阳娜娜"), "欧**娜"},
		{"name 1", MaskName("王"), "*"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// The fuzzers look for panics and for contract breaks: whatever the input,
// an accepted value is canonical (re-validates to itself) and masking never
// shows the hidden middle.
func FuzzResidentID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "440524188001010014", "１１０", "x", "", "\xff\xfe", "110105194902300021"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeResidentID(s, today)
		if err == nil {
			again, err2 := NormalizeResidentID(got, today)
			if err2 != nil || again != got {
				t.Fatalf("accepted %q as %q, but that re-validates to %q, %v", s, got, again, err2)
			}
			if m := MaskResidentID(got); m[6:14] != "********" {
				t.Fatalf("mask %q shows the birth date", m)
			}
		} else if err.Error() == "" {
			t.Fatalf("empty message for %q", s)
		}
		if m := MaskResidentID(s); utf8.RuneCountInString(m) > 0 && utf8.RuneCountInString(m) < 10 && m != stars(m) {
			t.Fatalf("short input %q masked as %q leaks characters", s, m)
		}
	})
}

func FuzzUSCC(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "9135010IM000100Y43", "", "ＩＯ", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeUSCC(s)
		if err == nil {
			if again, err2 := NormalizeUSCC(got); err2 != nil || again != got {
				t.Fatalf("accepted %q as %q, but that re-validates to %q, %v", s, got, again, err2)
			}
		}
	})
}

func FuzzMobile(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 138-1234-5678", "+86", "0086", "-", "１"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeMobile(s)
		if err == nil {
			if len(got) != 11 || got[0] != '1' || got[1] < '3' {
				t.Fatalf("accepted %q as %q", s, got)
			}
			if m := MaskMobile(got); m[3:7] != "****" {
				t.Fatalf("mask %q shows the middle", m)
			}
		}
	})
}

func stars(s string) string {
	b := make([]rune, 0, len(s))
	for range s {
		b = append(b, '*')
	}
	return string(b)
}
