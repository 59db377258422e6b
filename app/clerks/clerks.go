// Package clerks provides the hall's local accounts: window clerks (窗口
// 受理员), supervisors and village proxy agents (代办员), with the sectors
// each has mastered (五星: one star per sector), their window number, and
// secrets (passwords or PINs) kept only as argon2id hashes.
package clerks

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"github.com/yichuang/yichuang/app/lockout"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/workday"
)

// Role is what an account may do.
type Role string

// Roles.
const (
	Clerk      Role = "clerk"      // 窗口受理员
	Supervisor Role = "supervisor" // 主管: manages accounts, all clerk work
	Agent      Role = "agent"      // 村代办员
)

// RoleName is the Chinese name shown for a role.
func RoleName(r Role) string {
	switch r {
	case Supervisor:
		return "主管"
	case Agent:
		return "代办员"
	}
	return "受理员"
}

// Account is one local account.
type Account struct {
	ID      int64
	Login   string
	Name    string
	Role    Role
	Sectors []string // sectors mastered, among the hall's configured sectors
	Window  int      // window number in the hall; 0 for agents
	Active  bool
	// IDNumber is a village agent's own ID number (居民身份证 or 外国人永久
	// 居留身份证), named with the agent on every 代办委托书. It is asked only
	// of agents; an agent account made before it was asked has none, and
	// its letters keep a line to write it by hand. Kept sealed, shown
	// masked.
	IDNumber string
	// LockedUntil is when a lock from wrong secrets ends (zero: none).
	LockedUntil time.Time
}

// Stars is the 五星 rating: one star per sector mastered, at most five.
func (a Account) Stars() int { return min(len(a.Sectors), 5) }

// Lockout policy: five wrong secrets in a row lock the account for five
// minutes, long enough to stop guessing a 6-digit PIN, short enough not to
// stop a clerk who mistyped before the morning queue.
const (
	MaxFailures = 5
	LockFor     = 5 * time.Minute
)

// Messages.
var (
	ErrLogin        = msg.New("登录名用2–32位小写字母、数字或下划线")
	ErrName         = msg.New("请填写姓名（不超过20个字）")
	ErrRole         = msg.New("请选择角色")
	ErrSector       = msg.New("“{{.Sector}}”不是业务板块")
	ErrWindow       = msg.New("窗口号应在1到99之间")
	ErrSecretShort  = msg.New("密码或PIN至少6位")
	ErrSecretWeak   = msg.New("密码或PIN太容易猜到（如111111、123456），请换一个")
	ErrBadSecret    = msg.New("登录名或密码不对")
	ErrLocked       = msg.New("连续输错{{.N}}次，账号已锁定，请在{{.Until}}之后再试")
	ErrInactive     = msg.New("该账号已停用，请联系主管")
	ErrSupervisorOK = msg.New("主管账号已经建立，请用主管账号登录后添加人员")
	ErrAgentID      = msg.New("请填写代办员本人的身份证号：代办委托书上要载明受托代办员的身份")
)

var loginRE = regexp.MustCompile(`^[a-z0-9_]{2,32}$`)

// Normalize trims and checks an account's fields against today (an agent's
// ID number holds a birth date, which cannot be after it).
func (a Account) Normalize(today time.Time) (Account, error) {
	a.Login = strings.ToLower(strings.TrimSpace(a.Login))
	a.Name = strings.TrimSpace(a.Name)
	if !loginRE.MatchString(a.Login) {
		return a, ErrLogin
	}
	if a.Name == "" || utf8.RuneCountInString(a.Name) > 20 {
		return a, ErrName
	}
	switch a.Role {
	case Clerk, Supervisor:
		if a.Window < 1 || a.Window > 99 {
			return a, ErrWindow
		}
	case Agent:
		a.Window = 0
	default:
		return a, ErrRole
	}
	if a.Role != Agent {
		// Only an agent acts in a resident's name under a letter that
		// must say who they are; a clerk's or supervisor's number is not
		// asked, and so not kept (PIPL: no more than the purpose needs).
		a.IDNumber = ""
	} else {
		if strings.TrimSpace(a.IDNumber) == "" {
			return a, ErrAgentID
		}
		id, err := ids.NormalizePersonID(a.IDNumber, today)
		if err != nil {
			return a, err
		}
		a.IDNumber = id
	}
	for i, s := range a.Sectors {
		if a.Sectors[i] = strings.TrimSpace(s); a.Sectors[i] == "" {
			return a, msg.New(ErrSector.Key, "Sector", s)
		}
	}
	slices.Sort(a.Sectors)
	a.Sectors = slices.Compact(a.Sectors)
	return a, nil
}

