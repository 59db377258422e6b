// Package countylink provides the kiosk's link with the county center: sync
// rounds in the background once the kiosk is enrolled (push the outbox,
// upload the scans, pull the county's decisions, catalogs and calendars), a
// round at once when a case was accepted or 立即同步 is pressed, enrollment
// with a one-time code, and the link's failures in the hall's words.
//
// It has no screens and imports no Fyne: the counter writes to SQLite and
// never waits for the county, and the link reads the outbox on its own
// goroutine. app/services adapts it to the status bar and the 县中心连接
// screen.
package countylink

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log"
	"math"
	"net/http"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/yichuang/yichuang/app/blobs"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/update"
	"github.com/yichuang/yichuang/sync/client"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Messages of the county link, for the status bar and the link screen.
var (
	ErrClockSkew   = msg.New("时钟不准：本机时间与县中心相差{{.Minutes}}分钟，请校准本机时间后再同步")
	ErrDeviceOff   = msg.New("本机未在县中心登记或已被停用，请联系县中心重新登记")
	ErrUnreachable = msg.New("无法连接县中心，办件已保存在本机，联网后自动上传")
	ErrEnrollCode  = msg.New("登记码无效、已使用或已过期，请向县中心重新申请")
	ErrCountyError = msg.New("县中心暂时无法处理（{{.Code}}），稍后自动重试")
)

// Interval is the pause between background rounds while online.
const Interval = 30 * time.Second

// Config is what a link is made of.
type Config struct {
	// Context is the link's lifetime (the kiosk's root context): the
	// background loop ends when it ends. Nil is context.Background().
	Context context.Context
	Store   *store.DB
	// Files is where intake keeps the scans the link uploads.
	Files blobs.Store
	// Clock signs requests and dates the link's state; the county refuses
	// a clock more than a few minutes off, which Explain tells the hall.
	Clock clock.Clock
	// Version is the kiosk's version, reported at enrollment and after
	// every round (the county's fleet view).
	Version string
	// Actor says who is signed in, for the audit rows of enrollment and
	// retries.
	Actor func() int64
	// CAFile, when it exists, holds the county's own CA certificates
	// (PEM): county centers on the government extranet often use an
	// internal CA. They are trusted in addition to the system's roots.
	CAFile string
	// Client tunes the HTTP client; nil means gzip, 30 s per attempt and
	// 3 retries.
	Client *client.Options
	// OnChange is told, on the link's goroutine, when a round ends or an
	// upload moves (the status bar refreshes).
	OnChange func()
	// Manual runs rounds only when Round is called, and Enroll does not
	// start the background loop (tests drive the rounds).
	Manual bool
	// Updates, when set, reports the kiosk's update state after every
	// round and takes the release the county offers (app/update).
	Updates Updates
	// Revoked is called, once, when the county answers that it revoked
	// this device: the kiosk wipes its data (store.Wipe). Nil does nothing.
	Revoked func(ctx context.Context)
	// BeforeStatus runs before each status report is gathered, on the
	// link's goroutine: the kiosk reads its thermal printer's state, so an
	// empty roll shows at the county before the next citizen meets it.
	// Nil does nothing.
	BeforeStatus func(ctx context.Context)
}

// Link runs sync with the county. Its methods are safe to call from any
// goroutine; Round and Enroll talk to the network and belong off the UI
// goroutine.
type Link struct {
	cfg Config

	mu     sync.Mutex
	clock  clock.Clock
	opts   client.Options
	state  client.State
	upload client.UploadProgress
	cancel context.CancelFunc
	kick   chan struct{}
	// running counts the background loop, for Wait.
	running sync.WaitGroup
	// updating is held while an offered release downloads.
	updating sync.Mutex
	// revokeOnce: a revocation is acted on once.
	revokeOnce sync.Once
}

// New prepares the link; nothing runs until Start (or Round).
func New(cfg Config) *Link {
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Actor == nil {
		cfg.Actor = func() int64 { return 0 }
	}
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	opts := client.Options{Gzip: true, AttemptTimeout: 30 * time.Second, RetryMax: 3}
	if cfg.Client != nil {
		opts = *cfg.Client
	}
	return &Link{cfg: cfg, clock: cfg.Clock, opts: opts, kick: make(chan struct{}, 1)}
}

