package hallsync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/yichuang/yichuang/app/blobs"
	"github.com/yichuang/yichuang/app/hall"
	"github.com/yichuang/yichuang/app/hallnet"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/sync/protocol"
)

// MachineStore is what a machine's replicator needs from its database.
type MachineStore interface {
	HallLink(ctx context.Context) (store.HallLink, error)
	HallOutgoing(ctx context.Context, limit int) ([]protocol.Event, error)
	HallResend(ctx context.Context, limit int) ([]protocol.Event, error)
	HallRecordPush(ctx context.Context, results []protocol.HallResult) error
	HallCursor(ctx context.Context) (string, int64, error)
	ResetHallCursor(ctx context.Context, epoch string) error
	HallApply(ctx context.Context, epoch string, items []protocol.HallItem) error
	HallUploads(ctx context.Context) ([]string, error)
	MarkHallSent(ctx context.Context, sha string) error
	HallState(ctx context.Context, eventID string) (string, error)
	SetHallOnline(on bool)
	LeaveHall(ctx context.Context, why string) error
	PrereviewScans(ctx context.Context) ([]string, error)
}

var _ MachineStore = (*store.DB)(nil)

// Messages of the hall link, for the banner and the status bar.
var (
	ErrHubAway     = msg.New("大厅主机暂时连不上：本机继续受理和办理已有办件，恢复后自动同步")
	ErrHubUnknown  = msg.New("大厅主机不认识本机（主机数据可能恢复过），请主管在大厅主机上重新配对")
	ErrHubNewer    = msg.New("本机版本比大厅主机新，请先升级大厅主机")
	ErrHubRemoved  = msg.New("本机已被移出大厅，不再接收大厅的办件；如需重新加入，请主管重新配对")
	ErrHubPin      = msg.New("大厅主机的证书与配对时不同：可能有其他设备冒充主机。本机已停止同步，请主管检查后重新配对")
	ErrOldHubLayer = msg.New("大厅中有更新版本的机器发来的办件，本机读不懂，请升级本机")
)

// State is how the machine stands with its hub.
type State struct {
	Paired bool
	Online bool
	// Since is when Online last changed; LastContact the last answer.
	Since, LastContact time.Time
	// Err says why the hub is not there (a message for the hall).
	Err error
	// Removed: the hub (or the county) took this machine out of the hall.
	Removed bool
}

// Replicator keeps one machine in step with its hub.
type Replicator struct {
	Store MachineStore
	Blobs blobs.Store
	// CountyDevice is this machine's id at the county, told to the hub
	// (a device the county revokes then also leaves the hall).
	CountyDevice func() string
	// OnChange hears every change of State (the banner, the status bar).
	OnChange func(State)
	// OnApplied hears that items of the hub's log were applied (open
	// lists refresh).
	OnApplied func()
	// Log, when set, hears what went wrong (no bodies, no ID numbers).
	Log func(format string, args ...any)
	// Wait is how long a log request waits for news [8 s]; a hub that is
	// switched off is noticed within Wait plus a few seconds.
	Wait time.Duration

	once sync.Once
	kick chan struct{}
	mu   sync.Mutex
	st   State
	link store.HallLink
	http *http.Client
}

func (r *Replicator) init() {
	r.once.Do(func() { r.kick = make(chan struct{}, 1) })
}

// Kick asks for a push now (an action was just committed).
func (r *Replicator) Kick() {
	r.init()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// State returns how the machine stands with its hub.
func (r *Replicator) State() State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st
}

