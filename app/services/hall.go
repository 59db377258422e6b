package services

import (
	"context"
	"errors"
	"log"
	"os"
	"time"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/counter"
	"github.com/yichuang/yichuang/app/hallnet"
	"github.com/yichuang/yichuang/app/hallsync"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/hallui"
	"github.com/yichuang/yichuang/app/ui/setup"
	"github.com/yichuang/yichuang/printing"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Hall gives the screens this machine's place in its hall: the banner's
// state, pairing with the hub, and (on the hub) the hall's machines.
type Hall struct {
	DB   *store.DB
	Role string
	// Repl is the link to the hub (machines of a hall other than the hub).
	Repl *hallsync.Replicator
	// HubProblem is why the hub cannot serve (on the hub).
	HubProblem error
	// Identity is the hub's (for pairing codes).
	Identity hallnet.Identity
	// Actor is who is signed in (the supervisor making codes, reading
	// notices).
	Actor func() clerks.Account
	Now   func() time.Time
}

var (
	_ hallui.Source = Hall{}
	_ hallui.Admin  = Hall{}
)

// Hall messages.
var (
	errCodeNeeded  = msg.New("请填写大厅主机“大厅设备”中生成的配对码")
	errSupervisors = msg.New("只有主管可以管理大厅设备")
)

// HallStatus is the hall as this machine sees it, for the banner.
func (h Hall) HallStatus(ctx context.Context) (hallui.Status, error) {
	var st hallui.Status
	switch h.Role {
	case servicepoint.QueueHub:
		st.InHall, st.Online, st.Problem = true, h.HubProblem == nil, h.HubProblem
	case servicepoint.QueueClient:
		st.InHall = true
		if h.Repl == nil {
			break
		}
		rs := h.Repl.State()
		st.Online, st.Problem = rs.Online, rs.Err
		if !rs.Paired && !rs.Removed {
			st.Online, st.Problem = false, store.ErrNotInTheHall
		}
	default:
		return st, nil
	}
	notes, err := h.DB.HallNotices(ctx)
	if err != nil {
		return st, err
	}
	for _, n := range notes {
		st.Notices = append(st.Notices, hallui.Notice{ID: n.ID, At: n.At, Text: n.Message})
	}
	return st, nil
}

// SeenNotice marks a notice read by whoever is signed in.
func (h Hall) SeenNotice(ctx context.Context, id int64) error {
	var actor int64
	if h.Actor != nil {
		actor = h.Actor().ID
	}
	return h.DB.SeenHallNotice(ctx, id, actor)
}

// Pair joins this machine to the hall of the hub at addr with a code the
// hub's supervisor made: the hall's accounts and cases come down from the
// hub from then on.
func (h Hall) Pair(ctx context.Context, addr, code string) error {
	if code == "" {
		return errCodeNeeded
	}
	cfg, _, err := h.DB.Kiosk(ctx)
	if err != nil {
		return err
	}
	id, err := h.DB.MachineID(ctx)
	if err != nil {
		return err
	}
	name, _ := os.Hostname()
	link, err := hallsync.Pair(ctx, hallsync.Pairing{Addr: addr, Code: code, Machine: id, Device: cfg.Device, Name: name, Point: cfg.Point.Code})
	if err != nil {
		return err
	}
	var actor int64
	if h.Actor != nil {
		actor = h.Actor().ID
	}
	return h.DB.JoinHall(ctx, actor, link)
}

// Paired says whether this machine holds a link to its hub.
func (h Hall) Paired(ctx context.Context) bool {
	l, err := h.DB.HallLink(ctx)
	return err == nil && l.Paired()
}

// Machines lists the machines paired with this hub.
func (h Hall) Machines(ctx context.Context) ([]hallui.Machine, error) {
	ms, err := h.DB.HallMachines(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]hallui.Machine, len(ms))
	for i, m := range ms {
		out[i] = hallui.Machine{ID: m.ID, Device: m.Device, Name: m.Name, LastSeen: m.LastSeen}
		if !m.Removed.IsZero() {
			out[i].Removed = m.RemovedWhy
			if out[i].Removed == "" {
				out[i].Removed = "—"
			}
		}
	}
	return out, nil
}

