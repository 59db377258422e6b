package cases

import (
	"slices"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/msg"
)

// Actor is the clerk (or agent) who did something, as printed and synced.
type Actor struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Window int    `json:"window,omitempty"`
}

// Person is someone identified by name and resident ID: an authorized
// collector (受托人) or whoever collected a result.
type Person struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
}

// PickupRecord says who collected the result and when (出件).
type PickupRecord struct {
	Collector Person    `json:"collector"`
	At        time.Time `json:"at"`
	// As is "applicant", "legal_rep" or "authorized".
	As string `json:"as"`
	// Via is the village agent who brought the result to the resident,
	// and Receipt the SHA-256 of the photo of the signed receipt.
	Via     *Actor `json:"via,omitempty"`
	Receipt string `json:"receipt,omitempty"`
}

// MailRecord says where the result was mailed (证照快递).
type MailRecord struct {
	Address  string    `json:"address"`
	Carrier  string    `json:"carrier"`
	Tracking string    `json:"tracking"`
	At       time.Time `json:"at"`
}

// Case is an accepted, refused or finished case.
type Case struct {
	ID           string               `json:"id"`
	Tracking     string               `json:"tracking"`
	ServicePoint string               `json:"service_point"`
	Draft                             // what was filled in, with material states kept current
	Authorized   []Person             `json:"authorized,omitempty"`
	Decision     Kind                 `json:"decision"`
	Reason       string               `json:"reason,omitempty"`
	Status       Status               `json:"status"`
	Accepted     time.Time            `json:"accepted"`
	Due          time.Time            `json:"due,omitempty"`
	MatterDue    map[string]time.Time `json:"matter_due,omitempty"`
	SupplementBy time.Time            `json:"supplement_by,omitempty"`
	Clerk        Actor                `json:"clerk"`
	Pickup       *PickupRecord        `json:"pickup,omitempty"`
	Mail         *MailRecord          `json:"mail,omitempty"`
	CatalogVer   string               `json:"catalog_version"`
	// County is the county center's last word on the case, from sync.
	County *CountyDecision `json:"county,omitempty"`
	// Reduced is when the case was reduced to what the hall still needs
	// (Reduce); zero for a whole case.
	Reduced time.Time `json:"reduced,omitzero"`
	// QueryPINHash is the salted hash of the query PIN (查询密码) that
	// 进度查询 checks (VerifyQueryPIN); "" for a case accepted before the
	// PIN existed, which is still checked by the last four characters.
	QueryPINHash string `json:"query_pin,omitempty"`
	// QueryPIN is the PIN in clear. It is set only on the value acceptance
	// returns, for the citizen's copy of the receipt, and never stored,
	// synced or logged.
	QueryPIN string `json:"-"`
	// Version is the stored row's version, for optimistic updates; it is
	// storage metadata, not part of the record.
	Version int `json:"-"`

	// Suspensions are the spans the time limit did not run (补正, 特别程序);
	// DueAt moves Due by them.
	Suspensions []Suspension `json:"suspensions,omitempty"`
}

// EventKind names what happened to a case; the names are part of the sync
// protocol and never change.
type EventKind string

// Case event kinds.
const (
	EvAccepted     EventKind = "case.accepted"
	EvCompleted    EventKind = "case.completed"
	EvDeferred     EventKind = "case.accepted_deferred"
	EvRejected     EventKind = "case.rejected"
	EvSupplemented EventKind = "case.supplemented"
	EvAuthorized   EventKind = "case.authorized"
	EvDelivered    EventKind = "case.delivered"
	EvMailed       EventKind = "case.mailed"
	// EvQueryPINReset: the clerk gave the case a new query PIN after
	// checking the applicant in person; the old one stops working.
	EvQueryPINReset EventKind = "case.query_pin_reset"
)

// EventKinds lists every case event kind, for translation tables.
var EventKinds = []EventKind{EvAccepted, EvCompleted, EvDeferred, EvRejected, EvSupplemented, EvAuthorized, EvDelivered, EvMailed,
	EvSubmitted, EvReturned, EvLapsed, EvQueryPINReset}

// EventName is the Chinese name of a case event, for lists and logs.
func EventName(k EventKind) string {
	switch k {
	case EvAccepted:
		return "受理"
	case EvCompleted:
		return "当场办结"
	case EvDeferred:
		return "容缺受理"
	case EvRejected:
		return "不予受理"
	case EvSupplemented:
		return "补正"
	case EvAuthorized:
		return "登记受托人"
	case EvDelivered:
		return "出件"
	case EvMailed:
		return "邮寄"
	case EvSubmitted:
		return "自助申报"
	case EvReturned:
		return "预审退回"
	case EvLapsed:
		return "逾期未补正"
	case EvQueryPINReset:
		return "重置查询密码"
	}
	return string(k)
}

// DecisionEvent is the event kind that records a decision.
func DecisionEvent(k Kind) EventKind {
	switch k {
	case Complete:
		return EvCompleted
	case AcceptDeferred:
		return EvDeferred
	case Reject:
		return EvRejected
	}
	return EvAccepted
}

// Messages of later actions.
var (
	ErrNotDeferred     = msg.New("材料“{{.Material}}”不是待补材料")
	ErrSupplementState = msg.New("补正的材料“{{.Material}}”应标为已收原件或已收复印件")
	ErrNothingReceived = msg.New("请选择收到的补正材料")
	ErrNotReady        = msg.New("该件当前状态为“{{.Status}}”，还不能出件")
	ErrCollector       = msg.New("领取人不是申请人、法定代表人或已登记的受托人；请核对身份证，或先登记受托人（需授权委托书）")
	ErrMailAddress     = msg.New("请填写邮寄地址（至少8个字）")
	ErrMailTracking    = msg.New("请填写快递单号")
	ErrAlreadyAuth     = msg.New("此人已是受托人")
)

