package tracking

import (
	"errors"
	"github.com/yichuang/yichuang/app/workday"
	"math/rand/v2"
	"testing"
	"time"
)

var (
	beijing = workday.China
	epoch   = time.Date(2020, 1, 1, 0, 0, 0, 0, beijing)
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	p := Parts{ServicePoint: "330522101000", Device: 3, Day: time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC), Seq: 42}
	code, err := Encode(p)
	if errors.Is(err, ErrUnusable) {
		p.Seq++
		code, err = Encode(p)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != Length {
		t.Fatalf("code %q has %d characters, want %d", code, len(code), Length)
	}
	got, err := Decode(Format(code))
	if err != nil {
		t.Fatalf("Decode(%q): %v", Format(code), err)
	}
	// 23:30 UTC is already the 27th in Beijing: the hall's date is what counts.
	if got.ServicePoint != p.ServicePoint || got.Device != 3 || got.Seq != p.Seq || got.Day.Format("2006-01-02") != "2026-11-27" {
		t.Errorf("Decode = %+v, want point %s device 3 seq 42 day 2026-11-27", got, p.ServicePoint)
	}
}

func TestEncodeRejectsOutOfRange(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, beijing)
	for _, p := range []Parts{
		{ServicePoint: "3305221010", Device: 1, Day: day},
		{ServicePoint: "330522101000", Device: 0, Day: day},
		{ServicePoint: "330522101000", Device: 36, Day: day},
		{ServicePoint: "330522101000", Device: 1, Day: day, Seq: 46656},
		{ServicePoint: "330522101000", Device: 1, Day: epoch.AddDate(0, 0, -1)},
	} {
		if _, err := Encode(p); err == nil {
			t.Errorf("Encode(%+v) succeeded", p)
		}
	}
}

func TestNormalize(t *testing.T) {
	code := mustEncode(t, Parts{ServicePoint: "330522101201", Device: 12, Day: time.Date(2026, 2, 14, 9, 0, 0, 0, beijing), Seq: 1000})
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{code, code, nil},
		{Format(code), code, nil},
		{"  " + toLower(code[:8]) + "-" + code[8:] + " ", code, nil},
		{fullWidth(code), code, nil},
		{code[:15], "", ErrLength},
		{code + "0", "", ErrLength},
		{code[:5] + "#" + code[6:], "", ErrChars},
		{code[:15] + string(alphabet[(indexOf(code[15])+1)%36]), "", ErrCheck},
		{code[:15] + "*", "", ErrChars},
	}
	for _, tt := range tests {
		got, err := Normalize(tt.in)
		if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
			t.Errorf("Normalize(%q) error = %v, want %v", tt.in, err, tt.err)
		}
		if got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCheckCatchesEverySingleErrorAndTransposition generates 1,000 codes and
// tries every single substitution and every adjacent transposition on each:
// all must be rejected.
func TestCheckCatchesEverySingleErrorAndTransposition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	subs, swaps, unusable := 0, 0, 0
	for i := 0; i < 1000; i++ {
		p := Parts{
			ServicePoint: "33" + pad10(r.IntN(10_000_000_000)),
			Device:       1 + r.IntN(35),
			Day:          epoch.AddDate(0, 0, r.IntN(36*36*36)),
			Seq:          r.IntN(36 * 36 * 36),
		}
		code, err := Encode(p)
		if errors.Is(err, ErrUnusable) {
			unusable++
			i--
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Normalize(code); err != nil {
			t.Fatalf("own code %q rejected: %v", code, err)
		}
		for pos := 0; pos < Length; pos++ {
			for _, c := range []byte(alphabet) {
				if c == code[pos] {
					continue
				}
				bad := code[:pos] + string(c) + code[pos+1:]
				subs++
				if _, err := Normalize(bad); !errors.Is(err, ErrCheck) {
					t.Fatalf("substitution %q → %q at %d not caught (err %v)", code, bad, pos, err)
				}
			}
			if pos+1 < Length && code[pos] != code[pos+1] {
				b := []byte(code)
				b[pos], b[pos+1] = b[pos+1], b[pos]
				swaps++
				if _, err := Normalize(string(b)); !errors.Is(err, ErrCheck) {
					t.Fatalf("transposition %q → %q at %d not caught", code, b, pos)
				}
			}
		}
	}
	t.Logf("%d substitutions and %d adjacent transpositions, all caught; %d parts skipped as unusable", subs, swaps, unusable)
	if subs != 1000*16*35 {
		t.Errorf("tried %d substitutions, want %d", subs, 1000*16*35)
	}
}

func pad10(n int) string {
	s := []byte("0000000000")
	for i := 9; n > 0; i-- {
		s[i] = byte('0' + n%10)
		n /= 10
	}
	return string(s)
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func fullWidth(s string) string {
	var out []rune
	for _, r := range s {
		out = append(out, r+0xFEE0)
	}
	return string(out)
}

func indexOf(c byte) int {
	for i := range alphabet {
		if alphabet[i] == c {
			return i
		}
	}
	return -1
}

func FuzzNormalize(f *testing.F) {
	f.Add("4P2K 1X0Q 1A4T 00C7")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Normalize(s)
		if err == nil {
			if again, err := Normalize(c); err != nil || again != c {
				t.Fatalf("accepted %q as %q but it does not re-validate", s, c)
			}
			Decode(c)
		}
	})
}

func mustEncode(t *testing.T, p Parts) string {
	t.Helper()
	for {
		code, err := Encode(p)
		if errors.Is(err, ErrUnusable) {
			p.Seq++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
}

func TestAboutOneInThirtySevenIsSkipped(t *testing.T) {
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, beijing)
	skipped := 0
	for seq := 0; seq < 3700; seq++ {
		if _, err := Encode(Parts{ServicePoint: "330522101000", Device: 1, Day: day, Seq: seq}); errors.Is(err, ErrUnusable) {
			skipped++
		}
	}
	if skipped < 60 || skipped > 140 {
		t.Errorf("%d of 3700 sequences unusable, want about 100", skipped)
	}
}
