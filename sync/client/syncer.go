package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"time"

	"github.com/yichuang/yichuang/sync/protocol"
)

// Store is the kiosk's side of sync: its outbox, its feed cursor and its
// attachments. The kiosk's SQLite store implements it.
type Store interface {
	// SendableEvents returns pending events in commit order, leaving out
	// quarantined ones and the later events of their cases.
	SendableEvents(ctx context.Context, limit int) ([]protocol.Event, error)
	// RecordPush acknowledges applied events and quarantines rejected ones.
	RecordPush(ctx context.Context, results []protocol.Result) error
	FeedCursor(ctx context.Context) (int64, error)
	// ApplyFeed applies items in order, each with its cursor.
	ApplyFeed(ctx context.Context, items []protocol.FeedItem) error
	PendingUploads(ctx context.Context) ([]string, error)
	MarkUploaded(ctx context.Context, sha string) error
}

// File is an attachment opened for upload.
type File interface {
	io.ReaderAt
	io.Closer
}

// Syncer runs push, upload and pull rounds for one kiosk.
type Syncer struct {
	Client *Client
	Store  Store
	// Open opens a stored attachment by its SHA-256 and gives its size.
	Open func(sha string) (File, int64, error)
	// BatchSize is the events per push [200]; FeedLimit the items per pull
	// [500]; Chunk the upload chunk size [1 MiB].
	BatchSize, FeedLimit, Chunk int
	// Progress, when set, hears about uploads as they go.
	Progress func(UploadProgress)
	// Status, when set, gives the kiosk's state to report after a round
	// (roundErr is how the round went). A report that fails is logged by
	// the caller's logger and does not fail the round.
	Status func(ctx context.Context, roundErr error) (protocol.DeviceStatus, error)
	// Offered, when set, hears the release the county offers in its
	// answer to the status report (signed updates, docs/updates.md). It
	// runs on the round's goroutine and should hand long work (the
	// download) to its own.
	Offered func(ctx context.Context, c *Client, offer protocol.UpdateOffer)
	// Prepare, when set, runs first in every round (a kiosk enrolled
	// before 0.8 moves to a key pair there); its error ends the round.
	Prepare func(ctx context.Context, c *Client) error
}

// UploadProgress is the attachments' upload state for a progress bar.
type UploadProgress struct {
	File, Files         int
	Stored, Size        int64
	SHA256              string
	Done                bool
	FailedSHA, FailCode string
}

// Report says what one round did.
type Report struct {
	Pushed, Rejected, Uploaded, Pulled int
	// Repeats counts events the county had applied already: an earlier
	// attempt landed but its answer was lost on the way back.
	Repeats int
	// UploadErrors are files that could not be uploaded this round (the
	// others went on); a damaged local file shows here every round.
	UploadErrors map[string]error
}

// Once runs one round: push everything sendable, upload pending files, pull
// the feed to its end. It stops at the first error that is not one event's
// or one file's own problem, and reports what it did before.
func (s *Syncer) Once(ctx context.Context) (Report, error) {
	rep, err := s.round(ctx)
	s.report(ctx, err)
	return rep, err
}

func (s *Syncer) round(ctx context.Context) (Report, error) {
	var rep Report
	if s.Prepare != nil {
		if err := s.Prepare(ctx, s.Client); err != nil {
			return rep, err
		}
	}
	if err := s.push(ctx, &rep); err != nil {
		return rep, err
	}
	if err := s.upload(ctx, &rep); err != nil {
		return rep, err
	}
	return rep, s.pull(ctx, &rep)
}

// report sends the kiosk's state unless the county cannot be reached or
// refused the device (then there is nobody to tell).
func (s *Syncer) report(ctx context.Context, roundErr error) {
	if s.Status == nil || ctx.Err() != nil {
		return
	}
	if roundErr != nil && (Code(roundErr) == "" || Code(roundErr) == protocol.CodeUnauthorized ||
		Code(roundErr) == protocol.CodeRevoked || Code(roundErr) == protocol.CodeClockSkew) {
		return
	}
	st, err := s.Status(ctx, roundErr)
	var answer protocol.StatusAnswer
	if err == nil {
		answer, err = s.Client.ReportStatus(ctx, st)
	}
	if err == nil && answer.Update != nil && s.Offered != nil {
		s.Offered(ctx, s.Client, *answer.Update)
	}
	if err != nil && s.Client.opts.Log != nil {
		s.Client.opts.Log("warn", "status report failed", "error", err.Error())
	}
}

