package office

import (
	"context"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
)

// casePauses is every span a case's time limit did not run, as the county
// knows it: the hall's record (容缺 at the window, and the county's own
// requests once the hall applied them) joined with the county's decisions
// (补正 from its request until it moves on, a 特别程序 from the status that
// starts it until one without it). A span both know is taken once, ended
// as soon as either side saw it end.
func casePauses(d protocol.CaseDoc, history []county.StatusLogEntry) []protocol.Suspension {
	var out []protocol.Suspension
	add := func(s protocol.Suspension) {
		for i := range out {
			if out[i].Kind == s.Kind && out[i].Procedure == s.Procedure && out[i].From.Equal(s.From) {
				if out[i].To.IsZero() || (!s.To.IsZero() && s.To.Before(out[i].To)) {
					out[i].To = s.To
				}
				return
			}
		}
		out = append(out, s)
	}
	for _, s := range d.Suspensions {
		add(s)
	}
	var corr, spec *protocol.Suspension
	for _, h := range history {
		st := h.Status
		if spec != nil && st.Procedure != spec.Procedure {
			spec.To = st.At
			add(*spec)
			spec = nil
		}
		if st.Procedure != "" && spec == nil {
			spec = &protocol.Suspension{Kind: cases.SuspendSpecial, Procedure: st.Procedure, Reason: st.ProcedureReason, From: st.At}
		}
		if corr != nil && st.Status != protocol.CountyCorrection {
			corr.To = st.At
			add(*corr)
			corr = nil
		}
		if st.Status == protocol.CountyCorrection && corr == nil {
			corr = &protocol.Suspension{Kind: cases.SuspendCorrection, From: st.At}
		}
	}
	for _, s := range []*protocol.Suspension{corr, spec} {
		if s != nil {
			add(*s)
		}
	}
	return out
}

// deadlineView is what the case list and page show of a case's time limit.
type deadlineView struct {
	// Due is the promised date moved by the suspended working days.
	Due     string
	Urgency string // "overdue", "soon" or ""
	// Paused is "暂停计时（补正中）" … while the clock is stopped.
	Paused string
	// SupplementLapsed: a 容缺 case past its supplement deadline that the
	// hall has not yet ended (its kiosk may be offline).
	SupplementLapsed bool
}

// deadline works out a case's moved due date and urgency. A case whose
// clock is stopped is never shown due soon: it waits for the citizen or
// the special procedure, not for the office.
func (o *Office) deadline(ctx context.Context, cal *workday.Calendar, c county.Case, d protocol.CaseDoc) deadlineView {
	v := deadlineView{Due: day(d.Due)}
	history, err := o.st.CaseStatusLog(ctx, c.ID)
	if err != nil {
		o.log.ErrorContext(ctx, "read status log", "err", err)
	}
	spans := casePauses(d, history)
	pauses := make([]workday.Pause, len(spans))
	var running *protocol.Suspension
	for i, s := range spans {
		pauses[i] = workday.Pause{From: s.From, To: s.To}
		// A special procedure is named before a 补正 running beside it.
		if s.To.IsZero() && (running == nil || s.Kind == cases.SuspendSpecial && running.Kind != cases.SuspendSpecial) {
			running = &spans[i]
		}
	}
	now := o.now()
	if due, _, err := cal.MovedDue(d.Due, pauses, now); err == nil {
		v.Due = day(due)
		v.Urgency = o.urgency(cal, c, due)
	}
	if running != nil && !isClosed(c) {
		v.Paused = cases.PauseLabel(running.Kind, running.Procedure)
		if v.Urgency == "soon" {
			v.Urgency = ""
		}
	}
	if cases.Status(c.KioskStatus) == cases.StatusDeferred && !d.SupplementBy.IsZero() &&
		day(d.SupplementBy) < now.In(china).Format(time.DateOnly) {
		v.SupplementLapsed = true
	}
	return v
}
