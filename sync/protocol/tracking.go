package protocol

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Tracking codes (办件查询码) are identifiers the county resolves, so their
// layout is part of the protocol: the county checks that a pushed case's
// code is well formed and names the pushing device's own service point.
// app/tracking reads codes as people type them and says what is wrong in
// their language; both use this codec.
//
// Layout (16 characters from 0–9 and A–Z):
//
//	PPPPPPPP D TTT SSS C
//	│        │ │   │   └ check character, ISO 7064 MOD 37-2 over the first 15
//	│        │ │   └ sequence of the case on that device that day, base 36
//	│        │ └ day of acceptance, days since 2020-01-01 Beijing time, base 36
//	│        └ device number within the hall, 1–9 and A–Z (1–35)
//	└ the hall's 12-digit statistical division code, base 36

// TrackingLength is the number of characters in a tracking code.
const TrackingLength = 16

// TrackingAlphabet is the characters a tracking code is written in.
const TrackingAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// trackingEpoch is midnight in Beijing (app/workday.China); sync/protocol
// imports nothing but the standard library, so it states the offset itself.
var trackingEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*60*60))

// ErrTrackingUnusable means the parts give a code whose check value would
// be "*"; take the next sequence number (about one in 37 is skipped).
var ErrTrackingUnusable = errors.New("tracking code: check value is '*', use the next sequence")

// ErrTrackingInvalid means a string is not a well-formed tracking code.
var ErrTrackingInvalid = errors.New("not a tracking code")

// TrackingParts are the fields a code is made of.
type TrackingParts struct {
	ServicePoint string // 12-digit division code
	Device       int    // 1–35
	Day          time.Time
	Seq          int // 0–46655
}

// EncodeTracking builds the code for p.
func EncodeTracking(p TrackingParts) (string, error) {
	point, err := strconv.ParseUint(p.ServicePoint, 10, 64)
	if err != nil || len(p.ServicePoint) != 12 {
		return "", fmt.Errorf("tracking code: service point %q is not a 12-digit code", p.ServicePoint)
	}
	if p.Device < 1 || p.Device > 35 {
		return "", fmt.Errorf("tracking code: device %d not in 1–35", p.Device)
	}
	y, m, d := p.Day.In(trackingEpoch.Location()).Date()
	days := int(time.Date(y, m, d, 0, 0, 0, 0, trackingEpoch.Location()).Sub(trackingEpoch).Hours() / 24)
	if days < 0 || days >= 36*36*36 {
		return "", fmt.Errorf("tracking code: day %s out of range", p.Day.Format("2006-01-02"))
	}
	if p.Seq < 0 || p.Seq >= 36*36*36 {
		return "", fmt.Errorf("tracking code: sequence %d out of range", p.Seq)
	}
	body := base36(point, 8) + base36(uint64(p.Device), 1) + base36(uint64(days), 3) + base36(uint64(p.Seq), 3)
	c := trackingCheck(body)
	if c == 36 {
		return "", ErrTrackingUnusable
	}
	return body + string(TrackingAlphabet[c]), nil
}

func base36(n uint64, width int) string {
	s := strings.ToUpper(strconv.FormatUint(n, 36))
	return strings.Repeat("0", width-len(s)) + s
}

// trackingCheck returns the ISO 7064 MOD 37-2 check value (0–36) of s,
// which must consist of alphabet characters: the value c that makes
// Σ v_i·2^(n-i) + c ≡ 1 (mod 37) over the whole code.
func trackingCheck(s string) int {
	p := 0
	for i := 0; i < len(s); i++ {
		p = ((p + strings.IndexByte(TrackingAlphabet, s[i])) * 2) % 37
	}
	return (38 - p) % 37
}

// TrackingCheckOK says whether a 16-character code of alphabet characters
// has the right check character.
func TrackingCheckOK(code string) bool {
	return len(code) == TrackingLength && trackingCheck(code[:TrackingLength-1]) == strings.IndexByte(TrackingAlphabet, code[TrackingLength-1])
}

// ParseTracking returns the parts of a code written canonically (16
// upper-case characters, no spaces), or ErrTrackingInvalid.
func ParseTracking(code string) (TrackingParts, error) {
	if len(code) != TrackingLength {
		return TrackingParts{}, ErrTrackingInvalid
	}
	for i := 0; i < len(code); i++ {
		if strings.IndexByte(TrackingAlphabet, code[i]) < 0 {
			return TrackingParts{}, ErrTrackingInvalid
		}
	}
	if !TrackingCheckOK(code) {
		return TrackingParts{}, ErrTrackingInvalid
	}
	point, _ := strconv.ParseUint(code[0:8], 36, 64)
	dev, _ := strconv.ParseUint(code[8:9], 36, 64)
	days, _ := strconv.ParseUint(code[9:12], 36, 64)
	seq, _ := strconv.ParseUint(code[12:15], 36, 64)
	if point > 999999999999 || dev == 0 {
		return TrackingParts{}, ErrTrackingInvalid
	}
	return TrackingParts{ServicePoint: fmt.Sprintf("%012d", point), Device: int(dev),
		Day: trackingEpoch.AddDate(0, 0, int(days)), Seq: int(seq)}, nil
}
