package cases

import (
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/workday"
)

// Step is one stage of a case as the self-service terminal shows it.
type Step struct {
	Name string
	Done bool
	// Current marks the stage the case is in now.
	Current bool
}

// Progress is what a citizen may see of a case after verifying: no names,
// no ID numbers, no form content — only where it stands.
type Progress struct {
	Tracking    string
	Matters     []string // matter codes
	Status      Status
	Steps       []Step
	Supplements []MaterialEntry // still to bring
	// MoreSupplements are materials the county asked for that are not on
	// the case's checklist, by name.
	MoreSupplements []string
	SupplyBy        time.Time
	// Due is the promised date; MoveDue moves it by the working days the
	// clock was stopped (Promised keeps the date first promised).
	Due, Promised time.Time
	// Paused is "暂停计时（补正中）" or "暂停计时（特别程序：检验）" while the
	// time limit is suspended, "" while it runs.
	Paused string
	// Pickup is the county's word on where and how to collect the result;
	// Reason why an application was refused or denied.
	Pickup, Reason string
	// Updated is when the kiosk last heard from the county (or, never
	// synced, when the case last changed here: Synced is then false).
	Updated time.Time
	Synced  bool
}

// StepNames are the stage names ProgressOf uses, for translation tables.
var StepNames = []string{"受理", "审核中", "补正", "办结", "已领取", "已邮寄", "不予受理", "不予许可", "已提交", "预审", "预审退回",
	"终止办理", "视为撤回"}

// Messages of the progress query.
var (
	ErrVerify       = msg.New("没有查到：请核对查询码和回执申请人联上的6位查询密码（旧回执为证件号或手机号后四位）；刚在其他窗口办理的件请稍候片刻再查")
	ErrVerifyLocked = msg.New("验证错误次数过多，该查询码已锁定，请在{{.Until}}之后再试或到窗口咨询")
)

// Verify reports whether secret opens the case's progress: its query PIN,
// or, for a case accepted before PINs existed (no QueryPINHash), the last
// four characters of the applicant's ID number (or the legal
// representative's) or mobile. Those old receipts are in citizens' hands
// with nothing else to query by, so they keep working; a case with a PIN
// accepts nothing else, because the last four are printed, masked or not,
// on papers that leave the citizen's hands (archive, county, agent).
func Verify(c Case, secret string) bool {
	if c.QueryPINHash != "" {
		return VerifyQueryPIN(c.QueryPINHash, secret)
	}
	last4 := strings.ToUpper(strings.TrimSpace(secret))
	if len([]rune(last4)) != 4 {
		return false
	}
	for _, s := range c.Applicant.last4() {
		if s == last4 {
			return true
		}
	}
	return false
}

// ProgressOf describes a case's stage as the timeline 受理 → 审核中 → 补正 →
// 办结 → 已领取. updated is when the kiosk last heard from the county (synced)
// or when the case last changed here.
func ProgressOf(c Case, updated time.Time, synced bool) Progress {
	p := Progress{Tracking: c.Tracking, Matters: c.Matters, Status: c.Status, Due: c.Due, Promised: c.Due, Updated: updated, Synced: synced,
		Supplements: c.MaterialsIn(Deferred), SupplyBy: c.SupplementBy}
	if s, ok := c.Suspended(); ok && !closedStatus(c.Status) {
		p.Paused = SuspensionLabel(s)
	}
	if c.County != nil {
		p.MoreSupplements, p.Pickup = c.County.Supplements, c.County.Pickup
	}
	switch c.Status {
	case StatusPrereview:
		p.Steps = []Step{{Name: "已提交", Done: true}, {Name: "预审", Current: true}, {Name: "受理"}}
		return p
	case StatusReturned:
		// Only the reasons: what to fix, not anything else of the filing.
		p.Reason, p.Supplements = c.Reason, nil
		p.Steps = []Step{{Name: "已提交", Done: true}, {Name: "预审退回", Done: true, Current: true}}
		return p
	case StatusRejected:
		p.Due, p.Reason = time.Time{}, c.Reason
		p.Steps = []Step{{Name: "受理", Done: false}, {Name: "不予受理", Done: true, Current: true}}
		return p
	case StatusTerminated, StatusWithdrawn:
		end := "终止办理"
		if c.Status == StatusWithdrawn {
			end = "视为撤回"
		}
		p.Due, p.Reason = time.Time{}, c.Reason
		p.Steps = []Step{{Name: "受理", Done: true}, {Name: "补正", Done: false}, {Name: end, Done: true, Current: true}}
		return p
	case StatusDenied:
		p.Due, p.Reason = time.Time{}, c.Reason
		p.Steps = []Step{{Name: "受理", Done: true}, {Name: "审核中", Done: true}, {Name: "不予许可", Done: true, Current: true}}
		return p
	}
	stage := map[Status]int{StatusAccepted: 1, StatusReviewing: 1, StatusDeferred: 2, StatusCorrection: 2,
		StatusCompleted: 3, StatusDelivered: 4, StatusMailed: 4}[c.Status]
	names := []string{"受理", "审核中", "补正", "办结", "已领取"}
	if c.Status == StatusMailed {
		names[4] = "已邮寄"
	}
	for i, n := range names {
		if i == 2 && stage != 2 && c.SupplementBy.IsZero() && !hadSupplement(c) {
			continue // no 补正 stage for a case that never needed one
		}
		p.Steps = append(p.Steps, Step{Name: n, Done: i < stage || (i == stage && stage == 4) || i == 0, Current: i == stage})
	}
	return p
}

// MoveDue shows the due date as of now: moved by every working day the
// clock was stopped. A date the calendar cannot move (a year not yet
// published) stays as promised rather than be guessed.
func (p Progress) MoveDue(c Case, cal *workday.Calendar, now time.Time) Progress {
	if p.Due.IsZero() || cal == nil {
		return p
	}
	if due, err := c.DueAt(cal, now); err == nil {
		p.Due = due
	}
	return p
}

// closedStatus: the case is decided or handed over, its clock no longer
// matters.
func closedStatus(s Status) bool {
	switch s {
	case StatusCompleted, StatusRejected, StatusDelivered, StatusMailed, StatusDenied, StatusTerminated, StatusWithdrawn:
		return true
	}
	return false
}

func hadSupplement(c Case) bool {
	return c.Decision == AcceptDeferred || (c.County != nil && c.County.Corrected)
}
