package printing

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/workday"
)

// TestPapersNameTheIDDocument: wherever a paper prints a person's ID — the
// applicant's, an enterprise's legal representative's, the resident's and
// the agent's on the 代办委托书 — it names the document (居民身份证 or
// 外国人永久居留身份证) before the masked number, and never the full number.
func TestPapersNameTheIDDocument(t *testing.T) {
	cat := demoCatalog(t)
	const resident = "330522199003150024"
	body := "93339219850701001"
	foreign := body + string(ids.ResidentIDCheck(body))
	if _, err := ids.NormalizePersonID(foreign, printedAt); err != nil {
		t.Fatalf("the test's foreign permanent resident number %s: %v", foreign, err)
	}
	const fpName, ridName = "外国人永久居留身份证", "居民身份证"
	withApplicant := func(a cases.Applicant) cases.Case {
		c := restaurantCase(t, cat)
		c.Applicant = a
		return c
	}
	receipt := func(c cases.Case) []byte {
		var buf bytes.Buffer
		if _, err := WriteCaseDoc(&buf, Receipt, Roll80, CaseInput{Case: c, Catalog: cat, ServicePoint: "洪桥镇便民服务中心", PrintedAt: printedAt}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	mandate := func(residentID, agentID string) []byte {
		d := withApplicant(cases.Applicant{Kind: cases.Individual, Name: "Anna Müller", IDNumber: residentID}).Draft
		d.Proxy = &cases.Proxy{Agent: cases.Actor{ID: 7, Name: "李网格"}, Village: "大钱村", Mandate: cases.Mandate{
			Resident: cases.Person{Name: "Anna Müller", IDNumber: residentID}, Powers: []cases.Power{cases.PowerSubmit},
			ValidUntil: time.Date(2027, 2, 26, 0, 0, 0, 0, workday.China)}, AgentIDNumber: agentID}
		var buf bytes.Buffer
		if _, err := WriteMandateLetter(&buf, A4, MandateInput{Draft: d, Catalog: cat, ServicePoint: "洪桥镇便民服务中心", PrintedAt: printedAt}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	tests := []struct {
		name string
		pdf  []byte
		want []string
		not  []string
	}{
		{"receipt, foreign permanent resident", receipt(withApplicant(cases.Applicant{Kind: cases.Individual, Name: "Anna Müller", IDNumber: foreign, Mobile: "13857201234"})),
			[]string{"证件" + fpName + ids.MaskIDNumber(foreign)}, []string{ridName + ids.MaskIDNumber(foreign), foreign}},
		{"receipt, resident", receipt(withApplicant(cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: resident, Mobile: "13857201234"})),
			[]string{"证件" + ridName + ids.MaskIDNumber(resident)}, []string{fpName, resident}},
		{"receipt, enterprise with a foreign legal representative", receipt(withApplicant(cases.Applicant{Kind: cases.Enterprise, Name: "长兴县小红餐饮有限公司",
			IDNumber: "91330522MA2B3C4D5E", LegalRepName: "Anna Müller", LegalRepID: foreign, Mobile: "13857201234"})),
			[]string{"法定代表人AnnaMüller（" + fpName + ids.MaskIDNumber(foreign) + "）"}, []string{ridName + ids.MaskIDNumber(foreign), foreign}},
		{"mandate, foreign resident, resident agent", mandate(foreign, resident),
			[]string{"委托人证件" + fpName + ids.MaskIDNumber(foreign), "代办员证件" + ridName + ids.MaskIDNumber(resident)}, []string{foreign, resident}},
		{"mandate, resident, foreign agent", mandate(resident, foreign),
			[]string{"委托人证件" + ridName + ids.MaskIDNumber(resident), "代办员证件" + fpName + ids.MaskIDNumber(foreign)}, []string{foreign, resident}},
	}
	for _, tt := range tests {
		text := compact(pdfText(t, tt.pdf))
		for _, want := range tt.want {
			if !strings.Contains(text, compact(want)) {
				t.Errorf("%s: got %s, want it to contain %q", tt.name, text, want)
			}
		}
		for _, not := range tt.not {
			// The catalog's material names say 居民身份证 whatever the
			// applicant holds; the wrong name is looked for before the number.
			if strings.Contains(text, not) {
				t.Errorf("%s: got %s, want no %q", tt.name, text, not)
			}
		}
	}
}
