package cases

import (
	"errors"
	"testing"

	"github.com/yichuang/yichuang/app/ids"
)

// TestResetQueryPIN: only the applicant (an enterprise's legal
// representative) or a registered 受托人, ID in hand, gets a new PIN; the
// old one stops working and the new one opens the progress query.
func TestResetQueryPIN(t *testing.T) {
	oldPIN, oldHash, err := NewQueryPIN(nil)
	if err != nil {
		t.Fatal(err)
	}
	person := Case{Draft: Draft{Applicant: Applicant{Kind: Individual, Name: "张小红", IDNumber: "330522199003150024"}},
		QueryPINHash: oldHash, Authorized: []Person{{Name: "李四", IDNumber: "11010519491231002X"}}}
	firm := Case{Draft: Draft{Applicant: Applicant{Kind: Enterprise, Name: "长兴县洪桥镇小红面馆", IDNumber: "91330522MA2B3C4D5E",
		LegalRepName: "张小红", LegalRepID: "330522199003150024"}}, QueryPINHash: oldHash}
	fpBody := "93339219850701001"
	foreign := Case{Draft: Draft{Applicant: Applicant{Kind: Individual, Name: "Anna Müller", IDNumber: fpBody + string(ids.ResidentIDCheck(fpBody))}},
		QueryPINHash: oldHash}
	reduced := Reduce(person, now)
	tests := []struct {
		name   string
		c      Case
		id     string
		wantAs string
		want   error
	}{
		{"the applicant", person, "330522199003150024", "applicant", nil},
		{"the applicant typed with a small x and spaces", Case{Draft: Draft{Applicant: Applicant{Kind: Individual, IDNumber: "11010519491231002X"}}, QueryPINHash: oldHash},
			" 11010519491231002x ", "applicant", nil},
		{"a registered 受托人", person, "11010519491231002X", "authorized", nil},
		{"an enterprise's legal representative", firm, "330522199003150024", "legal_rep", nil},
		{"a foreign permanent resident", foreign, fpBody + string(ids.ResidentIDCheck(fpBody)), "applicant", nil},
		{"a stranger", person, "330522198001010015", "", ErrPINResetWho},
		{"nobody typed", person, "", "", nil}, // any error: the ID check says what is wrong
		{"a reduced case", reduced, "330522199003150024", "", ErrPINResetReduced},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after, rec, err := ResetQueryPIN(tt.c, tt.id, nil, now)
			if tt.wantAs == "" {
				if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
					t.Fatalf("got %v, want %v", err, tt.want)
				}
				if after.QueryPINHash != tt.c.QueryPINHash || after.QueryPIN != "" {
					t.Errorf("a refused reset changed the PIN: %q %q", after.QueryPIN, after.QueryPINHash)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rec.As != tt.wantAs {
				t.Errorf("got as %q, want %q", rec.As, tt.wantAs)
			}
			if got, want := Verify(after, oldPIN), false; got != want {
				t.Errorf("old PIN opens the case: got %v, want %v", got, want)
			}
			if got, want := Verify(after, after.QueryPIN), true; got != want {
				t.Errorf("new PIN %q opens the case: got %v, want %v", after.QueryPIN, got, want)
			}
		})
	}
}