// CheckSectors refuses sectors the hall does not have. The hall's sectors
// come from its county's config (queue.HallConfig), not from a fixed list,
// so the check is made where the account is written, against the config
// that holds there; an account kept from before a config change is not
// refused at sign-in (the counter tells its clerk instead).
func (a Account) CheckSectors(hall []string) error {
	for _, s := range a.Sectors {
		if !slices.Contains(hall, s) {
			return msg.New(ErrSector.Key, "Sector", s)
		}
	}
	return nil
}

// CheckSecret rejects secrets that are too short or trivially guessable.
func CheckSecret(s string) error {
	if utf8.RuneCountInString(s) < 6 {
		return ErrSecretShort
	}
	r := []rune(s)
	same, up, down := true, true, true
	for i := 1; i < len(r); i++ {
		same = same && r[i] == r[0]
		up = up && r[i] == r[i-1]+1
		down = down && r[i] == r[i-1]-1
	}
	if same || up || down || s == "password" || s == "12345678" {
		return ErrSecretWeak
	}
	return nil
}

// argon2id parameters: OWASP's minimum (19 MiB, 2 passes, 1 lane). A kiosk
// verifies a few logins a day, so ~50 ms per check is fine, and 19 MiB
// fits the smallest hall PC.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// Hash returns the PHC-format argon2id hash of a secret with a fresh salt.
func Hash(secret string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(secret), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether secret matches a hash made by Hash, in constant
// time. Parameters are read from the hash, so older hashes keep working
// after the defaults change.
func Verify(hash, secret string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("verify: not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("verify: unsupported argon2 version %q", parts[2])
	}
	var mem, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil {
		return false, fmt.Errorf("verify: parameters %q: %w", parts[3], err)
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("verify: salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, fmt.Errorf("verify: key: %v", err)
	}
	if mem > 1<<20 || t > 20 || p == 0 { // refuse parameters that would stall the kiosk
		return false, fmt.Errorf("verify: parameters out of range")
	}
	got := argon2.IDKey([]byte(secret), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Attempt is what the store knows about recent failed logins.
type Attempt = lockout.State

// Policy is the sign-in's lockout rule (MaxFailures, LockFor).
var Policy = lockout.Policy{Max: MaxFailures, For: LockFor}

// LockedError returns the message for a locked account.
func LockedError(until time.Time) error {
	return msg.New(ErrLocked.Key, "N", MaxFailures, "Until", until.In(workday.China).Format("15:04:05"))
}

// ChangeKind is what a change to an existing account does.
type ChangeKind string

// Changes a supervisor makes to an account, and the one a person makes to
// their own secret.
const (
	Edit        ChangeKind = "edit"       // name, window, sectors, role (and an agent's ID number)
	ResetSecret ChangeKind = "reset"      // a supervisor sets a temporary secret
	Unlock      ChangeKind = "unlock"     // end a lock from wrong secrets before it runs out
	Deactivate  ChangeKind = "deactivate" // 停用: the account can no longer sign in
	Reactivate  ChangeKind = "reactivate" // 启用 again
	OwnSecret   ChangeKind = "own_secret" // 修改我的密码: old and new secret
)

// Change is one change to an existing account. Account carries its ID and,
// for Edit, the new name, role, window, sectors and ID number (the login
// never changes: the audit log names people by it). Secret is the new
// secret (ResetSecret, OwnSecret); OldSecret the current one (OwnSecret).
type Change struct {
	Kind      ChangeKind
	Account   Account
	Secret    string
	OldSecret string
}

// Messages of account changes.
var (
	ErrOwnAccount = msg.New("不能停用自己的账号，也不能改掉自己的主管角色；请由另一位主管操作")
	ErrOldSecret  = msg.New("原密码不对")
	ErrSameSecret = msg.New("新密码不能与原密码相同")
	ErrChange     = msg.New("不支持的账号操作")
)

// CheckChange checks what can be checked of a change without the store:
// the fields of an edit, a new secret's strength, and that a supervisor
// does not take away their own access — so a hall always keeps an active
// supervisor: the actor (the store checks the actor is one).
func CheckChange(actor Account, before Account, c Change, today time.Time) (Change, error) {
	switch c.Kind {
	case Edit:
		c.Account.Login = before.Login
		a, err := c.Account.Normalize(today)
		if err != nil {
			return c, err
		}
		if a.ID == actor.ID && before.Role == Supervisor && a.Role != Supervisor {
			return c, ErrOwnAccount
		}
		c.Account = a
	case ResetSecret:
		if err := CheckSecret(c.Secret); err != nil {
			return c, err
		}
	case OwnSecret:
		if c.Account.ID != actor.ID {
			return c, ErrChange
		}
		if c.Secret == c.OldSecret {
			return c, ErrSameSecret
		}
		if err := CheckSecret(c.Secret); err != nil {
			return c, err
		}
	case Deactivate:
		if c.Account.ID == actor.ID {
			return c, ErrOwnAccount
		}
	case Unlock, Reactivate:
	default:
		return c, ErrChange
	}
	return c, nil
}
