package printing

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/workday"
)

// DocKind names a document handed to the citizen about a case.
type DocKind string

// Case documents.
const (
	Receipt          DocKind = "receipt"           // 受理回执
	SupplementNotice DocKind = "supplement_notice" // 容缺补正告知书
	Commitment       DocKind = "commitment"        // 告知承诺书
	RefusalNotice    DocKind = "refusal_notice"    // 不予受理告知书
	DenialNotice     DocKind = "denial_notice"     // 不予许可决定书
	PickupVoucher    DocKind = "pickup_voucher"    // 领取凭证
	SubmissionSlip   DocKind = "submission_slip"   // 自助申报回执
	// QueryPINNotice (查询密码重置通知) has a citizen's copy only: it
	// carries nothing but the new PIN for the case, so there is nothing to
	// archive, and an archived copy would be the PIN itself.
	QueryPINNotice DocKind = "query_pin_notice"
)

// DocTitle is a document's printed title.
func DocTitle(k DocKind) string {
	switch k {
	case Receipt:
		return "受理回执"
	case SupplementNotice:
		return "容缺补正告知书"
	case Commitment:
		return "告知承诺书"
	case RefusalNotice:
		return "不予受理告知书"
	case DenialNotice:
		return "不予许可决定书"
	case PickupVoucher:
		return "领取凭证"
	case SubmissionSlip:
		return "自助申报回执"
	case QueryPINNotice:
		return "查询密码重置通知"
	}
	return string(k)
}

// DocsFor lists the documents a case calls for after its decision, in the
// order they are handed over.
func DocsFor(c cases.Case) []DocKind {
	if c.Status == cases.StatusRejected {
		return []DocKind{RefusalNotice}
	}
	if c.Status == cases.StatusDenied {
		return []DocKind{DenialNotice}
	}
	if c.Status == cases.StatusPrereview {
		return []DocKind{SubmissionSlip}
	}
	out := []DocKind{Receipt}
	if len(c.MaterialsIn(cases.Deferred)) > 0 {
		out = append(out, SupplementNotice)
	}
	if len(c.MaterialsIn(cases.Committed)) > 0 {
		out = append(out, Commitment)
	}
	if c.Status == cases.StatusAccepted || c.Status == cases.StatusDeferred || c.Status == cases.StatusCompleted {
		out = append(out, PickupVoucher)
	}
	return out
}

// CaseInput is what every case document is made from.
type CaseInput struct {
	Case         cases.Case
	Catalog      *catalog.Catalog
	ServicePoint string // the hall's name
	PrintedAt    time.Time
	// Copy is whose copy this is. Only the citizen's copy of a receipt
	// carries the query PIN (Case.QueryPIN); the archive's never does, so
	// neither a reprint nor the county's file can be used to read the
	// citizen's case.
	Copy Copy
	// SealPNG is the service point's configured seal image, or nil.
	SealPNG []byte
}

// Copy names who keeps a printed document.
type Copy string

// Copies of a document.
const (
	ArchiveCopy Copy = ""        // 存档联: the hall's archive and the county
	CitizenCopy Copy = "citizen" // 申请人联: handed to the applicant
)

// HasQueryPIN reports whether a document kind carries the query PIN on the
// citizen's copy: the papers that tell a citizen how to follow the case.
func HasQueryPIN(k DocKind) bool {
	return k == Receipt || k == SubmissionSlip || k == RefusalNotice || k == QueryPINNotice
}

// CitizenOnly reports whether a document kind exists only as the citizen's
// copy: it is printed and never archived, and WriteCaseDoc refuses to make
// any other copy of it.
func CitizenOnly(k DocKind) bool { return k == QueryPINNotice }

// ErrCitizenOnly: an archive copy was asked of a paper that has none.
var ErrCitizenOnly = errors.New("print: this document has only the citizen's copy")

// WriteCaseDoc writes one case document in one layout.
func WriteCaseDoc(w io.Writer, kind DocKind, layout Layout, in CaseInput) (Meta, error) {
	var blocks []block
	switch kind {
	case Receipt:
		blocks = receipt(in)
	case SupplementNotice:
		blocks = supplementNotice(in)
	case Commitment:
		blocks = commitment(in)
	case RefusalNotice:
		blocks = refusalNotice(in, false)
	case DenialNotice:
		blocks = refusalNotice(in, true)
	case PickupVoucher:
		blocks = pickupVoucher(in)
	case SubmissionSlip:
		blocks = submissionSlip(in)
	case QueryPINNotice:
		if in.Copy != CitizenCopy || in.Case.QueryPIN == "" {
			return Meta{}, fmt.Errorf("%s: %w", kind, ErrCitizenOnly)
		}
		blocks = queryPINNotice(in)
	default:
		return Meta{}, fmt.Errorf("print: unknown document %q", kind)
	}
	title := DocTitle(kind) + " " + in.Case.Tracking
	return renderDoc(w, layout, title, in.PrintedAt, blocks)
}

func cnDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(workday.China)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

func cnTime(t time.Time) string {
	t = t.In(workday.China)
	return fmt.Sprintf("%s %02d:%02d", cnDate(t), t.Hour(), t.Minute())
}

func top(in CaseInput, title string) []block {
	return topBy(in, title, "")
}

// topBy is top with a subtitle: the department a notice is issued by.
func topBy(in CaseInput, title, sub string) []block {
	return []block{
		header{in.ServicePoint, "打印时间 " + cnTime(in.PrintedAt)},
		heading{title, sub},
		qrBlock{in.Case.Tracking, tracking.Format(in.Case.Tracking), "扫码或在自助服务终端输入查询码和查询密码，可查看办理进度、补正要求和领取信息"},
	}
}

// pinBlocks prints the query PIN on the citizen's copy and says, on every
// other copy, where it is: the PIN is what 进度查询 accepts, so it is on
// the one paper the citizen takes home and nowhere else.
func pinBlocks(in CaseInput) []block {
	if in.Copy == CitizenCopy && in.Case.QueryPIN != "" {
		return []block{kv{"查询密码", in.Case.QueryPIN},
			para{text: "申请人联：查询密码与查询码一起可查询办理进度，请勿告诉他人；遗失可凭本人身份证件到窗口重置。", small: true}}
	}
	return []block{para{text: "存档联：查询密码只印在申请人联上。", small: true}}
}

// issuers are the departments papers about the case are issued by: the
// bundle's lead, or each matter's own department.
func issuers(in CaseInput) []catalog.Department {
	if d, ok := in.Catalog.IssuingDepartment(in.Case.Bundle, in.Case.Matters); ok {
		return []catalog.Department{d}
	}
	var out []catalog.Department
	for _, code := range in.Case.Matters {
		if m, ok := in.Catalog.Matter(code); ok && !slices.ContainsFunc(out, func(d catalog.Department) bool { return d.Name == m.Department }) {
			d, _ := in.Catalog.Department(m.Department)
			out = append(out, d)
		}
	}
	return out
}

func issuerNames(ds []catalog.Department) string {
	var names []string
	for _, d := range ds {
		names = append(names, d.Name)
	}
	return strings.Join(names, "、")
}

// remedy says where and within what time a citizen can challenge a
// department's decision: 行政复议法 (2023修订) 第20条 and 行政诉讼法 第46条.
func remedy(d catalog.Department) string {
	if d.Reconsideration == "" {
		return fmt.Sprintf("如有异议，可向%s或本服务中心反映。", d.Name)
	}
	days, months := d.Periods()
	return fmt.Sprintf("如不服本决定，可以自知道或者应当知道本决定之日起%d日内向%s申请行政复议，也可以自知道或者应当知道本决定之日起%d个月内依法向%s提起行政诉讼。",
		days, d.Reconsideration, months, d.Court)
}

// sealOf is the seal area of a paper issued by the hall itself (a receipt,
// a voucher): the service point's seal, or its configured image.
func sealOf(in CaseInput, date time.Time) block {
	return sealArea{issuer: in.ServicePoint + "（受理专用章）", date: cnDate(date), png: in.SealPNG}
}

// proxyBlocks say, on a case an agent filed, who filed it, under which
// mandate, and how the result comes back.
func proxyBlocks(c cases.Case) []block {
	p := c.Proxy
	if p == nil {
		return nil
	}
	mandate := "代办委托书（委托人签字）"
	if p.Mandate.Evidence == cases.EvidenceCommitment {
		mandate = "村民书面承诺"
	}
	if !p.Mandate.ValidUntil.IsZero() {
		mandate += "，有效期至" + cnDate(p.Mandate.ValidUntil)
	}
	return []block{
		section("村代办"),
		kv{"代办员", p.Agent.Name},
		kv{"代办地点", strings.TrimSpace(p.Village + " " + p.Group)},
		kv{"委托依据", mandate},
		kv{"结果送达", "办结后由代办员" + p.Agent.Name + "领取并送交委托人，委托人签收"},
	}
}

