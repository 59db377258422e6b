// Package msg provides errors that carry a user-facing message template.
//
// Domain packages describe what went wrong once, as a Chinese template with
// named data ("身份证号码应为18位，录入的是{{.Len}}位"). Error() renders the
// Chinese text, which is what clerks read by default; the UI passes Key and
// Data through its translation table (lang.L) so the English UI shows the same
// message in English without the domain knowing about languages.
package msg

import (
	"errors"
	"strings"
	"text/template"
)

// Error is a validation or rule error whose text is meant for a person.
type Error struct {
	// Key is the Chinese message template; it doubles as the translation key.
	Key string
	// Data fills the template's {{.Name}} fields.
	Data map[string]any
}

// Term is a word from the product's own vocabulary used inside a message
// ("出件", "3号窗口"): the UI translates it along with the message, where a
// plain string value (a name, a code) is shown as it is.
type Term string

// New returns an *Error with the given template and data given as name/value
// pairs: msg.New("长度应为{{.Want}}位", "Want", 18).
func New(key string, kv ...any) *Error {
	e := &Error{Key: key}
	if len(kv) > 0 {
		e.Data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			name, _ := kv[i].(string)
			e.Data[name] = kv[i+1]
		}
	}
	return e
}

func (e *Error) Error() string { return Render(e.Key, e.Data) }

// Is reports two messages equal when they use the same template, so tests and
// callers can compare with errors.Is against a template without data.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Key == e.Key
}

// Render fills a template. Without data the template is returned as is (a
// sentinel used with errors.Is prints its own wording). A template that does not parse is returned as is,
// because a garbled message is still better than none.
func Render(tmpl string, data map[string]any) string {
	if data == nil || !strings.Contains(tmpl, "{{") {
		return tmpl
	}
	t, err := template.New("msg").Option("missingkey=zero").Parse(tmpl)
	if err != nil {
		return tmpl
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return tmpl
	}
	return b.String()
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var m *Error
	ok := errors.As(err, &m)
	return m, ok
}
