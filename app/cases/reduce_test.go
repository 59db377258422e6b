package cases

import (
	"encoding/json"
	"github.com/yichuang/yichuang/app/workday"
	"strings"
	"testing"
	"time"
)

// TestReduceKeepsNoPersonalNumbers: a reduced agent's case keeps who filed
// and in which village (the agents' statistics), never the agent's own ID
// number, the resident's, or the mandate.
func TestReduceKeepsNoPersonalNumbers(t *testing.T) {
	at := time.Date(2027, 1, 4, 9, 0, 0, 0, workday.China)
	c := Case{ID: "c1", Tracking: "HQ1", Status: StatusDelivered, Draft: Draft{
		Applicant: Applicant{Kind: Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "13857201234"},
		Proxy: &Proxy{Agent: Actor{ID: 7, Name: "李网格"}, AgentIDNumber: "330522198512030042", Village: "大钱村", Group: "3组",
			Mandate: Mandate{Resident: Person{Name: "张小红", IDNumber: "330522199003150024"}, Powers: []Power{PowerSubmit}}},
	}}
	r := Reduce(c, at)
	if r.Proxy == nil || r.Proxy.Agent.ID != 7 || r.Proxy.Village != "大钱村" {
		t.Fatalf("reduced proxy: got %+v, want the agent and the village kept", r.Proxy)
	}
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for what, v := range map[string]string{"agent's ID number": "330522198512030042", "resident's ID number": "330522199003150024",
		"resident's name": "张小红"} {
		if strings.Contains(string(raw), v) {
			t.Errorf("the reduced case keeps the %s: %s", what, raw)
		}
	}
}
