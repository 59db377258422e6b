package county

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"image/png"
	"time"

	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/sync/protocol"
)

// allPoints is the feed's service point for items every point receives
// (catalogs, holiday calendars), so a point enrolled later finds them too.
const allPoints = "*"

// Feed returns a service point's items after the cursor, its own and those
// for every point, in cursor order, leaving out the device's own events.
//
// Cursors come from one writer, so they commit in increasing order and a
// reader never sees cursor n+1 before n. The PostgreSQL store, with
// concurrent writers, keeps that true with a lock per point's feed
// (lockFeed), or a kiosk could skip an item committed late under a
// smaller cursor.
func (s *SQLite) Feed(ctx context.Context, dev Device, after int64, limit int) ([]protocol.FeedItem, bool, error) {
	return readFeed(ctx, s.r, feedSQLite, dev, after, limit)
}

// The feed's query in each dialect: the same rows, and a hall event's item
// made into the Event shape the kiosk sent, from the case log (case
// events) or the inbox (ratings), by each database's JSON functions
// (PostgreSQL's json_build_object spaces its output differently; the
// document is the same). The payload goes in as stored, not re-encoded.
const (
	feedSQLite = `SELECT f.cursor, f.kind, f.at, CASE WHEN f.ref_event IS NULL THEN f.payload
			WHEN l.event_id IS NOT NULL THEN json_object('id', l.event_id, 'kind', l.kind, 'created', l.applied_at, 'payload', json(l.payload))
			ELSE json_object('id', i.event_id, 'kind', i.kind, 'created', i.created, 'payload', json(i.payload)) END
		FROM feed f LEFT JOIN case_log l ON l.event_id = f.ref_event LEFT JOIN inbox i ON i.event_id = f.ref_event AND l.event_id IS NULL
		WHERE f.service_point IN (?, ?) AND f.cursor > ? AND f.device_id <> ? ORDER BY f.cursor LIMIT ?`
	feedSQLPostgres = `SELECT f.cursor, f.kind, f.at, CASE WHEN f.ref_event IS NULL THEN f.payload
			WHEN l.event_id IS NOT NULL THEN json_build_object('id', l.event_id, 'kind', l.kind, 'created', l.applied_at, 'payload', l.payload::json)::text
			ELSE json_build_object('id', i.event_id, 'kind', i.kind, 'created', i.created, 'payload', i.payload::json)::text END
		FROM feed f LEFT JOIN case_log l ON l.event_id = f.ref_event LEFT JOIN inbox i ON i.event_id = f.ref_event AND l.event_id IS NULL
		WHERE f.service_point IN (?, ?) AND f.cursor > ? AND f.device_id <> ? ORDER BY f.cursor LIMIT ?`
)

// readFeed is Feed for both stores, with the dialect's query.
func readFeed(ctx context.Context, q dbtx, query string, dev Device, after int64, limit int) ([]protocol.FeedItem, bool, error) {
	if limit <= 0 || limit > protocol.MaxFeed {
		limit = protocol.MaxFeed
	}
	rows, err := q.QueryContext(ctx, query, dev.Point.Code, allPoints, after, dev.ID, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("read feed: %w", err)
	}
	defer rows.Close()
	items := []protocol.FeedItem{}
	for rows.Next() {
		var it protocol.FeedItem
		var at sql.NullString
		var kind, payload string
		if err := rows.Scan(&it.Cursor, &kind, &at, &payload); err != nil {
			return nil, false, fmt.Errorf("scan feed item: %w", err)
		}
		it.Kind, it.At, it.Payload = protocol.Kind(kind), parseTS(at), json.RawMessage(payload)
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("read feed: %w", err)
	}
	if len(items) > limit {
		return items[:limit], true, nil
	}
	return items, false, nil
}

// appendFeed adds an item inside the caller's transaction, so the item and
// the change it reports commit together.
func appendFeed(ctx context.Context, tx dbtx, point string, kind protocol.Kind, at string, payload any) (protocol.FeedItem, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return protocol.FeedItem{}, fmt.Errorf("encode feed item: %w", err)
	}
	if _, pg := tx.(pgTx); pg {
		// One writer per point's feed on PostgreSQL (postgres_apply.go).
		if err := lockFeed(ctx, tx, point); err != nil {
			return protocol.FeedItem{}, err
		}
	}
	// RETURNING rather than LastInsertId, which PostgreSQL's driver lacks.
	var cursor int64
	err = tx.QueryRowContext(ctx, `INSERT INTO feed (service_point, kind, at, payload, device_id) VALUES (?, ?, ?, ?, '') RETURNING cursor`,
		point, string(kind), at, string(b)).Scan(&cursor)
	if err != nil {
		return protocol.FeedItem{}, fmt.Errorf("insert feed item: %w", err)
	}
	return protocol.FeedItem{Cursor: cursor, Kind: kind, At: parseTS(sql.NullString{String: at, Valid: true}), Payload: b}, nil
}

