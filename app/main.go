// Command app is the Yichuang (一窗) kiosk for township and village service
// halls. It only wires things together: flags, the data directory, the
// store, and the screens; every rule lives in the packages beside it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/blobs"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/counter"
	"github.com/yichuang/yichuang/app/hall"
	"github.com/yichuang/yichuang/app/locale"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/accounts"
	"github.com/yichuang/yichuang/app/ui/agent"
	"github.com/yichuang/yichuang/app/ui/board"
	"github.com/yichuang/yichuang/app/ui/calling"
	"github.com/yichuang/yichuang/app/ui/home"
	"github.com/yichuang/yichuang/app/ui/intake"
	"github.com/yichuang/yichuang/app/ui/kiosktheme"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/ui/link"
	"github.com/yichuang/yichuang/app/ui/recovery"
	"github.com/yichuang/yichuang/app/ui/selfservice"
	"github.com/yichuang/yichuang/app/ui/setup"
	"github.com/yichuang/yichuang/app/ui/stats"
	"github.com/yichuang/yichuang/app/ui/ticket"
	"github.com/yichuang/yichuang/app/voice"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/printing"
)

func main() {
	dataDir := flag.String("data", envOr("YICHUANG_DATA_DIR", defaultDataDir()), "directory for the database, backups and printouts")
	language := flag.String("lang", envOr("YICHUANG_LANG", l10n.Chinese), "UI language: zh-CN or en")
	fullscreen := flag.Bool("fullscreen", false, "fill the screen (kiosk terminals)")
	keepBackups := flag.Int("keep-backups", 7, "daily backups to keep")
	mode := flag.String("mode", envOr("YICHUANG_MODE", "home"), "first screen after start: home, selfservice, counter, board or agent")
	showVersion := flag.Bool("version", false, "print the version and commit, then exit")
	check := flag.Bool("self-check", false, "check the database, catalog, working days and printing without a display, then exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(versionLine())
		return
	}
	if *check {
		if err := selfCheck(context.Background(), *dataDir, os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "自检失败 self-check failed: %v\n", err)
			os.Exit(1)
		}
		return
	}

	// A kiosk runs for weeks on a small machine. Most of its heap is font
	// data that lives as long as the process; a lower GC target keeps the
	// garbage on top of it small (measured in docs/performance.md).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}

	// Before any window: typed Chinese is lost under a non-UTF-8 LC_CTYPE.
	if set, err := locale.EnsureUTF8(locale.OS()); err != nil {
		log.Printf("locale: %v", err)
	} else if set != "" {
		log.Printf("locale: LC_CTYPE was not UTF-8; set to %s so input methods work", set)
	}
	if err := l10n.Use(*language); err != nil {
		log.Printf("translations: %v", err)
	}

	a := fyneapp.NewWithID("cn.yichuang.kiosk")
	a.Settings().SetTheme(kiosktheme.New())
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon()))
	w := a.NewWindow("一窗 Yichuang")
	w.Resize(fyne.NewSize(1280, 800))
	w.SetFullScreen(*fullscreen)

	k := &kiosk{app: a, win: w, dir: *dataDir, keep: *keepBackups, clock: clock.System{}, fullscreen: *fullscreen, startMode: *mode}
	w.SetCloseIntercept(func() { k.close(); a.Quit() })
	k.start()
	go func() {
		// Start-up parses the fonts and leaves megabytes of temporary
		// buffers behind; hand them back to the OS once the first screen is
		// up instead of waiting for the scavenger (about 6 MB less RSS).
		time.Sleep(3 * time.Second)
		debug.FreeOSMemory()
	}()
	w.ShowAndRun()
}

// kiosk holds the running kiosk's parts.
type kiosk struct {
	app        fyne.App
	win        fyne.Window
	dir        string
	keep       int
	clock      clock.Clock
	fullscreen bool
	// startMode is the screen the kiosk session opens on (-mode); it is
	// used once, after setup.
	startMode string

	db     *store.DB
	home   *home.Screen
	cancel context.CancelFunc
	// clerk is who is signed in at the counter; zero when nobody is.
	clerk clerks.Account

	// queue is the hall's queue for this machine's role; stopQueue ends a
	// hub's LAN service when the configuration changes.
	queue     hall.Service
	stopQueue context.CancelFunc
	speaker   *voice.Speaker

	// link syncs with the county center in the background once enrolled.
	link *countyLink
}

