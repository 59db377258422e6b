// Package casewire maps a case between the kiosk's domain (package cases)
// and its wire form (protocol.CaseDoc). It is the one place that knows
// both: the store writes outbox events and applies replicated ones through
// it, and nothing else encodes a domain case for another machine.
package casewire

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Doc is the wire form of a case, of the newest layout.
func Doc(c cases.Case) protocol.CaseDoc {
	d := protocol.CaseDoc{
		V: protocol.CaseDocVersion, ID: c.ID, Tracking: c.Tracking, ServicePoint: c.ServicePoint,
		Bundle: c.Bundle, Matters: slices.Clone(c.Matters),
		Applicant: protocol.Applicant{Kind: string(c.Applicant.Kind), Name: c.Applicant.Name, IDNumber: c.Applicant.IDNumber,
			LegalRepName: c.Applicant.LegalRepName, LegalRepID: c.Applicant.LegalRepID, Mobile: c.Applicant.Mobile,
			Last4: slices.Clone(c.Applicant.Last4)},
		Fields:  maps.Clone(c.Fields),
		Reduced: c.Reduced, QueryPINHash: c.QueryPINHash,
		Decision: string(c.Decision), Reason: c.Reason, Status: string(c.Status),
		Accepted: c.Accepted, Due: c.Due, MatterDue: maps.Clone(c.MatterDue), SupplementBy: c.SupplementBy,
		Clerk:          actor(c.Clerk),
		CatalogVersion: c.CatalogVer,
	}
	if d.Matters == nil {
		d.Matters = []string{}
	}
	if d.Fields == nil {
		d.Fields = map[string]string{}
	}
	d.Materials = make([]protocol.Material, len(c.Materials))
	for i, m := range c.Materials {
		d.Materials[i] = protocol.Material{Matter: m.Matter, Material: m.Material, State: string(m.State)}
	}
	for _, a := range c.Attachments {
		d.Attachments = append(d.Attachments, protocol.Attachment{SHA256: a.SHA256, Name: a.Name, Size: a.Size, Type: a.Type})
	}
	for _, p := range c.Authorized {
		d.Authorized = append(d.Authorized, person(p))
	}
	if p := c.Proxy; p != nil {
		powers := make([]string, len(p.Mandate.Powers))
		for i, w := range p.Mandate.Powers {
			powers[i] = string(w)
		}
		d.Proxy = &protocol.Proxy{Agent: actor(p.Agent), AgentIDNumber: p.AgentIDNumber, Village: p.Village, Group: p.Group, Mandate: protocol.Mandate{
			Resident: person(p.Mandate.Resident), Powers: powers, ValidUntil: p.Mandate.ValidUntil,
			Evidence: p.Mandate.Evidence, Letter: p.Mandate.Letter}}
	}
	if p := c.Pickup; p != nil {
		d.Pickup = &protocol.Pickup{Collector: person(p.Collector), At: p.At, As: p.As, Receipt: p.Receipt}
		if p.Via != nil {
			via := actor(*p.Via)
			d.Pickup.Via = &via
		}
	}
	if m := c.Mail; m != nil {
		d.Mail = &protocol.Mail{Address: m.Address, Carrier: m.Carrier, Tracking: m.Tracking, At: m.At}
	}
	for _, s := range c.Suspensions {
		d.Suspensions = append(d.Suspensions, protocol.Suspension{Kind: s.Kind, Procedure: s.Procedure, Reason: s.Reason, From: s.From, To: s.To})
	}
	if o := c.County; o != nil {
		d.County = &protocol.CountyOpinion{CaseNo: o.CaseNo, Status: o.Status, Supplements: slices.Clone(o.Supplements),
			Pickup: o.Pickup, Reason: o.Reason, By: o.By, At: o.At, Corrected: o.Corrected}
	}
	return d
}

