// Package cases provides the rules of counter intake (无差别全科受理): who the
// applicant is, the one combined form, the materials checklist with its
// states (已收原件, 告知承诺, 容缺待补 …), and the decisions a clerk may take —
// 受理, 即办件办结, 容缺受理, 不予受理 — with their due dates in working days.
// Later actions on a case (补正, 出件, 邮寄) are here too. The package is
// pure: the store persists what these functions decide.
package cases

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/workday"
)

// ApplicantKind tells a person from an enterprise.
type ApplicantKind string

// Applicant kinds.
const (
	Individual ApplicantKind = "person"
	Enterprise ApplicantKind = "enterprise"
)

// Applicant is who the case is for. A person is identified by resident ID;
// an enterprise by its unified social credit code and its legal
// representative.
type Applicant struct {
	Kind         ApplicantKind `json:"kind"`
	Name         string        `json:"name"`
	IDNumber     string        `json:"id_number"` // resident ID (person) or USCC (enterprise)
	LegalRepName string        `json:"legal_rep_name,omitempty"`
	LegalRepID   string        `json:"legal_rep_id,omitempty"`
	Mobile       string        `json:"mobile"`
	// Last4 is all a reduced case keeps of the numbers above (Reduce).
	Last4 []string `json:"last4,omitempty"`
}

// FormValues returns the combined-form fields the applicant already
// answers, so the form never asks them a second time. For a person the
// legal representative is the person (an individual business's 经营者);
// for an enterprise the one who applies is its legal representative.
func (a Applicant) FormValues() map[string]string {
	v := map[string]string{"mobile": a.Mobile}
	if a.Kind == Enterprise {
		v["enterprise_name"], v["uscc"] = a.Name, a.IDNumber
		v["legal_rep_name"], v["legal_rep_id"] = a.LegalRepName, a.LegalRepID
		v["applicant_name"], v["applicant_id"] = a.LegalRepName, a.LegalRepID
		return v
	}
	v["applicant_name"], v["applicant_id"] = a.Name, a.IDNumber
	v["legal_rep_name"], v["legal_rep_id"] = a.Name, a.IDNumber
	return v
}

// MaterialState is how a material was handled at the window.
type MaterialState string

// Material states. Pending means the clerk has not checked it yet.
const (
	Pending       MaterialState = ""
	Original      MaterialState = "original"   // 已收原件
	Copy          MaterialState = "copy"       // 已收复印件
	Shared        MaterialState = "shared"     // 数据共享免提交
	Committed     MaterialState = "commitment" // 告知承诺
	Deferred      MaterialState = "deferred"   // 容缺待补
	NotApplicable MaterialState = "na"         // 不适用
	// ECopy is a material photographed or scanned where no paper is
	// received — by the citizen at the self-service terminal or by a
	// village agent — and checked against the original shown (电子副本).
	ECopy MaterialState = "ecopy"
)

// StateName is the Chinese label of a state, as on screen and paper.
func StateName(s MaterialState) string {
	switch s {
	case Original:
		return "已收原件"
	case Copy:
		return "已收复印件"
	case Shared:
		return "数据共享免提交"
	case Committed:
		return "告知承诺"
	case Deferred:
		return "容缺待补"
	case NotApplicable:
		return "不适用"
	case ECopy:
		return "电子副本（已核验）"
	}
	return "未核验"
}

// AllowedStates lists the states the catalog allows for a material, in the
// order a clerk goes through them.
func AllowedStates(m catalog.Material) []MaterialState {
	var out []MaterialState
	if m.Originals > 0 || m.Copies == 0 {
		out = append(out, Original)
	}
	if m.Copies > 0 {
		out = append(out, Copy)
	}
	// A photo stands for the paper wherever paper is asked for; whether
	// one was taken instead is for the channel to say (RemoteStates).
	out = append(out, ECopy)
	if m.SharedData {
		out = append(out, Shared)
	}
	if m.Commitment {
		out = append(out, Committed)
	}
	if m.Deferrable {
		out = append(out, Deferred)
	}
	if !m.Required {
		out = append(out, NotApplicable)
	}
	return out
}