// publish appends one feed item in its own transaction.
func (s *SQLite) publish(ctx context.Context, point string, kind protocol.Kind, payload any) (protocol.FeedItem, error) {
	var it protocol.FeedItem
	err := s.update(ctx, func(tx *sql.Tx) error {
		var err error
		it, err = appendFeed(ctx, tx, point, kind, ts(s.now()), payload)
		return err
	})
	return it, err
}

// PublishCatalog sends a catalog document (its "version" is required) to
// one service point, or to every point when point is "".
func (s *SQLite) PublishCatalog(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error) {
	target, payload, err := catalogItem(point, doc)
	if err != nil {
		return protocol.FeedItem{}, err
	}
	return s.publish(ctx, target, protocol.FeedCatalog, payload)
}

// catalogItem checks a catalog document and its target point ("" for all)
// and returns the feed's service point and payload for it.
func catalogItem(point string, doc json.RawMessage) (string, protocol.DocumentPayload, error) {
	var head struct {
		Version string `json:"version"`
	}
	if !isObject(doc) || json.Unmarshal(doc, &head) != nil || head.Version == "" {
		return "", protocol.DocumentPayload{}, invalid("a catalog must be a JSON object with a \"version\"")
	}
	target := allPoints
	if point != "" {
		if err := validPointCode(point); err != nil {
			return "", protocol.DocumentPayload{}, err
		}
		target = point
	}
	return target, protocol.DocumentPayload{Version: head.Version, Document: compact(doc)}, nil
}

// PublishHolidays sends a holiday calendar (its "year" is required) to
// every service point.
func (s *SQLite) PublishHolidays(ctx context.Context, doc json.RawMessage) (protocol.FeedItem, error) {
	payload, err := holidayPayload(doc)
	if err != nil {
		return protocol.FeedItem{}, err
	}
	var it protocol.FeedItem
	err = s.update(ctx, func(tx *sql.Tx) (err error) {
		it, err = publishHolidays(ctx, tx, &s.cals, payload, s.now(), "")
		return err
	})
	return it, err
}

// holidayPayload checks a holiday calendar (its "year" is required).
func holidayPayload(doc json.RawMessage) (protocol.DocumentPayload, error) {
	var head struct {
		Year int `json:"year"`
	}
	if !isObject(doc) || json.Unmarshal(doc, &head) != nil || head.Year < 2000 || head.Year > 2200 {
		return protocol.DocumentPayload{}, invalid("a holiday calendar must be a JSON object with a \"year\"")
	}
	return protocol.DocumentPayload{Year: head.Year, Document: compact(doc)}, nil
}

// publishHolidays is PublishHolidays in a store's transaction; lockCases,
// when not empty, is run after the feed item is appended and before the
// deadlines are rewritten (PostgreSQL's table lock, postgres_admin.go):
// after, so that every writer takes the feed before the cases.
func publishHolidays(ctx context.Context, tx dbtx, cals *calendarCache, payload protocol.DocumentPayload, now time.Time, lockCases string) (protocol.FeedItem, error) {
	it, err := appendFeed(ctx, tx, allPoints, protocol.FeedHolidays, ts(now), payload)
	if err != nil {
		return it, err
	}
	if lockCases != "" {
		if _, err := tx.ExecContext(ctx, lockCases); err != nil {
			return it, fmt.Errorf("lock cases: %w", err)
		}
	}
	// Other working days move every stored due date.
	return it, refreshAllDeadlines(ctx, tx, cals, now, true)
}

// PublishRetention sends every service point how many days kiosks keep
// citizens' data of closed cases.
func (s *SQLite) PublishRetention(ctx context.Context, days int) (protocol.FeedItem, error) {
	payload, err := retentionPayload(days)
	if err != nil {
		return protocol.FeedItem{}, err
	}
	return s.publish(ctx, allPoints, protocol.FeedRetention, payload)
}

// retentionPayload checks a retention period.
func retentionPayload(days int) (protocol.Retention, error) {
	if days < protocol.MinRetentionDays || days > protocol.MaxRetentionDays {
		return protocol.Retention{}, invalid("retention of %d days: want %d to %d", days, protocol.MinRetentionDays, protocol.MaxRetentionDays)
	}
	return protocol.Retention{PersonalDataDays: days}, nil
}

// PublishMasking sends every service point the ID number mask pattern its
// kiosks use on screens and papers; a pattern that would show the birth
// date, the gender digit or the whole tail is refused.
func (s *SQLite) PublishMasking(ctx context.Context, pattern string) (protocol.FeedItem, error) {
	payload, err := maskingPayload(pattern)
	if err != nil {
		return protocol.FeedItem{}, err
	}
	return s.publish(ctx, allPoints, protocol.FeedMasking, payload)
}