// materialState is how a material's state is printed. An original can
// only be received by a clerk holding it: what a citizen or an agent
// photographed is an electronic copy, whatever state it was recorded in.
func materialState(c cases.Case, s cases.MaterialState) string {
	if s == cases.Original && (c.Proxy != nil || c.Status == cases.StatusPrereview) {
		return "电子副本（拍照上传）"
	}
	return cases.StateName(s)
}

// personID is how a person's ID is printed: the document's name and the
// number masked. Both kinds are 18 characters masked alike, so without the
// name a 外国人永久居留身份证 would pass for a 居民身份证 — and a paper that
// names the wrong document points the clerk who collects or checks it at
// the wrong card.
func personID(id string) string {
	id = strings.ToUpper(strings.TrimSpace(id))
	if id == "" {
		return ""
	}
	return ids.KindName(ids.KindOf(id)) + " " + ids.MaskIDNumber(id)
}

// applicantRows shows who the case is for, with the ID number and mobile
// masked: a receipt gets left on counters and in bins.
func applicantRows(a cases.Applicant) []block {
	if a.Kind == cases.Enterprise {
		return []block{
			kv{"申请单位", a.Name},
			kv{"信用代码", a.IDNumber},
			kv{"法定代表人", a.LegalRepName + "（" + personID(a.LegalRepID) + "）"},
			kv{"联系电话", ids.MaskMobile(a.Mobile)},
		}
	}
	return []block{
		kv{"申请人", a.Name},
		kv{"证件", personID(a.IDNumber)},
		kv{"联系电话", ids.MaskMobile(a.Mobile)},
	}
}

func clerkText(c cases.Case) string {
	if c.Clerk.Window > 0 {
		return fmt.Sprintf("%s（%d号窗口）", c.Clerk.Name, c.Clerk.Window)
	}
	return c.Clerk.Name
}

func matterName(cat *catalog.Catalog, code string) string {
	if m, ok := cat.Matter(code); ok {
		return m.Name
	}
	return code
}

func errandName(in CaseInput) string {
	if b, ok := in.Catalog.Bundle(in.Case.Bundle); ok {
		return b.Name
	}
	if len(in.Case.Matters) == 1 {
		return matterName(in.Catalog, in.Case.Matters[0])
	}
	return strings.Join(mapNames(in), "、")
}

func mapNames(in CaseInput) []string {
	var out []string
	for _, code := range in.Case.Matters {
		out = append(out, matterName(in.Catalog, code))
	}
	return out
}

func receipt(in CaseInput) []block {
	c := in.Case
	b := top(in, "受理回执")
	b = append(b, pinBlocks(in)...)
	b = append(b, section("申请信息"))
	b = append(b, applicantRows(c.Applicant)...)
	b = append(b,
		kv{"办理事项", errandName(in)},
		kv{"实施部门", issuerNames(issuers(in))},
		kv{"受理机构", in.ServicePoint + "（受实施部门委托受理）"},
		kv{"受理时间", cnTime(c.Accepted)},
		kv{"受理人", clerkText(c)},
		kv{"办理状态", cases.StatusName(c.Status)},
	)
	rows := [][]string{}
	for _, code := range c.Matters {
		kind, due := "承诺件", cnDate(c.MatterDue[code])
		if m, ok := in.Catalog.Matter(code); ok && m.Kind == catalog.Immediate {
			kind = "即办件"
			if c.Status == cases.StatusCompleted {
				due = "当场办结"
			}
		}
		rows = append(rows, []string{matterName(in.Catalog, code), kind, due})
	}
	b = append(b, section("办理事项"), table{cols: []string{"事项", "类型", "承诺办结"}, width: []float64{0.6, 0.15, 0.25}, rows: rows})
	var mats [][]string
	for _, e := range c.Materials {
		if e.State == cases.NotApplicable {
			continue
		}
		mats = append(mats, []string{cases.MaterialName(in.Catalog, e.Matter, e.Material), materialState(c, e.State)})
	}
	b = append(b, section("收取材料"), table{cols: []string{"材料", "收取情况"}, width: []float64{0.68, 0.32}, rows: dedupeRows(mats)})
	b = append(b, proxyBlocks(c)...)
	if !c.SupplementBy.IsZero() {
		b = append(b, para{text: "容缺受理：请于" + cnDate(c.SupplementBy) + "前补齐标为“容缺待补”的材料，逾期未补齐的" +
			lapseWords(in) + "，详见《容缺补正告知书》。"})
	}
	if len(c.Attachments) > 0 {
		b = append(b, para{text: fmt.Sprintf("随件扫描材料 %d 份，已留存。", len(c.Attachments)), small: true})
	}
	b = append(b, gap(2), para{text: "请妥善保管本回执，凭回执和申请人身份证件领取办理结果。办理结果可在窗口领取或申请免费邮寄。", small: true})
	return append(b, sealOf(in, c.Accepted))
}

