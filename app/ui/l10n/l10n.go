// Package l10n chooses the UI language and turns errors into sentences for
// the person at the screen. Source strings are Chinese (the language of the
// halls); translations in assets/translations map them to other languages.
package l10n

import (
	"errors"
	"os"
	"sync"

	"fyne.io/fyne/v2/lang"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/assets"
)

// Languages the kiosk offers, by the code used in settings and flags.
const (
	Chinese = "zh-CN"
	English = "en"
)

var (
	mu      sync.Mutex
	current = Chinese
	loaded  bool
)

// Use switches the UI language. Fyne's lang package picks a language from
// the environment (LANGUAGE first) whenever translations are added, and a
// kiosk's environment says nothing useful (often LANG=C), so the choice is
// written to LANGUAGE and the bundle reloaded. Chinese is the default:
// unknown codes fall back to it.
func Use(code string) error {
	mu.Lock()
	defer mu.Unlock()
	if code != English {
		code = Chinese
	}
	// go-locale reads LANGUAGE as a colon list; zh_CN must win over any
	// English fallback Fyne keeps.
	tag := "zh_CN"
	if code == English {
		tag = "en"
	}
	if err := os.Setenv("LANGUAGE", tag); err != nil {
		return err
	}
	current = code
	if !loaded {
		loaded = true
		return lang.AddTranslationsFS(assets.Translations, "translations")
	}
	// Re-adding an existing bundle only re-runs the language matcher.
	b, err := assets.Translations.ReadFile("translations/en.json")
	if err != nil {
		return err
	}
	return lang.AddTranslationsForLocale(b, "en")
}

// Current returns the language code in use.
func Current() string {
	mu.Lock()
	defer mu.Unlock()
	return current
}

// L translates a source string. Chinese is the source language, so it is
// rendered directly: going through go-i18n would log a "message not found"
// for every string, since no Chinese bundle repeats the keys. Data, if
// given, is a map[string]any for the template's {{.Name}} fields.
func L(s string, data ...any) string {
	if Current() == Chinese {
		var m map[string]any
		if len(data) > 0 {
			m, _ = data[0].(map[string]any)
		}
		return msg.Render(s, m)
	}
	return lang.L(s, data...)
}

// Error returns what to tell the user about err: the message of a domain
// rule, translated, or, for anything unexpected, a sentence saying what to
// do next — never a Go error string with paths or SQL in it.
func Error(err error) string {
	if err == nil {
		return ""
	}
	if m, ok := msg.As(err); ok {
		if m.Data == nil {
			return L(m.Key)
		}
		data := make(map[string]any, len(m.Data))
		for k, v := range m.Data {
			switch t := v.(type) {
			case msg.Term:
				v = L(string(t))
			case *msg.Error:
				v = Error(t)
			}
			data[k] = v
		}
		return L(m.Key, data)
	}
	var inv *catalog.InvalidError
	if errors.As(err, &inv) {
		return inv.Error() // already a list of problems an administrator can fix
	}
	return L("操作没有完成，数据未丢失。请重试；如再次出现，请联系县中心技术支持。")
}
