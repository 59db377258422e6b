// Package kiosk provides the running kiosk behind its window: it opens the
// data directory's database (a damaged file leads to recovery, never to an
// empty start), keeps the county link and the daily backups going, and
// navigates between the screens — setup, the first supervisor, home, 窗口受理,
// 自助服务, 大厅显示屏, 村代办 — giving each its service from app/services.
//
// It is handed the Fyne app and window and never creates them: only package
// main imports fyne.io/fyne/v2/app (app/archtest), so the controller runs
// headless under fyne.io/fyne/v2/test. It is not under app/ui because it
// opens the store and the printer, which screens may not.
package kiosk

import (
	"context"
	"errors"
	"log"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/countylink"
	"github.com/yichuang/yichuang/app/hall"
	"github.com/yichuang/yichuang/app/idcard"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/accounts"
	"github.com/yichuang/yichuang/app/ui/home"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/ui/link"
	"github.com/yichuang/yichuang/app/ui/recovery"
	"github.com/yichuang/yichuang/app/ui/setup"
	"github.com/yichuang/yichuang/app/voice"
	"github.com/yichuang/yichuang/assets"
)

// Options are the kiosk's flags.
type Options struct {
	// Dir is the data directory: yichuang.db, backups/, files/, prints/
	// and, optionally, county-ca.pem.
	Dir string
	// KeepBackups is how many daily backups to keep.
	KeepBackups int
	// Clock is the time every rule uses; nil is the system clock.
	Clock clock.Clock
	// Fullscreen is the window outside the terminal and the hall display
	// (which always fill the screen).
	Fullscreen bool
	// StartMode is the screen the session opens on after setup: home,
	// selfservice, counter, board or agent.
	StartMode string
	// Version is the kiosk's version, reported to the county.
	Version string
	// ScanDir is where the document camera drops its photos for 自助申报;
	// "" is scans-in/ in Dir.
	ScanDir string
	// HubListen is where a hall hub serves the hall's machines; "" is
	// :8730 on every address.
	HubListen string
	// IDCard is the second-generation ID-card reader; nil when none is
	// configured (IDs are typed, as before).
	IDCard idcard.Reader
	// IDCardLibrary is the reader's vendor library, shown in 设置.
	IDCardLibrary string
	// UpdateKey is the release public key file pinned at install time
	// (update.PinnedKeyFile); "" or a missing file turns updates off.
	// UpdateTrack is the release track followed ("" is stable).
	UpdateKey, UpdateTrack string
}

// Controller holds the running kiosk's parts and shows its screens. Its
// methods run on the UI goroutine.
type Controller struct {
	app  fyne.App
	win  fyne.Window
	opts Options
	// startMode is used once, after setup.
	startMode string

	db   *store.DB
	home *home.Screen
	// life is the root context: every goroutine the controller starts runs
	// under it, and Close ends them all before closing the database.
	life *lifetime
	// cancel ends the screen on show (its event streams, its refresh).
	cancel context.CancelFunc
	// clerk is who is signed in at the counter; zero when nobody is.
	clerk clerks.Account

	// hall is this machine's part in its hall (the queue, the hub's
	// server or the link to the hub); nil until the configuration is read,
	// and again after it changes.
	hall    *HallSide
	speaker *voice.Speaker

	// link syncs with the county center in the background once enrolled
	// and the data is open (linkStarted).
	link        *countylink.Link
	linkStarted bool
	// linkScreen is the last 县中心连接 screen opened; while it shows, each
	// change of the link is read into it.
	linkScreen *link.Screen
	// setup is the setup screen while it shows (tests fill it in).
	setup *setup.Screen
	// lock is the sign-in of a locked machine while it shows (the same).
	lock *accounts.Login
	// dropDB ends the work bound to the open database (its backups loop)
	// when it is closed before the kiosk is (dropData).
	dropDB context.CancelFunc
}

// New prepares the kiosk for a window; Start opens the data.
func New(a fyne.App, w fyne.Window, opts Options) *Controller {
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	if opts.ScanDir == "" {
		opts.ScanDir = filepath.Join(opts.Dir, "scans-in")
	}
	return &Controller{app: a, win: w, opts: opts, startMode: opts.StartMode, life: newLifetime()}
}

