package cases

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/workday"
)

func agentDraft() Draft {
	return Draft{Matters: []string{"330000-MZ-0001"},
		Applicant:   Applicant{Kind: Individual, Name: "王阿婆", IDNumber: "330522194503120021"},
		Attachments: []Attachment{{SHA256: strings.Repeat("ab", 32), Name: "委托书.jpg", Size: 1000, Type: "image/jpeg"}},
		Proxy: &Proxy{Agent: Actor{ID: 7, Name: "李网格"}, Village: " 大钱村 ", Group: "3组",
			Mandate: Mandate{Resident: Person{Name: "王阿婆", IDNumber: "330522194503120021"}, Powers: []Power{PowerSubmit, PowerCollect},
				ValidUntil: now.AddDate(0, 3, 0), Evidence: EvidenceLetter, Letter: strings.Repeat("ab", 32)}}}
}

func TestCheckProxy(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(d *Draft)
		want   error
	}{
		{"a good mandate", func(d *Draft) {}, nil},
		{"commitment instead of a letter", func(d *Draft) { d.Proxy.Mandate.Evidence, d.Proxy.Mandate.Letter = EvidenceCommitment, "x" }, nil},
		{"no mandate at all", func(d *Draft) { d.Proxy = nil }, ErrNoProxy},
		{"no village", func(d *Draft) { d.Proxy.Village = "  " }, ErrVillage},
		{"someone else authorizes", func(d *Draft) { d.Proxy.Mandate.Resident.IDNumber = "330522199003150024" }, ErrMandateResident},
		{"submit not granted", func(d *Draft) { d.Proxy.Mandate.Powers = []Power{PowerCollect} }, ErrMandateSubmit},
		{"expired yesterday", func(d *Draft) { d.Proxy.Mandate.ValidUntil = now.AddDate(0, 0, -1) }, ErrMandateExpired},
		{"valid for two years", func(d *Draft) { d.Proxy.Mandate.ValidUntil = now.AddDate(2, 0, 0) }, ErrMandateTooLong},
		{"no evidence", func(d *Draft) { d.Proxy.Mandate.Evidence = "" }, ErrMandateEvidence},
		{"letter not attached", func(d *Draft) { d.Proxy.Mandate.Letter = strings.Repeat("cd", 32) }, ErrMandateLetter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := agentDraft()
			tc.change(&d)
			got, err := CheckProxy(d, now)
			if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err == nil && got.Proxy.Village != "大钱村" {
				t.Errorf("village %q not trimmed", got.Proxy.Village)
			}
		})
	}
}

func TestAgentDeliversOnlyWithTheCollectPower(t *testing.T) {
	d, err := CheckProxy(agentDraft(), now)
	if err != nil {
		t.Fatal(err)
	}
	c := Case{Draft: d, Status: StatusCompleted}
	agent := Actor{ID: 7, Name: "李网格"}
	resident := Person{Name: "王阿婆", IDNumber: "330522194503120021"}
	if _, err := DeliverByAgent(c, agent, resident, "", now); !errors.Is(err, ErrReceiptPhoto) {
		t.Errorf("without a receipt photo: %v", err)
	}
	got, err := DeliverByAgent(c, agent, resident, strings.Repeat("ef", 32), now)
	if err != nil || got.Status != StatusDelivered || got.Pickup.Via == nil || got.Pickup.Via.Name != "李网格" || got.Pickup.As != "applicant" {
		t.Fatalf("delivered: %+v, %v", got.Pickup, err)
	}
	if _, err := DeliverByAgent(c, agent, Person{Name: "张三", IDNumber: "330522199003150024"}, "x", now); !errors.Is(err, ErrCollector) {
		t.Errorf("to someone else: %v", err)
	}
	c.Proxy.Mandate.Powers = []Power{PowerSubmit}
	if _, err := DeliverByAgent(c, agent, resident, "x", now); !errors.Is(err, ErrMandatePower) {
		t.Errorf("without the collect power: %v", err)
	}
	c.Proxy.Mandate.Powers = []Power{PowerSubmit, PowerCollect}
	if _, err := DeliverByAgent(c, agent, resident, "x", now.AddDate(0, 4, 0)); !errors.Is(err, ErrMandateExpired) {
		t.Errorf("after the mandate ran out: %v", err)
	}
	if err := AgentMay(Case{}, PowerCollect, now); !errors.Is(err, ErrNotAgentCase) {
		t.Errorf("counter case: %v", err)
	}
}

// villageDraft is a resident's 城乡居民养老保险待遇领取 (a matter the
// village may accept) with every material answered as at the window.
func villageDraft(t *testing.T, cat *catalog.Catalog, matters ...string) Draft {
	t.Helper()
	mats, err := Checklist(cat, matters)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range mats {
		m, _ := cat.Matter(e.Matter)
		for _, mat := range m.Materials {
			if mat.ID == e.Material {
				mats[i].State = AllowedStates(mat)[0]
			}
		}
	}
	return Draft{Matters: matters, Materials: mats, Proxy: &Proxy{Village: "大钱村"}}
}

