package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
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

// CheckPayload refuses a payload that is not valid JSON in UTF-8, holds a
// string (key or value) longer than MaxText, a control character other
// than tab and line breaks (raw or escaped), a number longer than 32
// characters, or nesting deeper than MaxDepth. Every field of every kind is
// covered, including ones added by a newer kiosk.
//
// It reads the bytes once without decoding (every pushed event passes
// here, so it must cost little next to applying the event); the tests
// compare it with a decoding reference.
func CheckPayload(raw json.RawMessage) error {
	if !utf8.Valid(raw) {
		return errors.New("the payload is not valid UTF-8")
	}
	if !json.Valid(raw) {
		return errors.New("the payload is not valid JSON")
	}
	depth, number := 0, 0
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '"':
			n, err := checkString(raw, &i)
			if err != nil {
				return err
			}
			if n > MaxText {
				return fmt.Errorf("a text of %d bytes: at most %d", n, MaxText)
			}
			number = 0
		case c == '{' || c == '[':
			if depth++; depth > MaxDepth {
				return fmt.Errorf("the payload nests deeper than %d", MaxDepth)
			}
			number = 0
		case c == '}' || c == ']':
			depth--
			number = 0
		case c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' || '0' <= c && c <= '9':
			if number++; number > 32 {
				return errors.New("a number in the payload is too long")
			}
		default:
			number = 0
		}
	}
	return nil
}

// checkString reads the string that starts at raw[*i] (its opening quote),
// leaves *i on its closing quote, and returns its decoded length in bytes.
// The JSON is valid, so escapes are well formed.
func checkString(raw []byte, i *int) (int, error) {
	n := 0
	for j := *i + 1; j < len(raw); j++ {
		c := raw[j]
		switch {
		case c == '"':
			*i = j
			return n, nil
		case c == '\\':
			j++
			switch raw[j] {
			case 'u':
				r := hex4(raw[j+1 : j+5])
				j += 4
				if utf16.IsSurrogate(r) {
					// A character beyond the BMP is a pair of escapes.
					if j+6 < len(raw) && raw[j+1] == '\\' && raw[j+2] == 'u' {
						if pair := utf16.DecodeRune(r, hex4(raw[j+3:j+7])); pair != utf8.RuneError {
							j += 6
							n += 4
							continue
						}
					}
					return 0, errors.New("a text is not valid UTF-8")
				}
				if r == utf8.RuneError {
					return 0, errors.New("a text is not valid UTF-8")
				}
				if isControl(r) {
					return 0, fmt.Errorf("a text holds the control character %U", r)
				}
				n += utf8.RuneLen(r)
			case 'b', 'f':
				return 0, errors.New("a text holds a control character")
			default:
				n++
			}
		case c < utf8.RuneSelf:
			if isControl(rune(c)) {
				return 0, fmt.Errorf("a text holds the control character %U", c)
			}
			n++
		default:
			r, size := utf8.DecodeRune(raw[j:])
			if r == utf8.RuneError {
				return 0, errors.New("a text is not valid UTF-8")
			}
			if isControl(r) {
				return 0, fmt.Errorf("a text holds the control character %U", r)
			}
			n += size
			j += size - 1
		}
	}
	return 0, errors.New("the payload is not valid JSON")
}

// hex4 reads the four hex digits of a \u escape.
func hex4(b []byte) rune {
	r, _ := strconv.ParseUint(string(b), 16, 32)
	return rune(r)
}

// isControl is a control character other than tab and line breaks.
func isControl(r rune) bool {
	return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r'
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

// MaxFollowUpText is the longest 回访 or 整改 text, in characters.
const MaxFollowUpText = 500

// Check says what is wrong with a follow-up step as sent, if anything.
func (f FollowUpPayload) Check() error {
	switch {
	case !ValidID(f.Rating):
		return errors.New("a follow-up step names its rating's event id")
	case f.ByID < 0:
		return fmt.Errorf("by_id %d: want 0 or more", f.ByID)
	case strings.TrimSpace(f.ByName) == "" || utf8.RuneCountInString(f.ByName) > 50:
		return errors.New("a follow-up step names who recorded it, in at most 50 characters")
	case strings.TrimSpace(f.Text) == "":
		return errors.New("a follow-up step says what was said or done")
	case utf8.RuneCountInString(f.Text) > MaxFollowUpText:
		return fmt.Errorf("a follow-up text has at most %d characters", MaxFollowUpText)
	case f.At.IsZero():
		return errors.New("a follow-up step has its time")
	}
	return nil
}
