package printing

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
)

func TestMandateLetterForSigning(t *testing.T) {
	cat := demoCatalog(t)
	d := restaurantCase(t, cat).Draft
	d.Proxy = &cases.Proxy{Agent: cases.Actor{ID: 7, Name: "李网格"}, Village: "大钱村", Group: "3组", Mandate: cases.Mandate{
		Resident: cases.Person{Name: d.Applicant.Name, IDNumber: d.Applicant.IDNumber}, Powers: []cases.Power{cases.PowerSubmit, cases.PowerCollect},
		ValidUntil: time.Date(2027, 2, 26, 0, 0, 0, 0, beijing)}}
	for _, layout := range []Layout{A4, Roll80} {
		var buf bytes.Buffer
		if _, err := WriteMandateLetter(&buf, layout, MandateInput{Draft: d, Catalog: cat, ServicePoint: "洪桥镇便民服务中心",
			PrintedAt: time.Date(2026, 11, 26, 9, 0, 0, 0, beijing)}); err != nil {
			t.Fatal(err)
		}
		text := compact(pdfText(t, buf.Bytes()))
		for _, want := range []string{"代办委托书", "委托人张小红", "330522********0024", "大钱村3组", "受托代办员李网格", "代为申报、代领结果",
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
