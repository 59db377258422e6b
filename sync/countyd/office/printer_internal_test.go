package office

import (
	"testing"

	"github.com/yichuang/yichuang/sync/protocol"
)

// TestEveryPrinterProblemHasWords: a problem a kiosk may report (the
// thermal printer's paper-out and cover-open included) is named on the
// fleet page in staff's words, in both languages, never left blank.
func TestEveryPrinterProblemHasWords(t *testing.T) {
	for _, code := range protocol.PrinterProblems {
		zh := printerProblem(code)
		if zh == "" {
			t.Errorf("printerProblem(%q): got nothing, want staff's words", code)
			continue
		}
		if english[zh] == "" {
			t.Errorf("printerProblem(%q) = %q: got no English", code, zh)
		}
	}
}
