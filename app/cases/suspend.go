package cases

import (
	"slices"
	"time"

	"github.com/yichuang/yichuang/app/workday"
)

// Suspension kinds: why the time limit stopped.
const (
	// SuspendCorrection: 补正 owed by the citizen, asked at the window
	// (容缺受理) or by the county (需补正), from the notice until the
	// materials arrive (行政许可法 第32条).
	SuspendCorrection = "correction"
	// SuspendSpecial: a 特别程序 the law keeps out of the limit (第45条).
	SuspendSpecial = "special"
)

// Special procedures (特别程序) of 行政许可法 第45条, as the county sends them.
const (
	ProcHearing      = "hearing"       // 听证
	ProcInspection   = "inspection"    // 检验
	ProcTesting      = "testing"       // 检测
	ProcAppraisal    = "appraisal"     // 鉴定
	ProcExpertReview = "expert_review" // 专家评审
)

// Procedures lists the special procedures in the law's order.
var Procedures = []string{ProcHearing, ProcInspection, ProcTesting, ProcAppraisal, ProcExpertReview}

// ProcedureName is the Chinese name of a special procedure ("" when unknown).
func ProcedureName(p string) string {
	switch p {
	case ProcHearing:
		return "听证"
	case ProcInspection:
		return "检验"
	case ProcTesting:
		return "检测"
	case ProcAppraisal:
		return "鉴定"
	case ProcExpertReview:
		return "专家评审"
	}
	return ""
}

// Suspension is a span during which the case's time limit did not run.
type Suspension struct {
	Kind string `json:"kind"`
	// Procedure is the special procedure (SuspendSpecial only).
	Procedure string `json:"procedure,omitempty"`
	// Reason is why: the county's recorded reason for a special procedure,
	// or what the citizen owes.
	Reason string    `json:"reason,omitempty"`
	From   time.Time `json:"from"`
	// To is when it ended; zero while it runs.
	To time.Time `json:"to,omitzero"`
}

// Running reports whether the suspension has not ended.
func (s Suspension) Running() bool { return s.To.IsZero() }

// SuspensionLabel is how a running suspension is shown to citizens and
// staff: "暂停计时（补正中）" or "暂停计时（特别程序：检验）".
func SuspensionLabel(s Suspension) string { return PauseLabel(s.Kind, s.Procedure) }

// PauseLabel is SuspensionLabel for a suspension's kind and procedure as
// they travel (protocol.Suspension), for readers of the wire form.
func PauseLabel(kind, procedure string) string {
	if kind == SuspendSpecial {
		if n := ProcedureName(procedure); n != "" {
			return "暂停计时（特别程序：" + n + "）"
		}
		return "暂停计时（特别程序）"
	}
	return "暂停计时（补正中）"
}

// SuspensionLabels are every label SuspensionLabel gives, for translation
// tables.
func SuspensionLabels() []string {
	out := []string{SuspensionLabel(Suspension{Kind: SuspendCorrection}), SuspensionLabel(Suspension{Kind: SuspendSpecial})}
	for _, p := range Procedures {
		out = append(out, SuspensionLabel(Suspension{Kind: SuspendSpecial, Procedure: p}))
	}
	return out
}

// Pauses gives the case's suspensions as the working-day calendar counts
// them.
func (c Case) Pauses() []workday.Pause {
	out := make([]workday.Pause, 0, len(c.Suspensions))
	for _, s := range c.Suspensions {
		out = append(out, workday.Pause{From: s.From, To: s.To})
	}
	return out
}

// Suspended returns the running suspension, a special procedure before a
// 补正 when both run (the county's reason is the more specific).
func (c Case) Suspended() (Suspension, bool) {
	var found *Suspension
	for i := range c.Suspensions {
		s := &c.Suspensions[i]
		if !s.Running() {
			continue
		}
		if found == nil || (s.Kind == SuspendSpecial && found.Kind != SuspendSpecial) {
			found = s
		}
	}
	if found == nil {
		return Suspension{}, false
	}
	return *found, true
}

// DueAt is the promised date as of now: the recorded due date moved by
// every working day the clock was stopped. Everything that judges lateness
// uses it, never Due alone.
func (c Case) DueAt(cal *workday.Calendar, now time.Time) (time.Time, error) {
	due, _, err := cal.MovedDue(c.Due, c.Pauses(), now)
	return due, err
}

// suspend starts a suspension of a kind (and procedure) unless one of the
// same is already running: a second 补正 notice while the first is owed
// does not stop the clock twice.
func suspend(c Case, s Suspension) Case {
	if slices.ContainsFunc(c.Suspensions, func(x Suspension) bool {
		return x.Running() && x.Kind == s.Kind && x.Procedure == s.Procedure
	}) {
		return c
	}
	c.Suspensions = append(slices.Clone(c.Suspensions), s)
	return c
}

// resume ends the running suspensions that match: kind, and procedure
// unless keep says to leave it running.
func resume(c Case, at time.Time, match func(Suspension) bool) Case {
	out := slices.Clone(c.Suspensions)
	for i := range out {
		if out[i].Running() && match(out[i]) {
			out[i].To = at
		}
	}
	c.Suspensions = out
	return c
}