// Case is the domain case a wire document describes. A document of a
// newer layout never gets here: protocol.CaseDoc refuses it when decoded.
func Case(d protocol.CaseDoc) (cases.Case, error) {
	if d.V > protocol.CaseDocVersion {
		return cases.Case{}, &protocol.VersionError{Got: d.V, Max: protocol.CaseDocVersion}
	}
	if d.ID == "" || d.Tracking == "" {
		return cases.Case{}, fmt.Errorf("case document without id or tracking code")
	}
	c := cases.Case{
		ID: d.ID, Tracking: d.Tracking, ServicePoint: d.ServicePoint,
		Draft: cases.Draft{Bundle: d.Bundle, Matters: slices.Clone(d.Matters), Fields: maps.Clone(d.Fields),
			Applicant: cases.Applicant{Kind: cases.ApplicantKind(d.Applicant.Kind), Name: d.Applicant.Name, IDNumber: d.Applicant.IDNumber,
				LegalRepName: d.Applicant.LegalRepName, LegalRepID: d.Applicant.LegalRepID, Mobile: d.Applicant.Mobile,
				Last4: slices.Clone(d.Applicant.Last4)}},
		Reduced: d.Reduced, QueryPINHash: d.QueryPINHash,
		Decision: cases.Kind(d.Decision), Reason: d.Reason, Status: cases.Status(d.Status),
		Accepted: d.Accepted, Due: d.Due, MatterDue: maps.Clone(d.MatterDue), SupplementBy: d.SupplementBy,
		Clerk: domainActor(d.Clerk), CatalogVer: d.CatalogVersion,
	}
	for _, m := range d.Materials {
		c.Materials = append(c.Materials, cases.MaterialEntry{Matter: m.Matter, Material: m.Material, State: cases.MaterialState(m.State)})
	}
	for _, a := range d.Attachments {
		c.Attachments = append(c.Attachments, cases.Attachment{SHA256: a.SHA256, Name: a.Name, Size: a.Size, Type: a.Type})
	}
	for _, p := range d.Authorized {
		c.Authorized = append(c.Authorized, domainPerson(p))
	}
	if p := d.Proxy; p != nil {
		powers := make([]cases.Power, len(p.Mandate.Powers))
		for i, w := range p.Mandate.Powers {
			powers[i] = cases.Power(w)
		}
		c.Proxy = &cases.Proxy{Agent: domainActor(p.Agent), AgentIDNumber: p.AgentIDNumber, Village: p.Village, Group: p.Group, Mandate: cases.Mandate{
			Resident: domainPerson(p.Mandate.Resident), Powers: powers, ValidUntil: p.Mandate.ValidUntil,
			Evidence: p.Mandate.Evidence, Letter: p.Mandate.Letter}}
	}
	if p := d.Pickup; p != nil {
		c.Pickup = &cases.PickupRecord{Collector: domainPerson(p.Collector), At: p.At, As: p.As, Receipt: p.Receipt}
		if p.Via != nil {
			via := domainActor(*p.Via)
			c.Pickup.Via = &via
		}
	}
	if m := d.Mail; m != nil {
		c.Mail = &cases.MailRecord{Address: m.Address, Carrier: m.Carrier, Tracking: m.Tracking, At: m.At}
	}
	for _, s := range d.Suspensions {
		c.Suspensions = append(c.Suspensions, cases.Suspension{Kind: s.Kind, Procedure: s.Procedure, Reason: s.Reason, From: s.From, To: s.To})
	}
	if o := d.County; o != nil {
		c.County = &cases.CountyDecision{CaseNo: o.CaseNo, Status: o.Status, Supplements: slices.Clone(o.Supplements),
			Pickup: o.Pickup, Reason: o.Reason, By: o.By, At: o.At, Corrected: o.Corrected}
	}
	return c, nil
}

// Decode reads a wire document (JSON) into a domain case; a newer layout
// is a *protocol.VersionError.
func Decode(raw []byte) (cases.Case, error) {
	var d protocol.CaseDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return cases.Case{}, fmt.Errorf("decode case document: %w", err)
	}
	return Case(d)
}

func actor(a cases.Actor) protocol.Actor {
	return protocol.Actor{ID: a.ID, Name: a.Name, Window: a.Window}
}

func domainActor(a protocol.Actor) cases.Actor {
	return cases.Actor{ID: a.ID, Name: a.Name, Window: a.Window}
}

func person(p cases.Person) protocol.Person {
	return protocol.Person{Name: p.Name, IDNumber: p.IDNumber}
}

func domainPerson(p protocol.Person) cases.Person {
	return cases.Person{Name: p.Name, IDNumber: p.IDNumber}
}
