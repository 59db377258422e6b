package printing

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/workday"
)

func TestMandateLetterForSigning(t *testing.T) {
	mandateLetterCases(t)
}

// TestMandateLetterVariants: the agent's ID masked; a company seal area for
// an enterprise; the pledge offered only where the catalog allows it.
func TestMandateLetterVariants(t *testing.T) {
	cat := demoCatalog(t)
	base := restaurantCase(t, cat).Draft
	base.Proxy = &cases.Proxy{Agent: cases.Actor{ID: 7, Name: "李网格"}, Village: "大钱村", Mandate: cases.Mandate{
		Resident: cases.Person{Name: "张小红", IDNumber: "330522199003150024"}, Powers: []cases.Power{cases.PowerSubmit},
		ValidUntil: time.Date(2027, 2, 26, 0, 0, 0, 0, workday.China)}}
	enterprise := base
	enterprise.Applicant = cases.Applicant{Kind: cases.Enterprise, Name: "长兴县小红餐饮有限公司", IDNumber: "91330522MA2B3C4D5E", LegalRepName: "张小红", LegalRepID: "330522199003150024"}
	pledge := base
	pledge.Matters = []string{"330000-SH-0001"}
	withAgentID := func(d cases.Draft, id string) cases.Draft {
		p := *d.Proxy
		p.AgentIDNumber = id
		d.Proxy = &p
		return d
	}
	tests := []struct {
		name string
		d    cases.Draft
		want []string
		not  []string
	}{
		{"agent with ID", withAgentID(base, "330522198512030042"), []string{"代办员证件居民身份证330522********00**", "不接受村民书面承诺"},
			[]string{"单位公章", "330522198512030042", "手写"}},
		{"agent with a foreign permanent resident ID", withAgentID(base, "933392198507010015"), []string{"代办员证件外国人永久居留身份证933392********00**"},
			[]string{"933392198507010015", "手写"}},
		{"agent without ID writes it", base, []string{"代办员证件＿", "代办员手写证件名称和号码"}, nil},
		{"enterprise", enterprise, []string{"长兴县小红餐饮有限公司（单位公章）", "委托人（签字并按手印）"}, nil},
		{"pledge allowed", pledge, []string{"可以村民书面承诺代替"}, []string{"不接受村民书面承诺"}},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if _, err := WriteMandateLetter(&buf, A4, MandateInput{Draft: tt.d, Catalog: cat, ServicePoint: "洪桥镇便民服务中心",
			PrintedAt: time.Date(2026, 11, 26, 9, 0, 0, 0, workday.China)}); err != nil {
			t.Fatal(err)
		}
		text := compact(pdfText(t, buf.Bytes()))
		for _, want := range tt.want {
			if !strings.Contains(text, compact(want)) {
				t.Errorf("%s: got %s, want it to contain %q", tt.name, text, want)
			}
		}
		for _, not := range tt.not {
			if strings.Contains(text, compact(not)) {
				t.Errorf("%s: got %s, want no %q", tt.name, text, not)
			}
		}
	}
}

func mandateLetterCases(t *testing.T) {
	cat := demoCatalog(t)
	d := restaurantCase(t, cat).Draft
	d.Proxy = &cases.Proxy{Agent: cases.Actor{ID: 7, Name: "李网格"}, Village: "大钱村", Group: "3组", Mandate: cases.Mandate{
		Resident: cases.Person{Name: d.Applicant.Name, IDNumber: d.Applicant.IDNumber}, Powers: []cases.Power{cases.PowerSubmit, cases.PowerCollect},
		ValidUntil: time.Date(2027, 2, 26, 0, 0, 0, 0, workday.China)}}
	for _, layout := range []Layout{A4, Roll80} {
		var buf bytes.Buffer
		if _, err := WriteMandateLetter(&buf, layout, MandateInput{Draft: d, Catalog: cat, ServicePoint: "洪桥镇便民服务中心",
			PrintedAt: time.Date(2026, 11, 26, 9, 0, 0, 0, workday.China)}); err != nil {
			t.Fatal(err)
		}
		text := compact(pdfText(t, buf.Bytes()))
		for _, want := range []string{"代办委托书", "委托人张小红", "委托人证件居民身份证330522********00**", "大钱村3组", "受托代办员李网格", "代为申报、代领结果",
			"至2027年2月26日止", "委托人（签字并按手印）"} {
			if !strings.Contains(text, compact(want)) {
				t.Errorf("%s letter lacks %q:\n%s", layout, want, text)
			}
		}
		if strings.Contains(text, "330522199003150024") {
			t.Errorf("%s letter shows the full ID number", layout)
		}
	}
	d.Proxy = nil
	if _, err := WriteMandateLetter(&bytes.Buffer{}, A4, MandateInput{Draft: d, Catalog: cat}); err == nil {
		t.Error("a letter without a mandate")
	}
}