// PairingTTL is how long a pairing code can be used.
const PairingTTL = 10 * time.Minute

// NewCode makes a one-time pairing code at the hub: the supervisor reads it
// to whoever sets up the new machine.
func (h Hall) NewCode(ctx context.Context) (string, time.Time, error) {
	actor := h.actor()
	if actor.Role != clerks.Supervisor {
		return "", time.Time{}, errSupervisors
	}
	fp, err := h.Identity.Fingerprint()
	if err != nil {
		return "", time.Time{}, err
	}
	code, c, err := hallnet.NewCode(fp)
	if err != nil {
		return "", time.Time{}, err
	}
	until := h.Now().Add(PairingTTL)
	if err := h.DB.NewPairing(ctx, actor.ID, hallnet.HashSecret(c.Secret), until); err != nil {
		return "", time.Time{}, err
	}
	return code, until, nil
}

// Remove takes a machine out of the hall.
func (h Hall) Remove(ctx context.Context, id string) error {
	actor := h.actor()
	if actor.Role != clerks.Supervisor {
		return errSupervisors
	}
	return h.DB.RemoveMachine(ctx, actor.ID, id, "主管"+actor.Name+"移出")
}

func (h Hall) actor() clerks.Account {
	if h.Actor == nil {
		return clerks.Account{}
	}
	return h.Actor()
}

// Accounts signs clerks in for the whole hall: at the hub when it answers
// (so wrong tries count everywhere and a lock holds at every machine), with
// this machine's copy of the hall's accounts when it does not. New accounts
// are made at the hub.
type Accounts struct {
	DB   *store.DB
	Repl *hallsync.Replicator
}

// Authenticate checks a login at the hub, or here when the hub is away.
func (a Accounts) Authenticate(ctx context.Context, login, secret string) (clerks.Account, error) {
	if a.Repl == nil || !a.Repl.State().Paired {
		return a.DB.Authenticate(ctx, login, secret)
	}
	st, err := a.Repl.Login(ctx, login, secret)
	switch {
	case errors.Is(err, hallsync.ErrHubAway):
		return a.DB.Authenticate(ctx, login, secret)
	case err != nil:
		return clerks.Account{}, err
	}
	if err := a.DB.KeepAccount(ctx, st); err != nil {
		return clerks.Account{}, err
	}
	// The secret the hub checked opens (or is given) this machine's data.
	if err := a.DB.UnlockWithSecret(ctx, st.ID, secret); err != nil {
		return clerks.Account{}, err
	}
	if st.IDNumber != "" {
		// Kept before the data was open, the agent's ID number could
		// not be sealed then; now it can.
		if err := a.DB.KeepAccount(ctx, st); err != nil {
			return clerks.Account{}, err
		}
	}
	return account(st), nil
}

func account(st protocol.HallAccountState) clerks.Account {
	return clerks.Account{ID: st.ID, Login: st.Login, Name: st.Name, Role: clerks.Role(st.Role), Sectors: st.Sectors,
		Window: st.Window, Active: st.Active, IDNumber: st.IDNumber}
}

// CreateFirstSupervisor is for a machine alone or a hub: a machine of a
// hall gets its accounts from the hub.
func (a Accounts) CreateFirstSupervisor(ctx context.Context, acc clerks.Account, secret string) (clerks.Account, error) {
	return a.DB.CreateFirstSupervisor(ctx, acc, secret)
}

