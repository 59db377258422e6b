// Command countyd is the county center: kiosks in the township halls push
// their cases to it and pull the county's decisions, catalogs, holiday
// calendars and bookings from it (docs/protocol.md).
//
//	countyd [serve] [-listen 127.0.0.1:8700] [-data DIR] [-tls-cert F -tls-key F] [-metrics-listen 127.0.0.1:8701]
//	countyd enroll-code -point 330522101000 -name 洪桥镇便民服务中心 -level township
//	countyd devices | revoke -device ID
//	countyd cases [-point CODE] [-status S]
//	countyd set-status -case TRACKING -status correction -supplement 330000-SS-0001:premises_proof:经营场所使用证明 -supply-by 2026-12-04
//	countyd set-status -case TRACKING -status reviewing -procedure inspection -procedure-reason 样品送省质检院检验
//	countyd publish-catalog -file catalog.json [-point CODE] | publish-holidays -file 2027.json
//	countyd book -point CODE -file booking.json [-cancel]
//	countyd set-sms -file sms.json (signature and provider templates, docs/sms.md) | countyd notices
//	countyd backup -to DIR [-keep 7] | restore -from DIR/county-20261201T020000Z [-force]
//	countyd mark-restored -database-url postgres://… -backup-time 2026-12-01T02:00:00+08:00 (after a PostgreSQL recovery)
//	countyd staff-add -login L -name N -role reviewer|catalog_editor|admin [-password-file F] (else the password is read from stdin)
//
// The back office for county staff is served at /office/ on the same
// listener as the API (package office); create the first admin with
// staff-add, then log in at http://127.0.0.1:8700/office/.
//
// The kiosks' listener also answers /healthz and /readyz for a load
// balancer; Prometheus /metrics is on -metrics-listen only, never to
// kiosks (monitor.go, docs/county-scale.md "Monitoring"). Logs are JSON
// lines on stderr, each request's with its request id.
//
// Every subcommand works on the data directory's database, also while the
// server runs (SQLite in WAL mode takes one writer at a time and waits for
// the lock).
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/office"
	"github.com/yichuang/yichuang/sync/countyd/sms"
	"github.com/yichuang/yichuang/sync/protocol"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage is a usage mistake: the flag package has already said what.
var errUsage = errors.New("usage")

type command struct {
	name, usage string
	run         func(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error
}

// version and commit are stamped by the release build (make package).
var (
	version = "0.7.0-dev"
	commit  = "unknown"
)

var commands = []command{
	{"serve", "run the county center (the default)", serve},
	{"enroll-code", "make a single-use enrollment code for a service point", enrollCode},
	{"devices", "list enrolled devices", devices},
	{"revoke", "revoke a device", revoke},
	{"cases", "list cases", listCases},
	{"set-status", "record the county's decision on a case and send it to the hall", setStatus},
	{"publish-catalog", "send a catalog to every service point or one", publishCatalog},
	{"publish-holidays", "send a holiday calendar to every service point", publishHolidays},
	{"book", "send a booking made elsewhere (12345, 浙里办) to a service point", book},
	{"set-sms", "set the SMS signature and provider templates citizen notices are sent with (docs/sms.md)", setSMS},
	{"notices", "list the latest citizen notices and what became of them (mobiles masked)", listNotices},
	{"set-hall-config", "send one service point its hall: sectors, opening hours (延时/错时), booking capacity, closures", setHallConfig},
	{"set-retention", "tell every kiosk how many days to keep citizens' data of closed cases", setRetention},
	{"set-id-mask", "tell every kiosk how to mask ID numbers on screens and papers", setIDMask},
	{"set-seal", "send a service point the seal image printed on its receipts and notices", setSeal},
	{"staff-add", "create a back-office staff account (password from stdin or -password-file)", staffAdd},
	{"backup", "take a checked online backup of the SQLite store and its attachments, keeping -keep days", backup},
	{"restore", "put a backup back as a fresh data directory (checked first; -force moves the old data aside)", restore},
	{"release", "signed kiosk updates: keygen and sign (offline), add, publish to pilot or all, pilots, list (docs/updates.md)", releaseCmd},
	{"mark-restored", "after a PostgreSQL point-in-time recovery: have kiosks send again what the database lost", markRestored},
}

func run(ctx context.Context, args []string, out, errOut io.Writer) int {
	name := "serve"
	if len(args) > 0 && (!strings.HasPrefix(args[0], "-") || args[0] == "--version" || args[0] == "-version") {
		name, args = args[0], args[1:]
	}
	switch name {
	case "help":
		usage(out)
		return 0
	case "version", "-version", "--version":
		fmt.Fprintf(out, "countyd %s (%s)\n", version, commit)
		return 0
	}
	for _, c := range commands {
		if c.name != name {
			continue
		}
		fs := flag.NewFlagSet("countyd "+name, flag.ContinueOnError)
		fs.SetOutput(errOut)
		data := fs.String("data", envOr("COUNTYD_DATA_DIR", defaultDataDir()), "data directory (database and attachments)")
		err := c.run(ctx, fs, args, out, data)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
			return 2
		}
		fmt.Fprintf(errOut, "countyd %s: %v\n", name, err)
		return 1
	}
	fmt.Fprintf(errOut, "countyd: unknown command %q\n\n", name)
	usage(errOut)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: countyd [command] [flags]; countyd command -h lists a command's flags\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-17s %s\n", c.name, c.usage)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// defaultDataDir is the per-user data directory: $XDG_DATA_HOME/yichuang-
// countyd (~/.local/share/yichuang-countyd) on Linux, %LOCALAPPDATA%\
// Yichuang\countyd on Windows.
func defaultDataDir() string {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "Yichuang", "countyd")
		}
	case "darwin":
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, "Library", "Application Support", "Yichuang", "countyd")
		}
	default:
		if d := os.Getenv("XDG_DATA_HOME"); d != "" {
			return filepath.Join(d, "yichuang-countyd")
		}
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, ".local", "share", "yichuang-countyd")
		}
	}
	return filepath.Join(os.TempDir(), "yichuang-countyd")
}

