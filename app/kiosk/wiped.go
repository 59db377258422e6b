package kiosk

import (
	"context"
	"log"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/ui/accounts"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// revoked is the county link's news that the county revoked this device:
// the data is wiped at once, then the machine says so.
func (k *Controller) revoked(ctx context.Context) {
	k.link.Stop()
	if err := services.WipeRevoked(ctx, k.db, k.opts.Dir); err != nil {
		log.Printf("wipe after revocation: %v", err)
	}
	fyne.Do(func() {
		k.clerk = clerks.Account{}
		k.linkStarted = false
		k.restartQueue()
		k.next()
	})
}

// showWiped tells whoever is at the machine that its data was wiped, and
// what to do; a supervisor's sign-in acknowledges it.
func (k *Controller) showWiped() {
	ctx := k.panelCtx()
	l := widget.NewLabel(l10n.L("县中心已停用本机，本机上的办件、扫描件和打印存档已全部清除，未上传的办件也一并清除。如本机仍要使用，请联系县中心重新登记，并由主管登录确认。"))
	l.Wrapping = fyne.TextWrapWord
	login := widget.NewButton(l10n.L("主管登录确认"), func() {
		accounts.NewLogin(ctx, k.accountsService(), func(a clerks.Account) {
			if a.Role != clerks.Supervisor {
				k.showFatalBack(l10n.L("请由主管登录确认。"), k.showWiped)
				return
			}
			k.clerk = a
			if err := k.db.AcknowledgeWiped(k.life.ctx, a.ID); err != nil {
				log.Printf("acknowledge wipe: %v", err)
			}
			k.next()
		}, k.showWiped).Show(k.win, nil)
	})
	k.win.SetContent(container.NewCenter(container.NewVBox(l, login)))
}