func (k *Controller) dbPath() string { return filepath.Join(k.opts.Dir, "yichuang.db") }

// Start opens the database and shows the right first screen: recovery for
// a damaged file, setup on first start, the session's screen otherwise.
func (k *Controller) Start() {
	ctx := k.life.ctx
	db, err := store.Open(ctx, k.dbPath(), store.Options{Clock: k.opts.Clock, Build: k.opts.Version,
		Checked: func(kind store.CheckKind, took time.Duration, err error) {
			log.Printf("database %s: %v in %v", kind, err, took.Round(time.Millisecond))
		}})
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
	// The file is checked while the first screen shows (store.Open); if it
	// turns out damaged the store takes no more writes and the clerk gets
	// the same recovery screen as for a file that would not open.
	k.life.Go(func(ctx context.Context) {
		err := db.Checked(ctx)
		if errors.As(err, &corrupt) {
			log.Printf("database check: %v", err)
			fyne.Do(func() {
				if k.db == db {
					k.showRecovery(corrupt)
				}
			})
		} else if err != nil && ctx.Err() == nil {
			log.Printf("database check: %v", err)
		}
	})
	// The county's mask pattern holds on every screen and paper from the
	// first one; a failure leaves the default, which hides more, not less.
	if err := db.ApplyIDMask(ctx); err != nil {
		log.Printf("id mask: %v", err)
	}
	var updates countylink.Updates
	if u := k.updater(db); u != nil {
		updates = u
		k.startUpdates(u)
	}
	k.link = countylink.New(countylink.Config{
		Context: k.life.ctx,
		Updates: updates,
		Store:   db, Files: services.Files(k.opts.Dir, db), Clock: k.opts.Clock, Version: k.opts.Version,
		Actor:   func() int64 { return k.clerk.ID },
		CAFile:  filepath.Join(k.opts.Dir, "county-ca.pem"),
		Revoked: k.revoked,
		// The thermal printer's paper and cover, read between jobs too.
		BeforeStatus: func(ctx context.Context) { services.CheckPrinter(ctx, db) },
		// A round ended or an upload moved: the status bar reads again, off
		// the UI goroutine (Refresh hands its widgets back through fyne.Do).
		OnChange: func() {
			fyne.Do(func() {
				if h := k.home; h != nil {
					k.life.Go(func(ctx context.Context) { h.Refresh(ctx) })
				}
				if ls := k.linkScreen; ls != nil && k.win.Content() == ls.Content() {
					ls.Changed()
				}
			})
		},
	})
	if ok, err := db.HasCatalog(ctx); err == nil && !ok {
		// First start: the demo catalog, until the county pushes its own.
		if _, err := db.LoadCatalog(ctx, assets.DemoCatalog()); err != nil {
			log.Printf("load demo catalog: %v", err)
		}
	}
	dbCtx, dropDB := context.WithCancel(k.life.ctx)
	k.dropDB = dropDB
	k.life.Go(func(context.Context) { k.backups(dbCtx, db) })
	k.next()
}