// TestAgentNeverTakesPersonalOriginals: the agent's checklist cannot say
// 已收原件 for the resident's ID card or bank card; a photo of it is an
// electronic copy (电子副本（已核验）).
func TestAgentNeverTakesPersonalOriginals(t *testing.T) {
	cat := demo(t)
	d := villageDraft(t, cat, "330000-SH-0002")
	for _, id := range []string{"id_card", "bank_card"} {
		setState(&d, "330000-SH-0002", id, Original)
		if err := CheckAgentMaterials(cat, d); !errors.Is(err, ErrAgentOriginal) {
			t.Errorf("%s as 已收原件: got %v, want %v", id, err, ErrAgentOriginal)
		}
		setState(&d, "330000-SH-0002", id, ECopy)
	}
	if err := CheckAgentMaterials(cat, d); err != nil {
		t.Errorf("ID and bank card photographed: got %v, want nil", err)
	}
	m, _ := cat.Matter("330000-SH-0002")
	for _, mat := range m.Materials {
		got := AgentStates(mat)
		if mat.PersonalOriginal && slices.Contains(got, Original) {
			t.Errorf("AgentStates(%s): got %v, want no 已收原件", mat.Name, got)
		}
		if !mat.PersonalOriginal && !slices.Equal(got, AllowedStates(mat)) {
			t.Errorf("AgentStates(%s): got %v, want the catalog's %v", mat.Name, got, AllowedStates(mat))
		}
	}
	// An agent's ECopy checklist is a complete one for the decision.
	if _, err := Decide(cat, workday.Default(), d, Decision{Kind: Accept}, now); err != nil {
		t.Errorf("Decide with electronic copies: got %v, want accepted", err)
	}
}

// TestAgentSupplementKeepsPersonalOriginalsWithTheResident: 代为补正 by an
// agent may not record 已收原件 for the ID card or bank card; a photo
// (电子副本) or the paper of an ordinary material may.
func TestAgentSupplementKeepsPersonalOriginalsWithTheResident(t *testing.T) {
	cat := demo(t)
	m, _ := cat.Matter("330000-SH-0002")
	var personal, ordinary string
	for _, mat := range m.Materials {
		if mat.PersonalOriginal && personal == "" {
			personal = mat.ID
		}
		if !mat.PersonalOriginal && slices.Contains(AllowedStates(mat), Original) && ordinary == "" {
			ordinary = mat.ID
		}
	}
	if personal == "" || ordinary == "" {
		t.Fatalf("demo matter lacks a personal original (%q) or an ordinary original (%q)", personal, ordinary)
	}
	entry := func(id string, st MaterialState) MaterialEntry {
		return MaterialEntry{Matter: m.Code, Material: id, State: st}
	}
	tests := []struct {
		name     string
		received []MaterialEntry
		want     error
	}{
		{"personal original as 已收原件", []MaterialEntry{entry(personal, Original)}, ErrAgentOriginal},
		{"personal original photographed", []MaterialEntry{entry(personal, ECopy)}, nil},
		{"an ordinary paper taken", []MaterialEntry{entry(ordinary, Original)}, nil},
		{"one bad line among good ones", []MaterialEntry{entry(ordinary, Original), entry(personal, Original)}, ErrAgentOriginal},
	}
	for _, tt := range tests {
		err := CheckAgentSupplement(cat, tt.received)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestSelfFilingIsElectronic: what a citizen photographs at the terminal is
// an electronic copy, never 已收原件 nor 复印件.
func TestSelfFilingIsElectronic(t *testing.T) {
	cat := demo(t)
	d := villageDraft(t, cat, "330000-MS-0012")
	d.Proxy = nil
	for i := range d.Materials {
		if d.Materials[i].State == Original || d.Materials[i].State == Copy {
			d.Materials[i].State = ECopy
		}
	}
	setState(&d, "330000-MS-0012", "id_card", Original)
	if err := CheckSelfMaterials(cat, d); !errors.Is(err, ErrRemotePaper) {
		t.Errorf("terminal filing with 已收原件: got %v, want %v", err, ErrRemotePaper)
	}
	setState(&d, "330000-MS-0012", "id_card", ECopy)
	if err := CheckSelfMaterials(cat, d); err != nil {
		t.Errorf("terminal filing with a photo: got %v, want nil", err)
	}
	if got := StateName(ECopy); got != "电子副本（已核验）" {
		t.Errorf("StateName(ECopy): got %q, want 电子副本（已核验）", got)
	}
}

// TestAgentDecidesOnlyWhereTheVillageMay: 受理/当场办结/不予受理 by an agent
// only for matters the catalog lets the village accept; otherwise 受理 is a
// filing for the township (预审) and the other decisions are refused.
func TestAgentDecidesOnlyWhereTheVillageMay(t *testing.T) {
	cat := demo(t)
	tests := []struct {
		name    string
		matters []string
		kind    Kind
		decide  bool
		want    error
	}{
		{"village matter done on the spot", []string{"330000-SH-0019"}, Complete, true, nil},
		{"village matter refused", []string{"330000-SH-0019"}, Reject, true, nil},
		{"township matter: filed, not accepted", []string{"330000-GA-0011"}, Accept, false, nil},
		{"township matter with 容缺: filed", []string{"330000-GA-0011"}, AcceptDeferred, false, nil},
		{"township matter done on the spot", []string{"330000-GA-0011"}, Complete, false, ErrAgentCannotDecide},
		{"township matter refused", []string{"330000-GA-0011"}, Reject, false, ErrAgentCannotDecide},
		{"one township matter in the errand", []string{"330000-SH-0019", "330000-GA-0011"}, Accept, false, nil},
	}
	for _, tt := range tests {
		d := Draft{Matters: tt.matters}
		decide, err := AgentDecision(cat, d, Decision{Kind: tt.kind})
		if decide != tt.decide || !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: got %v, %v; want %v, %v", tt.name, decide, err, tt.decide, tt.want)
		}
	}
}
