package printing

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/app/cases"
)

// secretsOn returns every candidate a reader could type into 进度查询 from
// the paper's text: each run of 4 and of 6 digits or letters (the masked
// characters break runs, as they break what a reader can see).
func secretsOn(text string) []string {
	var out []string
	for _, run := range regexp.MustCompile(`[0-9A-Za-z]+`).FindAllString(text, -1) {
		for _, n := range []int{4, cases.QueryPINDigits} {
			for i := 0; i+n <= len(run); i++ {
				out = append(out, run[i:i+n])
			}
		}
	}
	return out
}

// TestQueryPINOnlyOnTheCitizenCopy: whatever 进度查询 accepts for a case is
// printed on the citizen's copy only. No archive copy (kept in the hall,
// sent to the county, reprinted) carries anything that opens the case.
func TestQueryPINOnlyOnTheCitizenCopy(t *testing.T) {
	cat := demoCatalog(t)
	c := restaurantCase(t, cat)
	pin, hash, err := cases.NewQueryPIN(nil)
	if err != nil {
		t.Fatal(err)
	}
	c.QueryPIN, c.QueryPINHash = pin, hash
	refused := c
	refused.Status, refused.Reason = cases.StatusRejected, "经营场所位于住宅楼内。"
	filed := c
	filed.Status = cases.StatusPrereview
	docs := []struct {
		kind DocKind
		cs   cases.Case
	}{{Receipt, c}, {SupplementNotice, c}, {Commitment, c}, {PickupVoucher, c}, {RefusalNotice, refused}, {SubmissionSlip, filed}}
	for _, d := range docs {
		for _, layout := range []Layout{A4, Roll80} {
			for _, copy := range []Copy{ArchiveCopy, CitizenCopy} {
				var buf bytes.Buffer
				if _, err := WriteCaseDoc(&buf, d.kind, layout, CaseInput{Case: d.cs, Catalog: cat, ServicePoint: "洪桥镇便民服务中心", PrintedAt: printedAt, Copy: copy}); err != nil {
					t.Fatal(err)
				}
				text := pdfText(t, buf.Bytes())
				withPIN := copy == CitizenCopy && HasQueryPIN(d.kind)
				if got := strings.Contains(compact(text), "查询密码"+pin); got != withPIN {
					t.Errorf("%s/%s/%q: PIN printed = %v, want %v", d.kind, layout, copy, got, withPIN)
				}
				if withPIN {
					continue
				}
				for _, s := range secretsOn(text) {
					if cases.Verify(d.cs, s) {
						t.Errorf("%s/%s/%q: %q on the paper opens the progress query", d.kind, layout, copy, s)
					}
				}
			}
		}
	}
}
