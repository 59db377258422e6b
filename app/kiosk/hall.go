package kiosk

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/hall"
	"github.com/yichuang/yichuang/app/hallnet"
	"github.com/yichuang/yichuang/app/hallsync"
	"github.com/yichuang/yichuang/app/idcard"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/cardread"
	"github.com/yichuang/yichuang/app/ui/hallui"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/ui/setup"
)

// HallNotice is the line the hall display shows under the calls.
const HallNotice = "办事请先取号，留意叫号；老年人、残疾人可请工作人员开通绿色通道。请保管好随身物品。"

// HallSide is this machine's part in its hall, for its role: a village
// station runs the queue alone; the hub serves the queue and the hall's log
// of cases to the others; every other machine of a hall follows the hub.
// It needs no window (the controller starts it; tests run it headless).
type HallSide struct {
	role  string
	queue hall.Service
	// server is the hub's; repl every other hall machine's.
	server *hallsync.Server
	repl   *hallsync.Replicator
	// problem is why the hub cannot serve (its port is taken).
	problem error
	stop    context.CancelFunc
	// running counts the server's and the replicator's goroutines.
	running sync.WaitGroup
}

// Queue is the hall's queue for this machine (nil on a machine of a hall
// not yet paired).
func (h *HallSide) Queue() hall.Service { return h.queue }

// Replicator is the link to the hub (nil on the hub and on a machine alone).
func (h *HallSide) Replicator() *hallsync.Replicator { return h.repl }

// Server is the hub's server (nil elsewhere).
func (h *HallSide) Server() *hallsync.Server { return h.server }

// Role is this machine's role in its hall.
func (h *HallSide) Role() string { return h.role }

// Problem is why the hub cannot serve (nil when it can).
func (h *HallSide) Problem() error { return h.problem }

// Stop ends the hall side and waits until its server and link have ended.
func (h *HallSide) Stop() {
	h.stop()
	h.running.Wait()
}

// StartHall sets up the hall side for the configuration; it runs until
// Stop is called or ctx ends (the kiosk's root context). onChange hears
// about the hub link (the banner refreshes).
func StartHall(ctx context.Context, db *store.DB, clk clock.Clock, dir, listen string, cfg servicepoint.Kiosk, onChange func()) *HallSide {
	ctx, cancel := context.WithCancel(ctx)
	h := &HallSide{role: cfg.QueueRole, stop: cancel}
	switch cfg.QueueRole {
	case servicepoint.QueueHub:
		local := hall.NewLocal(db, clk, HallNotice)
		h.queue = local
		if err := h.serve(ctx, db, local, dir, listen, cfg); err != nil {
			log.Printf("hall hub: %v", err)
			h.problem = err
		}
	case servicepoint.QueueClient:
		h.repl = &hallsync.Replicator{Store: db, Blobs: services.Files(dir, db),
			CountyDevice: func() string {
				e, _, _ := db.Enrollment(context.Background())
				return e.DeviceID
			},
			OnChange: func(hallsync.State) { onChange() },
			Log:      log.Printf,
		}
		h.running.Add(1)
		go func() {
			defer h.running.Done()
			h.repl.Run(ctx)
		}()
		if base, conn, ok := h.repl.Conn(ctx); ok {
			h.queue = hall.NewClient(base, conn)
		}
	default:
		h.queue = hall.NewLocal(db, clk, HallNotice)
	}
	return h
}

// serve starts the hub's server: its certificate (made on first start,
// kept in its database), the log seeded with what it holds, TLS on listen.
func (h *HallSide) serve(ctx context.Context, db *store.DB, local *hall.Local, dir, listen string, cfg servicepoint.Kiosk) error {
	cert, key, ok, err := db.HubIdentity(ctx)
	if err != nil {
		return err
	}
	id := hallnet.Identity{CertPEM: cert, KeyPEM: key}
	if !ok {
		if id, err = hallnet.NewIdentity(cfg.Point.Name, time.Now()); err != nil {
			return err
		}
		if err := db.SaveHubIdentity(ctx, id.CertPEM, id.KeyPEM); err != nil {
			return err
		}
	}
	if err := db.SeedHall(ctx); err != nil {
		return err
	}
	h.server = &hallsync.Server{Store: db, Identity: id, Queue: hall.Handler(local), Blobs: services.Files(dir, db)}
	db.OnHallLog(h.server.Notify)
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("%w (%v)", errHubPort, err)
	}
	h.running.Add(1)
	go func() {
		defer h.running.Done()
		if err := h.server.Serve(ctx, ln); err != nil {
			log.Printf("hall hub: %v", err)
		}
	}()
	return nil
}

// errHubPort: the hub could not open its port.
var errHubPort = msg.New("本机作为大厅主机无法在端口8730上服务其他机器（端口被占用？），请关闭占用它的程序后重启本机")

// hubListen is where the hub serves unless Options say otherwise.
const hubListen = ":" + servicepoint.DefaultHubPort

