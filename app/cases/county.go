package cases

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// CountyDecision is what the county center last said about a case: the
// township accepts, the county reviews and decides, the result comes back
// to the township (受理在镇、审批在县、出件在镇).
type CountyDecision struct {
	CaseNo string `json:"case_no,omitempty"`
	Status string `json:"status"`
	// Supplements names what the county asked for that is not a line of
	// the case's checklist (those are marked Deferred instead).
	Supplements []string  `json:"supplements,omitempty"`
	Pickup      string    `json:"pickup,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	By          string    `json:"by,omitempty"`
	At          time.Time `json:"at"`
	// Corrected: the county asked for a correction at some point, so the
	// timeline keeps its 补正 stage.
	Corrected bool `json:"corrected,omitempty"`
}

// County statuses as the county center sends them.
const (
	CountyReviewing  = "reviewing"
	CountyCorrection = "correction"
	CountyCompleted  = "completed"
	CountyDenied     = "denied"
)

// CountyUpdate is one status change from the county.
type CountyUpdate struct {
	CaseNo      string
	Status      string
	Supplements []MaterialRef
	SupplyBy    time.Time
	Pickup      string
	Reason      string
	By          string
	At          time.Time
	// Procedure is the 特别程序 under way (ProcHearing …), with the
	// county's recorded reason; "" means none is (any that ran has ended).
	Procedure, ProcedureReason string
}

// MaterialRef names a material the county asks for; Matter and Material
// are empty when it is not a catalog material.
type MaterialRef struct {
	Matter, Material, Name string
}

// ApplyCounty applies a county status change. A result already handed
// over (出件, 邮寄) keeps its status: the county's later word is recorded but
// the citizen's timeline does not go backwards. An update not newer than
// the one already applied changes nothing: a machine of the hall that hears
// a decision twice (from the county and in a copy of the case made after
// it) must not mark supplemented materials missing again.
func ApplyCounty(c Case, u CountyUpdate) (Case, error) {
	if c.County != nil && !u.At.After(c.County.At) {
		return c, nil
	}
	d := &CountyDecision{CaseNo: u.CaseNo, Status: u.Status, Pickup: strings.TrimSpace(u.Pickup),
		Reason: strings.TrimSpace(u.Reason), By: u.By, At: u.At}
	if c.County != nil {
		d.Corrected = c.County.Corrected
		if d.CaseNo == "" {
			d.CaseNo = c.County.CaseNo
		}
	}
	d.Corrected = d.Corrected || u.Status == CountyCorrection
	handedOver := c.Status == StatusDelivered || c.Status == StatusMailed
	switch u.Status {
	case CountyReviewing:
		if !handedOver && !slices.ContainsFunc(c.Materials, func(e MaterialEntry) bool { return e.State == Deferred }) {
			c.Status = StatusReviewing
		}
	case CountyCorrection:
		if len(u.Supplements) == 0 {
			return c, fmt.Errorf("county correction for %s lists no materials", c.Tracking)
		}
		mats := slices.Clone(c.Materials)
		for _, s := range u.Supplements {
			i := slices.IndexFunc(mats, func(e MaterialEntry) bool {
				return s.Material != "" && e.Matter == s.Matter && e.Material == s.Material
			})
			if i >= 0 {
				mats[i].State = Deferred
			} else {
				d.Supplements = append(d.Supplements, s.Name)
			}
		}
		c.Materials = mats
		if !u.SupplyBy.IsZero() {
			c.SupplementBy = u.SupplyBy
		}
		// The clock stops from the county's notice until the materials
		// arrive (Supplement restarts it).
		c = suspend(c, Suspension{Kind: SuspendCorrection, Reason: "县级要求补正", From: u.At})
		if !handedOver {
			c.Status = StatusCorrection
		}
	case CountyCompleted:
		if !handedOver {
			c.Status = StatusCompleted
		}
	case CountyDenied:
		if d.Reason == "" {
			return c, fmt.Errorf("county denial for %s gives no reason", c.Tracking)
		}
		if !handedOver {
			c.Status = StatusDenied
			c.Reason = d.Reason
		}
	default:
		return c, fmt.Errorf("unknown county status %q for %s", u.Status, c.Tracking)
	}
	switch {
	case u.Status == CountyCompleted || u.Status == CountyDenied:
		// Decided: nothing is owed or examined any more.
		c = resume(c, u.At, func(Suspension) bool { return true })
	case u.Procedure != "":
		if ProcedureName(u.Procedure) == "" {
			return c, fmt.Errorf("unknown special procedure %q for %s", u.Procedure, c.Tracking)
		}
		c = resume(c, u.At, func(s Suspension) bool { return s.Kind == SuspendSpecial && s.Procedure != u.Procedure })
		c = suspend(c, Suspension{Kind: SuspendSpecial, Procedure: u.Procedure, Reason: strings.TrimSpace(u.ProcedureReason), From: u.At})
	default:
		c = resume(c, u.At, func(s Suspension) bool { return s.Kind == SuspendSpecial })
	}
	c.County = d
	return c, nil
}
