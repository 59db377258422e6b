// Package rating provides 好差评: the citizen's rating of one finished
// service (a ticket served, a case accepted, a result collected), tied to
// the clerk, the window and the matter, given once, with reasons required
// for the two lowest levels so a complaint says what went wrong.
package rating

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/sync/figures"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Level is the citizen's verdict, 5 (非常满意) down to 1 (非常不满意).
type Level int

// Levels, best first, as the rating screen shows them.
var Levels = []Level{5, 4, 3, 2, 1}

// LevelName is the Chinese name of a level.
func LevelName(l Level) string {
	switch l {
	case 5:
		return "非常满意"
	case 4:
		return "满意"
	case 3:
		return "基本满意"
	case 2:
		return "不满意"
	case 1:
		return "非常不满意"
	}
	return "?"
}

// Reasons a citizen can pick for 不满意 and 非常不满意 (from the 好差评
// 差评 categories); a free-text note may add to them.
var Reasons = protocol.RatingReasons

// Kind of service rated.
type Kind string

// Services that are rated.
const (
	Ticket Kind = "ticket" // a ticket served at a window
	Case   Kind = "case"   // a case accepted (受理)
	Pickup Kind = "pickup" // a result collected (出件)
)

// Rating is one citizen's rating of one service.
type Rating struct {
	Kind Kind `json:"kind"`
	// Ref is the ticket's or the case's id.
	Ref     string   `json:"ref"`
	Level   Level    `json:"level"`
	Reasons []string `json:"reasons,omitempty"`
	Note    string   `json:"note,omitempty"`
	// Who served, where, and for what.
	ClerkID   int64     `json:"clerk_id"`
	ClerkName string    `json:"clerk_name"`
	Window    int       `json:"window,omitempty"`
	Matter    string    `json:"matter,omitempty"`
	At        time.Time `json:"at"`
}

// Messages.
var (
	ErrLevel        = msg.New("请选择评价等级")
	ErrReason       = msg.New("“{{.Level}}”请至少选择一项原因，或写明意见")
	ErrUnknown      = msg.New("原因“{{.Reason}}”不在可选范围内")
	ErrNoteTooLong  = msg.New("意见不超过200字")
	ErrAlreadyRated = msg.New("这项服务已经评价过了，谢谢您")
	ErrNoService    = msg.New("没有可评价的服务")
)

// Check validates a rating before it is stored.
func Check(r Rating) (Rating, error) {
	if r.Kind == "" || r.Ref == "" {
		return r, ErrNoService
	}
	if r.Level < 1 || r.Level > 5 {
		return r, ErrLevel
	}
	r.Note = strings.TrimSpace(r.Note)
	if utf8.RuneCountInString(r.Note) > 200 {
		return r, ErrNoteTooLong
	}
	for _, reason := range r.Reasons {
		if !slices.Contains(Reasons, reason) {
			return r, msg.New(ErrUnknown.Key, "Reason", reason)
		}
	}
	if r.Level <= 2 && len(r.Reasons) == 0 && r.Note == "" {
		return r, msg.New(ErrReason.Key, "Level", LevelName(r.Level))
	}
	if r.Level > 2 {
		r.Reasons = nil // reasons are for complaints; praise needs none
	}
	return r, nil
}

// Tally is how ratings add up for one clerk or one matter.
type Tally struct {
	Key string
	// Sector: Key is a sector, not a matter — a ticket served at a window
	// is rated under the sector it was taken for.
	Sector bool
	Counts [6]int // by level, index 1..5
	Total  int
}

// Satisfied is 满意率 as every screen, page and paper shows it: the shared
// figure (sync/figures "satisfied_rate", 满意 and 非常满意 over all
// ratings), its rounding and its "—" for no ratings included.
func (t Tally) Satisfied() figures.Value {
	var c figures.Counts
	for l, n := range t.Counts {
		c.Ratings[l] = int64(n)
	}
	f, _ := figures.ByID("satisfied_rate")
	return f.Of(c)
}

// Add counts one rating.
func (t *Tally) Add(l Level) {
	if l >= 1 && l <= 5 {
		t.Counts[l]++
		t.Total++
	}
}
