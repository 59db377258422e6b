package printing

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/tracking"
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
	}{{Receipt, c}, {SupplementNotice, c}, {Commitment, c}, {PickupVoucher, c}, {RefusalNotice, refused}, {SubmissionSlip, filed},
		{QueryPINNotice, c}}
	for _, d := range docs {
		for _, layout := range []Layout{A4, Roll80} {
			for _, copy := range []Copy{ArchiveCopy, CitizenCopy} {
				var buf bytes.Buffer
				_, err := WriteCaseDoc(&buf, d.kind, layout, CaseInput{Case: d.cs, Catalog: cat, ServicePoint: "洪桥镇便民服务中心", PrintedAt: printedAt, Copy: copy})
				if CitizenOnly(d.kind) && copy != CitizenCopy {
					// No copy of it but the citizen's exists to archive.
					if !errors.Is(err, ErrCitizenOnly) {
						t.Errorf("%s/%s/%q: got %v, want %v", d.kind, layout, copy, err, ErrCitizenOnly)
					}
					continue
				}
				if err != nil {
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

// TestQueryPINNotice: the 查询密码重置通知 carries the code (and its QR),
// the new PIN, the date and the seal area, and of the applicant only the
// masked name; it cannot be made without the PIN.
func TestQueryPINNotice(t *testing.T) {
	cat := demoCatalog(t)
	c := restaurantCase(t, cat)
	after, _, err := cases.ResetQueryPIN(c, "330522199003150024", nil, printedAt)
	if err != nil {
		t.Fatal(err)
	}
	for _, layout := range []Layout{A4, Roll80} {
		var buf bytes.Buffer
		in := CaseInput{Case: after, Catalog: cat, ServicePoint: "洪桥镇便民服务中心", PrintedAt: printedAt, Copy: CitizenCopy}
		if _, err := WriteCaseDoc(&buf, QueryPINNotice, layout, in); err != nil {
			t.Fatal(err)
		}
		text := compact(pdfText(t, buf.Bytes()))
		for _, want := range []string{"查询密码重置通知", compact(tracking.Format(c.Tracking)), "查询密码" + after.QueryPIN, "申请人张*红",
			"2026年11月26日", "洪桥镇便民服务中心（受理专用章）", "（盖章）", "原查询密码即日起失效"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: text lacks %q:\n%s", layout, want, text)
			}
		}
		// The PIN and the code are random: what else is printed must not
		// show the ID number's or the mobile's digits.
		rest := strings.ReplaceAll(strings.ReplaceAll(text, after.QueryPIN, ""), compact(tracking.Format(c.Tracking)), "")
		for _, personal := range []string{"张小红", "330522", "0024", "138", "1234", "我要开餐馆"} {
			if strings.Contains(rest, personal) {
				t.Errorf("%s: the notice prints %q; it names the applicant only masked", layout, personal)
			}
		}
		if got := decodeQR(t, buf.Bytes()); got != c.Tracking {
			t.Errorf("%s: QR decodes to %q, want %q", layout, got, c.Tracking)
		}
		if *update && layout == Roll80 {
			if err := writeTestdata("query-pin-notice-80mm.pdf", buf.Bytes()); err != nil {
				t.Fatal(err)
			}
		}
	}
	in := CaseInput{Case: c, Catalog: cat, ServicePoint: "洪桥镇便民服务中心", PrintedAt: printedAt, Copy: CitizenCopy}
	if _, err := WriteCaseDoc(&bytes.Buffer{}, QueryPINNotice, A4, in); !errors.Is(err, ErrCitizenOnly) {
		t.Errorf("a notice without the new PIN: got %v, want %v", err, ErrCitizenOnly)
	}
}