func (r *Replicator) set(f func(*State)) {
	r.mu.Lock()
	before := r.st
	f(&r.st)
	if r.st.Online != before.Online {
		r.st.Since = time.Now()
	}
	st := r.st
	r.mu.Unlock()
	r.Store.SetHallOnline(st.Online)
	if r.OnChange != nil && (st.Online != before.Online || st.Removed != before.Removed || errText(st.Err) != errText(before.Err) ||
		st.Paired != before.Paired) {
		r.OnChange(st)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (r *Replicator) logf(format string, args ...any) {
	if r.Log != nil {
		r.Log(format, args...)
	}
}

// Transport is how this machine reaches its hub: TLS pinned to the hub's
// certificate.
func Transport(pin string) *http.Transport {
	return &http.Transport{
		TLSClientConfig:     hallnet.PinnedConfig(pin),
		DialContext:         (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 15 * time.Second}).DialContext,
		TLSHandshakeTimeout: 5 * time.Second,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     time.Minute,
	}
}

// Conn is the queue's connection to the hub (hall.Client), or false when
// the machine is not paired.
func (r *Replicator) Conn(ctx context.Context) (base string, c hall.Conn, ok bool) {
	if err := r.load(ctx); err != nil {
		return "", hall.Conn{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.link.Paired() {
		return "", hall.Conn{}, false
	}
	return "https://" + r.link.Addr, hall.Conn{Transport: r.http.Transport, Token: r.link.Token}, true
}

// load reads the link from the store (again after a pairing).
func (r *Replicator) load(ctx context.Context) error {
	l, err := r.Store.HallLink(ctx)
	if err != nil {
		return err
	}
	r.mu.Lock()
	if l != r.link || r.http == nil {
		r.link = l
		r.http = &http.Client{Transport: Transport(l.Pin)}
	}
	r.mu.Unlock()
	r.set(func(s *State) {
		s.Paired = l.Paired()
		if l.Removed != "" {
			s.Removed, s.Online, s.Err = true, false, ErrHubRemoved
		} else {
			s.Removed = false
		}
	})
	return nil
}

// Run keeps the machine in step until ctx ends: one loop pushes what the
// machine did (at once when kicked), one follows the hub's log.
func (r *Replicator) Run(ctx context.Context) {
	r.init()
	if err := r.load(ctx); err != nil {
		r.logf("hall link: %v", err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); r.pushLoop(ctx) }()
	go func() { defer wg.Done(); r.pullLoop(ctx) }()
	wg.Wait()
}

func (r *Replicator) paired() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.link.Paired() && !r.st.Removed
}

func (r *Replicator) pushLoop(ctx context.Context) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.kick:
		case <-tick.C:
		}
		if err := r.load(ctx); err != nil || !r.paired() {
			continue
		}
		if err := r.pushAll(ctx); err != nil {
			r.failed(err)
			continue
		}
		if err := r.uploadAll(ctx); err != nil {
			r.failed(err)
		}
	}
}

// pushAll sends everything waiting for the hub: first what a restored hub
// lost, then new events, each batch's answers recorded before the next.
func (r *Replicator) pushAll(ctx context.Context) error {
	for _, recovered := range []bool{true, false} {
		for {
			var evs []protocol.Event
			var err error
			if recovered {
				evs, err = r.Store.HallResend(ctx, 200)
			} else {
				evs, err = r.Store.HallOutgoing(ctx, 200)
			}
			if err != nil || len(evs) == 0 {
				if err != nil {
					return err
				}
				break
			}
			push := protocol.HallPush{Events: evs, Recovered: recovered}
			if r.CountyDevice != nil {
				push.CountyDevice = r.CountyDevice()
			}
			var resp protocol.HallPushResponse
			if err := r.call(ctx, http.MethodPost, "/hall/v1/events", push, &resp, 15*time.Second); err != nil {
				return err
			}
			if len(resp.Results) != len(evs) {
				return fmt.Errorf("hub answered %d results for %d events", len(resp.Results), len(evs))
			}
			if err := r.Store.HallRecordPush(ctx, resp.Results); err != nil {
				return err
			}
			r.contact()
			held := false
			for _, res := range resp.Results {
				held = held || res.Status == protocol.HallHeld
			}
			if held {
				continue // their predecessors were dealt with: send them again now
			}
		}
	}
	return nil
}

// uploadAll gives the hub this machine's scans, for the other machines.
func (r *Replicator) uploadAll(ctx context.Context) error {
	shas, err := r.Store.HallUploads(ctx)
	if err != nil {
		return err
	}
	for _, sha := range shas {
		b, err := r.Blobs.Open(sha)
		if err != nil {
			r.logf("hall: scan %s.. is missing here: %v", sha[:8], err)
			continue
		}
		if err := r.call(ctx, http.MethodPut, "/hall/v1/blobs/"+sha, rawBody(b), nil, time.Minute); err != nil {
			return err
		}
		if err := r.Store.MarkHallSent(ctx, sha); err != nil {
			return err
		}
	}
	return nil
}

type rawBody []byte