// lapseWords says what the catalog makes of a missed supplement deadline.
func lapseWords(in CaseInput) string {
	if in.Catalog != nil && cases.LapseOutcome(in.Catalog, in.Case) == catalog.LapseWithdrawn {
		return "本申请视为撤回"
	}
	return "本申请终止办理"
}

// dedupeRows merges identical rows: a bundle asks for the ID card in every
// matter, but the citizen showed it once.
func dedupeRows(rows [][]string) [][]string {
	var out [][]string
	for _, r := range rows {
		if !slices.ContainsFunc(out, func(o []string) bool { return slices.Equal(o, r) }) {
			out = append(out, r)
		}
	}
	return out
}

func supplementNotice(in CaseInput) []block {
	c := in.Case
	b := top(in, "容缺补正告知书")
	b = append(b, applicantRows(c.Applicant)...)
	b = append(b, para{text: fmt.Sprintf("%s：", c.Applicant.Name)},
		para{text: fmt.Sprintf("您于%s申请办理的“%s”，主要材料齐全、符合法定形式，本服务中心已按容缺受理机制先行受理并开始办理。下列材料尚需补正，请于%s前（含当日）补齐，送交本服务中心任一窗口或由村代办员代为递交。",
			cnDate(c.Accepted), errandName(in), cnDate(c.SupplementBy))})
	var rows [][]string
	for _, e := range c.MaterialsIn(cases.Deferred) {
		rows = append(rows, []string{cases.MaterialName(in.Catalog, e.Matter, e.Material), matterName(in.Catalog, e.Matter)})
	}
	b = append(b, section("需补正的材料"), table{cols: []string{"材料", "所属事项"}, width: []float64{0.55, 0.45}, rows: rows},
		kv{"补正期限", cnDate(c.SupplementBy)},
		kv{"经办人", clerkText(c)},
		para{text: "补正期限是材料补齐的期限，不是承诺办结日期。" + cnDate(c.SupplementBy) + "后仍未补齐的，" + lapseWords(in) +
			"，需要时请重新申请。补正期间不计入承诺办结时限，办结日期相应顺延。补正时请出示本告知书或报查询码。", small: true},
		sealOf(in, c.Accepted),
		signature{"申请人签收"},
	)
	return b
}

// commitmentText is the written commitment (告知承诺) for one material.
func commitmentText(material, matter string) string {
	return fmt.Sprintf("一、行政机关告知：申请办理“%s”需提交“%s”。依据证明事项告知承诺制有关规定，申请人可以书面承诺已经符合要求，以承诺代替提交该证明材料。行政机关将在事中事后依法核查。"+
		"二、申请人承诺：本人（单位）已知晓上述告知内容，承诺所填写的信息真实、准确，已经符合告知的条件和要求；如承诺不实，愿意承担相应法律责任，接受行政机关依法撤销相关决定，并依法纳入信用记录。",
		matter, material)
}

func commitment(in CaseInput) []block {
	c := in.Case
	b := top(in, "告知承诺书")
	b = append(b, applicantRows(c.Applicant)...)
	for i, e := range c.MaterialsIn(cases.Committed) {
		material := cases.MaterialName(in.Catalog, e.Matter, e.Material)
		b = append(b, section(fmt.Sprintf("承诺事项%d：%s", i+1, material)),
			para{text: commitmentText(material, matterName(in.Catalog, e.Matter))})
	}
	b = append(b, gap(2), signature{"申请人（签字或盖章）"}, kv{"经办人", clerkText(c)}, sealOf(in, c.Accepted))
	return b
}

