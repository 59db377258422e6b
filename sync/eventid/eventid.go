// Package eventid makes the IDs of the kiosk's new events and cases. It
// is apart from sync/protocol, whose wire types stay standard library only.
package eventid

import "github.com/google/uuid"

// New makes the ID of a new event or case: a UUID version 7 (RFC 9562),
// whose first 48 bits are the time in milliseconds and the rest random (a
// counter within one millisecond keeps one kiosk's IDs in order).
//
// Why not a random version 4: the county keys its largest indexes by these
// IDs (the applied events' and the case log's event IDs, every table keyed
// by case ID). Random keys put each new entry on a random page of an index
// that at millions of events is far larger than any cache, so every event
// read and rewrote a page of its own in each of them; keys in time order
// land on the few pages the last minutes' events already touched. At about
// a million events, ingest went from about 2,100 to 3,600–4,200 events a
// second on this project's benchmark (issue 18, docs/performance.md).
//
// The time it carries is the time the clerk acted, which every event
// states anyway; the IDs are never shown to citizens nor used as secrets
// (the tracking code and its PIN are). IDs made by earlier releases are
// version 4, and both are accepted everywhere: nothing may parse an ID
// for its time or version.
func New() string {
	return uuid.Must(uuid.NewV7()).String()
}
