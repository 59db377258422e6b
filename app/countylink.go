package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"math"
	"net/http"
	"os"
	"strings"
	gosync "sync"
	"time"

	"github.com/yichuang/yichuang/app/blobs"
	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/ui/link"
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

// countyLink runs sync in the background for an enrolled kiosk and answers
// the link screen and the status bar. Sync never blocks the counter: the
// counter writes to SQLite; this reads the outbox on its own goroutine.
type countyLink struct {
	db    *store.DB
	blobs blobs.Store
	now   func() time.Time
	actor func() int64
	// opts tune the HTTP client (gzip, timeouts, retries).
	opts client.Options
	// manual: rounds run only when Round is called (tests drive them).
	manual bool
	// caFile, when it exists, holds the county's own CA certificates
	// (PEM): county centers on the government extranet often use an
	// internal CA. They are trusted in addition to the system's roots.
	caFile string

	mu     gosync.Mutex
	state  client.State
	upload client.UploadProgress
	cancel context.CancelFunc
	kick   chan struct{}
	// onChange is told when a round ends or an upload moves (the status bar).
	onChange func()
}

// newCountyLink prepares the link; files is where intake keeps attachments
// and actor says who is signed in, for the audit rows.
func newCountyLink(db *store.DB, files blobs.Store, now func() time.Time, actor func() int64) *countyLink {
	return &countyLink{db: db, blobs: files, now: now, actor: actor, kick: make(chan struct{}, 1),
		opts: client.Options{Gzip: true, AttemptTimeout: 30 * time.Second, RetryMax: 3}}
}

// syncer builds the sync round runner from the stored enrollment; nil
// before the kiosk is enrolled.
func (l *countyLink) syncer(ctx context.Context) (*client.Syncer, error) {
	e, ok, err := l.db.Enrollment(ctx)
	if err != nil || !ok {
		return nil, err
	}
	opts, err := l.clientOptions()
	if err != nil {
		return nil, err
	}
	opts.Log = func(level, m string, kv ...any) { log.Printf("county link %s: %s %v", level, m, kv) }
	c, err := client.New(e.CountyURL, client.Credentials{DeviceID: e.DeviceID, Secret: e.Secret}, opts)
	if err != nil {
		return nil, err
	}
	return &client.Syncer{Client: c, Store: l.db, Open: l.open, BatchSize: protocol.MaxBatch,
		Status: func(ctx context.Context, roundErr error) (protocol.DeviceStatus, error) {
			note := ""
			if roundErr != nil {
				note = linkError(roundErr, l.now()).Error()
			}
			return l.db.DeviceStatus(ctx, Version(), note)
		},
		Progress: func(p client.UploadProgress) {
			l.mu.Lock()
			l.upload = p
			l.mu.Unlock()
			l.changed()
		}}, nil
}

// clientOptions are the HTTP client's options with the kiosk's clock and,
// when the county's CA file is present, a transport that trusts it.
func (l *countyLink) clientOptions() (client.Options, error) {
	opts := l.opts
	opts.Now = l.now
	if l.caFile == "" || opts.Transport != nil {
		return opts, nil
	}
	pem, err := os.ReadFile(l.caFile)
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
		return opts, fmt.Errorf("county CA file %s holds no PEM certificate", l.caFile)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	opts.Transport = t
	return opts, nil
}

// Round runs one sync round now, in the caller's goroutine: push, upload,
// pull. The background loop runs the same rounds.
func (l *countyLink) Round(ctx context.Context) (client.Report, error) {
	s, err := l.syncer(ctx)
	if err != nil || s == nil {
		return client.Report{}, err
	}
	rep, err := s.Once(ctx)
	l.mu.Lock()
	l.state = client.State{Online: err == nil, At: l.now(), Report: rep, Err: err}
	l.mu.Unlock()
	return rep, err
}

// Start begins background sync if the kiosk is enrolled (again after a new
// enrollment). Interval is the pause between rounds while online.
func (l *countyLink) Start(interval time.Duration) error {
	s, err := l.syncer(context.Background())
	if err != nil || s == nil {
		return err
	}
	l.mu.Lock()
	if l.cancel != nil {
		l.cancel()
	}
	runCtx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.mu.Unlock()
	go s.Run(runCtx, interval, 5*time.Minute, l.kick, func(st client.State) {
		if st.Err != nil {
			log.Printf("county link: %v", st.Err) // codes and paths only: no bodies, no secrets
		}
		l.mu.Lock()
		l.state = st
		l.mu.Unlock()
		l.changed()
	})
	return nil
}