// CreateAccount adds an account: at the hub for a machine of a hall.
func (a Accounts) CreateAccount(ctx context.Context, actor clerks.Account, acc clerks.Account, secret string) (clerks.Account, error) {
	if a.Repl == nil {
		return a.DB.CreateAccount(ctx, actor, acc, secret)
	}
	acc, err := acc.Normalize(a.DB.Now())
	if err != nil {
		return acc, err
	}
	if err := clerks.CheckSecret(secret); err != nil {
		return acc, err
	}
	st, err := a.Repl.CreateAccount(ctx, protocol.HallAccountRequest{Actor: actor.ID, Login: acc.Login, Name: acc.Name, Role: string(acc.Role),
		Sectors: acc.Sectors, Window: acc.Window, Secret: secret, IDNumber: acc.IDNumber})
	if err != nil {
		return acc, err
	}
	if err := a.DB.KeepAccount(ctx, st); err != nil {
		return acc, err
	}
	if err := a.DB.UnlockWithSecret(ctx, st.ID, secret); err != nil {
		return acc, err
	}
	return account(st), nil
}

// ChangeAccount changes an account: at the hub for a machine of a hall,
// which then keeps the account's new state (and a new secret opens this
// machine's data, as a new account's does).
func (a Accounts) ChangeAccount(ctx context.Context, actor clerks.Account, c clerks.Change) (clerks.Account, error) {
	if a.Repl == nil {
		return a.DB.ChangeAccount(ctx, actor, c)
	}
	acc := c.Account
	st, err := a.Repl.ChangeAccount(ctx, protocol.HallAccountChange{Actor: actor.ID, Kind: string(c.Kind), ID: acc.ID, Name: acc.Name,
		Role: string(acc.Role), Sectors: acc.Sectors, Window: acc.Window, IDNumber: acc.IDNumber, Secret: c.Secret, OldSecret: c.OldSecret})
	if err != nil {
		return acc, err
	}
	if err := a.DB.KeepAccount(ctx, st); err != nil {
		return acc, err
	}
	if c.Secret != "" {
		if err := a.DB.UnlockWithSecret(ctx, st.ID, c.Secret); err != nil && !errors.Is(err, store.ErrNoKeyHere) {
			return acc, err
		}
	}
	return account(st), nil
}

// Accounts lists the hall's accounts as this machine holds them.
func (a Accounts) Accounts(ctx context.Context) ([]clerks.Account, error) {
	return a.DB.Accounts(ctx)
}

// Setup saves this machine's configuration and pairs it with its hub (the
// setup screen).
type Setup struct {
	*store.DB
	Hall Hall
}

// Pair joins the hall of the hub at addr.
func (s Setup) Pair(ctx context.Context, addr, code string) error {
	return s.Hall.Pair(ctx, addr, code)
}

// Paired says whether this machine holds a link to its hub.
func (s Setup) Paired(ctx context.Context) bool { return s.Hall.Paired(ctx) }

// Printers lists the system's printers for the picker in 设置.
func (s Setup) Printers(ctx context.Context) ([]setup.Printer, error) {
	qs, err := printing.Queues(ctx)
	if err != nil {
		log.Printf("list printers: %s", printing.DetailOf(err))
		return nil, counter.PrintMessage(err)
	}
	out := make([]setup.Printer, 0, len(qs))
	for _, q := range qs {
		out = append(out, setup.Printer{Name: q.Name, Default: q.Default, Ready: q.Ready})
	}
	return out, nil
}

// TestPage prints the 打印测试页 through queue ("" for the system default)
// on the chosen paper; a failure comes back as its short message.
func (s Setup) TestPage(ctx context.Context, queue, paper string) error {
	sp, _, err := s.DB.ServicePoint(ctx)
	if err != nil {
		return err
	}
	layout := printing.A4
	if paper == servicepoint.PaperRoll80 {
		layout = printing.Roll80
	}
	in := printing.TestPageInput{ServicePoint: sp.Name, Queue: queue, Layout: layout,
		At: time.Now()} // only tells one test page from the next: no rule depends on it
	return printed("test page", printing.PrintTestPage(ctx, Printer(s.DB, queue), in, "打印测试页"))
}

var _ setup.Printers = Setup{}
