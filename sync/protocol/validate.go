package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what a device sends, checked by every receiver (the county and
// a hall's hub) before anything is stored. A device is trusted with its own
// point's cases, not with the receiver's memory, disk or pages.
const (
	// MaxText is the longest string anywhere in a payload, in bytes: a
	// case's longest free text (an address, a business scope, a reason) is
	// a few hundred characters.
	MaxText = 4 << 10
	// MaxDepth is the deepest nesting of a payload.
	MaxDepth = 16
	// MaxIDLength bounds event ids, references and codes.
	MaxIDLength = 100
)

// CheckPayload walks a JSON payload and refuses a string (key or value)
// longer than MaxText, invalid UTF-8, control characters other than tab
// and line breaks, and nesting deeper than MaxDepth. Every field of every
// kind is covered, including ones added by a newer kiosk.
func CheckPayload(raw json.RawMessage) error {
	if !utf8.Valid(raw) {
		return errors.New("the payload is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("the payload does not decode: %w", err)
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				if depth++; depth > MaxDepth {
					return fmt.Errorf("the payload nests deeper than %d", MaxDepth)
				}
			} else {
				depth--
			}
		case string:
			if err := checkText(t); err != nil {
				return err
			}
		case json.Number:
			if len(t) > 32 {
				return errors.New("a number in the payload is too long")
			}
		}
	}
}

func checkText(s string) error {
	if len(s) > MaxText {
		return fmt.Errorf("a text of %d bytes: at most %d", len(s), MaxText)
	}
	for _, r := range s {
		if r == utf8.RuneError {
			return errors.New("a text is not valid UTF-8")
		}
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return fmt.Errorf("a text holds the control character %U", r)
		}
	}
	return nil
}

// ValidID says whether s can be an event id, a reference or a code: 1 to
// MaxIDLength characters of letters, digits and . _ : -. Ids are written
// into logs, URLs and answers; nothing else belongs in them.
func ValidID(s string) bool {
	if s == "" || len(s) > MaxIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// ValidCaseID says whether s is a case id as kiosks make them: a UUID in
// its canonical lower-case form. Case ids, tracking codes and county case
// numbers then never look alike, so a reference names one kind of thing.
func ValidCaseID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// Rating kinds (RatingPayload.Kind) and the reasons a citizen may pick for
// the two lowest levels.
var (
	RatingKinds   = []string{"ticket", "case", "pickup"}
	RatingReasons = []string{"等候时间长", "一次告知不清", "材料要求多", "办理时间长", "服务态度差", "业务不熟练", "设施环境差"}
)

// MaxRatingNote is the longest note with a rating, in characters.
const MaxRatingNote = 200

// Check says what is wrong with a rating as sent, if anything: the rules
// the rating screen applies, checked again by whoever receives it.
func (r RatingPayload) Check() error {
	switch {
	case !slices.Contains(RatingKinds, r.Kind):
		return fmt.Errorf("rating kind %q: want one of %s", r.Kind, strings.Join(RatingKinds, ", "))
	case !ValidID(r.Ref):
		return errors.New("a rating names its ticket or case by id")
	case r.Level < 1 || r.Level > 5:
		return fmt.Errorf("rating level %d: want 1 to 5", r.Level)
	case r.ClerkID < 0:
		return fmt.Errorf("clerk id %d: want 0 (none) or more", r.ClerkID)
	case r.Window < 0 || r.Window > 99:
		return fmt.Errorf("window %d: want 0 to 99", r.Window)
	case utf8.RuneCountInString(r.Note) > MaxRatingNote:
		return fmt.Errorf("a rating's note has at most %d characters", MaxRatingNote)
	case len(r.Reasons) > len(RatingReasons):
		return errors.New("more reasons than there are")
	case utf8.RuneCountInString(r.Matter) > 100:
		return errors.New("a rating's matter has at most 100 characters")
	}
	for _, reason := range r.Reasons {
		if !slices.Contains(RatingReasons, reason) {
			return fmt.Errorf("rating reason %q is not one of the list", reason)
		}
	}
	if len([]rune(r.ClerkName)) > 50 {
		return errors.New("a clerk's name has at most 50 characters")
	}
	return nil
}
