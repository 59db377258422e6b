package cases

import (
	"errors"
	"strings"
	"testing"
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