// maskingPayload checks an ID number mask pattern.
func maskingPayload(pattern string) (protocol.Masking, error) {
	if ids.CheckIDMask(pattern) != nil {
		return protocol.Masking{}, invalid("id mask %q: want 18 of # and *, hiding positions 7-14, 17 and one of 15-18", pattern)
	}
	return protocol.Masking{IDPattern: pattern}, nil
}

// PublishSeal sends one service point the seal image its kiosks print in
// the seal area of receipts and notices; nil removes it. The image must be
// a PNG of at most protocol.MaxSealPNG bytes and 1000 pixels a side.
func (s *SQLite) PublishSeal(ctx context.Context, point string, img []byte) (protocol.FeedItem, error) {
	payload, err := sealPayload(point, img)
	if err != nil {
		return protocol.FeedItem{}, err
	}
	return s.publish(ctx, point, protocol.FeedSeal, payload)
}

// sealPayload checks a seal image and its service point.
func sealPayload(point string, img []byte) (protocol.Seal, error) {
	if err := validPointCode(point); err != nil {
		return protocol.Seal{}, err
	}
	if img != nil {
		if len(img) > protocol.MaxSealPNG {
			return protocol.Seal{}, invalid("seal image of %d bytes: at most %d", len(img), protocol.MaxSealPNG)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(img))
		if err != nil {
			return protocol.Seal{}, invalid("seal image: not a PNG: %v", err)
		}
		if cfg.Width < 50 || cfg.Height < 50 || cfg.Width > 1000 || cfg.Height > 1000 {
			return protocol.Seal{}, invalid("seal image of %d×%d pixels: want 50 to 1000 a side", cfg.Width, cfg.Height)
		}
		if _, err := png.Decode(bytes.NewReader(img)); err != nil {
			return protocol.Seal{}, invalid("seal image: broken PNG: %v", err)
		}
	}
	return protocol.Seal{PNG: img}, nil
}

// PublishHallConfig sends one service point its hall config (sectors,
// hours, booking capacity, closures), checked by the same rule the kiosk
// applies, so a config the kiosk would refuse never enters the feed.
func (s *SQLite) PublishHallConfig(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error) {
	payload, err := hallConfigPayload(point, doc)
	if err != nil {
		return protocol.FeedItem{}, err
	}
	return s.publish(ctx, point, protocol.FeedHallConfig, payload)
}

// hallConfigPayload checks a hall config and its service point.
func hallConfigPayload(point string, doc json.RawMessage) (protocol.DocumentPayload, error) {
	if err := validPointCode(point); err != nil {
		return protocol.DocumentPayload{}, err
	}
	c, err := queue.ParseHallConfig(doc)
	if err != nil {
		return protocol.DocumentPayload{}, invalid("%v", err)
	}
	return protocol.DocumentPayload{Version: c.Version, Document: compact(doc)}, nil
}

// CreateBooking sends a booking made through another channel (12345
// hotline, 浙里办) to its service point.
func (s *SQLite) CreateBooking(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error) {
	return s.booking(ctx, point, protocol.FeedBookingCreated, doc)
}

// CancelBooking sends the cancellation of such a booking.
func (s *SQLite) CancelBooking(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error) {
	return s.booking(ctx, point, protocol.FeedBookingCancelled, doc)
}

func (s *SQLite) booking(ctx context.Context, point string, kind protocol.Kind, doc json.RawMessage) (protocol.FeedItem, error) {
	payload, err := bookingPayload(point, doc)
	if err != nil {
		return protocol.FeedItem{}, err
	}
	return s.publish(ctx, point, kind, payload)
}

// bookingPayload checks a booking made through another channel and its
// service point.
func bookingPayload(point string, doc json.RawMessage) (protocol.QueuePayload, error) {
	if err := validPointCode(point); err != nil {
		return protocol.QueuePayload{}, err
	}
	var head struct {
		ID string `json:"id"`
	}
	if !isObject(doc) || json.Unmarshal(doc, &head) != nil || head.ID == "" {
		return protocol.QueuePayload{}, invalid("a booking must be a JSON object with an \"id\"")
	}
	return protocol.QueuePayload{Doc: compact(doc)}, nil
}

func validPointCode(code string) error {
	if _, err := ids.CheckDivisionCode(code); err != nil {
		return invalid("service point code %q: %v", code, err)
	}
	return nil
}

// compact drops a document file's indentation; the content is unchanged.
// A document with no space outside its strings is returned as it is: a
// kiosk's case documents are json.Marshal's output, and running each
// through json.Compact, which validates as it copies, was 3 % of the
// ingest (issue 18).
func compact(doc json.RawMessage) json.RawMessage {
	if isCompact(doc) {
		return doc
	}
	var b bytes.Buffer
	if json.Compact(&b, doc) != nil {
		return doc
	}
	return b.Bytes()
}

// isCompact says whether b has no JSON whitespace outside its strings, so
// that json.Compact would copy it byte for byte (or refuse it, and compact
// then returns it as it is either way).
func isCompact(b []byte) bool {
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case ' ', '\t', '\n', '\r':
			return false
		}
	}
	return true
}