func (l *Link) now() time.Time {
	l.mu.Lock()
	c := l.clock
	l.mu.Unlock()
	return c.Now()
}

// syncer builds the sync round runner from the stored enrollment; nil
// before the kiosk is enrolled.
func (l *Link) syncer(ctx context.Context) (*client.Syncer, error) {
	e, ok, err := l.cfg.Store.Enrollment(ctx)
	if err != nil || !ok {
		return nil, err
	}
	opts, err := l.clientOptions()
	if err != nil {
		return nil, err
	}
	opts.Log = func(level, m string, kv ...any) { log.Printf("county link %s: %s %v", level, m, kv) }
	cred, err := credentials(e)
	if err != nil {
		return nil, err
	}
	c, err := client.New(e.CountyURL, cred, opts)
	if err != nil {
		return nil, fmt.Errorf("county client: %w", err)
	}
	return &client.Syncer{Client: c, Store: l.cfg.Store, Open: l.open, BatchSize: protocol.MaxBatch, Prepare: l.moveToKey,
		Status: func(ctx context.Context, roundErr error) (protocol.DeviceStatus, error) {
			note := ""
			if roundErr != nil {
				note = Explain(roundErr, l.now()).Error()
			}
			if l.cfg.BeforeStatus != nil {
				l.cfg.BeforeStatus(ctx)
			}
			st, err := l.cfg.Store.DeviceStatus(ctx, l.cfg.Version, note)
			if u := l.cfg.Updates; u != nil {
				us := u.Status()
				st.OS, st.Arch, st.Update = runtime.GOOS, runtime.GOARCH, &us
			}
			return st, err
		},
		Offered: l.offered,
		Progress: func(p client.UploadProgress) {
			l.mu.Lock()
			l.upload = p
			l.mu.Unlock()
			l.changed()
		}}, nil
}

// Updates is the kiosk's signed updates (app/update.Updater).
type Updates interface {
	Status() protocol.UpdateStatus
	Offer(ctx context.Context, dl update.Downloader, offer protocol.UpdateOffer) error
}

// Version is the kiosk's version and, when it takes updates, where the
// county's latest release is.
func (l *Link) Version() (string, *protocol.UpdateStatus) {
	if l.cfg.Updates == nil {
		return l.cfg.Version, nil
	}
	st := l.cfg.Updates.Status()
	return l.cfg.Version, &st
}

// offered hands a release the county offers to the updater: on its own
// goroutine, one at a time, so a download on a slow link never holds up
// the outbox (in Manual mode, as tests drive it, at once).
func (l *Link) offered(ctx context.Context, c *client.Client, offer protocol.UpdateOffer) {
	u := l.cfg.Updates
	if u == nil {
		return
	}
	run := func(ctx context.Context) {
		if err := u.Offer(ctx, c, offer); err != nil {
			log.Printf("update %s: %v", offer.Version, err)
		}
	}
	if l.cfg.Manual {
		run(ctx)
		return
	}
	if !l.updating.TryLock() {
		return // the last offer's download is still going
	}
	l.running.Add(1)
	go func() {
		defer l.running.Done()
		defer l.updating.Unlock()
		run(l.cfg.Context)
	}()
}