// refusalNotice is the 不予受理告知书 (or, denied, the 不予许可决定书). It
// is issued in the competent department's name: a township center is not
// a legal subject and accepts on the department's behalf, so a notice in
// the center's own name would name the wrong respondent in a 行政复议.
func refusalNotice(in CaseInput, denied bool) []block {
	c := in.Case
	ds := issuers(in)
	title, verb, date := "不予受理告知书", "不予受理", c.Accepted
	if denied {
		title, verb, date = "不予许可决定书", "不予许可", in.PrintedAt
		if c.County != nil && !c.County.At.IsZero() {
			date = c.County.At
		}
	}
	b := topBy(in, title, issuerNames(ds))
	if !denied {
		b = append(b, pinBlocks(in)...)
	}
	b = append(b, applicantRows(c.Applicant)...)
	b = append(b, para{text: fmt.Sprintf("%s：", c.Applicant.Name)},
		para{text: fmt.Sprintf("您于%s申请办理的“%s”，经审查，%s决定%s，理由如下：", cnDate(c.Accepted), errandName(in), issuerNames(ds), verb)},
		para{text: c.Reason})
	for _, d := range ds {
		b = append(b, para{text: remedy(d)})
		if d.Reconsideration != "" {
			days, months := d.Periods()
			b = append(b, kv{"复议机关", fmt.Sprintf("%s（%d日内）", d.Reconsideration, days)},
				kv{"管辖法院", fmt.Sprintf("%s（%d个月内）", d.Court, months)})
		}
	}
	b = append(b, para{text: "如需了解办理条件，可向窗口索取办事指南。", small: true},
		kv{"受理机构", in.ServicePoint + "（受" + issuerNames(ds) + "委托受理）"},
		kv{"经办人", clerkText(c)},
		kv{"日期", cnDate(date)},
	)
	for _, d := range ds {
		b = append(b, sealArea{issuer: d.Name, date: cnDate(date)})
	}
	return append(b, signature{"申请人签收"})
}

func pickupVoucher(in CaseInput) []block {
	c := in.Case
	b := top(in, "领取凭证")
	b = append(b, applicantRows(c.Applicant)...)
	b = append(b, kv{"办理事项", errandName(in)})
	ready := "预计" + cnDate(c.Due) + "可领取，办结后将短信通知"
	if c.Status == cases.StatusCompleted {
		ready = "已办结，可随时领取"
	}
	b = append(b,
		kv{"领取时间", ready},
		kv{"领取地点", in.ServicePoint},
		kv{"经办人", clerkText(c)},
		para{text: "领取时请携带本凭证和申请人身份证件；委托他人领取的，请携带授权委托书和受托人身份证件。需要邮寄的，请联系窗口登记邮寄地址（证照快递免费寄送）。", small: true},
	)
	b = append(b, proxyBlocks(c)...)
	return append(b, sealOf(in, in.PrintedAt))
}

// submissionSlip is what a citizen takes home after filing at the terminal:
// the code to follow the filing, and what happens next. Nothing is promised
// yet: the dates come with the clerk's pre-review.
func submissionSlip(in CaseInput) []block {
	c := in.Case
	b := top(in, "自助申报回执")
	b = append(b, pinBlocks(in)...)
	b = append(b, applicantRows(c.Applicant)...)
	b = append(b, kv{"申报事项", errandName(in)}, kv{"提交时间", cnTime(c.Accepted)}, kv{"上传材料", fmt.Sprintf("%d份", len(c.Attachments))},
		para{text: "下一步：工作人员将在1个工作日内预审您提交的材料。预审通过后即为受理，按承诺时限办理；需要补正的，会在进度查询中写明原因。请凭本回执的查询码在自助服务终端或窗口查询进度。"},
		para{text: "预审前无需到窗口；告知承诺的材料，请按承诺如实提供，行政机关将依法核查。", small: true},
		sealOf(in, c.Accepted))
	return b
}

// queryPINNotice is the 查询密码重置通知: the case's new query PIN for a
// citizen who lost the receipt's applicant copy. It names the applicant
// only masked (张*), no number, no matter: a lost notice must tell a finder
// as little as possible besides the code and the PIN, which the citizen
// can have reset again.
func queryPINNotice(in CaseInput) []block {
	c := in.Case
	b := top(in, "查询密码重置通知")
	b = append(b, pinBlocks(in)...)
	b = append(b,
		kv{"申请人", ids.MaskName(c.Applicant.Name)},
		kv{"重置时间", cnTime(in.PrintedAt)},
		para{text: "经核验本人身份证件，本件的查询密码已重置，原查询密码即日起失效。请凭查询码和新的查询密码在自助服务终端查询办理进度。"},
		para{text: "本通知只有申请人联，不存档，遗失后不能补打；请妥善保管，勿告诉他人。再次遗失的，可凭身份证件到窗口重新重置。", small: true},
	)
	return append(b, sealOf(in, in.PrintedAt))
}
