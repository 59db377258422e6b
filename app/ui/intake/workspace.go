package intake

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/ui/cardread"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/ui/ratingui"
)

// Nav is where the workspace's own buttons lead.
type Nav struct {
	Home, Logout func()
	// People, Settings, Stats, Link (县中心连接) and Hall (大厅设备, on the
	// hall's hub) are shown to supervisors only; nil hides them.
	People, Settings, Stats, Link, Hall func()
	// OwnSecret is 修改我的密码, offered here to those who are not
	// supervisors (a supervisor finds it in 人员管理); nil hides it.
	OwnSecret func()
	// FollowUps is 差评回访 (supervisors); FollowUpBadge says what waits
	// there ("" nothing), shown under the bar where the supervisor lands.
	// OwnRatings is 我的评价, a clerk's own ratings (not supervisors, who
	// see everyone's). nil hides each.
	FollowUps, OwnRatings func()
	FollowUpBadge         func() string
	// Calling builds the counter's calling panel, given a function that
	// starts intake for a resident ID and one that asks the citizen to rate
	// a finished ticket; nil when the hall has no queue.
	Calling func(startIntake func(residentID string), rate func(rating.Rating)) fyne.CanvasObject
	// WorkList builds a village agent's work list; when set the workspace
	// opens on it (村代办 mode).
	WorkList func() fyne.CanvasObject
	// Cards are the ID-card reader's events for the screen's lifetime; nil
	// without a reader. The errand or look-up on show takes them.
	Cards *cardread.Feed
}

// Workspace is the counter mode: a bar with the signed-in clerk and the
// counter's tools, over either a new errand or a case look-up.
type Workspace struct {
	Intake       *Screen
	Lookup       *Lookup
	NewCase      *widget.Button
	Find         *widget.Button
	WorkList     *widget.Button
	PrereviewBtn *widget.Button
	Prereview    *Prereview
	// Rating is the 好差评 screen while it is shown.
	Rating *ratingui.Screen
	// FollowUpBadge counts the bad ratings waiting for their follow-up
	// (nil when none wait or the actor is no supervisor).
	FollowUpBadge *widget.Label
	body          *fyne.Container
	content       fyne.CanvasObject
}