func (k *Controller) hubListen() string {
	if k.opts.HubListen != "" {
		return k.opts.HubListen
	}
	return hubListen
}

// hallChanged refreshes what shows the hall's state.
func (k *Controller) hallChanged() {
	fyne.Do(func() {
		if h := k.home; h != nil {
			k.life.Go(func(ctx context.Context) { h.Refresh(ctx) })
		}
	})
}

// hallService gives the screens this machine's place in its hall.
func (k *Controller) hallService() services.Hall {
	h := services.Hall{DB: k.db, Role: servicepoint.QueueLocal, Actor: func() clerks.Account { return k.clerk }, Now: k.opts.Clock.Now}
	if k.hall != nil {
		h.Role, h.Repl, h.HubProblem = k.hall.role, k.hall.repl, k.hall.problem
		if k.hall.server != nil {
			h.Identity = k.hall.server.Identity
		}
	}
	return h
}

// setupService saves the configuration and pairs with the hub.
func (k *Controller) setupService() services.Setup {
	return services.Setup{DB: k.db, Hall: k.hallService()}
}

// accountsService signs clerks in for the whole hall.
func (k *Controller) accountsService() services.Accounts {
	a := services.Accounts{DB: k.db}
	if k.hall != nil {
		a.Repl = k.hall.repl
	}
	return a
}

// withBanner puts the hall's banner (the hub is away, an action that did
// not stand) above a screen of a hall machine.
func (k *Controller) withBanner(ctx context.Context, o fyne.CanvasObject) fyne.CanvasObject {
	if k.hall == nil || k.hall.role == servicepoint.QueueLocal {
		return o
	}
	b := hallui.NewBanner(ctx, k.hallService())
	return container.NewBorder(b.Content(), nil, nil, nil, o)
}

// showHallMachines is the hub supervisor's list of the hall's machines.
func (k *Controller) showHallMachines(back func()) {
	ctx := k.panelCtx()
	k.win.SetContent(hallui.NewMachines(ctx, k.hallService(), k.opts.Clock.Now, back).Content())
}

// showJoining waits for the hall's accounts to come down from the hub after
// pairing (a second or two on the LAN), then goes on.
func (k *Controller) showJoining() {
	ctx := k.panelCtx()
	l := widget.NewLabel(l10n.L("已与大厅主机配对，正在取得本大厅的人员和办件…"))
	l.Wrapping = fyne.TextWrapWord
	k.win.SetContent(k.withBanner(ctx, container.NewCenter(container.NewVBox(l, widget.NewButton(l10n.L("设置"), k.showSettings)))))
	k.life.Go(func(context.Context) {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if has, err := k.db.HasSupervisor(ctx); err == nil && has {
				fyne.Do(func() {
					if ctx.Err() == nil {
						k.next()
					}
				})
				return
			}
		}
	})
}

// showSettings opens the setup screen for the configuration as it is.
func (k *Controller) showSettings() {
	cfg, _, _ := k.db.Kiosk(k.life.ctx)
	k.showSetup(cfg, k.next)
}

// showSetup shows the setup screen; once saved (and paired), the hall side
// starts again for the new configuration and then goes on.
func (k *Controller) showSetup(cfg servicepoint.Kiosk, then func()) {
	k.setup = setup.New(k.life.ctx, k.setupService(), cfg, func(servicepoint.Kiosk) {
		k.win.Canvas().SetOnTypedKey(nil)
		k.setup = nil
		k.restartQueue()
		then()
	})
	k.win.SetContent(k.setup.Content())
}

// showSettingsFrom opens 设置 from a running kiosk: 取消 and Esc go back
// (to back) without saving, unlike the first setup, which must be done.
func (k *Controller) showSettingsFrom(cfg servicepoint.Kiosk, then, back func()) {
	k.showSetup(cfg, then)
	s := k.setup
	s.ShowReader(k.panelCtx(), k.opts.IDCardLibrary, k.probeReader)
	s.OnCancel(func() {
		k.win.Canvas().SetOnTypedKey(nil)
		if k.setup == s {
			k.setup = nil
		}
		back()
	})
	k.win.Canvas().SetOnTypedKey(s.TypedKey)
}

// probeReader says whether the ID-card reader answers: nil for a reader
// with or without a card on it.
func (k *Controller) probeReader(ctx context.Context) error {
	if k.opts.IDCard == nil {
		return idcard.ErrNoReader
	}
	if _, err := k.opts.IDCard.Read(ctx); errors.Is(err, idcard.ErrNoReader) {
		return err
	}
	return nil
}

// cards starts the ID-card reader's feed for a screen's lifetime (nil
// without a reader).
func (k *Controller) cards(ctx context.Context) *cardread.Feed {
	if k.opts.IDCard == nil {
		return nil
	}
	return cardread.Start(ctx, k.opts.IDCard, 0)
}