// clientOptions are the HTTP client's options with the link's clock and,
// when the county's CA file is present, a transport that trusts it.
func (l *Link) clientOptions() (client.Options, error) {
	l.mu.Lock()
	opts := l.opts
	opts.Now = l.clock.Now
	l.mu.Unlock()
	if l.cfg.CAFile == "" || opts.Transport != nil {
		return opts, nil
	}
	pem, err := os.ReadFile(l.cfg.CAFile)
	if errors.Is(err, os.ErrNotExist) {
		return opts, nil
	}
	if err != nil {
		return opts, fmt.Errorf("read county CA: %w", err)
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool()
	}
	if !roots.AppendCertsFromPEM(pem) {
		return opts, fmt.Errorf("county CA file %s holds no PEM certificate", l.cfg.CAFile)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	opts.Transport = t
	return opts, nil
}

// Round runs one sync round now, in the caller's goroutine: push, upload,
// pull. The background loop runs the same rounds. Before enrollment it does
// nothing.
func (l *Link) Round(ctx context.Context) (client.Report, error) {
	s, err := l.syncer(ctx)
	if err != nil || s == nil {
		return client.Report{}, err
	}
	rep, err := s.Once(ctx)
	l.mu.Lock()
	l.state = client.State{Online: err == nil, At: l.clock.Now(), Report: rep, Err: err}
	l.mu.Unlock()
	l.revoked(ctx, err)
	return rep, err
}

// revoked hands a revocation to the kiosk once.
func (l *Link) revoked(ctx context.Context, err error) {
	if client.Code(err) != protocol.CodeRevoked || l.cfg.Revoked == nil {
		return
	}
	l.revokeOnce.Do(func() {
		log.Printf("county link: the county revoked this device; its data is wiped")
		l.cfg.Revoked(ctx)
	})
}

// Start begins background sync if the kiosk is enrolled (again after a new
// enrollment), with interval between rounds while online.
func (l *Link) Start(interval time.Duration) error {
	s, err := l.syncer(l.cfg.Context)
	if err != nil || s == nil {
		return err
	}
	l.mu.Lock()
	if l.cancel != nil {
		l.cancel()
	}
	runCtx, cancel := context.WithCancel(l.cfg.Context)
	l.cancel = cancel
	l.running.Add(1)
	l.mu.Unlock()
	go func() {
		defer l.running.Done()
		l.run(runCtx, s, interval)
	}()
	return nil
}

// run is the background loop of Start.
func (l *Link) run(ctx context.Context, s *client.Syncer, interval time.Duration) {
	s.Run(ctx, interval, 5*time.Minute, l.kick, func(st client.State) {
		if st.Err != nil {
			log.Printf("county link: %v", st.Err) // codes and paths only: no bodies, no secrets
		}
		l.mu.Lock()
		l.state = st
		l.mu.Unlock()
		l.changed()
		l.revoked(l.cfg.Context, st.Err)
	})
}

func (l *Link) changed() {
	if l.cfg.OnChange != nil {
		l.cfg.OnChange()
	}
}

// Stop ends background sync.
// It does not wait (the revocation handler calls it from the loop itself);
// Wait does.
func (l *Link) Stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cancel != nil {
		l.cancel()
		l.cancel = nil
	}
}

// Wait returns once the background loop has ended (after Stop, or when
// the Config's Context ends).
func (l *Link) Wait() { l.running.Wait() }

func (l *Link) open(sha string) (client.File, int64, error) {
	b, err := l.cfg.Files.Open(sha)
	if err != nil {
		return nil, 0, err
	}
	return memFile{bytes.NewReader(b)}, int64(len(b)), nil
}

// memFile is an opened scan: files are sealed on disk, so an upload reads
// the opened bytes (20 MB at most).
type memFile struct{ *bytes.Reader }

func (memFile) Close() error { return nil }

// SyncNow asks the background loop for a round at once (立即同步, or a
// case just accepted); it never waits.
func (l *Link) SyncNow() {
	select {
	case l.kick <- struct{}{}:
	default: // a round is already asked for
	}
}

// Snapshot is the link's state for the status bar.
func (l *Link) Snapshot() (client.State, client.UploadProgress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state, l.upload
}

// Problem is the last round's failure in the hall's words; nil when it
// went through or none has run.
func (l *Link) Problem() error {
	st, _ := l.Snapshot()
	return Explain(st.Err, l.now())
}

// Explain turns a sync failure into what the hall should read and do; now
// is the kiosk's time, to say how far its clock is off the county's.
func Explain(err error, now time.Time) error {
	var se *client.StatusError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && se.Code == protocol.CodeClockSkew:
		return msg.New(ErrClockSkew.Key, "Minutes", int(math.Round(math.Abs(se.ClockOffset(now).Minutes()))))
	case errors.As(err, &se) && (se.Code == protocol.CodeRevoked || se.Code == protocol.CodeUnauthorized):
		return ErrDeviceOff
	case errors.As(err, &se) && se.Code == protocol.CodeBadEnrollment:
		return ErrEnrollCode
	case errors.As(err, &se):
		return msg.New(ErrCountyError.Key, "Code", fmt.Sprintf("%d", se.Status))
	}
	return ErrUnreachable
}

