package cases

import (
	"slices"
	"strings"
	"time"
)

// ClosedStatuses are the states in which a case is over at the hall: its
// result collected or mailed, refused (here or by the county), a
// self-filing returned, or a 容缺 case ended because the materials never
// came (终止办理, 视为撤回). Such a case, once the county has it all, is
// reduced after the county's retention period (Reduce).
var ClosedStatuses = []Status{StatusDelivered, StatusMailed, StatusRejected, StatusDenied, StatusReturned,
	StatusTerminated, StatusWithdrawn}

// Closed says whether the status is one of ClosedStatuses.
func (s Status) Closed() bool { return slices.Contains(ClosedStatuses, s) }

// Reduce keeps of a closed case what the progress query and the statistics
// need: its code, matters, dates, status, clerk and the county's decision,
// the material states, and the last four characters of the applicant's
// numbers (the progress query's check). Names, numbers, form answers,
// scans, reasons and addresses go: the hall no longer needs them, and the
// county holds the case.
func Reduce(c Case, at time.Time) Case {
	r := Case{ID: c.ID, Tracking: c.Tracking, ServicePoint: c.ServicePoint, Decision: c.Decision, Status: c.Status,
		Accepted: c.Accepted, Due: c.Due, MatterDue: c.MatterDue, SupplementBy: c.SupplementBy, Clerk: c.Clerk,
		CatalogVer: c.CatalogVer, Version: c.Version, Reduced: at}
	r.Bundle, r.Matters = c.Bundle, c.Matters
	for _, s := range c.Suspensions {
		// The spans keep the moved due date right; reasons go like the others.
		r.Suspensions = append(r.Suspensions, Suspension{Kind: s.Kind, Procedure: s.Procedure, From: s.From, To: s.To})
	}
	r.Applicant = Applicant{Kind: c.Applicant.Kind}
	if r.QueryPINHash = c.QueryPINHash; r.QueryPINHash == "" {
		r.Applicant.Last4 = c.Applicant.last4() // the check of a case from before the PIN
	}
	for _, m := range c.Materials {
		r.Materials = append(r.Materials, MaterialEntry{Matter: m.Matter, Material: m.Material, State: m.State})
	}
	if c.Proxy != nil {
		// Who filed and where stay for the agents' statistics; the
		// mandate, the resident and the agent's own ID number go.
		r.Proxy = &Proxy{Agent: c.Proxy.Agent, Village: c.Proxy.Village}
	}
	if c.Pickup != nil {
		r.Pickup = &PickupRecord{At: c.Pickup.At, As: c.Pickup.As, Via: c.Pickup.Via}
	}
	if c.Mail != nil {
		r.Mail = &MailRecord{At: c.Mail.At, Carrier: c.Mail.Carrier}
	}
	if c.County != nil {
		r.County = &CountyDecision{CaseNo: c.County.CaseNo, Status: c.County.Status, At: c.County.At}
	}
	return r
}

// last4 are the last four characters of the applicant's numbers that the
// progress query accepts.
func (a Applicant) last4() []string {
	var out []string
	for _, s := range []string{a.IDNumber, a.LegalRepID, a.Mobile} {
		if len(s) >= 4 {
			out = append(out, strings.ToUpper(s[len(s)-4:]))
		}
	}
	return append(out, a.Last4...)
}
