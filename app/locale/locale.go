// Package locale makes sure the process runs with a UTF-8 character type
// before any window opens. X input methods (fcitx5, ibus over XIM) hand
// typed Chinese to the application in the locale's encoding; under LANG=C
// or an unset LANG, which is what autostarted kiosks and service managers
// often get, the typed 你好 is silently dropped. Fixing the environment here
// costs nothing and saves a clerk's every name and address.
package locale

import (
	"os"
	"os/exec"
	"strings"
)

// Env is the part of the process environment this package reads and writes.
type Env struct {
	Getenv func(string) string
	Setenv func(string, string) error
	// Available lists installed locales (as `locale -a` prints them).
	Available func() []string
}

// OS is the real process environment. With cgo, os.Setenv also updates the
// C environment, which is where GLFW's setlocale(LC_CTYPE, "") reads it.
func OS() Env {
	return Env{Getenv: os.Getenv, Setenv: os.Setenv, Available: installed}
}

func installed() []string {
	out, err := exec.Command("locale", "-a").Output()
	if err != nil {
		return nil
	}
	return strings.Fields(string(out))
}

// IsUTF8 reports whether a locale name has a UTF-8 codeset.
func IsUTF8(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, ".utf-8") || strings.Contains(n, ".utf8")
}

// Effective returns the locale that decides LC_CTYPE: LC_ALL, then
// LC_CTYPE, then LANG, as POSIX orders them; "" means the C locale.
func Effective(getenv func(string) string) string {
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := getenv(k); v != "" {
			return v
		}
	}
	return ""
}

// EnsureUTF8 leaves a UTF-8 character type alone and otherwise sets one:
// zh_CN.UTF-8 when installed, else C.UTF-8 (present on every current
// glibc). It changes only LC_CTYPE, so messages, dates and sorting keep the
// user's choice; an LC_ALL that would override it is moved into LANG. It
// returns the value set, or "" when nothing needed changing.
func EnsureUTF8(env Env) (string, error) {
	if IsUTF8(Effective(env.Getenv)) {
		return "", nil
	}
	want := "C.UTF-8"
	if env.Available != nil {
		for _, l := range env.Available() {
			if strings.EqualFold(l, "zh_CN.UTF-8") || strings.EqualFold(l, "zh_CN.utf8") {
				want = l
				break
			}
		}
	}
	if all := env.Getenv("LC_ALL"); all != "" {
		// LC_ALL beats LC_CTYPE; keep its value for the other categories.
		if err := env.Setenv("LANG", all); err != nil {
			return "", err
		}
		if err := env.Setenv("LC_ALL", ""); err != nil {
			return "", err
		}
	}
	return want, env.Setenv("LC_CTYPE", want)
}
