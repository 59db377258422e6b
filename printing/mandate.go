package printing

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
)

// Mandate is the 代办委托书 a village agent prints before filing, for the
// resident to sign; its photo then goes with the case as the evidence.
const Mandate DocKind = "mandate" // 代办委托书

// MandateInput is what the letter is made from: the draft as filled in so
// far (applicant, matters, the mandate's powers and term, the agent with
// their ID number as their account holds it).
type MandateInput struct {
	Draft        cases.Draft
	Catalog      *catalog.Catalog
	ServicePoint string
	PrintedAt    time.Time
}

// WriteMandateLetter writes the 代办委托书. It has no tracking code yet: the
// case exists only once the signed letter is back.
func WriteMandateLetter(w io.Writer, layout Layout, in MandateInput) (Meta, error) {
	d := in.Draft
	if d.Proxy == nil {
		return Meta{}, fmt.Errorf("print mandate: the draft has no mandate")
	}
	p := d.Proxy
	var matters []string
	for _, code := range d.Matters {
		matters = append(matters, matterName(in.Catalog, code))
	}
	var powers []string
	for _, pw := range p.Mandate.Powers {
		powers = append(powers, cases.PowerName(pw))
	}
	who := d.Applicant.Name
	if d.Applicant.Kind == cases.Enterprise {
		who = d.Applicant.LegalRepName + "（" + d.Applicant.Name + "法定代表人）"
	}
	blocks := []block{
		header{in.ServicePoint, "打印时间 " + cnTime(in.PrintedAt)},
		heading{"代办委托书", ""},
		kv{"委托人", who},
		kv{"委托人证件", personID(p.Mandate.Resident.IDNumber)},
		kv{"住址", strings.TrimSpace(p.Village + " " + p.Group)},
		kv{"受托代办员", p.Agent.Name},
	}
	// The agent is named by their document as their account holds it
	// (masked like every number on paper); an account made before the
	// number was asked leaves a line for the agent to write it by hand.
	if p.AgentIDNumber != "" {
		blocks = append(blocks, kv{"代办员证件", personID(p.AgentIDNumber)})
	} else {
		blocks = append(blocks, kv{"代办员证件", "＿＿＿＿＿＿＿＿＿＿＿＿（代办员手写证件名称和号码）"})
	}
	blocks = append(blocks,
		kv{"委托办理事项", strings.Join(matters, "、")},
		kv{"委托权限", strings.Join(powers, "、")},
		kv{"委托期限", "自" + cnDate(in.PrintedAt) + "起至" + cnDate(p.Mandate.ValidUntil) + "止"},
		kv{"结果送达", "办结后由代办员领取并送交委托人，委托人签收"},
		para{text: fmt.Sprintf("本人自愿委托%s代为办理上述事项，代办员按本委托书载明的权限行事，本人对代办员据此提交的申请材料的真实性负责。代办员不得收取任何费用，不得超越权限办理，不得泄露本人信息，不得代为保管本人的身份证、银行卡等原件。", p.Agent.Name)},
		gap(2),
		signature{"委托人（签字并按手印）"},
	)
	if d.Applicant.Kind == cases.Enterprise {
		// An enterprise authorizes by its seal; the legal representative
		// signs as well.
		blocks = append(blocks, sealArea{issuer: d.Applicant.Name + "（单位公章）", date: "年　月　日"})
	}
	blocks = append(blocks, signature{"代办员（签字）"})
	if cases.PledgeAllowed(in.Catalog, d.Matters) {
		blocks = append(blocks, para{text: "委托人不能到场签字的，本事项可以村民书面承诺代替本委托书签字：委托人本人口述承诺已委托上述代办员，由代办员记录并拍照上传，事后核查。", small: true})
	} else {
		blocks = append(blocks, para{text: "本事项须委托人本人签字（或按手印），不接受村民书面承诺代替。", small: true})
	}
	blocks = append(blocks, para{text: "本委托书签字后由代办员拍照随件上传，原件由委托人留存。", small: true})
	return renderDoc(w, layout, "代办委托书", in.PrintedAt, blocks)
}
