package county

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yichuang/yichuang/sync/protocol"
)

// apiError is an answer that is not 2xx: its status, protocol code and a
// message for people.
type apiError struct {
	status int
	code   string
	msg    string
	// retryAfter is sent as Retry-After (429).
	retryAfter time.Duration
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func malformed(format string, args ...any) *apiError {
	return &apiError{status: 400, code: protocol.CodeMalformed, msg: fmt.Sprintf(format, args...)}
}

var errTooLarge = &apiError{status: 413, code: protocol.CodeTooLarge, msg: fmt.Sprintf("the body is over %d bytes", protocol.MaxBody)}

// decodePush reads a push body as sent: gzip-compressed when the header
// says so, at most MaxBody bytes once decompressed, at most MaxBatch events,
// each with an id.
func decodePush(contentEncoding string, body []byte) (protocol.PushRequest, *apiError) {
	var req protocol.PushRequest
	switch strings.ToLower(strings.TrimSpace(contentEncoding)) {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return req, malformed("the gzip body cannot be read: %v", err)
		}
		plain, err := io.ReadAll(io.LimitReader(zr, protocol.MaxBody+1))
		if err != nil {
			return req, malformed("the gzip body cannot be read: %v", err)
		}
		if len(plain) > protocol.MaxBody {
			return req, errTooLarge
		}
		body = plain
	default:
		return req, malformed("content encoding %q: send gzip or nothing", contentEncoding)
	}
	if err := decodeJSON(body, &req); err != nil {
		return req, malformed("the push body is not {\"events\": [...]}: %v", err)
	}
	if len(req.Events) > protocol.MaxBatch {
		return req, malformed("%d events: at most %d per push", len(req.Events), protocol.MaxBatch)
	}
	for i, ev := range req.Events {
		if !protocol.ValidID(ev.ID) || !protocol.ValidID(string(ev.Kind)) {
			return req, malformed("event %d: the id and kind must have 1 to %d letters, digits or . _ : -", i, protocol.MaxIDLength)
		}
	}
	return req, nil
}

// decodeJSON decodes exactly one JSON object; trailing data is an error,
// since it means the body is not what the client meant to send.
func decodeJSON(body []byte, v any) error {
	if !isObject(body) {
		return errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

// maxEnrollField bounds the hostname and app version a kiosk reports.
const maxEnrollField = 200

// decodeEnroll reads an enrollment request.
func decodeEnroll(body []byte) (protocol.EnrollRequest, *apiError) {
	var req protocol.EnrollRequest
	if err := decodeJSON(body, &req); err != nil {
		return req, malformed("the enrollment body cannot be read: %v", err)
	}
	if err := protocol.CheckPayload(body); err != nil {
		return req, malformed("%v", err)
	}
	if len(req.Hostname) > maxEnrollField || len(req.AppVersion) > maxEnrollField {
		return req, malformed("hostname and app_version have at most %d bytes", maxEnrollField)
	}
	return req, nil
}

// parseFeedQuery reads after (default 0) and limit (default and cap
// MaxFeed) of GET /feed.
func parseFeedQuery(q url.Values) (after int64, limit int, e *apiError) {
	limit = protocol.MaxFeed
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, malformed("after=%q: want a cursor, 0 or more", v)
		}
		after = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, malformed("limit=%q: want 1 or more", v)
		}
		limit = min(n, protocol.MaxFeed)
	}
	return after, limit, nil
}

// blobPut is a checked PUT /blobs/{sha256}.
type blobPut struct {
	sha           string
	offset, total int64
}

// parseBlobPut checks the name, the offset parameter, the total length
// header and the chunk size of an attachment upload.
func parseBlobPut(sha, offset, total string, chunkLen int) (blobPut, *apiError) {
	p := blobPut{sha: sha}
	if !isSHA256(sha) {
		return p, malformed("attachment name must be 64 lowercase hex digits")
	}
	var err error
	if p.offset, err = strconv.ParseInt(offset, 10, 64); err != nil || p.offset < 0 {
		return p, malformed("offset=%q: want 0 or more", offset)
	}
	if p.total, err = strconv.ParseInt(strings.TrimSpace(total), 10, 64); err != nil || p.total < 0 {
		return p, malformed("%s %q: want the file size", protocol.HeaderTotalLength, total)
	}
	if chunkLen > protocol.MaxChunk {
		return p, &apiError{status: 413, code: protocol.CodeTooLarge, msg: fmt.Sprintf("chunks are at most %d bytes", protocol.MaxChunk)}
	}
	if p.total > MaxBlob {
		return p, &apiError{status: 413, code: protocol.CodeTooLarge, msg: fmt.Sprintf("attachments are at most %d bytes", MaxBlob)}
	}
	// Compared without adding, so a huge offset cannot overflow past the check.
	if p.offset > p.total || int64(chunkLen) > p.total-p.offset {
		return p, malformed("a chunk of %d bytes at %d goes past the total length %d", chunkLen, p.offset, p.total)
	}
	return p, nil
}

// decodeStatus reads a device status report. Counts must not be negative
// and the printer state is one the protocol names (or empty, from a kiosk
// that never had a printer).
func decodeStatus(body []byte) (protocol.DeviceStatus, *apiError) {
	var st protocol.DeviceStatus
	if err := decodeJSON(body, &st); err != nil {
		return st, malformed("the status body cannot be read: %v", err)
	}
	if err := protocol.CheckPayload(body); err != nil {
		return st, malformed("%v", err)
	}
	if st.Pending < 0 || st.Quarantined < 0 || st.Uploads < 0 {
		return st, malformed("pending, quarantined and uploads must not be negative")
	}
	switch st.Printer.State {
	case "", "ok", "error", "unknown":
	default:
		return st, malformed("printer state %q: want ok, error or unknown", st.Printer.State)
	}
	if len(st.AppVersion) > maxEnrollField || len(st.Printer.Queue) > maxEnrollField {
		return st, malformed("app_version and printer queue have at most %d bytes", maxEnrollField)
	}
	if len(st.OS) > 16 || len(st.Arch) > 16 {
		return st, malformed("os and arch have at most 16 bytes")
	}
	if u := st.Update; u != nil {
		// The state is a maintained, indexed column: only the known words.
		if !slices.Contains(protocol.UpdateStates, u.State) {
			return st, malformed("update state %q: want one of %v", u.State, protocol.UpdateStates)
		}
		if len(u.Version) > maxEnrollField || len(u.Reason) > protocol.MaxUpdateReasonBytes {
			return st, malformed("update version has at most %d bytes, reason %d", maxEnrollField, protocol.MaxUpdateReasonBytes)
		}
	}
	return st, nil
}