// next shows the first screen that still needs doing: hall setup, then
// the first supervisor, then the session's screen.
func (k *Controller) next() {
	ctx := k.life.ctx
	cfg, ok, err := k.db.Kiosk(ctx)
	if err != nil {
		k.showFatal(l10n.Error(err))
		return
	}
	if !ok {
		k.showSetup(cfg, k.next)
		return
	}
	if _, wiped, _ := k.db.Wiped(ctx); wiped {
		k.showWiped()
		return
	}
	if k.needsUnlock(ctx) {
		k.showLocked(cfg)
		return
	}
	if !k.linkStarted {
		k.linkStarted = true
		k.life.Go(k.sealOldFiles)
		if err := k.link.Start(countylink.Interval); err != nil {
			log.Printf("county link: %v", err)
		}
	}
	if k.hall == nil {
		k.hall = StartHall(k.life.ctx, k.db, k.opts.Clock, k.opts.Dir, k.hubListen(), cfg, k.hallChanged)
	}
	if has, err := k.db.HasSupervisor(ctx); err == nil && !has {
		if cfg.QueueRole == servicepoint.QueueClient {
			// A machine of a hall takes the hall's accounts from its hub:
			// pair it first, then wait for them.
			if k.setupService().Paired(ctx) {
				k.showJoining()
			} else {
				k.showSettings()
			}
			return
		}
		k.win.SetContent(accounts.NewFirstSupervisor(ctx, k.accountsService(), k.hallSectors(ctx), func(a clerks.Account) {
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

// sealOldFiles seals the scans and papers a release before 0.8 kept in
// clear, once the machine's data is open.
func (k *Controller) sealOldFiles(context.Context) {
	if n, err := services.Files(k.opts.Dir, k.db).Seal(); err != nil {
		log.Printf("seal old scans: %v", err)
	} else if n > 0 {
		log.Printf("sealed %d scans kept in clear before", n)
	}
	key, err := k.db.DataKey()
	if err != nil {
		return
	}
	n, err := key.SealDir(services.Prints(k.opts.Dir), func(path string) (string, bool) {
		return filepath.Base(path), strings.HasSuffix(path, ".pdf") // the archive's associated data
	})
	if err != nil {
		log.Printf("seal old papers: %v", err)
	} else if n > 0 {
		log.Printf("sealed %d printed papers kept in clear before", n)
	}
}

// restartQueue drops the hall side so the next screen starts it afresh for
// a changed configuration (role, hub address, a new pairing).
func (k *Controller) restartQueue() {
	if k.hall != nil {
		k.hall.Stop()
	}
	k.hall = nil
}

// queue is the hall's queue for this machine's role; nil when there is
// none (a machine of a hall not paired with its hub yet).
func (k *Controller) queue() hall.Service {
	if k.hall == nil {
		return nil
	}
	return k.hall.queue
}

// hallSectors are the hall's sectors as its county configured them: the
// hub's board (the hub holds the config for the whole hall), this
// machine's own config when it has no hall service, the default config
// when neither answers. Bounded, because a supervisor waits for it.
func (k *Controller) hallSectors(ctx context.Context) []string {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if q := k.queue(); q != nil {
		if b, err := q.Board(ctx); err == nil && len(b.Sectors) > 0 {
			out := make([]string, len(b.Sectors))
			for i, s := range b.Sectors {
				out[i] = s.Name
			}
			return out
		}
	}
	if cfg, err := k.db.HallConfig(ctx); err == nil {
		return cfg.SectorNames()
	}
	return queue.DefaultHallConfig().SectorNames()
}

// panelCtx is the lifetime of the screen on show: it ends when another
// screen replaces it, which stops that screen's event streams.
func (k *Controller) panelCtx() context.Context {
	if k.cancel != nil {
		k.cancel()
	}
	ctx, cancel := context.WithCancel(k.life.ctx)
	k.cancel = cancel
	return ctx
}

func (k *Controller) showRecovery(c *store.CorruptError) {
	p := recovery.Problem{Path: c.Path, Reason: l10n.Error(c.Reason), Detail: c.Detail}
	if len(c.Backups) > 0 {
		p.Newest, p.NewestSize = c.Backups[0].Day, c.Backups[0].Size
	}
	screen := recovery.New(p, func() (string, error) {
		k.dropData()
		kept, err := store.RestoreBackup(k.life.ctx, c.Path, c.Backups[0].Path, k.opts.Clock.Now())
		if err == nil {
			log.Printf("database restored from %s; damaged file kept as %s", c.Backups[0].Path, kept)
			k.life.Go(func(ctx context.Context) {
				select { // let the clerk read where the damaged file went
				case <-time.After(2 * time.Second):
					fyne.Do(k.Start)
				case <-ctx.Done():
				}
			})
		}
		return kept, err
	}, k.app.Quit)
	k.win.SetContent(screen.Content())
}

// dropData stops what works on the open database and closes it, so that
// a backup found damaged after the start can be put in its place.
func (k *Controller) dropData() {
	if k.db == nil {
		return
	}
	k.dropDB() // the backups loop
	k.restartQueue()
	if l := k.link; l != nil {
		l.Stop()
		l.Wait()
	}
	k.linkStarted = false
	if err := k.db.Close(); err != nil {
		log.Printf("close damaged database: %v", err)
	}
	k.db = nil
}

func (k *Controller) showFatal(text string) {
	l := widget.NewLabel(text + "\n" + l10n.L("请联系县中心技术支持。"))
	l.Wrapping = fyne.TextWrapWord
	k.win.SetContent(container.NewPadded(container.NewVBox(l, widget.NewButton(l10n.L("退出"), k.app.Quit))))
}

// showFatalBack shows a message with a way back.
func (k *Controller) showFatalBack(text string, back func()) {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	k.win.SetContent(container.NewPadded(container.NewVBox(l, widget.NewButton(l10n.L("返回"), back))))
}

// backups takes today's backup now and then once an hour checks whether
// the day changed, applies the county's retention period, compacts the
// acknowledged outbox and ends the 容缺 cases past their supplement
// deadline, until ctx ends (the database closes).
func (k *Controller) backups(ctx context.Context, db *store.DB) {
	t := time.NewTicker(time.Hour) // cheap: a backup is made only when the day changed
	defer t.Stop()
	for {
		if made, err := db.DailyBackup(ctx, k.opts.KeepBackups); err != nil && ctx.Err() == nil {
			log.Printf("daily backup: %v", err)
		} else if made != "" {
			log.Printf("daily backup written: %s", filepath.Base(made))
		}
		// The county's retention period, once the data is open.
		if !db.Locked() {
			if r, err := services.Minimise(ctx, db, k.opts.Dir); err != nil && ctx.Err() == nil {
				log.Printf("retention: %v", err)
			} else if r.Cases > 0 {
				log.Printf("retention: %d closed cases reduced, %d scans and %d papers deleted", r.Cases, len(r.Scans), len(r.Papers))
			}
			// Acknowledged payloads the kiosk no longer needs (store
			// compact.go), in small transactions the counter hardly notices.
			if n, err := db.CompactOutbox(ctx); err != nil && ctx.Err() == nil {
				log.Printf("outbox compaction: %v", err)
			} else if n > 0 {
				log.Printf("outbox compaction: %d acknowledged payloads emptied", n)
			}
			// Cases stored before migration 0014 get the facts the
			// statistics and 查询办件 read instead of whole documents (store
			// casefacts.go): all of them once after the upgrade, in small
			// transactions, none afterwards.
			if n, err := db.FillCaseFacts(ctx); err != nil && ctx.Err() == nil {
				log.Printf("case facts: %v", err)
			} else if n > 0 {
				log.Printf("case facts: %d older cases filled", n)
			}
			// 容缺 cases whose supplement deadline passed end as the
			// catalog says, with the applicant's notice.
			if n, err := services.LapseSupplements(ctx, db, k.opts.Clock.Now()); err != nil && ctx.Err() == nil {
				log.Printf("容缺 lapse: %v", err)
			} else if n > 0 {
				log.Printf("容缺 lapse: %d cases ended after their supplement deadline", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// closeWait bounds how long Close waits for background work: a stuck
// network call must not keep the kiosk from quitting.
const closeWait = 10 * time.Second

// Close cancels the root context, which ends the screen on show, the
// backups, the county link and the hall side; waits for their goroutines;
// and then closes the database. The window is the caller's.
func (k *Controller) Close() {
	var more []func()
	if h := k.hall; h != nil {
		more = append(more, h.Stop)
	}
	if l := k.link; l != nil {
		l.Stop()
		more = append(more, l.Wait)
	}
	if s := k.speaker; s != nil {
		more = append(more, s.Close)
	}
	if !k.life.close(closeWait, more...) {
		log.Printf("kiosk: %d background tasks still running %v after close", k.life.running.Load(), closeWait)
	}
	if k.db != nil {
		if err := k.db.Close(); err != nil {
			log.Printf("close database: %v", err)
		}
	}
}