// Supplement records 补正: deferred materials received at at. When none
// remain deferred the case returns to 办理中 and the clock, stopped since the
// 补正 notice, runs again.
func Supplement(cat *catalog.Catalog, c Case, received []MaterialEntry, at time.Time) (Case, error) {
	if len(received) == 0 {
		return c, ErrNothingReceived
	}
	mats := slices.Clone(c.Materials)
	for _, r := range received {
		i := slices.IndexFunc(mats, func(e MaterialEntry) bool { return e.Matter == r.Matter && e.Material == r.Material })
		name := MaterialName(cat, r.Matter, r.Material)
		if i < 0 || mats[i].State != Deferred {
			return c, msg.New(ErrNotDeferred.Key, "Material", name)
		}
		if r.State != Original && r.State != Copy && r.State != ECopy { // an agent's 代为补正 is a photo
			return c, msg.New(ErrSupplementState.Key, "Material", name)
		}
		mats[i].State = r.State
	}
	c.Materials = mats
	if !slices.ContainsFunc(mats, func(e MaterialEntry) bool { return e.State == Deferred }) {
		if c.Status == StatusCorrection {
			c.Status = StatusReviewing // back to the county's reviewer
		} else {
			c.Status = StatusAccepted
		}
		c.SupplementBy = time.Time{}
		c = resume(c, at, func(s Suspension) bool { return s.Kind == SuspendCorrection })
	}
	return c, nil
}

// Authorize registers a person the applicant authorized to collect the
// result (受托人), after the clerk has seen the authorization letter.
func Authorize(c Case, p Person, today time.Time) (Case, error) {
	name, err := checkName(strings.TrimSpace(p.Name))
	if err != nil {
		return c, err
	}
	id, err := ids.NormalizePersonID(p.IDNumber, today)
	if err != nil {
		return c, err
	}
	if slices.ContainsFunc(c.Authorized, func(a Person) bool { return a.IDNumber == id }) {
		return c, ErrAlreadyAuth
	}
	c.Authorized = append(slices.Clone(c.Authorized), Person{Name: name, IDNumber: id})
	return c, nil
}

// Deliver records 出件: the collector's resident ID must be the applicant's
// (or the legal representative's) or an authorized person's.
func Deliver(c Case, collector Person, now time.Time) (Case, error) {
	if c.Status != StatusCompleted {
		return c, msg.New(ErrNotReady.Key, "Status", StatusName(c.Status))
	}
	id, err := ids.NormalizePersonID(collector.IDNumber, now)
	if err != nil {
		return c, err
	}
	as := c.standsFor(id)
	if as == "" {
		return c, ErrCollector
	}
	c.Pickup = &PickupRecord{Collector: Person{Name: strings.TrimSpace(collector.Name), IDNumber: id}, At: now, As: as}
	c.Status = StatusDelivered
	return c, nil
}

// StandsFor says whom the holder of the normalized ID number id stands for
// on the case, as Deliver checks it: "applicant", "legal_rep",
// "authorized" or "" for nobody. The counter asks it as soon as an ID card
// is read, before the clerk decides.
func (c Case) StandsFor(id string) string { return c.standsFor(id) }

// standsFor says whom a person with the normalized ID number id stands for
// on the case — "applicant", "legal_rep" or "authorized" (a registered
// 受托人) — or "" for nobody.
func (c Case) standsFor(id string) string {
	switch {
	case id == "":
		return ""
	case c.Applicant.Kind == Individual && id == c.Applicant.IDNumber:
		return "applicant"
	case c.Applicant.Kind == Enterprise && id == c.Applicant.LegalRepID:
		return "legal_rep"
	case slices.ContainsFunc(c.Authorized, func(a Person) bool { return a.IDNumber == id }):
		return "authorized"
	}
	return ""
}

// MailResult records 邮寄: the result was sent to an address.
func MailResult(c Case, m MailRecord, now time.Time) (Case, error) {
	if c.Status != StatusCompleted {
		return c, msg.New(ErrNotReady.Key, "Status", StatusName(c.Status))
	}
	m.Address, m.Carrier, m.Tracking = strings.TrimSpace(m.Address), strings.TrimSpace(m.Carrier), strings.TrimSpace(m.Tracking)
	if len([]rune(m.Address)) < 8 {
		return c, ErrMailAddress
	}
	if m.Tracking == "" {
		return c, ErrMailTracking
	}
	if m.Carrier == "" {
		m.Carrier = "中国邮政EMS"
	}
	m.At = now
	c.Mail = &m
	c.Status = StatusMailed
	return c, nil
}

// MaterialsIn returns the checklist lines in a given state.
func (c Case) MaterialsIn(s MaterialState) []MaterialEntry {
	var out []MaterialEntry
	for _, e := range c.Materials {
		if e.State == s {
			out = append(out, e)
		}
	}
	return out
}

// MaterialName returns a material's name from the catalog (or its id).
func MaterialName(cat *catalog.Catalog, matter, material string) string {
	if m, ok := cat.Matter(matter); ok {
		for _, mat := range m.Materials {
			if mat.ID == material {
				return mat.Name
			}
		}
	}
	return material
}
