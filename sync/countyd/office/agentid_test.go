package office

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
)

// TestShownCaseMasksTheAgentsIDNumber: the mandate's agent ID number, new
// in the kiosk's case document, is masked on the office's pages like any
// number a kiosk sends.
func TestShownCaseMasksTheAgentsIDNumber(t *testing.T) {
	doc, err := json.Marshal(protocol.CaseDoc{V: 1, ID: "c1", Tracking: "HQ1", Proxy: &protocol.Proxy{
		Agent: protocol.Actor{ID: 7, Name: "李网格"}, AgentIDNumber: "330522198512030042", Village: "大钱村"}})
	if err != nil {
		t.Fatal(err)
	}
	got := shownCase(county.Case{ID: "c1", Tracking: "HQ1", Doc: doc})
	if got.Proxy == nil {
		t.Fatal("the proxy is lost")
	}
	if want := MaskID("330522198512030042"); got.Proxy.AgentIDNumber != want || strings.Contains(got.Proxy.AgentIDNumber, "19851203") {
		t.Errorf("agent ID number shown: got %q, want %q", got.Proxy.AgentIDNumber, want)
	}
}
