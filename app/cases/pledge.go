package cases

import (
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/msg"
)

// ErrPledgeNotAllowed: the catalog does not let a written pledge replace
// the resident's signed mandate for one of the matters.
var ErrPledgeNotAllowed = msg.New("所选事项须村民本人在代办委托书上签字，不接受村民书面承诺，请附上签字的委托书照片")

// PledgeAllowed reports whether every matter lets a resident's written
// pledge (村民书面承诺) stand in for the signed 代办委托书: a signature is the
// rule, the pledge the exception the catalog grants matter by matter.
func PledgeAllowed(cat *catalog.Catalog, matters []string) bool {
	if cat == nil || len(matters) == 0 {
		return false
	}
	for _, code := range matters {
		m, ok := cat.Matter(code)
		if !ok || !m.PledgeMandate {
			return false
		}
	}
	return true
}

// CheckPledge refuses a draft filed under a written pledge for a matter
// whose catalog entry does not allow one.
func CheckPledge(cat *catalog.Catalog, d Draft) error {
	if d.Proxy != nil && d.Proxy.Mandate.Evidence == EvidenceCommitment && !PledgeAllowed(cat, d.Matters) {
		return ErrPledgeNotAllowed
	}
	return nil
}