func (k *kiosk) dbPath() string { return filepath.Join(k.dir, "yichuang.db") }

// files is where scanned attachments are kept, by SHA-256.
func (k *kiosk) files() blobs.Store { return blobs.Store{Dir: filepath.Join(k.dir, "files")} }

// start opens the database and shows the right first screen: recovery for a
// damaged file, setup on first start, the home screen otherwise.
func (k *kiosk) start() {
	ctx := context.Background()
	db, err := store.Open(ctx, k.dbPath(), store.Options{Clock: k.clock})
	var corrupt *store.CorruptError
	switch {
	case errors.As(err, &corrupt):
		k.showRecovery(corrupt)
		return
	case err != nil:
		log.Printf("open database: %v", err)
		k.showFatal(l10n.L("无法打开数据文件：{{.Why}}", map[string]any{"Why": err.Error()}))
		return
	}
	k.db = db
	k.link = newCountyLink(db, k.files(), k.clock.Now, func() int64 { return k.clerk.ID })
	k.link.caFile = filepath.Join(k.dir, "county-ca.pem")
	k.link.onChange = func() {
		fyne.Do(func() {
			if h := k.home; h != nil {
				go h.Refresh(context.Background())
			}
		})
	}
	if err := k.link.Start(30 * time.Second); err != nil {
		log.Printf("county link: %v", err)
	}
	if ok, err := db.HasCatalog(ctx); err == nil && !ok {
		// First start: the demo catalog, until the county pushes its own.
		if _, err := db.LoadCatalog(ctx, assets.DemoCatalog()); err != nil {
			log.Printf("load demo catalog: %v", err)
		}
	}
	go k.backups()
	k.next()
}

// next shows the first screen that still needs doing: hall setup, then
// the first supervisor, then the home screen.
func (k *kiosk) next() {
	ctx := context.Background()
	cfg, ok, err := k.db.Kiosk(ctx)
	if err != nil {
		k.showFatal(l10n.Error(err))
		return
	}
	if !ok {
		k.win.SetContent(setup.New(ctx, k.db, cfg, func(servicepoint.Kiosk) { k.restartQueue(); k.next() }).Content())
		return
	}
	if k.queue == nil {
		qctx, cancel := context.WithCancel(context.Background())
		k.queue, k.stopQueue = k.startQueue(qctx, cfg), cancel
	}
	if has, err := k.db.HasSupervisor(ctx); err == nil && !has {
		k.win.SetContent(accounts.NewFirstSupervisor(ctx, k.db, func(a clerks.Account) {
			k.clerk = a
			k.next()
		}).Content())
		return
	}
	mode := k.startMode
	k.startMode = ""
	switch mode {
	case "selfservice":
		k.showSelfService()
	case "counter":
		k.showCounter()
	case "board":
		k.showBoard()
	case "agent":
		k.showAgent()
	default:
		k.showHome()
	}
}

// counterService wires the counter for the current configuration.
func (k *kiosk) counterService(ctx context.Context) (*intakeService, error) {
	cfg, _, err := k.db.Kiosk(ctx)
	if err != nil {
		return nil, err
	}
	// Due dates count working days by the embedded holiday notices and any
	// the county published since (next year's, a corrected one).
	cal, err := k.db.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	layout := printing.A4
	if cfg.Paper == servicepoint.PaperRoll80 {
		layout = printing.Roll80
	}
	c := &counter.Counter{
		Store: k.db, Calendar: cal, Clock: k.clock,
		Blobs:   k.files(),
		Archive: printing.Archive{Dir: filepath.Join(k.dir, "prints")},
		Printer: printing.System{Queue: cfg.PrinterQueue}, Layout: layout,
	}
	svc := &intakeService{db: k.db, c: c, level: cfg.Point.Level}
	if k.link != nil {
		svc.committed = k.link.SyncNow
	}
	return svc, nil
}

