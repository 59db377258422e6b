package kiosk

import (
	"context"
	"log"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/hallsync"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/ui/accounts"
	"github.com/yichuang/yichuang/app/ui/agent"
	"github.com/yichuang/yichuang/app/ui/board"
	"github.com/yichuang/yichuang/app/ui/calling"
	"github.com/yichuang/yichuang/app/ui/followupui"
	"github.com/yichuang/yichuang/app/ui/home"
	"github.com/yichuang/yichuang/app/ui/intake"
	"github.com/yichuang/yichuang/app/ui/kiosktheme"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/ui/link"
	"github.com/yichuang/yichuang/app/ui/selfservice"
	"github.com/yichuang/yichuang/app/ui/stats"
	"github.com/yichuang/yichuang/app/ui/ticket"
	"github.com/yichuang/yichuang/app/voice"
)

// counterService wires the counter for the current configuration and
// tells the county link of every accepted case.
func (k *Controller) counterService(ctx context.Context) (*services.Intake, error) {
	svc, err := services.NewIntake(ctx, k.db, k.opts.Dir, k.opts.Clock)
	if err != nil {
		return nil, err
	}
	repl := k.replicator()
	svc.Committed = func() {
		if k.link != nil {
			k.link.SyncNow()
		}
		if repl != nil {
			repl.Kick()
		}
	}
	if repl != nil {
		svc.Hall = repl
	}
	return svc, nil
}

// replicator is the link to the hub on a machine of a hall (nil on the hub
// and on a machine alone).
func (k *Controller) replicator() *hallsync.Replicator {
	if k.hall == nil {
		return nil
	}
	return k.hall.repl
}

