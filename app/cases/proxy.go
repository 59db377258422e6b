package cases

import (
	"slices"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/workday"
)

// Power is what a resident lets a village agent do on their behalf.
type Power string

// Powers a 代办委托 can grant.
const (
	PowerSubmit     Power = "submit"     // 代为申报
	PowerSupplement Power = "supplement" // 代为补正
	PowerCollect    Power = "collect"    // 代领结果
)

// Powers lists every power, in the order the form shows them.
var Powers = []Power{PowerSubmit, PowerSupplement, PowerCollect}

// PowerName is the Chinese name of a power.
func PowerName(p Power) string {
	switch p {
	case PowerSubmit:
		return "代为申报"
	case PowerSupplement:
		return "代为补正"
	case PowerCollect:
		return "代领结果"
	}
	return string(p)
}

// Evidence of a mandate: the resident signed the printed 代办委托书 and the
// agent attached its scan or photo, or the resident gave a written
// commitment (告知承诺) that they authorized the agent.
const (
	EvidenceLetter     = "letter"
	EvidenceCommitment = "commitment"
)

// Mandate is the resident's authorization (委托) of a village agent.
type Mandate struct {
	// Resident is who authorizes: the applicant, or an enterprise's legal
	// representative.
	Resident   Person    `json:"resident"`
	Powers     []Power   `json:"powers"`
	ValidUntil time.Time `json:"valid_until"`
	Evidence   string    `json:"evidence"`
	// Letter is the SHA-256 of the signed letter's scan, one of the case's
	// attachments (Evidence letter).
	Letter string `json:"letter,omitempty"`
}

// Proxy says a case was filed by a village agent (村代办) for a resident
// who could not come, where the agent met them, and under what mandate.
type Proxy struct {
	Agent Actor `json:"agent"`
	// AgentIDNumber is the agent's own ID number as their account held it
	// when they filed: the mandate names the agent by it (代办委托书 载明
	// 受托人身份). "" for an agent account made before it was asked.
	AgentIDNumber string  `json:"agent_id_number,omitempty"`
	Village       string  `json:"village"`         // 行政村
	Group         string  `json:"group,omitempty"` // 村民小组: the day's route is planned by it
	Mandate       Mandate `json:"mandate"`
}

// MaxMandate is the longest a mandate may run: long enough for a matter
// with corrections, short enough that an old signature is not reused.
const MaxMandate = 366 * 24 * time.Hour

// Messages of agent filing.
var (
	ErrNoProxy         = msg.New("代办员申报须登记村民的代办委托")
	ErrVillage         = msg.New("请填写村民所在的行政村")
	ErrMandateResident = msg.New("委托人必须是申请人本人（企业为法定代表人），请核对委托人身份证号")
	ErrMandateSubmit   = msg.New("委托事项须包含“代为申报”")
	ErrMandateExpired  = msg.New("代办委托已于{{.Date}}到期，请重新办理委托")
	ErrMandateTooLong  = msg.New("代办委托有效期最长一年，请改到{{.Date}}之前")
	ErrMandateEvidence = msg.New("请附上村民签字的代办委托书照片，或选择村民书面承诺")
	ErrMandateLetter   = msg.New("代办委托书照片须作为本件的材料附件上传")
	ErrMandatePower    = msg.New("村民没有委托代办员“{{.Power}}”，请村民本人办理或补办委托")
	ErrNotAgentCase    = msg.New("该件不是村代办件")
	ErrReceiptPhoto    = msg.New("请拍下村民签收的回执，作为送达凭证")
)

// CheckProxy validates an agent's filing before the decision: a village,
// and a mandate from the applicant (or the legal representative) that lets
// the agent submit, runs no longer than a year, and has its evidence.
func CheckProxy(d Draft, now time.Time) (Draft, error) {
	p := d.Proxy
	if p == nil {
		return d, ErrNoProxy
	}
	q := *p
	q.Village, q.Group = strings.TrimSpace(q.Village), strings.TrimSpace(q.Group)
	if q.Village == "" {
		return d, ErrVillage
	}
	id, err := ids.NormalizePersonID(q.Mandate.Resident.IDNumber, now)
	if err != nil {
		return d, err
	}
	want := d.Applicant.IDNumber
	if d.Applicant.Kind == Enterprise {
		want = d.Applicant.LegalRepID
	}
	if id != want {
		return d, ErrMandateResident
	}
	q.Mandate.Resident.IDNumber = id
	if !slices.Contains(q.Mandate.Powers, PowerSubmit) {
		return d, ErrMandateSubmit
	}
	today := dayOf(now)
	until := dayOf(q.Mandate.ValidUntil)
	if until.Before(today) {
		return d, msg.New(ErrMandateExpired.Key, "Date", until.Format("2006-01-02"))
	}
	if until.Sub(today) > MaxMandate {
		return d, msg.New(ErrMandateTooLong.Key, "Date", today.Add(MaxMandate).Format("2006-01-02"))
	}
	switch q.Mandate.Evidence {
	case EvidenceCommitment:
		q.Mandate.Letter = ""
	case EvidenceLetter:
		if !slices.ContainsFunc(d.Attachments, func(a Attachment) bool { return a.SHA256 == q.Mandate.Letter }) {
			return d, ErrMandateLetter
		}
	default:
		return d, ErrMandateEvidence
	}
	d.Proxy = &q
	return d, nil
}

// AgentMay reports whether the case's mandate lets its agent do p today.
func AgentMay(c Case, p Power, now time.Time) error {
	if c.Proxy == nil {
		return ErrNotAgentCase
	}
	m := c.Proxy.Mandate
	if !slices.Contains(m.Powers, p) {
		return msg.New(ErrMandatePower.Key, "Power", PowerName(p))
	}
	if until := dayOf(m.ValidUntil); until.Before(dayOf(now)) {
		return msg.New(ErrMandateExpired.Key, "Date", until.Format("2006-01-02"))
	}
	return nil
}