// showCounter opens 窗口受理: sign in first, then the workspace.
func (k *kiosk) showCounter() {
	ctx := context.Background()
	if k.clerk.ID == 0 {
		k.win.SetContent(accounts.NewLogin(ctx, k.db, func(a clerks.Account) {
			k.clerk = a
			k.showCounter()
		}, k.showHome).Content())
		return
	}
	svc, err := k.counterService(ctx)
	if err != nil {
		k.showFatal(l10n.Error(err))
		return
	}
	sectors := k.clerk.Sectors
	if len(sectors) == 0 {
		sectors = catalog.Sectors // no sectors recorded: a 全科 clerk serves all
	}
	nav := intake.Nav{
		Home:   k.showHome,
		Logout: func() { k.clerk = clerks.Account{}; k.showHome() },
		People: func() { k.showPeople() },
		Stats:  func() { k.win.SetContent(stats.New(ctx, k.queue, k.db, k.clock.Now, k.showCounter).Content()) },
		Link:   func() { k.win.SetContent(link.New(ctx, k.link, k.showCounter).Content()) },
		Settings: func() {
			cfg, _, _ := k.db.Kiosk(ctx)
			k.win.SetContent(setup.New(ctx, k.db, cfg, func(servicepoint.Kiosk) { k.restartQueue(); k.next(); k.showCounter() }).Content())
		},
	}
	if k.clerk.Window > 0 && k.queue != nil {
		counter := queue.Counter{Window: k.clerk.Window, ClerkID: k.clerk.ID, ClerkName: k.clerk.Name, Sectors: sectors}
		nav.Calling = func(start func(string), rate func(rating.Rating)) fyne.CanvasObject {
			p := calling.New(k.panelCtx(), k.queue, counter, start)
			p.OnFinished = func(t queue.Ticket) {
				rate(rating.Rating{Kind: rating.Ticket, Ref: t.ID, ClerkID: k.clerk.ID, ClerkName: k.clerk.Name,
					Window: k.clerk.Window, Matter: t.Sector})
			}
			return p.Content()
		}
	}
	k.win.SetContent(intake.NewWorkspace(ctx, svc, k.clerk, k.clock.Now, k.win, nav).Content())
}

// showAgent is 村代办 mode: an agent signs in and works from the work list;
// new filings use the counter's intake with the resident's mandate.
func (k *kiosk) showAgent() {
	ctx := context.Background()
	if k.clerk.ID == 0 || k.clerk.Role != clerks.Agent {
		k.clerk = clerks.Account{}
		k.win.SetContent(accounts.NewLogin(ctx, k.db, func(a clerks.Account) {
			k.clerk = a
			if a.Role != clerks.Agent {
				k.clerk = clerks.Account{}
				k.showFatalBack(l10n.L("村代办模式只供代办员账号使用；窗口人员请从“窗口受理”进入。"), k.showHome)
				return
			}
			k.showAgent()
		}, k.showHome).Content())
		return
	}
	svc, err := k.counterService(ctx)
	if err != nil {
		k.showFatal(l10n.Error(err))
		return
	}
	nav := intake.Nav{
		Home:   k.showHome,
		Logout: func() { k.clerk = clerks.Account{}; k.showHome() },
		WorkList: func() fyne.CanvasObject {
			return agent.New(ctx, agentService{svc}, k.clerk, k.clock.Now, k.win).Content()
		},
	}
	k.win.SetContent(intake.NewWorkspace(ctx, svc, k.clerk, k.clock.Now, k.win, nav).Content())
}

// showFatalBack shows a message with a way back.
func (k *kiosk) showFatalBack(text string, back func()) {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	k.win.SetContent(container.NewPadded(container.NewVBox(l, widget.NewButton(l10n.L("返回"), back))))
}

// restartQueue drops the queue so the next screen starts it afresh for a
// changed configuration (role, hub address, key).
func (k *kiosk) restartQueue() {
	if k.stopQueue != nil {
		k.stopQueue()
	}
	k.queue, k.stopQueue = nil, nil
}