// NewWorkspace builds the counter mode for a signed-in account.
func NewWorkspace(ctx context.Context, svc Service, actor clerks.Account, now func() time.Time, win fyne.Window, nav Nav) *Workspace {
	w := &Workspace{body: container.NewStack()}
	w.NewCase = widget.NewButtonWithIcon(l10n.L("新办件"), theme.DocumentCreateIcon(), func() {
		w.Intake = New(ctx, svc, actor, now, win)
		w.Intake.UseCards(nav.Cards)
		w.show(w.Intake.Content())
	})
	w.Find = widget.NewButtonWithIcon(l10n.L("查询办件"), theme.SearchIcon(), func() {
		w.Lookup = NewLookup(ctx, svc, actor)
		w.Lookup.UseCards(nav.Cards, now)
		w.show(w.Lookup.Content())
	})
	who := widget.NewLabel(l10n.L("{{.Name}}（{{.Role}}）", map[string]any{"Name": actor.Name, "Role": l10n.L(clerks.RoleName(actor.Role))}))
	if actor.Window > 0 {
		who.SetText(l10n.L("{{.Name}} · {{.N}}号窗口", map[string]any{"Name": actor.Name, "N": actor.Window}))
	}
	// 预审: the citizens' own filings from the terminal (not for agents,
	// who file for residents themselves).
	w.PrereviewBtn = widget.NewButtonWithIcon(l10n.L("预审"), theme.SearchReplaceIcon(), func() {
		w.Prereview = NewPrereview(ctx, svc, actor)
		w.show(w.Prereview.Content())
	})
	bar := container.NewHBox(who, widget.NewSeparator(), w.NewCase, w.Find, w.PrereviewBtn, layout.NewSpacer())
	if nav.WorkList != nil {
		w.WorkList = widget.NewButtonWithIcon(l10n.L("我的工作单"), theme.ListIcon(), func() {
			nav.Cards.Route(nil, nil) // the work list's delivery form takes them when it opens
			w.show(nav.WorkList())
		})
		bar.Objects = append([]fyne.CanvasObject{who, widget.NewSeparator(), w.WorkList, w.NewCase, w.Find}, bar.Objects[5:]...)
		w.NewCase.SetText(l10n.L("新代办"))
	}
	if actor.Role == clerks.Supervisor {
		if nav.People != nil {
			bar.Add(widget.NewButtonWithIcon(l10n.L("人员管理"), theme.AccountIcon(), nav.People))
		}
		if nav.Stats != nil {
			bar.Add(widget.NewButtonWithIcon(l10n.L("统计"), theme.InfoIcon(), nav.Stats))
		}
		if nav.FollowUps != nil {
			bar.Add(widget.NewButtonWithIcon(l10n.L("差评回访"), theme.MailReplyIcon(), nav.FollowUps))
		}
		if nav.Link != nil {
			bar.Add(widget.NewButtonWithIcon(l10n.L("县中心连接"), theme.UploadIcon(), nav.Link))
		}
		if nav.Hall != nil {
			bar.Add(widget.NewButtonWithIcon(l10n.L("大厅设备"), theme.ComputerIcon(), nav.Hall))
		}
		if nav.Settings != nil {
			bar.Add(widget.NewButtonWithIcon(l10n.L("设置"), theme.SettingsIcon(), nav.Settings))
		}
	}
	if actor.Role != clerks.Supervisor && nav.OwnRatings != nil {
		bar.Add(widget.NewButtonWithIcon(l10n.L("我的评价"), theme.InfoIcon(), nav.OwnRatings))
	}
	if actor.Role != clerks.Supervisor && nav.OwnSecret != nil {
		bar.Add(widget.NewButtonWithIcon(l10n.L("修改密码"), theme.AccountIcon(), nav.OwnSecret))
	}
	bar.Add(widget.NewButtonWithIcon(l10n.L("退出登录"), theme.LogoutIcon(), nav.Logout))
	bar.Add(widget.NewButtonWithIcon(l10n.L("首页"), theme.HomeIcon(), nav.Home))
	top := container.NewVBox(bar, widget.NewSeparator())
	// Bad ratings waiting for their follow-up, where the supervisor lands
	// (nothing at all while none wait).
	if actor.Role == clerks.Supervisor && nav.FollowUpBadge != nil {
		if text := nav.FollowUpBadge(); text != "" {
			w.FollowUpBadge = widget.NewLabel(text)
			w.FollowUpBadge.Importance = widget.WarningImportance
			top.Add(w.FollowUpBadge)
		}
	}
	if nav.Calling != nil {
		top.Add(nav.Calling(func(residentID string) {
			w.NewCase.OnTapped()
			w.Intake.Prefill(residentID)
		}, func(r rating.Rating) { w.Rate(ctx, svc, r) }))
		top.Add(widget.NewSeparator())
	}
	w.content = container.NewBorder(top, nil, nil, nil, w.body)
	if w.WorkList != nil {
		w.WorkList.OnTapped()
	} else {
		w.NewCase.OnTapped()
	}
	return w
}

// Rate turns the screen to the citizen for 好差评 of a finished service;
// whatever the clerk had open comes back after.
func (w *Workspace) Rate(ctx context.Context, svc ratingui.Service, r rating.Rating) {
	was := w.body.Objects
	w.Rating = ratingui.New(ctx, svc, r, func() {
		w.body.Objects = was
		w.body.Refresh()
	})
	w.body.Objects = []fyne.CanvasObject{w.Rating.Content()}
	w.body.Refresh()
}

func (w *Workspace) show(o fyne.CanvasObject) {
	w.body.Objects = []fyne.CanvasObject{container.NewPadded(o)}
	w.body.Refresh()
}

// Content returns the screen's root object.
func (w *Workspace) Content() fyne.CanvasObject { return w.content }
