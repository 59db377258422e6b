package cases

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yichuang/yichuang/app/msg"
)

// Statuses of a citizen's own filing at the terminal (自助申报), before a
// clerk has looked at it (网上预审).
const (
	StatusPrereview Status = "prereview" // 待预审
	StatusReturned  Status = "returned"  // 预审退回补正
)

// Events of self-filing and pre-review.
const (
	EvSubmitted EventKind = "case.submitted" // filed by the citizen at the terminal
	EvReturned  EventKind = "case.returned"  // sent back with the reasons
)

// Messages of pre-review.
var (
	ErrNotPrereview  = msg.New("该件不是待预审的申报")
	ErrReturnReason  = msg.New("退回补正必须写明原因（至少4个字），申请人会在进度查询中看到")
	ErrNoSelfService = msg.New("“{{.Matter}}”不能在自助终端申报，请到窗口办理")
)

// Submit turns a citizen's filing into a case waiting for pre-review: the
// draft is kept as filed; nothing is decided and no date is promised until
// a clerk has checked the materials.
func Submit(d Draft, servicePoint string, now time.Time) Case {
	return Case{ServicePoint: servicePoint, Draft: d, Status: StatusPrereview, Accepted: now}
}

// AcceptSubmission is the clerk's pre-review passing a submission into the
// normal flow: the decision (受理 or 容缺受理) and its dates, as if filed at
// the window, from now.
func AcceptSubmission(c Case, dec Decision, out Outcome, clerk Actor, catalogVersion string) (Case, error) {
	if c.Status != StatusPrereview && c.Status != StatusReturned {
		return c, ErrNotPrereview
	}
	c.Decision, c.Reason, c.Status = dec.Kind, dec.Reason, out.Status
	c.Due, c.MatterDue, c.SupplementBy, c.Suspensions = out.Due, out.MatterDue, out.SupplementBy, out.Suspensions
	c.Clerk, c.CatalogVer = clerk, catalogVersion
	return c, nil
}

// ReturnSubmission sends a submission back with the reasons the citizen
// reads in the progress query (预审退回补正).
func ReturnSubmission(c Case, reason string) (Case, error) {
	if c.Status != StatusPrereview {
		return c, ErrNotPrereview
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) < 4 {
		return c, ErrReturnReason
	}
	c.Status, c.Reason = StatusReturned, reason
	return c, nil
}

// Notice is a citizen notice the county is asked to send with a case
// event: the template (protocol.NoticePrereviewAccepted, …) from which the
// county writes its own words to the mobile it holds, and the text as the
// kiosk would write it, which only counties before 0.8 use.
type Notice struct {
	Template, Text string
}