// panelCtx is the lifetime of the screen on show: it ends when another
// screen replaces it, which stops that screen's event streams.
func (k *kiosk) panelCtx() context.Context {
	if k.cancel != nil {
		k.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	k.cancel = cancel
	return ctx
}

// showSelfService turns this screen into the 24-hour self-service
// terminal: fullscreen, touch only, a USB QR scanner typing into the
// window; leaving needs a supervisor.
func (k *kiosk) showSelfService() {
	ctx := k.panelCtx()
	cfg, _, _ := k.db.Kiosk(ctx)
	printer := printing.System{Queue: cfg.PrinterQueue}
	svc := &ticketService{Service: k.queue, db: k.db, printer: printer, dir: filepath.Join(k.dir, "prints"), point: cfg.Point.Name}
	self := &selfService{db: k.db, level: cfg.Point.Level, printer: printer, dir: filepath.Join(k.dir, "prints"), point: cfg.Point.Name, clock: k.clock}
	var filing selfservice.FilingService
	if isvc, err := k.counterService(ctx); err == nil {
		// The document camera drops its photos here (YICHUANG_SCAN_DIR).
		filing = &filingService{c: isvc.c, scanDir: envOr("YICHUANG_SCAN_DIR", filepath.Join(k.dir, "scans-in"))}
	}
	opts := selfservice.Options{
		Filing: filing,
		Now:    k.clock.Now,
		SetElderly: func(on bool) {
			if on {
				k.app.Settings().SetTheme(selfservice.ElderlyTheme())
			} else {
				k.app.Settings().SetTheme(kiosktheme.New())
			}
		},
		Exit: func() {
			k.app.Settings().SetTheme(kiosktheme.New())
			k.win.Canvas().SetOnTypedRune(nil)
			k.win.Canvas().SetOnTypedKey(nil)
			k.win.SetFullScreen(k.fullscreen)
			k.showHome()
		},
	}
	if k.queue != nil {
		opts.Ticket = func(back func()) fyne.CanvasObject { return ticket.New(ctx, svc, k.clock.Now, back).Content() }
		opts.Booking = func(back func()) fyne.CanvasObject { return ticket.NewBooker(ctx, svc, k.clock.Now, back).Content() }
	}
	term := selfservice.New(ctx, self, opts)
	k.win.SetContent(term.Content())
	k.win.SetFullScreen(true)
	// With no field focused, keys reach the window: that is how a USB QR
	// scanner (a keyboard wedge) delivers a receipt's code.
	k.win.Canvas().SetOnTypedRune(term.Type)
	k.win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter {
			term.Enter()
		}
	})
}

// showBoard turns this screen into the hall display; Esc leaves it.
func (k *kiosk) showBoard() {
	ctx := k.panelCtx()
	cfg, _, _ := k.db.Kiosk(ctx)
	if k.speaker == nil {
		k.speaker = voice.New()
	}
	b := board.New(ctx, k.queue, cfg.Point.Name, k.clock.Now, func(number string, window int) {
		k.speaker.Say(voice.CallText(number, window))
	})
	b.ShowVoice(k.speaker.Enabled())
	k.win.SetContent(b.Content())
	k.win.SetFullScreen(true)
	k.win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyV { // hall staff switch the voice off for a meeting, on again after
			k.speaker.SetEnabled(!k.speaker.Enabled())
			b.ShowVoice(k.speaker.Enabled())
		}
		if ev.Name == fyne.KeyEscape {
			k.win.Canvas().SetOnTypedKey(nil)
			k.win.SetFullScreen(k.fullscreen)
			k.showHome()
		}
	})
}

func (k *kiosk) showPeople() {
	ctx := context.Background()
	k.win.SetContent(accounts.NewPeople(ctx, k.db, func() {
		k.win.SetContent(accounts.NewAccount(ctx, k.db, k.clerk, func(clerks.Account) { k.showPeople() }, k.showPeople).Content())
	}, k.showCounter).Content())
}

