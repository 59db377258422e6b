// Package sms sends the county's citizen notices through its SMS gateway:
// a small JSON interface of our own (docs/sms.md) that a county points at
// an adapter for its provider. A Sender takes the queued notices the
// county stored, POSTs each as a provider template (signature, template
// code, named parameters) with retries and backoff, and records every try
// and the outcome, so a notice is delivered once and staff see what
// became of it. Mobile numbers are never logged.
package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/yichuang/yichuang/sync/countyd/county"
)

// Request is the body POSTed to the gateway. NoticeID is stable across
// tries and restarts: the gateway answers a repeat with its first answer
// and does not send the SMS again (an answer lost on the way back is the
// only way the county sends a notice twice).
type Request struct {
	NoticeID     string            `json:"notice_id"`
	Signature    string            `json:"signature"`
	TemplateCode string            `json:"template_code"`
	Params       map[string]string `json:"params"`
	Mobile       string            `json:"mobile"`
}

// Response is the gateway's answer with a 2xx status: the provider's
// message id (BizId, SerialNo …), kept with the notice.
type Response struct {
	MessageID string `json:"message_id"`
}

// Store is what the sender needs of the county's storage: the notices
// due, and a place to record each try.
type Store interface {
	county.NoticeQueue
}

var (
	_ Store = (*county.SQLite)(nil)
	_ Store = (*county.Postgres)(nil)
)

// Options configure a Sender.
type Options struct {
	// Gateway is the gateway's URL. Empty: no sender runs and notices
	// stay queued, as the back office shows.
	Gateway string
	// Now stamps the tries; nil means time.Now.
	Now func() time.Time
	// Log gets one line per outcome (notice id, tracking, tries, error);
	// nil means slog.Default().
	Log *slog.Logger
	// Every is the wait between rounds; 0 means 15 seconds.
	Every time.Duration
	// Batch bounds the notices of one round; 0 means 50.
	Batch int
	// RetryMax is how many times one round retries a notice after its
	// first try (5xx, 429, no answer); 0 means 3. Later rounds back off
	// further (county.RecordNoticeTries).
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the wait between those retries;
	// 0 means 1 s and 30 s.
	RetryWaitMin, RetryWaitMax time.Duration
	// AttemptTimeout bounds one HTTP try; 0 means 15 seconds.
	AttemptTimeout time.Duration
}

// Sender delivers queued notices.
type Sender struct {
	st   Store
	opts Options
	http *http.Client
}

// New returns a sender over st.
func New(st Store, opts Options) *Sender {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Every == 0 {
		opts.Every = 15 * time.Second
	}
	if opts.Batch == 0 {
		opts.Batch = 50
	}
	if opts.RetryMax == 0 {
		opts.RetryMax = 3
	}
	if opts.RetryWaitMin == 0 {
		opts.RetryWaitMin = time.Second
	}
	if opts.RetryWaitMax == 0 {
		opts.RetryWaitMax = 30 * time.Second
	}
	if opts.AttemptTimeout == 0 {
		opts.AttemptTimeout = 15 * time.Second
	}
	return &Sender{st: st, opts: opts, http: &http.Client{Timeout: opts.AttemptTimeout}}
}

// Run sends rounds until ctx ends. A failed round is logged and the next
// one comes as usual: the notices wait in the store, not in memory.
func (s *Sender) Run(ctx context.Context) {
	if s.opts.Gateway == "" {
		return
	}
	t := time.NewTicker(s.opts.Every)
	defer t.Stop()
	for {
		if _, err := s.SendDue(ctx); err != nil && ctx.Err() == nil {
			s.opts.Log.ErrorContext(ctx, "sms round", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SendDue sends every notice due now, one after another, and returns how
// many the gateway took. Without a gateway it sends nothing.
func (s *Sender) SendDue(ctx context.Context) (int, error) {
	if s.opts.Gateway == "" {
		return 0, nil
	}
	due, err := s.st.DueNotices(ctx, s.opts.Batch)
	if err != nil {
		return 0, fmt.Errorf("list due notices: %w", err)
	}
	sent := 0
	for _, o := range due {
		out := s.send(ctx, o)
		if ctx.Err() != nil && !out.Sent {
			// Stopping: tries cut short by the shutdown are not the
			// gateway's failures; the notice is tried again at start.
			return sent, ctx.Err()
		}
		if err := s.st.RecordNoticeTries(context.WithoutCancel(ctx), o, out); err != nil {
			return sent, fmt.Errorf("record notice %s: %w", o.EventID, err)
		}
		if out.Sent {
			sent++
			s.opts.Log.InfoContext(ctx, "notice sent", "notice", o.EventID, "tracking", o.Tracking, "tries", len(out.Tries))
		} else {
			last := ""
			if n := len(out.Tries); n > 0 {
				last = out.Tries[n-1].Err
			}
			s.opts.Log.WarnContext(ctx, "notice not sent", "notice", o.EventID, "tracking", o.Tracking,
				"tries", len(out.Tries), "err", last)
		}
	}
	return sent, nil
}

// maxAnswer bounds what is read of the gateway's answer.
const maxAnswer = 64 << 10

// send is one round of tries for one notice, each try recorded.
func (s *Sender) send(ctx context.Context, o county.Outgoing) county.NoticeOutcome {
	var out county.NoticeOutcome
	body, err := json.Marshal(Request{NoticeID: o.EventID, Signature: o.Signature, TemplateCode: o.Code,
		Params: o.Params, Mobile: o.Mobile})
	if err != nil {
		out.Tries = append(out.Tries, county.NoticeTry{At: s.opts.Now(), Err: "encode: " + err.Error()})
		return out
	}
	// A client per round: its retry policy records this notice's tries.
	rc := retryablehttp.NewClient()
	rc.HTTPClient = s.http
	rc.Logger = nil // its lines would carry the URL and nothing we need; ours carry no mobile
	rc.RetryMax = s.opts.RetryMax
	rc.RetryWaitMin, rc.RetryWaitMax = s.opts.RetryWaitMin, s.opts.RetryWaitMax
	rc.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		t := county.NoticeTry{At: s.opts.Now()}
		switch {
		case err != nil:
			t.Err = redact(err, s.opts.Gateway)
		case resp.StatusCode >= 300:
			t.HTTP = resp.StatusCode
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
			t.Err = fmt.Sprintf("gateway answered %d: %s", resp.StatusCode, bytes.TrimSpace(b))
		default:
			t.HTTP = resp.StatusCode
		}
		out.Tries = append(out.Tries, t)
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, s.opts.Gateway, body)
	if err != nil {
		out.Tries = append(out.Tries, county.NoticeTry{At: s.opts.Now(), Err: "request: " + err.Error()})
		return out
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := rc.Do(req)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return out
	}
	var r Response
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, &r); err != nil {
			// The gateway took it: a garbled answer is no reason to send
			// it again.
			r.MessageID = ""
		}
	}
	out.Sent, out.ProviderID = true, r.MessageID
	return out
}

// redact keeps a transport error without the gateway's URL, which may
// carry an adapter's key in its query.
func redact(err error, gateway string) string {
	msg := err.Error()
	return string(bytes.ReplaceAll([]byte(msg), []byte(gateway), []byte("<gateway>")))
}