// Enroll exchanges a one-time code for the kiosk's identity at the county,
// keeps it, and starts syncing. The code must belong to this hall's
// service point.
func (l *Link) Enroll(ctx context.Context, countyURL, code string) error {
	host, _ := os.Hostname()
	opts, err := l.clientOptions()
	if err != nil {
		return err
	}
	opts.RetryMax, opts.AttemptTimeout = 1, 15*time.Second
	res, key, err := client.Enroll(ctx, countyURL, code, host, l.cfg.Version, opts)
	if err != nil {
		log.Printf("enroll: %v", err)
		return Explain(err, l.now())
	}
	sp, _, err := l.cfg.Store.ServicePoint(ctx)
	if err != nil {
		return err
	}
	if sp.Code != "" && sp.Code != res.ServicePoint.Code {
		return msg.New("登记码属于“{{.Name}}”（{{.Code}}），与本机设置的服务点不符，请核对", "Name", res.ServicePoint.Name, "Code", res.ServicePoint.Code)
	}
	e := store.Enrollment{CountyURL: countyURL, DeviceID: res.DeviceID, Secret: res.Secret}
	if key != nil {
		e.Key = base64.StdEncoding.EncodeToString(key.Seed())
	}
	if err := l.cfg.Store.SaveEnrollment(ctx, l.cfg.Actor(), e); err != nil {
		return err
	}
	if !l.cfg.Manual {
		return l.Start(Interval)
	}
	return nil
}

// credentials are the stored enrollment's: the device's key, or the HMAC
// secret of a kiosk enrolled before 0.8.
func credentials(e store.Enrollment) (client.Credentials, error) {
	cred := client.Credentials{DeviceID: e.DeviceID, Secret: e.Secret}
	if e.Key != "" {
		key, err := decodeKey(e.Key)
		if err != nil {
			return cred, err
		}
		cred.Key, cred.Secret = key, ""
	}
	return cred, nil
}

func decodeKey(s string) (ed25519.PrivateKey, error) {
	seed, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("the stored device key is damaged")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// moveToKey moves a kiosk enrolled before 0.8 from its HMAC secret, which
// the county also holds, to a key pair whose private half never leaves
// the kiosk. The key is kept before the county is asked, so a lost answer
// is recovered on the next round: the county then takes only the new key,
// and the same request signed with it confirms the move. A county before
// 0.8 answers 404; the kiosk keeps its secret and asks again later.
func (l *Link) moveToKey(ctx context.Context, c *client.Client) error {
	e, ok, err := l.cfg.Store.Enrollment(ctx)
	if err != nil || !ok || e.Key != "" || e.Secret == "" {
		return err
	}
	if e.NextKey == "" {
		seed := make([]byte, ed25519.SeedSize)
		rand.Read(seed)
		e.NextKey = base64.StdEncoding.EncodeToString(seed)
		if err := l.cfg.Store.SetNextDeviceKey(ctx, e.NextKey); err != nil {
			return err
		}
	}
	key, err := decodeKey(e.NextKey)
	if err != nil {
		return err
	}
	err = c.Rekey(ctx, key)
	if client.Code(err) == protocol.CodeUnauthorized {
		c.SetCredentials(client.Credentials{DeviceID: e.DeviceID, Key: key})
		if err = c.Rekey(ctx, key); err != nil {
			c.SetCredentials(client.Credentials{DeviceID: e.DeviceID, Secret: e.Secret})
		}
	}
	if err != nil {
		log.Printf("county link: device key not moved yet: %v", err)
		return nil // the secret still works; the round goes on with it
	}
	if err := l.cfg.Store.AdoptDeviceKey(ctx); err != nil {
		return err
	}
	c.SetCredentials(client.Credentials{DeviceID: e.DeviceID, Key: key})
	return nil
}

// Retry puts an event the county refused back in the outbox, recording
// who asked.
func (l *Link) Retry(ctx context.Context, eventID string) error {
	return l.cfg.Store.RetryQuarantined(ctx, l.cfg.Actor(), eventID)
}