func (k *kiosk) showHome() {
	if k.cancel != nil {
		k.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	k.cancel = cancel
	// Modes whose issue has not landed are shown, disabled, as 建设中.
	modes := []home.Mode{
		{Title: l10n.L("自助服务"), Subtitle: l10n.L("取号、预约、办事指南、进度查询，24小时可用"), Icon: theme.AccountIcon(),
			Ready: true, Open: k.showSelfService},
		{Title: l10n.L("窗口受理"), Subtitle: l10n.L("无差别全科受理：一表申报、材料核验、打印回执"), Icon: theme.DocumentCreateIcon(),
			Ready: true, Open: k.showCounter},
		{Title: l10n.L("大厅显示屏"), Subtitle: l10n.L("叫号与等候信息、语音播报；按 Esc 返回"), Icon: theme.ComputerIcon(),
			Ready: k.queue != nil, Open: k.showBoard},
		{Title: l10n.L("村代办"), Subtitle: l10n.L("代办员为村民申报、送达办理结果"), Icon: theme.HomeIcon(),
			Ready: true, Open: k.showAgent},
	}
	k.home = home.New(statusSource{k.db, k.link}, k.clock.Now, modes, func(code string) {
		if err := l10n.Use(code); err != nil {
			log.Printf("switch language: %v", err)
		}
		k.showHome()
	})
	if _, enrolled, _ := k.db.Enrollment(ctx); enrolled {
		k.home.SetSyncNow(k.link.SyncNow)
	}
	k.win.SetContent(k.home.Content())
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			if err := k.home.Refresh(ctx); err != nil && ctx.Err() == nil {
				log.Printf("status: %v", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func (k *kiosk) showRecovery(c *store.CorruptError) {
	p := recovery.Problem{Path: c.Path, Reason: l10n.Error(c.Reason), Detail: c.Detail}
	if len(c.Backups) > 0 {
		p.Newest, p.NewestSize = c.Backups[0].Day, c.Backups[0].Size
	}
	var screen *recovery.Screen
	screen = recovery.New(p, func() (string, error) {
		kept, err := store.RestoreBackup(context.Background(), c.Path, c.Backups[0].Path, k.clock.Now())
		if err == nil {
			log.Printf("database restored from %s; damaged file kept as %s", c.Backups[0].Path, kept)
			go func() {
				time.Sleep(2 * time.Second) // let the clerk read where the damaged file went
				fyne.Do(k.start)
			}()
		}
		return kept, err
	}, k.app.Quit)
	k.win.SetContent(screen.Content())
}

func (k *kiosk) showFatal(text string) {
	l := widget.NewLabel(text + "\n" + l10n.L("请联系县中心技术支持。"))
	l.Wrapping = fyne.TextWrapWord
	k.win.SetContent(container.NewPadded(container.NewVBox(l, widget.NewButton(l10n.L("退出"), k.app.Quit))))
}

// backups takes today's backup now and then once a day while running.
func (k *kiosk) backups() {
	for {
		if made, err := k.db.DailyBackup(context.Background(), k.keep); err != nil {
			log.Printf("daily backup: %v", err)
		} else if made != "" {
			log.Printf("daily backup written: %s", filepath.Base(made))
		}
		time.Sleep(time.Hour) // cheap: a backup is made only when the day changed
	}
}

func (k *kiosk) close() {
	if k.cancel != nil {
		k.cancel()
	}
	if k.link != nil {
		k.link.Stop()
	}
	if k.db != nil {
		if err := k.db.Close(); err != nil {
			log.Printf("close database: %v", err)
		}
	}
}

// statusSource feeds the home screen's status bar from the store and the
// county link.
type statusSource struct {
	db   *store.DB
	link *countyLink
}

func (s statusSource) Status(ctx context.Context) (home.Status, error) {
	var st home.Status
	sp, _, err := s.db.ServicePoint(ctx)
	if err != nil {
		return st, err
	}
	st.PointName, st.PointCode, st.Level = sp.Name, sp.Code, sp.Level
	sync, err := s.db.SyncStatus(ctx)
	if err != nil {
		return st, err
	}
	st.Pending, st.Refused, st.LastSync = sync.Pending, sync.Quarantined, sync.LastPull
	if cat, err := s.db.ActiveCatalog(ctx); err == nil {
		st.CatalogVersion = cat.Version
	}
	if _, enrolled, err := s.db.Enrollment(ctx); err != nil {
		return st, err
	} else if !enrolled {
		st.LinkNote = l10n.L("本机尚未在县中心登记")
		return st, nil
	}
	state, up := s.link.Snapshot()
	st.Online = state.Online
	switch {
	case state.Err != nil:
		st.LinkNote = l10n.Error(linkError(state.Err, s.link.now()))
	case state.At.IsZero():
		st.LinkNote = l10n.L("正在连接县中心…")
	}
	if up.Files > 0 && !up.Done && up.Size > 0 {
		st.Uploading, st.UploadFile, st.Uploads = true, up.File, up.Files
		st.UploadFraction = float64(up.Stored) / float64(up.Size)
	}
	return st, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// defaultDataDir is the per-user data directory: $XDG_DATA_HOME/yichuang
// (~/.local/share/yichuang) on Linux, %LOCALAPPDATA%\Yichuang on Windows.
func defaultDataDir() string {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "Yichuang")
		}
	case "darwin":
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, "Library", "Application Support", "Yichuang")
		}
	default:
		if d := os.Getenv("XDG_DATA_HOME"); d != "" {
			return filepath.Join(d, "yichuang")
		}
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, ".local", "share", "yichuang")
		}
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("yichuang-%d", os.Getuid()))
}
