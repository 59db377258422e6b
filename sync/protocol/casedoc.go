package protocol

import (
	"encoding/json"
	"fmt"
	"time"
)

// CaseDocVersion is the newest CaseDoc layout this release writes and
// reads. A document without "v" is layout 1: kiosks before the field
// existed wrote exactly that shape.
const CaseDocVersion = 1

// CaseDoc is a case as it crosses the wire: from a kiosk to the county, from
// one machine of a hall to another, and back down the county's feed. It is
// the protocol's own type, mapped to and from the kiosk's domain in one
// place (app/casewire), so the domain can change without changing what a
// county or an older kiosk reads. Fields are added, never renamed or
// reused; a change that an older reader would misread gets a new V.
type CaseDoc struct {
	V            int    `json:"v"`
	ID           string `json:"id"`
	Tracking     string `json:"tracking"`
	ServicePoint string `json:"service_point"`
	// Bundle is the 一件事 the case was filed as ("" for one matter).
	Bundle  string   `json:"bundle,omitempty"`
	Matters []string `json:"matters"`

	Applicant Applicant         `json:"applicant"`
	Fields    map[string]string `json:"fields"`
	Materials []Material        `json:"materials"`
	// Attachments are the case's scans, by content; the county holds the
	// bytes once uploaded (PUT /api/v1/blobs/{sha256}).
	Attachments []Attachment `json:"attachments,omitempty"`
	Proxy       *Proxy       `json:"proxy,omitempty"`
	Authorized  []Person     `json:"authorized,omitempty"`

	Decision string    `json:"decision"`
	Reason   string    `json:"reason,omitempty"`
	Status   string    `json:"status"`
	Accepted time.Time `json:"accepted"`
	// Due is the promised completion date (midnight, Beijing time); zero
	// when nothing is promised. MatterDue gives each matter's own.
	Due          time.Time            `json:"due"`
	MatterDue    map[string]time.Time `json:"matter_due,omitempty"`
	SupplementBy time.Time            `json:"supplement_by"`
	// Suspensions are the spans the time limit did not run (补正 owed by
	// the citizen, a 特别程序 at the county); the due date moves by their
	// working days. Added in layout 1: an older reader ignores them and
	// judges by Due alone, which is only stricter.
	Suspensions []Suspension `json:"suspensions,omitempty"`

	Clerk          Actor          `json:"clerk"`
	Pickup         *Pickup        `json:"pickup,omitempty"`
	Mail           *Mail          `json:"mail,omitempty"`
	CatalogVersion string         `json:"catalog_version"`
	County         *CountyOpinion `json:"county,omitempty"`
	// Reduced is when a machine reduced a closed case to what it still
	// needs (the county's retention period); zero for a whole case.
	Reduced time.Time `json:"reduced,omitzero"`
	// QueryPINHash is the salted hash of the citizen's query PIN, so any
	// machine of the hall answers the progress query. The county neither
	// needs nor uses it; the PIN itself never leaves the citizen's receipt.
	QueryPINHash string `json:"query_pin,omitempty"`
}

// Suspension kinds of a CaseDoc.
const (
	SuspendCorrection = "correction" // 补正
	SuspendSpecial    = "special"    // 特别程序 (Procedure says which)
)

// Suspension is a span during which a case's time limit did not run; To is
// zero while it runs.
type Suspension struct {
	Kind      string    `json:"kind"`
	Procedure string    `json:"procedure,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to,omitzero"`
}

// Applicant kinds of a CaseDoc.
const (
	ApplicantPerson     = "person"
	ApplicantEnterprise = "enterprise"
)

// Applicant is who a case is for: a person by resident ID, or an
// enterprise by its unified social credit code and legal representative.
type Applicant struct {
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	IDNumber     string `json:"id_number"`
	LegalRepName string `json:"legal_rep_name,omitempty"`
	LegalRepID   string `json:"legal_rep_id,omitempty"`
	Mobile       string `json:"mobile"`
	// Last4 is all a reduced case keeps of the numbers above: the last four
	// characters the progress query checks.
	Last4 []string `json:"last4,omitempty"`
}