// parse parses flags and refuses stray arguments, which are usually a flag
// typed after a value by mistake.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

// openStore opens the county's database; COUNTYD_SECRETS_KEY names the
// file of the key that seals remaining device secrets (docs/security.md),
// secrets.key beside the database when unset.
func openStore(ctx context.Context, data string) (*county.SQLite, error) {
	if err := sqliteOnly(); err != nil {
		return nil, err
	}
	var opts []county.SQLiteOption
	if key := os.Getenv("COUNTYD_SECRETS_KEY"); key != "" {
		opts = append(opts, county.WithSecretsKey(key))
	}
	return county.OpenSQLite(ctx, filepath.Join(data, "county.db"), opts...)
}

func serve(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	listen := fs.String("listen", "127.0.0.1:8700", "address to listen on (port 0 picks a free one)")
	cert := fs.String("tls-cert", "", "TLS certificate file (serve HTTPS when given with -tls-key)")
	secureCookies := fs.Bool("secure-cookies", false, "mark back-office cookies Secure even on plain HTTP (behind a TLS proxy); over -tls-cert they always are")
	key := fs.String("tls-key", "", "TLS key file")
	countyName := fs.String("county-name", envOr("COUNTYD_COUNTY_NAME", ""), "the county center's name on the monthly report's cover (长兴县行政服务中心); empty: 县级政务服务中心")
	smsGateway := fs.String("sms-gateway", envOr("COUNTYD_SMS_GATEWAY", ""), "URL of the county's SMS gateway (docs/sms.md): citizen notices are POSTed there as provider templates; empty: they stay queued")
	smsEvery := fs.Duration("sms-every", 15*time.Second, "wait between the SMS sender's rounds")
	dbURL := databaseFlag(fs)
	metricsAddr := metricsFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*cert == "") != (*key == "") {
		return errors.New("give both -tls-cert and -tls-key, or neither")
	}
	st, err := openCenter(ctx, *dbURL, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	log := newLogger()
	mon := newMonitor(st, log)
	if *dbURL != "" {
		log.Warn("the PostgreSQL store is not complete: devices enroll and sign in, the back office and the SMS sender run; pushes, the feed and the back office's case pages fail (docs/county-scale.md)")
	}
	devKey, err := deviceKey(*data)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	// On PostgreSQL the limits on guesses are counted in the database, so
	// every instance behind a load balancer shares one budget.
	shared := county.SharedRateLimits(st)
	off := office.New(st, office.Options{Log: log, SecureCookies: *secureCookies, DeviceKey: devKey, SMSGateway: *smsGateway != "",
		SharedLimits: shared, County: *countyName})
	// The sender stops with ctx; a round cut short leaves its notice
	// queued, and the gateway's notice_id makes a repeat harmless.
	senderDone := make(chan struct{})
	go func() {
		defer close(senderDone)
		sms.New(st, sms.Options{Gateway: *smsGateway, Log: log, Every: *smsEvery}).Run(ctx)
	}()
	defer func() { <-senderDone }()
	if *smsGateway == "" {
		log.Warn("no -sms-gateway: citizen notices stay queued")
	}
	return serveHTTP(ctx, ln, mon.handler(office.Mount(county.NewServer(mon.store(), county.Options{Log: log, SharedLimits: shared}), off)), log, *cert, *key, out,
		// The counts of failed logins still open go to the audit trail.
		off.Close, mon, *metricsAddr)
}