// MaterialEntry is one line of the checklist: a material of one matter.
type MaterialEntry struct {
	Matter   string        `json:"matter"`
	Material string        `json:"material"`
	State    MaterialState `json:"state"`
}

// Attachment is a scanned file stored by content (sha256).
type Attachment struct {
	SHA256 string `json:"sha256"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	Type   string `json:"type"`
}

// Draft is everything the clerk filled in before deciding.
type Draft struct {
	Bundle      string            `json:"bundle,omitempty"`
	Matters     []string          `json:"matters"`
	Applicant   Applicant         `json:"applicant"`
	Fields      map[string]string `json:"fields"`
	Materials   []MaterialEntry   `json:"materials"`
	Attachments []Attachment      `json:"attachments,omitempty"`
	// Proxy is set when a village agent files for the resident (村代办).
	Proxy *Proxy `json:"proxy,omitempty"`
}

// Checklist returns the checklist for the draft's matters with every
// material Pending, in catalog order.
func Checklist(cat *catalog.Catalog, codes []string) ([]MaterialEntry, error) {
	var out []MaterialEntry
	for _, code := range codes {
		m, ok := cat.Matter(code)
		if !ok {
			return nil, fmt.Errorf("checklist: no matter %q", code)
		}
		for _, mat := range m.Materials {
			out = append(out, MaterialEntry{Matter: code, Material: mat.ID})
		}
	}
	return out, nil
}

// Kind of decision.
type Kind string

// Decisions a clerk can take on a draft.
const (
	Accept         Kind = "accept"          // 受理
	Complete       Kind = "complete"        // 即办件 当场办结
	AcceptDeferred Kind = "accept_deferred" // 容缺受理
	Reject         Kind = "reject"          // 不予受理
)

// KindName is the Chinese name of a decision.
func KindName(k Kind) string {
	switch k {
	case Accept:
		return "受理"
	case Complete:
		return "办结"
	case AcceptDeferred:
		return "容缺受理"
	case Reject:
		return "不予受理"
	}
	return string(k)
}

// Status of a case.
type Status string

// Case statuses.
const (
	StatusAccepted  Status = "accepted"  // 已受理，办理中
	StatusDeferred  Status = "deferred"  // 容缺受理，待补正
	StatusCompleted Status = "completed" // 已办结，待出件
	StatusRejected  Status = "rejected"  // 不予受理
	StatusDelivered Status = "delivered" // 已出件
	StatusMailed    Status = "mailed"    // 已邮寄
	// Statuses set by the county center (受办分离).
	StatusReviewing  Status = "reviewing"  // 县级审核中
	StatusCorrection Status = "correction" // 县级要求补正
	StatusDenied     Status = "denied"     // 不予许可
	// Statuses of a 容缺 case whose supplement deadline passed without the
	// materials, as its catalog says (catalog.Lapse).
	StatusTerminated Status = "terminated" // 逾期未补正，终止办理
	StatusWithdrawn  Status = "withdrawn"  // 逾期未补正，视为撤回
)

// Statuses lists every status, for translation tables and filters.
var Statuses = []Status{StatusAccepted, StatusDeferred, StatusCompleted, StatusRejected, StatusDelivered, StatusMailed,
	StatusReviewing, StatusCorrection, StatusDenied, StatusPrereview, StatusReturned, StatusTerminated, StatusWithdrawn}

// StatusName is the Chinese name of a status.
func StatusName(s Status) string {
	switch s {
	case StatusAccepted:
		return "已受理，办理中"
	case StatusDeferred:
		return "容缺受理，待补正"
	case StatusCompleted:
		return "已办结，待领取"
	case StatusRejected:
		return "不予受理"
	case StatusDelivered:
		return "已领取"
	case StatusMailed:
		return "已邮寄"
	case StatusReviewing:
		return "县级审核中"
	case StatusCorrection:
		return "需补正"
	case StatusDenied:
		return "不予许可"
	case StatusPrereview:
		return "已提交，待窗口预审"
	case StatusReturned:
		return "预审退回，请补正后重新提交"
	case StatusTerminated:
		return "逾期未补正，终止办理"
	case StatusWithdrawn:
		return "逾期未补正，视为撤回"
	}
	return string(s)
}

// Decision is the clerk's choice with its reason (required to refuse).
type Decision struct {
	Kind   Kind
	Reason string
}

// Outcome is what a decision means for the case.
type Outcome struct {
	Status Status
	// Due is the promised completion date (midnight, Beijing); zero when
	// refused. For a bundle it is the latest of its matters.
	Due time.Time
	// MatterDue gives each matter's own due date.
	MatterDue map[string]time.Time
	// SupplementBy is the 容缺 deadline; zero when nothing is missing.
	SupplementBy time.Time
	// Suspensions: a 容缺受理 stops the clock from the notice (now) until
	// the materials arrive.
	Suspensions []Suspension
}

// Messages of refused decisions and invalid drafts.
var (
	ErrNoMatter        = msg.New("请先选择要办理的事项")
	ErrReasonRequired  = msg.New("不予受理必须写明理由（至少4个字）")
	ErrUnchecked       = msg.New("材料“{{.Material}}”还没有核验，请选择收取情况")
	ErrMissingMain     = msg.New("材料“{{.Material}}”是必需材料，不能标为“{{.State}}”")
	ErrStateNotAllowed = msg.New("事项目录不允许材料“{{.Material}}”标为“{{.State}}”")
	ErrNotImmediate    = msg.New("“{{.Matter}}”是承诺件，不能当场办结，请选择“受理”")
	ErrNothingDeferred = msg.New("没有标为“容缺待补”的材料，请选择“受理”")
	ErrHasDeferred     = msg.New("有材料标为“容缺待补”，请选择“容缺受理”")
	ErrDraftInvalid    = msg.New("有{{.N}}项填写不正确，请按提示改正")
)

// FieldErrors maps a field key (form keys, plus "applicant.name",
// "applicant.id", "applicant.mobile", "applicant.legal_rep_name",
// "applicant.legal_rep_id") to its message.
type FieldErrors map[string]error

// Error summarises the problems for a status line.
func (f FieldErrors) Error() string {
	return msg.New(ErrDraftInvalid.Key, "N", len(f)).Error()
}

// Is lets errors.Is(err, ErrDraftInvalid) find field errors.
func (f FieldErrors) Is(target error) bool { return target == ErrDraftInvalid }

// As gives the summary as a *msg.Error, so the UI translates it like any
// other message.
func (f FieldErrors) As(target any) bool {
	p, ok := target.(**msg.Error)
	if ok {
		*p = msg.New(ErrDraftInvalid.Key, "N", len(f))
	}
	return ok
}

// Applicant field keys in FieldErrors.
const (
	KeyApplicantName   = "applicant.name"
	KeyApplicantID     = "applicant.id"
	KeyApplicantMobile = "applicant.mobile"
	KeyLegalRepName    = "applicant.legal_rep_name"
	KeyLegalRepID      = "applicant.legal_rep_id"
)

// Field messages.
var (
	ErrRequired   = msg.New("必填")
	ErrPersonName = msg.New("姓名应为1–30个字，不含数字")
	ErrTooLong    = msg.New("不超过{{.Max}}个字")
	ErrNumber     = msg.New("请填写数字")
	ErrDate       = msg.New("日期格式为 2026-01-31")
	ErrChoice     = msg.New("请从选项中选择")
)

// CheckField validates one form value of a field's type and returns the
// normalized value; today bounds resident ID birth dates.
func CheckField(f catalog.Field, value string, today time.Time) (string, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		if f.Required {
			return "", ErrRequired
		}
		return "", nil
	}
	switch f.Type {
	case catalog.ResidentID:
		return ids.NormalizePersonID(v, today)
	case catalog.USCC:
		return ids.NormalizeUSCC(v)
	case catalog.Mobile:
		return ids.NormalizeMobile(v)
	case catalog.PersonName:
		return checkName(v)
	case catalog.Number:
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return "", ErrNumber
		}
	case catalog.Date:
		if _, err := time.Parse("2006-01-02", v); err != nil {
			return "", ErrDate
		}
	case catalog.Choice:
		if !slices.Contains(f.Choices, v) {
			return "", ErrChoice
		}
	}
	limit := f.Max
	if limit == 0 {
		limit = 200
	}
	if utf8.RuneCountInString(v) > limit {
		return "", msg.New(ErrTooLong.Key, "Max", limit)
	}
	return v, nil
}

func checkName(v string) (string, error) {
	n := utf8.RuneCountInString(v)
	if n == 0 || n > 30 || strings.ContainsAny(v, "0123456789") {
		return "", ErrPersonName
	}
	return v, nil
}

// NormalizeApplicant checks the applicant and returns it normalized.
func NormalizeApplicant(a Applicant, today time.Time) (Applicant, FieldErrors) {
	errs := FieldErrors{}
	var err error
	a.Name = strings.TrimSpace(a.Name)
	switch a.Kind {
	case Enterprise:
		if a.Name == "" || utf8.RuneCountInString(a.Name) > 60 {
			errs[KeyApplicantName] = ErrRequired
		}
		if a.IDNumber, err = ids.NormalizeUSCC(a.IDNumber); err != nil {
			errs[KeyApplicantID] = err
		}
		if a.LegalRepName, err = checkName(strings.TrimSpace(a.LegalRepName)); err != nil {
			errs[KeyLegalRepName] = err
		}
		if a.LegalRepID, err = ids.NormalizePersonID(a.LegalRepID, today); err != nil {
			errs[KeyLegalRepID] = err
		}
	default:
		a.Kind = Individual
		a.LegalRepName, a.LegalRepID = "", ""
		if a.Name, err = checkName(a.Name); err != nil {
			errs[KeyApplicantName] = err
		}
		if a.IDNumber, err = ids.NormalizePersonID(a.IDNumber, today); err != nil {
			errs[KeyApplicantID] = err
		}
	}
	if a.Mobile, err = ids.NormalizeMobile(a.Mobile); err != nil {
		errs[KeyApplicantMobile] = err
	}
	return a, errs
}

// Normalize checks the whole draft — applicant and every field of the
// combined form — and returns it normalized, or every field's problem.
func Normalize(cat *catalog.Catalog, d Draft, today time.Time) (Draft, error) {
	if len(d.Matters) == 0 {
		return d, ErrNoMatter
	}
	form, err := cat.CombinedForm(d.Matters...)
	if err != nil {
		return d, err
	}
	a, errs := NormalizeApplicant(d.Applicant, today)
	d.Applicant = a
	fromApplicant := a.FormValues()
	fields := make(map[string]string, len(form))
	for _, f := range form {
		if v, ok := fromApplicant[f.Key]; ok {
			fields[f.Key] = v // answered in the applicant step, checked there
			continue
		}
		value := d.Fields[f.Key]
		v, err := CheckField(f, value, today)
		if err != nil {
			errs[f.Key] = err
			fields[f.Key] = value
			continue
		}
		if v != "" {
			fields[f.Key] = v
		}
	}
	d.Fields = fields
	if len(errs) > 0 {
		return d, errs
	}
	return d, nil
}

// PromisedDue is the date promised for matter m accepted at now: its
// legal time limit counted in the hall's working days. Decide dates every
// case (and so its receipt's 承诺办结日期) by it, and the counter's
// summary before 受理 shows the same date from it, so the two never differ.
func PromisedDue(cal *workday.Calendar, m catalog.Matter, now time.Time) (time.Time, error) {
	due, err := cal.AddWorkdays(now, m.PromisedDays)
	if err != nil {
		return time.Time{}, fmt.Errorf("promised date of %s: %w", m.Code, err)
	}
	return due, nil
}

// Decide checks a normalized draft against the catalog and the decision
// and returns what the case becomes. It refuses, with the reason, any
// decision the catalog does not allow; nothing is decided half-way.
func Decide(cat *catalog.Catalog, cal *workday.Calendar, d Draft, dec Decision, now time.Time) (Outcome, error) {
	if len(d.Matters) == 0 {
		return Outcome{}, ErrNoMatter
	}
	if dec.Kind == Reject {
		if utf8.RuneCountInString(strings.TrimSpace(dec.Reason)) < 4 {
			return Outcome{}, ErrReasonRequired
		}
		return Outcome{Status: StatusRejected}, nil
	}
	deferred, err := checkMaterials(cat, d)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{MatterDue: map[string]time.Time{}}
	supplement := 0
	for _, code := range d.Matters {
		m, _ := cat.Matter(code)
		if dec.Kind == Complete && m.Kind != catalog.Immediate {
			return Outcome{}, msg.New(ErrNotImmediate.Key, "Matter", m.Name)
		}
		due, err := PromisedDue(cal, *m, now)
		if err != nil {
			return Outcome{}, err
		}
		out.MatterDue[code] = due
		if due.After(out.Due) {
			out.Due = due
		}
		if deferred[code] && (supplement == 0 || m.Supplement() < supplement) {
			supplement = m.Supplement() // one notice: the earliest deadline
		}
	}
	switch dec.Kind {
	case Complete, Accept:
		if supplement > 0 {
			return Outcome{}, ErrHasDeferred
		}
		out.Status = StatusAccepted
		if dec.Kind == Complete {
			out.Status = StatusCompleted
		}
	case AcceptDeferred:
		if supplement == 0 {
			return Outcome{}, ErrNothingDeferred
		}
		out.Status = StatusDeferred
		if out.SupplementBy, err = cal.AddWorkdays(now, supplement); err != nil {
			return Outcome{}, err
		}
		out.Suspensions = []Suspension{{Kind: SuspendCorrection, Reason: "容缺受理", From: now}}
	default:
		return Outcome{}, fmt.Errorf("decide: unknown decision %q", dec.Kind)
	}
	return out, nil
}

// checkMaterials verifies every checklist line against the catalog and
// returns which matters have 容缺 materials.
func checkMaterials(cat *catalog.Catalog, d Draft) (map[string]bool, error) {
	state := map[[2]string]MaterialState{}
	for _, e := range d.Materials {
		state[[2]string{e.Matter, e.Material}] = e.State
	}
	deferred := map[string]bool{}
	for _, code := range d.Matters {
		m, ok := cat.Matter(code)
		if !ok {
			return nil, fmt.Errorf("decide: no matter %q in catalog %s", code, cat.Version)
		}
		for _, mat := range m.Materials {
			s := state[[2]string{code, mat.ID}]
			if s == Pending {
				return nil, msg.New(ErrUnchecked.Key, "Material", mat.Name)
			}
			if !slices.Contains(AllowedStates(mat), s) {
				if s == NotApplicable {
					return nil, msg.New(ErrMissingMain.Key, "Material", mat.Name, "State", StateName(s))
				}
				return nil, msg.New(ErrStateNotAllowed.Key, "Material", mat.Name, "State", StateName(s))
			}
			if s == Deferred {
				deferred[code] = true
			}
		}
	}
	return deferred, nil
}