// Material is one line of a case's checklist and how the window handled
// it: "original", "copy", "shared", "commitment", "deferred", "na", or ""
// while unchecked.
type Material struct {
	Matter   string `json:"matter"`
	Material string `json:"material"`
	State    string `json:"state"`
}

// Attachment is a scanned file named by its SHA-256.
type Attachment struct {
	SHA256 string `json:"sha256"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	Type   string `json:"type"`
}

// Person is someone named with a resident ID.
type Person struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
}

// Proxy says a village agent filed the case for a resident, under what
// mandate.
type Proxy struct {
	Agent Actor `json:"agent"`
	// AgentIDNumber is the agent's own ID number, as the mandate names
	// the agent. Added in layout 1: an older reader ignores it and keeps
	// the agent by name and account, as before. The county masks it like
	// any number from a kiosk.
	AgentIDNumber string  `json:"agent_id_number,omitempty"`
	Village       string  `json:"village"`
	Group         string  `json:"group,omitempty"`
	Mandate       Mandate `json:"mandate"`
}

// Mandate is the resident's authorization of the agent: powers "submit",
// "supplement", "collect"; evidence "letter" (Letter is the signed
// letter's SHA-256) or "commitment".
type Mandate struct {
	Resident   Person    `json:"resident"`
	Powers     []string  `json:"powers"`
	ValidUntil time.Time `json:"valid_until"`
	Evidence   string    `json:"evidence"`
	Letter     string    `json:"letter,omitempty"`
}

// Pickup says who collected the result (出件), as "applicant",
// "legal_rep" or "authorized", and through which agent if any.
type Pickup struct {
	Collector Person    `json:"collector"`
	At        time.Time `json:"at"`
	As        string    `json:"as"`
	Via       *Actor    `json:"via,omitempty"`
	Receipt   string    `json:"receipt,omitempty"`
}

// Mail says where the result was mailed (邮寄).
type Mail struct {
	Address  string    `json:"address"`
	Carrier  string    `json:"carrier"`
	Tracking string    `json:"tracking"`
	At       time.Time `json:"at"`
}

// CountyOpinion is the county's last word on the case as the hall applied
// it (a copy of the feed's CaseStatus, with Corrected kept once set).
type CountyOpinion struct {
	CaseNo      string    `json:"case_no,omitempty"`
	Status      string    `json:"status"`
	Supplements []string  `json:"supplements,omitempty"`
	Pickup      string    `json:"pickup,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	By          string    `json:"by,omitempty"`
	At          time.Time `json:"at"`
	Corrected   bool      `json:"corrected,omitempty"`
}

// VersionError says a case document is of a layout newer than this
// release reads. It is never read half-way: the reader refuses it and
// says to upgrade.
type VersionError struct{ Got, Max int }

func (e *VersionError) Error() string {
	return fmt.Sprintf("case document layout %d is newer than this release reads (%d): upgrade it", e.Got, e.Max)
}

// UnmarshalJSON judges the layout version before anything decoded is
// used and refuses a newer one whatever its fields decoded to, so a renamed
// or retyped field can never be misread as an old one. The document is
// decoded once, the version with it: the county decodes every case event's
// document, and reading it twice was a tenth of its ingest (issue 18).
func (d *CaseDoc) UnmarshalJSON(b []byte) error {
	type plain CaseDoc // no UnmarshalJSON: no recursion
	var p struct {
		plain
		V *int `json:"v"` // over plain's V: a document without one is layout 1
	}
	err := json.Unmarshal(b, &p)
	v := 1
	if p.V != nil {
		v = *p.V
	}
	if v > CaseDocVersion {
		return &VersionError{Got: v, Max: CaseDocVersion}
	}
	if v < 1 {
		return fmt.Errorf("case document layout %d: want 1 or more", v)
	}
	if err != nil {
		return err
	}
	*d = CaseDoc(p.plain)
	d.V = v
	return nil
}
