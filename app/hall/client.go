package hall

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/queue"
)

// ErrHubDown means the hall hub cannot be reached.
var ErrHubDown = queue.ErrHubDown

// Client is the queue on the hall hub, seen over the LAN.
type Client struct {
	base  string
	token string
	http  *retryablehttp.Client
	// stream has no timeout: an event stream stays open all day.
	stream *http.Client
}

var _ Service = (*Client)(nil)

// Conn is how a machine reaches its hub: the transport (TLS pinned to the
// hub's certificate, see hallnet) and the machine's bearer token.
type Conn struct {
	Transport http.RoundTripper
	Token     string
}

// NewClient returns a client of the hub at base (https://192.168.1.10:8730).
func NewClient(base string, conn Conn) *Client {
	rc := retryablehttp.NewClient()
	rc.RetryMax = 3
	rc.RetryWaitMin = 100 * time.Millisecond
	rc.RetryWaitMax = time.Second
	rc.Logger = nil // requests hold ID numbers; never log them
	rc.HTTPClient.Timeout = 5 * time.Second
	if conn.Transport != nil {
		rc.HTTPClient.Transport = conn.Transport
	}
	return &Client{base: strings.TrimRight(base, "/"), token: conn.Token, http: rc, stream: &http.Client{Transport: conn.Transport}}
}

// do sends one logical request; retries reuse its request id, so the hub
// acts on it at most once.
func (c *Client) do(ctx context.Context, method, path, requestID string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	if requestID == "" && method == http.MethodPost {
		requestID = uuid.NewString()
	}
	if requestID != "" {
		req.Header.Set(RequestHeader, requestID)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w (%v)", ErrHubDown, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%w (%v)", ErrHubDown, err)
	}
	if resp.StatusCode != http.StatusOK {
		var we wireError
		_ = json.Unmarshal(raw, &we)
		if we.Key != "" {
			return &msg.Error{Key: we.Key, Data: we.Data}
		}
		return fmt.Errorf("hall hub answered %s: %s", resp.Status, we.Message)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// IssueTicket takes a number on the hub.
func (c *Client) IssueTicket(ctx context.Context, req TicketRequest) (Slip, error) {
	var s Slip
	return s, c.do(ctx, http.MethodPost, "/api/tickets", req.RequestID, req, &s)
}

// CheckIn turns a booking into a ticket on the hub.
func (c *Client) CheckIn(ctx context.Context, requestID, code string) (Slip, error) {
	var s Slip
	return s, c.do(ctx, http.MethodPost, "/api/checkin", requestID, map[string]string{"request_id": requestID, "code": code}, &s)
}

// Book makes an appointment on the hub.
func (c *Client) Book(ctx context.Context, req BookRequest) (queue.Booking, error) {
	var b queue.Booking
	return b, c.do(ctx, http.MethodPost, "/api/bookings", req.RequestID, req, &b)
}

// FindBooking finds an appointment on the hub. It is a POST so the
// resident ID travels in the body, never in a URL (which proxies and logs
// keep).
func (c *Client) FindBooking(ctx context.Context, code, residentID string) (queue.Booking, error) {
	var b queue.Booking
	return b, c.do(ctx, http.MethodPost, "/api/bookings/find", "", map[string]string{"code": code, "resident_id": residentID}, &b)
}

// CancelBooking cancels an appointment on the hub.
func (c *Client) CancelBooking(ctx context.Context, code, residentID string) (queue.Booking, error) {
	var b queue.Booking
	return b, c.do(ctx, http.MethodPost, "/api/bookings/cancel", "", map[string]string{"code": code, "resident_id": residentID}, &b)
}

// FreeSlots lists bookable half-days.
func (c *Client) FreeSlots(ctx context.Context, sector string) ([]queue.Slot, error) {
	var s []queue.Slot
	return s, c.do(ctx, http.MethodGet, "/api/slots?sector="+url.QueryEscape(sector), "", nil, &s)
}

// OpenCounter starts calling at a window.
func (c *Client) OpenCounter(ctx context.Context, ct Counter) error {
	return c.do(ctx, http.MethodPost, "/api/counters/open", "", ct, nil)
}

// CloseCounter stops calling at a window.
func (c *Client) CloseCounter(ctx context.Context, window int) error {
	return c.do(ctx, http.MethodPost, "/api/counters/close", "", Counter{Window: window}, nil)
}

// CallNext calls the next number; requestID makes a retried call safe.
func (c *Client) CallNext(ctx context.Context, requestID string, window int) (queue.Ticket, error) {
	var t queue.Ticket
	return t, c.do(ctx, http.MethodPost, "/api/counters/call", requestID, Counter{Window: window}, &t)
}

// Act applies a counter action.
func (c *Client) Act(ctx context.Context, req ActRequest) (queue.Ticket, error) {
	var t queue.Ticket
	return t, c.do(ctx, http.MethodPost, "/api/counters/act", req.RequestID, req, &t)
}

// CounterState reads a window as the hub has it now.
func (c *Client) CounterState(ctx context.Context, window int) (queue.CounterState, error) {
	var st queue.CounterState
	return st, c.do(ctx, http.MethodGet, "/api/counters/"+strconv.Itoa(window), "", nil, &st)
}

// Board returns the display's state.
func (c *Client) Board(ctx context.Context) (Board, error) {
	var b Board
	return b, c.do(ctx, http.MethodGet, "/api/board", "", nil, &b)
}

// Stats returns today's figures.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	return s, c.do(ctx, http.MethodGet, "/api/stats", "", nil, &s)
}

// Subscribe follows the hub's event stream, reconnecting with back-off;
// while the hub is away it sends EventOffline once, and EventOnline with
// the board when it is back.
func (c *Client) Subscribe(ctx context.Context) (<-chan Event, error) {
	ch := make(chan Event, 16)
	go func() {
		defer close(ch)
		wait := 200 * time.Millisecond
		offline := false
		for ctx.Err() == nil {
			err := c.follow(ctx, ch, &offline)
			if ctx.Err() != nil {
				return
			}
			if !offline {
				offline = true
				select {
				case ch <- Event{Kind: EventOffline}:
				case <-ctx.Done():
					return
				}
			}
			_ = err
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return
			}
			wait = min(wait*2, 5*time.Second)
		}
	}()
	return ch, nil
}

// quiet is how long the stream may stay silent before the hub counts as
// gone: it sends a keep-alive every KeepAlive, so a hub switched off or
// unplugged (no reset ever arrives) is noticed within seconds.
const quiet = 3 * KeepAlive

func (c *Client) follow(ctx context.Context, ch chan<- Event, offline *bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	heard := make(chan struct{}, 1)
	go func() {
		t := time.NewTimer(quiet)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-heard:
				if !t.Stop() {
					<-t.C
				}
				t.Reset(quiet)
			case <-t.C:
				cancel() // silent too long: the hub is gone
				return
			}
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/events", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.stream.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("events: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		select {
		case heard <- struct{}{}:
		default:
		}
		line := sc.Bytes()
		data, ok := bytes.CutPrefix(line, []byte("data: "))
		if !ok {
			continue
		}
		var ev Event
		if err := json.Unmarshal(data, &ev); err != nil {
			continue
		}
		if *offline {
			*offline = false
			ev.Kind = EventOnline
		}
		select {
		case ch <- ev:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return errors.New("event stream ended")
}