func (s *Syncer) push(ctx context.Context, rep *Report) error {
	batch := s.BatchSize
	if batch <= 0 {
		batch = 200
	}
	batch = min(batch, protocol.MaxBatch)
	for {
		events, err := s.Store.SendableEvents(ctx, batch)
		if err != nil {
			return err
		}
		if len(events) == 0 {
			return nil
		}
		results, err := s.Client.Push(ctx, events)
		if isBatchProblem(err) {
			// The county could not read this batch as a whole: send the
			// events one by one, so one bad event cannot hold the rest.
			results, err = s.pushEach(ctx, events)
		}
		if err != nil {
			return err
		}
		if err := s.Store.RecordPush(ctx, results); err != nil {
			return err
		}
		for _, r := range results {
			if r.Status == protocol.Applied {
				rep.Pushed++
				if r.Repeat {
					rep.Repeats++
				}
			} else {
				rep.Rejected++
			}
		}
	}
}

func isBatchProblem(err error) bool {
	c := Code(err)
	return c == protocol.CodeMalformed || c == protocol.CodeTooLarge
}

func (s *Syncer) pushEach(ctx context.Context, events []protocol.Event) ([]protocol.Result, error) {
	out := make([]protocol.Result, 0, len(events))
	for _, e := range events {
		r, err := s.Client.Push(ctx, []protocol.Event{e})
		switch {
		case err == nil:
			out = append(out, r[0])
		case isBatchProblem(err):
			var se *StatusError
			errors.As(err, &se)
			out = append(out, protocol.Result{ID: e.ID, Status: protocol.Rejected, Error: &protocol.Error{Code: se.Code, Message: se.Message}})
		default:
			return nil, err
		}
	}
	return out, nil
}

func (s *Syncer) upload(ctx context.Context, rep *Report) error {
	shas, err := s.Store.PendingUploads(ctx)
	if err != nil || len(shas) == 0 {
		return err
	}
	for i, sha := range shas {
		err := s.uploadOne(ctx, sha, i+1, len(shas))
		if err == nil {
			if err := s.Store.MarkUploaded(ctx, sha); err != nil {
				return err
			}
			rep.Uploaded++
			continue
		}
		// A file's own problem (missing or damaged here) is reported and
		// the others go on; anything else is the link or the county: stop.
		if !errors.Is(err, errOpen) && Code(err) != protocol.CodeHashMismatch {
			return err
		}
		if rep.UploadErrors == nil {
			rep.UploadErrors = map[string]error{}
		}
		rep.UploadErrors[sha] = err
		if s.Progress != nil {
			s.Progress(UploadProgress{File: i + 1, Files: len(shas), SHA256: sha, FailedSHA: sha, FailCode: Code(err)})
		}
	}
	if s.Progress != nil {
		s.Progress(UploadProgress{File: len(shas), Files: len(shas), Done: true})
	}
	return nil
}

var errOpen = errors.New("open attachment")

func (s *Syncer) uploadOne(ctx context.Context, sha string, file, files int) error {
	f, size, err := s.Open(sha)
	if err != nil {
		return fmt.Errorf("%w %s: %w", errOpen, sha, err)
	}
	defer f.Close()
	return s.Client.Upload(ctx, sha, size, f, s.Chunk, func(stored, total int64) {
		if s.Progress != nil {
			s.Progress(UploadProgress{File: file, Files: files, Stored: stored, Size: total, SHA256: sha})
		}
	})
}

func (s *Syncer) pull(ctx context.Context, rep *Report) error {
	limit := s.FeedLimit
	if limit <= 0 || limit > protocol.MaxFeed {
		limit = protocol.MaxFeed
	}
	cursor, err := s.Store.FeedCursor(ctx)
	if err != nil {
		return err
	}
	for {
		page, err := s.Client.Feed(ctx, cursor, limit)
		if err != nil {
			return err
		}
		if err := s.Store.ApplyFeed(ctx, page.Items); err != nil {
			return err
		}
		rep.Pulled += len(page.Items)
		if !page.More || page.Next <= cursor {
			return nil
		}
		cursor = page.Next
	}
}

// State is what the kiosk shows of sync: whether the county was reached in
// the last round and what went wrong if not.
type State struct {
	Online bool
	At     time.Time
	Report Report
	Err    error
}

// Run syncs until ctx ends: a round every interval while the link works, a
// jittered, growing wait (up to max) while it does not, and at once when
// kick fires (立即同步 or a new case). state hears after every round.
func (s *Syncer) Run(ctx context.Context, interval, max time.Duration, kick <-chan struct{}, state func(State)) {
	wait := interval
	failures := 0
	for {
		rep, err := s.Once(ctx)
		if ctx.Err() != nil {
			return
		}
		if state != nil {
			state(State{Online: err == nil, At: s.Client.opts.Now(), Report: rep, Err: err})
		}
		if err == nil {
			failures, wait = 0, interval
		} else {
			failures++
			wait = min(interval<<min(failures, 8), max)
			wait = wait/2 + mrand.N(wait/2+1)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-kick:
			t.Stop()
		case <-t.C:
		}
	}
}