func (r *Replicator) pullLoop(ctx context.Context) {
	backoff := 500 * time.Millisecond
	for ctx.Err() == nil {
		if err := r.load(ctx); err != nil || !r.paired() {
			r.set(func(s *State) { s.Online = false })
			sleep(ctx, 2*time.Second)
			continue
		}
		if err := r.pullOnce(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			r.failed(err)
			sleep(ctx, backoff)
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		backoff = 500 * time.Millisecond
	}
}

// pullOnce asks the hub for its log after this machine's cursor, waiting
// for news, and applies what comes.
func (r *Replicator) pullOnce(ctx context.Context) error {
	epoch, after, err := r.Store.HallCursor(ctx)
	if err != nil {
		return err
	}
	wait := r.Wait
	if wait == 0 {
		wait = 8 * time.Second
	}
	q := url.Values{"epoch": {epoch}, "after": {strconv.FormatInt(after, 10)}, "wait": {strconv.Itoa(int(wait / time.Second))}}
	var lg protocol.HallLog
	if err := r.call(ctx, http.MethodGet, "/hall/v1/log?"+q.Encode(), nil, &lg, wait+5*time.Second); err != nil {
		return err
	}
	r.contact()
	if lg.Epoch != epoch {
		// A hub we have not followed (the first time), or whose file was
		// restored: read it from its start and send it again what it took
		// from us before.
		if err := r.Store.ResetHallCursor(ctx, lg.Epoch); err != nil {
			return err
		}
		r.Kick()
		if after > 0 {
			return nil // ask again from 0 in the new epoch
		}
	}
	defer r.fetchPrereviewScans(ctx)
	if len(lg.Items) == 0 {
		return nil
	}
	if err := r.Store.HallApply(ctx, lg.Epoch, lg.Items); err != nil {
		var ve *protocol.VersionError
		if errors.As(err, &ve) {
			return ErrOldHubLayer
		}
		return err
	}
	if r.OnApplied != nil {
		r.OnApplied()
	}
	return nil
}

// fetchPrereviewScans brings here the scans of filings waiting for
// pre-review: the clerk who checks a filing checks its photos.
func (r *Replicator) fetchPrereviewScans(ctx context.Context) {
	shas, err := r.Store.PrereviewScans(ctx)
	if err != nil {
		r.logf("hall: scans to fetch: %v", err)
		return
	}
	for _, sha := range shas {
		if r.Blobs.Has(sha) {
			continue
		}
		if err := r.Fetch(ctx, sha); err != nil {
			// The machine that took it may not have given it to the hub
			// yet: tried again after the next items.
			continue
		}
	}
}

func (r *Replicator) contact() {
	r.set(func(s *State) { s.Online, s.Err, s.LastContact = true, nil, time.Now() })
}

func (r *Replicator) failed(err error) {
	var he *hallError
	switch {
	case errors.As(err, &he) && he.Code == hallnet.CodeRemoved:
		if lerr := r.Store.LeaveHall(context.Background(), "removed by the hub"); lerr != nil {
			r.logf("hall: leave: %v", lerr)
		}
		r.set(func(s *State) { s.Online, s.Removed, s.Err = false, true, ErrHubRemoved })
		return
	case errors.As(err, &he) && he.Code == hallnet.CodeUnauthorized:
		err = ErrHubUnknown
	case errors.As(err, &he) && he.Code == hallnet.CodeUpgrade:
		err = ErrHubNewer
	case errors.Is(err, hallnet.ErrPin):
		err = ErrHubPin
	case errors.Is(err, ErrOldHubLayer):
	default:
		r.logf("hall link: %v", err)
		err = ErrHubAway
	}
	r.set(func(s *State) { s.Online, s.Err = false, err })
}

// hallError is a refusal from the hub.
type hallError struct {
	Status int
	protocol.HallError
}

func (e *hallError) Error() string {
	return fmt.Sprintf("hub answered %d %s: %s", e.Status, e.Code, e.Message)
}

// message is the refusal as the person at the machine reads it.
func (e *hallError) message() error {
	if e.Key != "" {
		return &msg.Error{Key: e.Key, Data: e.Data}
	}
	return e
}

// call makes one request to the hub within timeout. in is JSON, or a
// rawBody; out is decoded from a 200 answer.
func (r *Replicator) call(ctx context.Context, method, path string, in, out any, timeout time.Duration) error {
	r.mu.Lock()
	l, c := r.link, r.http
	r.mu.Unlock()
	if !l.Paired() || c == nil {
		return store.ErrNotInTheHall
	}
	return do(ctx, c, "https://"+l.Addr, l.Token, method, path, in, out, timeout)
}

func do(ctx context.Context, c *http.Client, base, token, method, path string, in, out any, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	switch v := in.(type) {
	case nil:
	case rawBody:
		body = bytes.NewReader(v)
	default:
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set(protocol.HeaderHallVersion, strconv.Itoa(protocol.HallVersion))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		if errors.Is(err, hallnet.ErrPin) {
			return hallnet.ErrPin
		}
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		he := &hallError{Status: resp.StatusCode}
		json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&he.HallError)
		return he
	}
	if out == nil {
		io.Copy(io.Discard, resp.Body)
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Settle pushes now and waits (at most within) until the hub has judged
// an event: "accepted", "refused", or "pending" when the hub did not answer
// in time (the action then stands here and goes to the hub later).
func (r *Replicator) Settle(ctx context.Context, eventID string, within time.Duration) (string, error) {
	r.Kick()
	deadline := time.Now().Add(within)
	for {
		st, err := r.Store.HallState(ctx, eventID)
		if err != nil || (st != "pending" && st != "resend") {
			return st, err
		}
		if time.Now().After(deadline) || !r.State().Online {
			return st, nil
		}
		sleep(ctx, 20*time.Millisecond)
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
	}
}

// Login checks a clerk's secret at the hub, for the whole hall. ErrHubAway
// (or another link error) means the hub could not be asked: sign in with
// this machine's copy of the account instead.
func (r *Replicator) Login(ctx context.Context, login, secret string) (protocol.HallAccountState, error) {
	var resp protocol.HallLoginResponse
	err := r.call(ctx, http.MethodPost, "/hall/v1/login", protocol.HallLoginRequest{Login: login, Secret: secret}, &resp, 10*time.Second)
	var he *hallError
	if errors.As(err, &he) && he.Code == "refused" {
		return resp.Account, he.message()
	}
	if err != nil {
		return resp.Account, fmt.Errorf("%w (%v)", ErrHubAway, err)
	}
	return resp.Account, nil
}

// Fetch brings a scan of another machine's case from the hub into this
// machine's files.
func (r *Replicator) Fetch(ctx context.Context, sha string) error {
	if r.Blobs.Has(sha) {
		return nil
	}
	r.mu.Lock()
	l, c := r.link, r.http
	r.mu.Unlock()
	if !l.Paired() {
		return store.ErrNotInTheHall
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+l.Addr+"/hall/v1/blobs/"+sha, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+l.Token)
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%w (%v)", ErrHubAway, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("hub has no file %s..: %s", sha[:8], resp.Status)
	}
	if _, err := r.Blobs.PutAs(io.LimitReader(resp.Body, blobs.MaxSize+1), sha); errors.Is(err, blobs.ErrHashMismatch) {
		return fmt.Errorf("the hub's copy of %s.. is damaged", sha[:8])
	} else if err != nil {
		return err
	}
	return nil
}

// CreateAccount adds an account at the hub, for the whole hall: accounts are
// the hall's, kept at the hub, so this needs the hub.
func (r *Replicator) CreateAccount(ctx context.Context, req protocol.HallAccountRequest) (protocol.HallAccountState, error) {
	var resp protocol.HallLoginResponse
	err := r.call(ctx, http.MethodPost, "/hall/v1/accounts", req, &resp, 15*time.Second)
	var he *hallError
	if errors.As(err, &he) && he.Code == "refused" {
		return resp.Account, he.message()
	}
	if err != nil {
		return resp.Account, ErrAccountsAtHub
	}
	return resp.Account, nil
}

// ChangeAccount changes an account at the hub, for the whole hall, as
// CreateAccount adds one.
func (r *Replicator) ChangeAccount(ctx context.Context, req protocol.HallAccountChange) (protocol.HallAccountState, error) {
	var resp protocol.HallLoginResponse
	err := r.call(ctx, http.MethodPost, "/hall/v1/accounts/change", req, &resp, 15*time.Second)
	var he *hallError
	if errors.As(err, &he) && he.Code == "refused" {
		return resp.Account, he.message()
	}
	if err != nil {
		return resp.Account, ErrAccountsAtHub
	}
	return resp.Account, nil
}

// ErrAccountsAtHub: adding or changing an account needs the hub.
var ErrAccountsAtHub = msg.New("人员账号由大厅主机统一管理，现在连不上主机；请在主机恢复后再操作，或到大厅主机上操作")