// serveHTTP serves handler on ln, and mon's listener on metricsAddr,
// until ctx ends, then shuts down, letting requests in flight finish, and
// calls closing (when not nil).
func serveHTTP(ctx context.Context, ln net.Listener, handler http.Handler, log *slog.Logger, cert, key string, out io.Writer,
	closing func(context.Context), mon *monitor, metricsAddr string) error {
	srv := &http.Server{
		Handler: handler,
		// Generous timeouts: a township link may move an 8 MiB push at a
		// few hundred kbit/s.
		ReadHeaderTimeout: 30 * time.Second,
		ReadTimeout:       10 * time.Minute,
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if cert != "" {
		scheme = "https"
	}
	// Tests and scripts read this line for the address (with -listen :0).
	fmt.Fprintf(out, "countyd listening on %s://%s\n", scheme, ln.Addr())
	monCtx, stopMon := context.WithCancel(ctx)
	waitMon, err := mon.serve(monCtx, metricsAddr, out)
	if err != nil {
		stopMon()
		return err
	}
	defer waitMon()
	defer stopMon() // runs first: the monitoring listener stops with the API's
	errc := make(chan error, 1)
	go func() {
		if cert != "" {
			errc <- srv.ServeTLS(ln, cert, key)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	// Requests in flight finish (each push is one transaction, so even a
	// cut-off one leaves nothing half-applied).
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if closing != nil {
		closing(sctx)
	}
	if err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// deviceKey is the key that signs the back office's device cookies. It is
// kept in the data directory, so a restart does not make every staff
// browser a stranger that anyone's wrong passwords can hold back.
func deviceKey(data string) ([]byte, error) {
	path := filepath.Join(data, "office-device.key")
	if key, err := os.ReadFile(path); err == nil && len(key) >= 32 {
		return key, nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read device cookie key: %w", err)
	}
	key := make([]byte, 32)
	rand.Read(key) // never fails (crypto/rand, Go 1.24+)
	// Written whole or not at all: a half-written key would be read back
	// as a different one.
	f, err := os.CreateTemp(data, "office-device.key.*")
	if err != nil {
		return nil, fmt.Errorf("write device cookie key: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, fmt.Errorf("write device cookie key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("write device cookie key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write device cookie key: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return nil, fmt.Errorf("write device cookie key: %w", err)
	}
	return key, nil
}

// parseAndOpenAny reads a subcommand's flags and opens the county store
// they name: -database-url's PostgreSQL, else the SQLite file in -data
// (data is read after parsing: -data is one of the flags).
func parseAndOpenAny(ctx context.Context, fs *flag.FlagSet, args []string, data *string) (county.Store, error) {
	url := databaseFlag(fs)
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	return openAny(ctx, *url, *data)
}

func enrollCode(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	var p county.ServicePoint
	fs.StringVar(&p.Code, "point", "", "service point code (12 digits)")
	fs.StringVar(&p.Name, "name", "", "service point name")
	fs.StringVar(&p.Level, "level", county.LevelTownship, "township or village")
	st, err := parseAndOpenAny(ctx, fs, args, data)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := st.CreateEnrollCode(ctx, p)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, c.Code)
	fmt.Fprintf(fs.Output(), "single use, for %s %s, valid until %s\n", p.Code, p.Name, c.Expires.In(workday.China).Format("2006-01-02 15:04"))
	return nil
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(workday.China).Format("2006-01-02 15:04")
}

func devices(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	st, err := parseAndOpenAny(ctx, fs, args, data)
	if err != nil {
		return err
	}
	defer st.Close()
	ds, err := st.Devices(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tPOINT\tNAME\tHOST\tENROLLED\tLAST SEEN\tEVENTS\tSTATE")
	for _, d := range ds {
		state := "active"
		if !d.Revoked.IsZero() {
			state = "revoked " + stamp(d.Revoked)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", d.ID, d.Point.Code, d.Point.Name, d.Hostname,
			stamp(d.Created), stamp(d.LastSeen), d.Events, state)
	}
	return tw.Flush()
}

func revoke(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	id := fs.String("device", "", "device id (d_…)")
	st, err := parseAndOpenAny(ctx, fs, args, data)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.RevokeDevice(ctx, *id); err != nil {
		return fmt.Errorf("device %q: %w", *id, err)
	}
	fmt.Fprintf(out, "revoked %s\n", *id)
	return nil
}

func listCases(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	var f county.CaseFilter
	fs.StringVar(&f.Point, "point", "", "only this service point")
	fs.StringVar(&f.Status, "status", "", "only cases with this kiosk or county status")
	st, err := parseAndOpenAny(ctx, fs, args, data)
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := st.Cases(ctx, f)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COUNTY CASE\tTRACKING\tPOINT\tKIOSK STATUS\tCOUNTY STATUS\tATTACHMENTS COMPLETE")
	for _, c := range cs {
		complete := "y"
		if !c.Complete {
			complete = "n" // 材料上传中
		}
		countyStatus := c.CountyStatus
		if countyStatus == "" {
			countyStatus = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s (%d/%d)\n", c.CountyCase, c.Tracking, c.Point, c.KioskStatus, countyStatus,
			complete, c.Stored, c.Attachments)
	}
	return tw.Flush()
}

// supplements collects repeated -supplement matter:material:name flags; a
// value without colons is a name only (a material outside the catalog).
type supplements []protocol.Supplement

func (s *supplements) String() string { return fmt.Sprint(*s) }

func (s *supplements) Set(v string) error {
	parts := strings.SplitN(v, ":", 3)
	switch len(parts) {
	case 1:
		*s = append(*s, protocol.Supplement{Name: strings.TrimSpace(v)})
	case 3:
		*s = append(*s, protocol.Supplement{Matter: parts[0], Material: parts[1], Name: strings.TrimSpace(parts[2])})
	default:
		return errors.New("want matter:material:name or a name")
	}
	return nil
}

func setStatus(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	var c county.StatusChange
	var sups supplements
	fs.StringVar(&c.Case, "case", "", "tracking code, case id or county case number")
	fs.StringVar(&c.Status, "status", "", "reviewing, correction, completed or denied")
	fs.Var(&sups, "supplement", "material to supply, matter:material:name (repeatable; correction)")
	fs.StringVar(&c.SupplyBy, "supply-by", "", "last day to supply, YYYY-MM-DD (correction)")
	fs.StringVar(&c.Pickup, "pickup", "", "where and how to collect the result (completed)")
	fs.StringVar(&c.Reason, "reason", "", "why (required for denied)")
	fs.StringVar(&c.By, "by", "", "the officer's name")
	fs.StringVar(&c.Procedure, "procedure", "", "special procedure that stops the time limit, with reviewing: hearing, inspection, testing, appraisal or expert_review (行政许可法 第45条)")
	fs.StringVar(&c.ProcedureReason, "procedure-reason", "", "why the special procedure is needed (required with -procedure)")
	fs.StringVar(&c.AgainReason, "again-reason", "", "why a case already asked for 补正 needs another request (一次性告知)")
	dbURL := databaseFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	c.Supplements = sups
	st, err := openAny(ctx, *dbURL, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	it, err := st.SetCaseStatus(ctx, c)
	if err != nil {
		return fmt.Errorf("case %q: %w", c.Case, err)
	}
	fmt.Fprintf(out, "sent %s to the hall (feed cursor %d)\n", c.Status, it.Cursor)
	return nil
}

func readDoc(path string) ([]byte, error) {
	if path == "" {
		return nil, errors.New("-file is required")
	}
	return os.ReadFile(path)
}

func publishCatalog(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	file := fs.String("file", "", "catalog JSON file")
	point := fs.String("point", "", "only this service point (default: all)")
	dbURL := databaseFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	return publish(ctx, *dbURL, *data, out, *file, func(st publisher, doc []byte) (protocol.FeedItem, error) {
		return st.PublishCatalog(ctx, *point, doc)
	})
}

func publishHolidays(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	file := fs.String("file", "", "holiday calendar JSON file")
	dbURL := databaseFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	return publish(ctx, *dbURL, *data, out, *file, func(st publisher, doc []byte) (protocol.FeedItem, error) {
		return st.PublishHolidays(ctx, doc)
	})
}

func setRetention(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	days := fs.Int("days", protocol.DefaultRetentionDays, fmt.Sprintf("days after a case closed (%d to %d)", protocol.MinRetentionDays, protocol.MaxRetentionDays))
	dbURL := databaseFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	it, err := withStore(ctx, *dbURL, *data, func(st publisher) (protocol.FeedItem, error) { return st.PublishRetention(ctx, *days) })
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "kiosks keep citizens' data of closed cases %d days (feed item %d)\n", *days, it.Cursor)
	return nil
}

func setIDMask(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	pattern := fs.String("pattern", ids.DefaultIDMask, "18 characters, # shows and * hides that position of an ID number")
	dbURL := databaseFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	it, err := withStore(ctx, *dbURL, *data, func(st publisher) (protocol.FeedItem, error) { return st.PublishMasking(ctx, *pattern) })
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "kiosks mask ID numbers as %s (feed item %d)\n", *pattern, it.Cursor)
	return nil
}

func setSeal(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	point := fs.String("point", "", "service point code")
	file := fs.String("file", "", "the seal image, a PNG")
	remove := fs.Bool("remove", false, "remove the point's seal image (the seal area is left for a stamp)")
	dbURL := databaseFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*file == "") == !*remove {
		return fmt.Errorf("set-seal: give -file or -remove")
	}
	var img []byte
	if *file != "" {
		var err error
		if img, err = os.ReadFile(*file); err != nil {
			return fmt.Errorf("set-seal: %w", err)
		}
	}
	it, err := withStore(ctx, *dbURL, *data, func(st publisher) (protocol.FeedItem, error) { return st.PublishSeal(ctx, *point, img) })
	if err != nil {
		return err
	}
	if img == nil {
		fmt.Fprintf(out, "point %s prints no seal image (feed item %d)\n", *point, it.Cursor)
		return nil
	}
	fmt.Fprintf(out, "point %s prints the seal image of %d bytes (feed item %d)\n", *point, len(img), it.Cursor)
	return nil
}

func setHallConfig(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	point := fs.String("point", "", "service point code (12 digits)")
	file := fs.String("file", "", "hall config JSON file")
	dbURL := databaseFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	return publish(ctx, *dbURL, *data, out, *file, func(st publisher, doc []byte) (protocol.FeedItem, error) {
		return st.PublishHallConfig(ctx, *point, doc)
	})
}

func book(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	point := fs.String("point", "", "service point code")
	file := fs.String("file", "", "booking JSON file")
	cancel := fs.Bool("cancel", false, "send the booking's cancellation instead")
	dbURL := databaseFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	return publish(ctx, *dbURL, *data, out, *file, func(st publisher, doc []byte) (protocol.FeedItem, error) {
		if *cancel {
			return st.CancelBooking(ctx, *point, doc)
		}
		return st.CreateBooking(ctx, *point, doc)
	})
}

func publish(ctx context.Context, url, data string, out io.Writer, file string, fn func(publisher, []byte) (protocol.FeedItem, error)) error {
	doc, err := readDoc(file)
	if err != nil {
		return err
	}
	it, err := withStore(ctx, url, data, func(st publisher) (protocol.FeedItem, error) { return fn(st, doc) })
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "published %s (feed cursor %d)\n", it.Kind, it.Cursor)
	return nil
}

// publisher is what the publishing commands send to the halls through;
// both stores have it.
type publisher interface {
	county.Publisher
}

var (
	_ publisher = (*county.SQLite)(nil)
	_ publisher = (*county.Postgres)(nil)
)

// withStore opens the county's store (url's PostgreSQL, else the SQLite
// file in data) for one staff command and closes it when the command is
// done.
func withStore[T any](ctx context.Context, url, data string, fn func(publisher) (T, error)) (T, error) {
	st, err := openAny(ctx, url, data)
	if err != nil {
		var zero T
		return zero, err
	}
	defer st.Close()
	// openAny returns one of the two stores, asserted publishers above.
	return fn(st.(publisher))
}

// stdin is where staff-add reads a password; tests replace it.
var stdin io.Reader = os.Stdin

// staffAdd creates a back-office account. The password never goes on the
// command line (it would show in ps and shell history): it comes from
// stdin (first line) or a file.
func staffAdd(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	var st county.Staff
	fs.StringVar(&st.Login, "login", "", "login name (2-32 of a-z 0-9 _ . -)")
	fs.StringVar(&st.Name, "name", "", "the staff member's name, shown on decisions sent to the halls")
	fs.StringVar(&st.Role, "role", "", "reviewer, catalog_editor or admin")
	pwFile := fs.String("password-file", "", "read the password from this file (first line) instead of stdin")
	dbURL := databaseFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := county.NormalizeStaff(st)
	if err != nil {
		return err
	}
	var src io.Reader = stdin
	if *pwFile != "" {
		f, err := os.Open(*pwFile)
		if err != nil {
			return fmt.Errorf("password file: %w", err)
		}
		defer f.Close()
		src = f
	} else {
		fmt.Fprintln(fs.Output(), "password (at least 10 characters), then Enter:")
	}
	line, err := bufio.NewReader(io.LimitReader(src, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := office.CheckPassword(pw); err != nil {
		return fmt.Errorf("password: %w", err)
	}
	hash, err := clerks.Hash(pw)
	if err != nil {
		return err
	}
	s, err := openCenter(ctx, *dbURL, *data)
	if err != nil {
		return err
	}
	defer s.Close()
	created, err := s.CreateStaff(ctx, st, hash)
	if err != nil {
		return err
	}
	if err := s.Audit(ctx, county.AuditEntry{StaffLogin: "countyd", StaffName: "countyd staff-add", Action: "staff.add",
		Subject: created.Login, Detail: created.Role, ClientIP: "local"}); err != nil {
		return err
	}
	fmt.Fprintf(out, "created %s (%s, %s)\n", created.Login, created.Name, created.Role)
	return nil
}

func setSMS(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	file := fs.String("file", "", `JSON file: {"signature": "长兴县政务服务", "templates": {"case.completed": {"code": "SMS_123456789", "params": {"code": "tracking", "way": "pickup"}}}}`)
	dbURL := databaseFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	raw, err := readDoc(*file)
	if err != nil {
		return err
	}
	var c county.SMSConfig
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return fmt.Errorf("read %s: %w", *file, err)
	}
	st, err := openCenter(ctx, *dbURL, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err = st.SetSMSConfig(ctx, c, county.AuditEntry{StaffLogin: "countyd", StaffName: "countyd set-sms", ClientIP: "local"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "signature 【%s】, %d templates; the sender uses them from its next round\n", c.Signature, len(c.Templates))
	for name, tmpls := range county.NoticeTemplates() {
		if _, ok := c.Templates[name]; !ok {
			fmt.Fprintf(out, "not configured: %s (values %s): its notices stay queued\n", name, strings.Join(tmpls, ", "))
		}
	}
	return nil
}

func listNotices(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	limit := fs.Int("n", 50, "how many, newest first")
	dbURL := databaseFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := openCenter(ctx, *dbURL, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	ns, err := st.Notices(ctx, "", *limit)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CREATED\tCASE\tTEMPLATE\tMOBILE\tSTATE\tTRIES\tSENT\tPROVIDER ID\tLAST ERROR")
	for _, n := range ns {
		state := n.State
		if n.Held {
			state = "held"
		}
		sent := ""
		if !n.SentAt.IsZero() {
			sent = n.SentAt.In(workday.China).Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", n.Created.In(workday.China).Format(time.DateTime), n.CountyCase,
			n.Template, office.MaskMobile(n.Mobile), state, n.Tries, sent, n.ProviderID, n.LastError)
	}
	return tw.Flush()
}
