package printing

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/workday"
)

// TestAgentFiledPapers: a case a village agent filed says who filed, under
// which mandate and how the result comes back, and what the agent
// photographed prints as an electronic copy, never as an original received.
func TestAgentFiledPapers(t *testing.T) {
	cat := demoCatalog(t)
	c := restaurantCase(t, cat)
	c.Proxy = &cases.Proxy{Agent: cases.Actor{ID: 7, Name: "李网格"}, Village: "大钱村", Group: "3组",
		Mandate: cases.Mandate{Evidence: cases.EvidenceLetter, ValidUntil: time.Date(2027, 2, 26, 0, 0, 0, 0, workday.China)}}
	for _, kind := range []DocKind{Receipt, PickupVoucher} {
		var buf bytes.Buffer
		if _, err := WriteCaseDoc(&buf, kind, A4, CaseInput{Case: c, Catalog: cat, ServicePoint: "洪桥镇便民服务中心", PrintedAt: printedAt}); err != nil {
			t.Fatal(err)
		}
		text := compact(pdfText(t, buf.Bytes()))
		for _, want := range []string{"代办员李网格", "代办地点大钱村3组", "委托依据代办委托书（委托人签字），有效期至2027年2月26日", "由代办员李网格领取并送交委托人"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: got %s, want %q", kind, text, want)
			}
		}
		if kind == Receipt && (strings.Contains(text, "已收原件") || !strings.Contains(text, "电子副本")) {
			t.Errorf("receipt of an agent's filing: got %s, want 电子副本 and no 已收原件", text)
		}
	}
}
