package clerks

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/workday"
)

func TestHashVerify(t *testing.T) {
	h, err := Hash("洪桥2026!")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not PHC argon2id with our parameters", h)
	}
	h2, _ := Hash("洪桥2026!")
	if h == h2 {
		t.Error("two hashes of the same secret are equal: the salt is not random")
	}
	tests := []struct {
		secret string
		want   bool
	}{{"洪桥2026!", true}, {"洪桥2026", false}, {"", false}}
	for _, tt := range tests {
		got, err := Verify(h, tt.secret)
		if err != nil || got != tt.want {
			t.Errorf("Verify(%q) = %v, %v; want %v", tt.secret, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$aa$bb", "$argon2id$v=19$m=99999999,t=1,p=1$YWFh$YmJi", strings.Replace(h, "v=19", "v=16", 1)} {
		if _, err := Verify(bad, "x"); err == nil {
			t.Errorf("Verify(%q): want an error", bad)
		}
	}
}

func TestCheckSecret(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"12345", ErrSecretShort},
		{"111111", ErrSecretWeak},
		{"123456", ErrSecretWeak},
		{"987654", ErrSecretWeak},
		{"abcdef", ErrSecretWeak},
		{"258147", nil},
		{"洪桥镇窗口一号", nil},
	}
	for _, tt := range tests {
		if got := CheckSecret(tt.in); !errors.Is(got, tt.want) || (tt.want == nil && got != nil) {
			t.Errorf("CheckSecret(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestLockout(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, workday.China)
	var a Attempt
	for i := 1; i < MaxFailures; i++ {
		a = Policy.Fail(a, now)
		if a.Locked(now) {
			t.Fatalf("locked after %d failures", i)
		}
	}
	a = Policy.Fail(a, now)
	if !a.Locked(now) || !a.Locked(now.Add(LockFor-time.Second)) || a.Locked(now.Add(LockFor)) {
		t.Errorf("after %d failures: locked until %v; want exactly %v", MaxFailures, a.LockedUntil, now.Add(LockFor))
	}
	// After the lock is served, one more failure does not lock again at once.
	a = Policy.Fail(a, now.Add(LockFor+time.Second))
	if a.Failures != 1 || a.Locked(now.Add(LockFor+time.Second)) {
		t.Errorf("after the lock: %+v, want a fresh count of 1", a)
	}
	if got := LockedError(now.Add(LockFor)).Error(); got != "连续输错5次，账号已锁定，请在09:05:00之后再试" {
		t.Errorf("message = %q", got)
	}
}

// TestCheckSectors checks a clerk's sectors against the hall's configured
// ones, not against a fixed list: 长兴's 公积金 is a sector there, and
// nowhere else.
func TestCheckSectors(t *testing.T) {
	changxing := []string{"不动产登记", "商事登记", "公积金", "税务服务"}
	dflt := []string{"不动产登记", "商事登记", "社会事务"}
	tests := []struct {
		name    string
		sectors []string
		hall    []string
		want    error
	}{
		{"a configured sector", []string{"公积金"}, changxing, nil},
		{"the same sector where the hall lacks it", []string{"公积金"}, dflt, ErrSector},
		{"none: serves all", nil, dflt, nil},
		{"one of two missing", []string{"商事登记", "社会事务"}, changxing, ErrSector},
	}
	for _, tt := range tests {
		err := Account{Sectors: tt.sectors}.CheckSectors(tt.hall)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	today := time.Date(2026, 11, 26, 9, 0, 0, 0, workday.China)
	tests := []struct {
		name string
		in   Account
		want error
	}{
		{"clerk", Account{Login: " Wang_Li ", Name: "王丽", Role: Clerk, Window: 3, Sectors: []string{"商事登记", "不动产登记", "商事登记"}}, nil},
		{"agent without window", Account{Login: "cun01", Name: "李代办", Role: Agent, IDNumber: "330522198512030042"}, nil},
		{"agent with a foreign permanent resident ID", Account{Login: "cun02", Name: "李代办", Role: Agent, IDNumber: "933392198507010015"}, nil},
		{"agent without ID number", Account{Login: "cun01", Name: "李代办", Role: Agent, IDNumber: " "}, ErrAgentID},
		{"agent with a wrong check digit", Account{Login: "cun01", Name: "李代办", Role: Agent, IDNumber: "330522198512030041"}, ids.ErrIDChecksum},
		{"bad login", Account{Login: "王丽", Name: "王丽", Role: Clerk, Window: 1}, ErrLogin},
		{"no window", Account{Login: "wl", Name: "王丽", Role: Clerk}, ErrWindow},
		{"no role", Account{Login: "wl", Name: "王丽", Window: 1}, ErrRole},
		{"empty sector", Account{Login: "wl", Name: "王丽", Role: Clerk, Window: 1, Sectors: []string{" "}}, ErrSector},
		{"no name", Account{Login: "wl", Role: Clerk, Window: 1}, ErrName},
	}
	for _, tt := range tests {
		got, err := tt.in.Normalize(today)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		if tt.name == "clerk" && (got.Login != "wang_li" || len(got.Sectors) != 2 || got.Stars() != 2) {
			t.Errorf("clerk normalized to %+v", got)
		}
	}
}

// Only an agent's ID number is kept: a number typed for a clerk (the form
// hides the field, but a request may carry one) is dropped, not stored.
func TestNormalizeKeepsOnlyAnAgentsIDNumber(t *testing.T) {
	today := time.Date(2026, 11, 26, 9, 0, 0, 0, workday.China)
	tests := []struct {
		role Role
		want string
	}{
		{Agent, "330522198512030042"},
		{Clerk, ""},
		{Supervisor, ""},
	}
	for _, tt := range tests {
		a, err := Account{Login: "p01", Name: "李", Role: tt.role, Window: 1, IDNumber: " 33052219851203004２ "}.Normalize(today)
		if err != nil {
			t.Fatalf("%s: %v", tt.role, err)
		}
		if a.IDNumber != tt.want {
			t.Errorf("%s: got ID number %q, want %q", tt.role, a.IDNumber, tt.want)
		}
	}
}