// DeliverByAgent records the agent handing the result to the resident at
// home (送达): the resident's ID is checked as at the counter, the agent
// must hold the collect power, and a photo of the signed receipt is kept.
func DeliverByAgent(c Case, agent Actor, resident Person, receiptSHA string, now time.Time) (Case, error) {
	if err := AgentMay(c, PowerCollect, now); err != nil {
		return c, err
	}
	if strings.TrimSpace(receiptSHA) == "" {
		return c, ErrReceiptPhoto
	}
	out, err := Deliver(c, resident, now)
	if err != nil {
		return c, err
	}
	out.Pickup.Via = &agent
	out.Pickup.Receipt = receiptSHA
	return out, nil
}

// dayOf is the Beijing calendar day of t, at midnight.
func dayOf(t time.Time) time.Time {
	y, m, d := t.In(workday.China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, workday.China)
}

// Messages of what an agent or a terminal may record.
var (
	ErrAgentOriginal     = msg.New("代办员不能收走村民的“{{.Material}}”原件，请拍照上传，记为“电子副本（已核验）”")
	ErrRemotePaper       = msg.New("“{{.Material}}”是拍照上传的，只能记为“电子副本（已核验）”，不能记为已收原件或复印件")
	ErrAgentCannotDecide = msg.New("“{{.Matter}}”不能在村便民服务站{{.Decision}}：代办员只代为申报，由乡镇（街道）窗口受理")
)

// decisionVerb is what a decision does, as the agent's refusal says it.
func decisionVerb(k Kind) string {
	switch k {
	case Complete:
		return "当场办结"
	case Reject:
		return "不予受理"
	case AcceptDeferred:
		return "容缺受理"
	}
	return "受理"
}

// AgentStates are the states a village agent may record for a material:
// the catalog's, without 已收原件 for a personal original (ID card, 户口簿,
// bank card) — the agent photographs it and leaves it with its owner.
func AgentStates(m catalog.Material) []MaterialState {
	return slices.DeleteFunc(AllowedStates(m), func(s MaterialState) bool { return s == Original && m.PersonalOriginal })
}

// SelfStates are the states a citizen's own filing at the terminal may
// record: the terminal takes no paper, so a material is a photo (电子副本),
// shared data, a commitment, or not applicable.
func SelfStates(m catalog.Material) []MaterialState {
	return slices.DeleteFunc(AllowedStates(m), func(s MaterialState) bool { return s == Original || s == Copy })
}

// checkStates refuses a checklist line whose state the channel's rule
// does not allow, with err naming the material.
func checkStates(cat *catalog.Catalog, d Draft, allowed func(catalog.Material) []MaterialState, err *msg.Error) error {
	for _, e := range d.Materials {
		m, ok := cat.Matter(e.Matter)
		if !ok {
			continue // Decide names the unknown matter
		}
		for _, mat := range m.Materials {
			if mat.ID == e.Material && e.State != Pending && slices.Contains(AllowedStates(mat), e.State) && !slices.Contains(allowed(mat), e.State) {
				return msg.New(err.Key, "Material", mat.Name)
			}
		}
	}
	return nil
}

// CheckAgentMaterials refuses an agent's checklist that records a
// personal original as received (已收原件).
func CheckAgentMaterials(cat *catalog.Catalog, d Draft) error {
	return checkStates(cat, d, AgentStates, ErrAgentOriginal)
}

// CheckAgentSupplement refuses an agent's 代为补正 that records a personal
// original as received: the rule of the agent's filing holds when the
// agent brings what was missing, too — the ID card or 户口簿 stays with
// the resident, its photo is the 电子副本（已核验）.
func CheckAgentSupplement(cat *catalog.Catalog, received []MaterialEntry) error {
	return CheckAgentMaterials(cat, Draft{Materials: received})
}

// CheckSelfMaterials refuses a terminal filing that records paper (原件 or
// 复印件): what the citizen photographed is an electronic copy.
func CheckSelfMaterials(cat *catalog.Catalog, d Draft) error {
	return checkStates(cat, d, SelfStates, ErrRemotePaper)
}

// AgentMayDecide says whether a village station may decide on every
// matter of the draft: the catalog lists the village among the matter's
// levels (小事不出村). Otherwise the agent only files, and the township
// window accepts (受办分离).
func AgentMayDecide(cat *catalog.Catalog, d Draft) bool {
	for _, code := range d.Matters {
		m, ok := cat.Matter(code)
		if !ok || !m.DoneAt(catalog.Village) {
			return false
		}
	}
	return len(d.Matters) > 0
}

// AgentDecision says what becomes of an agent's filing with the decision
// asked for: decided at the station (decide true) when the catalog lets
// the village accept every matter; otherwise 受理 and 容缺受理 become a
// filing for the township to accept (decide false, like a self-service
// filing waiting for 预审), and 当场办结 or 不予受理 — decisions only the
// accepting window takes — are refused.
func AgentDecision(cat *catalog.Catalog, d Draft, dec Decision) (decide bool, err error) {
	if AgentMayDecide(cat, d) {
		return true, nil
	}
	if dec.Kind == Accept || dec.Kind == AcceptDeferred {
		return false, nil
	}
	for _, code := range d.Matters {
		if m, ok := cat.Matter(code); ok && !m.DoneAt(catalog.Village) {
			return false, msg.New(ErrAgentCannotDecide.Key, "Matter", m.Name, "Decision", decisionVerb(dec.Kind))
		}
	}
	return false, ErrNoMatter
}
