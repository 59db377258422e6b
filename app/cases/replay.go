package cases

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/yichuang/yichuang/app/catalog"
)

// Replay does an action again on a case as it now stands: two windows
// acted on the same state of a case while apart, the other's action was
// taken first, and this one is tried on top of it. kind and data are the
// event as recorded (its data is what the action needed); at is when the
// clerk did it. An error means the action no longer makes sense (the result
// was already handed out, the material already supplemented): it is
// dropped and the clerk told, never applied over the other.
//
// Only actions whose recorded data says all they did can be replayed; the
// others (a pre-review decision, a return) are refused with ErrNoReplay.
func Replay(cat *catalog.Catalog, c Case, kind EventKind, data json.RawMessage, tried Case, at time.Time) (Case, error) {
	var out Case
	var err error
	switch kind {
	case EvSupplemented:
		var d struct {
			Received []MaterialEntry `json:"received"`
		}
		if err := json.Unmarshal(data, &d); err != nil {
			return c, fmt.Errorf("replay %s: %w", kind, err)
		}
		out, err = Supplement(cat, c, d.Received, at)
	case EvAuthorized:
		var p Person
		if err := json.Unmarshal(data, &p); err != nil {
			return c, fmt.Errorf("replay %s: %w", kind, err)
		}
		out, err = Authorize(c, p, at)
	case EvDelivered:
		var p PickupRecord
		if err := json.Unmarshal(data, &p); err != nil {
			return c, fmt.Errorf("replay %s: %w", kind, err)
		}
		if p.Via != nil {
			out, err = DeliverByAgent(c, *p.Via, p.Collector, p.Receipt, at)
		} else {
			out, err = Deliver(c, p.Collector, at)
		}
	case EvMailed:
		var m MailRecord
		if err := json.Unmarshal(data, &m); err != nil {
			return c, fmt.Errorf("replay %s: %w", kind, err)
		}
		out, err = MailResult(c, m, at)
	default:
		return c, ErrNoReplay
	}
	if err != nil {
		return c, err
	}
	// Files the action brought (a supplement's scan, a receipt photo) come
	// with it.
	for _, a := range tried.Attachments {
		if !slices.ContainsFunc(out.Attachments, func(b Attachment) bool { return b.SHA256 == a.SHA256 }) {
			out.Attachments = append(slices.Clone(out.Attachments), a)
		}
	}
	return out, nil
}

// ErrNoReplay: the action cannot be tried again on a changed case.
var ErrNoReplay = fmt.Errorf("action cannot be replayed")
