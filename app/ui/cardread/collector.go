package cardread

import (
	"strings"
	"time"

	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/idcard"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// CollectorCheck says, as soon as a collector's card is read at 出件 or at
// the resident's door, whom its holder stands for on the case (as
// cases.Deliver will check) and whether the card has expired. A stranger
// or an expired card is said plainly, in red; the clerk or agent decides.
func CollectorCheck(cs cases.Case, c idcard.Card, now time.Time) (string, widget.Importance) {
	as := ""
	if id, err := ids.NormalizePersonID(c.IDNumber, now); err == nil {
		as = cs.StandsFor(id)
	}
	var lines []string
	switch as {
	case "applicant":
		lines = append(lines, l10n.L("领取人是申请人本人"))
	case "legal_rep":
		lines = append(lines, l10n.L("领取人是申请单位的法定代表人"))
	case "authorized":
		lines = append(lines, l10n.L("领取人是已登记的受托人"))
	default:
		lines = append(lines, l10n.L("领取人证件与申请人、法定代表人和已登记的受托人都不一致：请核对；他人代领须先凭授权委托书登记受托人"))
	}
	expired := c.Expired(now)
	if expired {
		lines = append(lines, l10n.L("领取人证件已过期（有效期{{.Valid}}），请核对后决定是否出件", map[string]any{"Valid": c.ValidText()}))
	}
	imp := widget.SuccessImportance
	if as == "" || expired {
		imp = widget.DangerImportance
	}
	return strings.Join(lines, "；"), imp
}
