package kiosk

import (
	"context"
	"log"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/hallsync"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/ui/accounts"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// needsUnlock says whether the machine's data must be opened before
// anything else runs: it holds sealed data (or data from before 0.8 still
// to be sealed by the first sign-in) and its key is not open. A first
// start holds nothing yet and goes to setup.
func (k *Controller) needsUnlock(ctx context.Context) bool {
	if !k.db.Locked() {
		return false
	}
	keyed, err := k.db.Keyed(ctx)
	if err != nil {
		log.Printf("read key state: %v", err)
		return true
	}
	has, _ := k.db.HasSupervisor(ctx)
	return keyed || has
}

// UnlockRetry is how often a machine of a hall asks its hub for its key
// while it waits locked (the hub may be starting too, after a power cut).
const UnlockRetry = 5 * time.Second

// showLocked is the screen of a machine whose data is sealed and not yet
// open: a clerk signs in, or, on a machine of a hall, the hub gives the
// key and the machine goes on by itself (a terminal restarting at night).
func (k *Controller) showLocked(cfg servicepoint.Kiosk) {
	ctx := k.panelCtx()
	note := widget.NewLabel(l10n.L("本机数据已加密保护。开机后需由工作人员登录一次，开启本机数据。"))
	note.Wrapping = fyne.TextWrapWord
	hub := widget.NewLabel("")
	hub.Wrapping = fyne.TextWrapWord
	login := accounts.NewUnlock(ctx, k.accountsService(), func(a clerks.Account) {
		k.clerk = a
		k.lock = nil
		k.next()
	}, widget.NewSeparator(), note, hub)
	k.lock = login
	login.Show(k.win, nil)
	if cfg.QueueRole != servicepoint.QueueClient || !k.setupService().Paired(ctx) {
		return
	}
	hub.SetText(l10n.L("正在向大厅主机取得本机钥匙……"))
	go func() {
		for {
			if err := k.unlockFromHub(ctx); err == nil {
				fyne.Do(func() {
					if ctx.Err() == nil {
						k.lock = nil
						k.next()
					}
				})
				return
			} else if ctx.Err() == nil {
				log.Printf("unlock from the hub: %v", err)
				fyne.Do(func() {
					hub.SetText(l10n.L("大厅主机暂时连不上，请工作人员登录开启本机；主机恢复后本机也会自动开启。"))
				})
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(UnlockRetry):
			}
		}
	}()
}

// unlockFromHub opens the data with the key the hub keeps for this machine.
func (k *Controller) unlockFromHub(ctx context.Context) error {
	l, err := k.db.HallLink(ctx)
	if err != nil {
		return err
	}
	key, err := hallsync.UnlockKey(ctx, l)
	if err != nil {
		return err
	}
	return k.db.UnlockWithHub(ctx, l.Hub, key)
}