func (k *Controller) showHome() {
	ctx := k.panelCtx()
	// Modes whose issue has not landed are shown, disabled, as 建设中.
	modes := []home.Mode{
		{Title: l10n.L("自助服务"), Subtitle: l10n.L("取号、预约、办事指南、进度查询，24小时可用"), Icon: theme.AccountIcon(),
			Ready: true, Open: k.showSelfService},
		{Title: l10n.L("窗口受理"), Subtitle: l10n.L("无差别全科受理：一表申报、材料核验、打印回执"), Icon: theme.DocumentCreateIcon(),
			Ready: true, Open: k.showCounter},
		{Title: l10n.L("大厅显示屏"), Subtitle: l10n.L("叫号与等候信息、语音播报；按 Esc 返回"), Icon: theme.ComputerIcon(),
			Ready: k.queue() != nil, Open: k.showBoard},
		{Title: l10n.L("村代办"), Subtitle: l10n.L("代办员为村民申报、送达办理结果"), Icon: theme.HomeIcon(),
			Ready: true, Open: k.showAgent},
	}
	k.home = home.New(services.Status{DB: k.db, Link: k.link}, k.opts.Clock.Now, modes, func(code string) {
		if err := l10n.Use(code); err != nil {
			log.Printf("switch language: %v", err)
		}
		k.showHome()
	})
	if _, enrolled, _ := k.db.Enrollment(ctx); enrolled {
		k.home.SetSyncNow(k.link.SyncNow)
	}
	k.win.SetContent(k.withBanner(ctx, k.home.Content()))
	h := k.home
	k.life.Go(func(context.Context) {
		// The status bar reads the store off the UI goroutine; Refresh
		// hands its widgets back through fyne.Do.
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			if err := h.Refresh(ctx); err != nil && ctx.Err() == nil {
				log.Printf("status: %v", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
}

// showCounter opens 窗口受理: sign in first, then the workspace.
func (k *Controller) showCounter() {
	ctx := k.life.ctx
	if k.clerk.ID == 0 {
		pctx := k.panelCtx()
		accounts.NewLogin(ctx, k.accountsService(), func(a clerks.Account) {
			k.clerk = a
			k.showCounter()
		}, k.showHome).Show(k.win, func(o fyne.CanvasObject) fyne.CanvasObject { return k.withBanner(pctx, o) })
		return
	}
	svc, err := k.counterService(ctx)
	if err != nil {
		k.showFatal(l10n.Error(err))
		return
	}
	// The screen's lifetime: the calling panel's event stream and the
	// hall banner end when another screen replaces this one.
	pctx := k.panelCtx()
	// The calling panel offers the clerk's sectors that the hall has (all
	// of them for a 全科 clerk with none recorded) and names the others.
	sectors := k.clerk.Sectors
	nav := intake.Nav{
		Home:   k.showHome,
		Logout: func() { k.clerk = clerks.Account{}; k.showHome() },
		People: func() { k.showPeople() },
		OwnSecret: func() {
			k.win.SetContent(accounts.NewOwnSecret(ctx, k.accountsService(), k.clerk, k.showCounter).Content())
		},
		Stats: func() {
			k.win.SetContent(stats.New(ctx, k.queue(), k.db, k.db, k.opts.Clock.Now, k.showCounter).Content())
		},
		FollowUps: func() {
			k.win.SetContent(followupui.New(ctx, services.FollowUps{DB: k.db, Now: k.opts.Clock.Now}, k.clerk, k.opts.Clock.Now, k.showCounter).Content())
		},
		FollowUpBadge: func() string {
			text, err := services.FollowUps{DB: k.db, Now: k.opts.Clock.Now}.Badge(ctx)
			if err != nil {
				log.Printf("follow-up badge: %v", err)
			}
			return text
		},
		OwnRatings: func() {
			k.win.SetContent(followupui.NewOwn(ctx, services.FollowUps{DB: k.db, Now: k.opts.Clock.Now}, k.clerk, k.opts.Clock.Now, k.showCounter).Content())
		},
		Link: func() {
			k.linkScreen = link.New(ctx, services.County{DB: k.db, Link: k.link}, k.showCounter)
			k.win.SetContent(k.linkScreen.Content())
		},
		Settings: func() {
			cfg, _, _ := k.db.Kiosk(ctx)
			k.showSettingsFrom(cfg, func() { k.next(); k.showCounter() }, k.showCounter)
		},
	}
	if k.hall != nil && k.hall.server != nil {
		nav.Hall = func() { k.showHallMachines(k.showCounter) }
	}
	nav.Cards = k.cards(pctx)
	if k.clerk.Window > 0 && k.queue() != nil {
		counter := queue.Counter{Window: k.clerk.Window, ClerkID: k.clerk.ID, ClerkName: k.clerk.Name, Sectors: sectors}
		nav.Calling = func(start func(string), rate func(rating.Rating)) fyne.CanvasObject {
			p := calling.New(pctx, k.queue(), counter, start)
			p.OnFinished = func(t queue.Ticket) {
				rate(rating.Rating{Kind: rating.Ticket, Ref: t.ID, ClerkID: k.clerk.ID, ClerkName: k.clerk.Name,
					Window: k.clerk.Window, Matter: t.Sector})
			}
			return p.Content()
		}
	}
	k.win.SetContent(k.withBanner(pctx, intake.NewWorkspace(ctx, svc, k.clerk, k.opts.Clock.Now, k.win, nav).Content()))
}

// showAgent is 村代办 mode: an agent signs in and works from the work list;
// new filings use the counter's intake with the resident's mandate.
func (k *Controller) showAgent() {
	ctx := k.life.ctx
	if k.clerk.ID == 0 || k.clerk.Role != clerks.Agent {
		k.clerk = clerks.Account{}
		accounts.NewLogin(ctx, k.accountsService(), func(a clerks.Account) {
			k.clerk = a
			if a.Role != clerks.Agent {
				k.clerk = clerks.Account{}
				k.showFatalBack(l10n.L("村代办模式只供代办员账号使用；窗口人员请从“窗口受理”进入。"), k.showHome)
				return
			}
			k.showAgent()
		}, k.showHome).Show(k.win, nil)
		return
	}
	svc, err := k.counterService(ctx)
	if err != nil {
		k.showFatal(l10n.Error(err))
		return
	}
	pctx := k.panelCtx()
	cards := k.cards(pctx)
	nav := intake.Nav{
		Home:   k.showHome,
		Logout: func() { k.clerk = clerks.Account{}; k.showHome() },
		WorkList: func() fyne.CanvasObject {
			a := agent.New(ctx, services.Agent{Intake: svc}, k.clerk, k.opts.Clock.Now, k.win)
			a.ScanDir = k.opts.ScanDir
			a.Cards = cards
			return a.Content()
		},
		Cards: cards,
		OwnSecret: func() {
			k.win.SetContent(accounts.NewOwnSecret(ctx, k.accountsService(), k.clerk, k.showAgent).Content())
		},
	}
	k.win.SetContent(k.withBanner(pctx, intake.NewWorkspace(ctx, svc, k.clerk, k.opts.Clock.Now, k.win, nav).Content()))
}

// showSelfService turns this screen into the 24-hour self-service
// terminal: fullscreen, touch only, a USB QR scanner typing into the
// window; leaving needs a supervisor.
func (k *Controller) showSelfService() {
	ctx := k.panelCtx()
	cfg, _, _ := k.db.Kiosk(ctx)
	printer := services.Printer(k.db, cfg.PrinterQueue)
	tickets := &services.Tickets{Service: k.queue(), DB: k.db, Printer: printer, Point: cfg.Point.Name}
	self := &services.SelfService{DB: k.db, Level: cfg.Point.Level, Printer: printer, Point: cfg.Point.Name, Clock: k.opts.Clock}
	var filing selfservice.FilingService
	if isvc, err := k.counterService(ctx); err == nil {
		filing = &services.Filing{Counter: isvc.Counter, ScanDir: k.opts.ScanDir}
	}
	var hotline string
	var sectorFor func(string) string
	if hc, err := k.db.HallConfig(ctx); err == nil {
		hotline = hc.Hotline
		sectorFor = hc.SectorFor
	}
	cards := k.cards(ctx)
	opts := selfservice.Options{
		Cards:     cards,
		Filing:    filing,
		Now:       k.opts.Clock.Now,
		Hall:      cfg.Point.Name,
		Hotline:   hotline,
		SectorFor: sectorFor,
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
			k.win.SetFullScreen(k.opts.Fullscreen)
			k.showHome()
		},
	}
	if k.queue() != nil {
		opts.Ticket = func(back func(), sector string) fyne.CanvasObject {
			return ticket.New(ctx, tickets, k.opts.Clock.Now, back, ticket.WithSector(sector), ticket.WithCards(cards)).Content()
		}
		opts.Booking = func(back func(), sector string) fyne.CanvasObject {
			return ticket.NewTouchBooker(ctx, tickets, k.opts.Clock.Now, back, ticket.WithSector(sector), ticket.WithCards(cards)).Content()
		}
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
func (k *Controller) showBoard() {
	ctx := k.panelCtx()
	cfg, _, _ := k.db.Kiosk(ctx)
	if k.speaker == nil {
		k.speaker = voice.New()
	}
	b := board.New(ctx, k.queue(), cfg.Point.Name, k.opts.Clock.Now, func(number string, window int) {
		k.speaker.Say(voice.CallText(number, window))
	})
	showVoice := func() { b.ShowVoice(boardVoice(k.speaker.State())) }
	// The speaker finds out when a call could not be played (no sound
	// output): the board says so at once.
	k.speaker.OnChange(func() {
		fyne.Do(func() {
			if ctx.Err() == nil {
				showVoice()
			}
		})
	})
	showVoice()
	k.win.SetContent(b.Content())
	k.win.SetFullScreen(true)
	k.win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyV { // hall staff switch the voice off for a meeting, on again after
			k.speaker.SetEnabled(k.speaker.State() != voice.On) // from 无声音设备 it looks again
			showVoice()
		}
		if ev.Name == fyne.KeyEscape {
			k.win.Canvas().SetOnTypedKey(nil)
			k.win.SetFullScreen(k.opts.Fullscreen)
			k.showHome()
		}
	})
}

// boardVoice is the board's line for the speaker's state.
func boardVoice(s voice.State) board.Voice {
	switch s {
	case voice.On:
		return board.VoiceOn
	case voice.NoDevice:
		return board.VoiceNoDevice
	case voice.NotInstalled:
		return board.VoiceNotInstalled
	}
	return board.VoiceOff
}

func (k *Controller) showPeople() {
	ctx := k.life.ctx
	hall := k.hallSectors(ctx)
	k.win.SetContent(accounts.NewPeople(ctx, k.accountsService(), k.clerk, hall, k.win.SetContent, func() {
		k.win.SetContent(accounts.NewAccount(ctx, k.accountsService(), k.clerk, hall, func(clerks.Account) { k.showPeople() }, k.showPeople).Content())
	}, k.showCounter).Content())
}
