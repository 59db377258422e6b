package kiosk

import (
	"context"
	"fmt"
	"log"
	"os"
	"runtime"
	"time"

	"fyne.io/fyne/v2"

	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/update"
	"github.com/yichuang/yichuang/app/workday"
)

// healthyAfter is how long a kiosk must be up before the release it runs
// counts as good (update.MarkHealthy): a release that dies before then,
// MaxTries times, is rolled back by the launcher.
const healthyAfter = 2 * time.Minute

// updater returns the kiosk's signed updates, or nil where they are off:
// no pinned key file (a kiosk never trusts a key it was not installed
// with), or an OS whose launcher cannot hand over to a new binary (Linux
// execs it, Windows supervises it as a child: app/handoff_*.go).
func (k *Controller) updater(db *store.DB) *update.Updater {
	if k.opts.UpdateKey == "" || (runtime.GOOS != "linux" && runtime.GOOS != "windows") {
		return nil
	}
	keys, err := update.PinnedKeys(k.opts.UpdateKey)
	if err != nil {
		if !os.IsNotExist(err) {
			log.Printf("updates off: %v", err)
		}
		return nil
	}
	track := k.opts.UpdateTrack
	if track == "" {
		track = "stable"
	}
	return &update.Updater{DataDir: k.opts.Dir, Keys: keys, Track: track, OS: runtime.GOOS, Arch: runtime.GOARCH,
		Running: k.opts.Version, Clock: k.opts.Clock, OpenWork: k.openWork, Snapshot: db.BackupTo,
		Log: log.Printf,
		// Installed: end the kiosk; its service restarts it through the
		// launcher, which runs the new release (docs/updates.md). Windows
		// has no service to do it: the launcher is started again first,
		// and waits for this kiosk to end; if it cannot be started, this
		// kiosk goes on and the release runs at the next start.
		Restart: func() {
			if runtime.GOOS == "windows" {
				if err := update.Relaunch(); err != nil {
					log.Printf("update: %v", err)
					return
				}
			}
			fyne.Do(func() {
				k.Close()
				k.app.Quit()
			})
		}}
}

// startUpdates marks the running release healthy after healthyAfter and
// tries a staged release's install every few minutes (the night window
// and open work are the updater's to judge).
func (k *Controller) startUpdates(u *update.Updater) {
	k.life.Go(func(ctx context.Context) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(healthyAfter):
		}
		if err := update.MarkHealthy(k.opts.Dir, k.opts.Version); err != nil {
			log.Printf("update: %v", err)
		}
		t := time.NewTicker(5 * time.Minute)
		defer t.Stop()
		for {
			if err := u.Step(ctx); err != nil && ctx.Err() == nil {
				log.Printf("update: %v", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
}

// openWork is the work an install must not cut off: a clerk or village
// agent signed in (the intake form and the calling panel live in their
// session), or a ticket of today called, being served or parked. It runs
// off the UI goroutine; the signed-in clerk is read on it.
func (k *Controller) openWork(ctx context.Context) (string, bool) {
	var signedIn bool
	fyne.DoAndWait(func() { signedIn = k.clerk.ID != 0 })
	if signedIn {
		// Not who: the reason travels to the county's fleet page.
		return "staff signed in", true
	}
	if k.db == nil {
		return "", false
	}
	tickets, err := k.db.TicketsOn(ctx, k.opts.Clock.Now().In(workday.China).Format(time.DateOnly))
	if err != nil {
		return "queue unreadable: " + err.Error(), true
	}
	return ticketsOpen(tickets)
}

// ticketsOpen names the first ticket still at a window.
func ticketsOpen(tickets []queue.Ticket) (string, bool) {
	for _, t := range tickets {
		switch t.Status {
		case queue.Called, queue.Serving, queue.Parked:
			return fmt.Sprintf("ticket %s %s", t.Number, t.Status), true
		}
	}
	return "", false
}