func (l *countyLink) changed() {
	l.mu.Lock()
	f := l.onChange
	l.mu.Unlock()
	if f != nil {
		f()
	}
}

// Stop ends background sync.
func (l *countyLink) Stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cancel != nil {
		l.cancel()
		l.cancel = nil
	}
}

func (l *countyLink) open(sha string) (client.File, int64, error) {
	f, err := os.Open(l.blobs.Path(sha))
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// SyncNow asks for a round at once (立即同步, or a case just accepted).
func (l *countyLink) SyncNow() {
	select {
	case l.kick <- struct{}{}:
	default: // a round is already asked for
	}
}

// Snapshot is the link's state for the status bar.
func (l *countyLink) Snapshot() (client.State, client.UploadProgress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state, l.upload
}

// linkError turns a sync failure into what the hall should read.
func linkError(err error, now time.Time) error {
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

// Info implements link.Service.
func (l *countyLink) Info(ctx context.Context) (link.Info, error) {
	e, ok, err := l.db.Enrollment(ctx)
	if err != nil {
		return link.Info{}, err
	}
	st, err := l.db.SyncStatus(ctx)
	if err != nil {
		return link.Info{}, err
	}
	state, _ := l.Snapshot()
	info := link.Info{Enrolled: ok, CountyURL: e.CountyURL, DeviceID: e.DeviceID, Online: state.Online,
		LastPush: st.LastPush, LastPull: st.LastPull, Pending: st.Pending, Uploads: st.Uploads}
	if state.Err != nil {
		info.Note = linkError(state.Err, l.now()).Error()
	}
	return info, nil
}

// Enroll implements link.Service: exchange the code, keep the identity,
// start syncing.
func (l *countyLink) Enroll(ctx context.Context, countyURL, code string) error {
	host, _ := os.Hostname()
	opts, err := l.clientOptions()
	if err != nil {
		return err
	}
	opts.RetryMax, opts.AttemptTimeout = 1, 15*time.Second
	res, err := client.Enroll(ctx, countyURL, code, host, Version(), opts)
	if err != nil {
		log.Printf("enroll: %v", err)
		return linkError(err, l.now())
	}
	sp, _, err := l.db.ServicePoint(ctx)
	if err != nil {
		return err
	}
	if sp.Code != "" && sp.Code != res.ServicePoint.Code {
		return msg.New("登记码属于“{{.Name}}”（{{.Code}}），与本机设置的服务点不符，请核对", "Name", res.ServicePoint.Name, "Code", res.ServicePoint.Code)
	}
	if err := l.db.SaveEnrollment(ctx, l.actor(), store.Enrollment{CountyURL: countyURL, DeviceID: res.DeviceID, Secret: res.Secret}); err != nil {
		return err
	}
	if !l.manual {
		return l.Start(30 * time.Second)
	}
	return nil
}

// Refused implements link.Service.
func (l *countyLink) Refused(ctx context.Context) ([]link.Refused, error) {
	q, err := l.db.Quarantined(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]link.Refused, len(q))
	for i, e := range q {
		out[i] = link.Refused{ID: e.ID, Kind: l10n.L(cases.EventName(cases.EventKind(e.Kind))), Tracking: e.Tracking, Reason: refusal(e.Reason), At: e.At}
	}
	return out, nil
}

// Why the county refuses an event, in the supervisor's words; the county's
// own text follows in brackets for whoever they call at the county.
var refusals = map[string]*msg.Error{
	protocol.CodeWrongPoint:  msg.New("不属于本服务点"),
	protocol.CodeBadPayload:  msg.New("内容不完整或格式不对"),
	protocol.CodeUnknownKind: msg.New("县中心尚不能接收此类记录"),
	protocol.CodeOutOfOrder:  msg.New("同一办件的前一条记录未被接收"),
	protocol.CodeMalformed:   msg.New("记录无法读取"),
	protocol.CodeTooLarge:    msg.New("记录过大"),
}

func refusal(reason string) string {
	code, detail, _ := strings.Cut(reason, ": ")
	if m, ok := refusals[code]; ok {
		return l10n.Error(m) + "（" + code + "：" + detail + "）"
	}
	return reason
}

// Retry implements link.Service.
func (l *countyLink) Retry(ctx context.Context, eventID string) error {
	return l.db.RetryQuarantined(ctx, l.actor(), eventID)
}
