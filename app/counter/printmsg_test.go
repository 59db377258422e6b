package counter

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/printing"
	"github.com/yichuang/yichuang/sync/protocol"
)

func TestPrintMessageIsShortAndChinese(t *testing.T) {
	long := strings.Repeat("lp: Error - The printer or class does not exist. ", 20)
	tests := []struct {
		err  error
		want *msg.Error
	}{
		{nil, nil},
		{ErrNoPrinter, ErrPrintNoQueue},
		{printing.ErrNoPrinter, ErrPrintNoCommand},
		{&printing.Error{Problem: printing.NoDefault, Detail: "lp: Error - No default destination."}, ErrPrintNoDefault},
		{fmt.Errorf("reprint: %w", &printing.Error{Problem: printing.UnknownQueue, Detail: long}), ErrPrintUnknownQueue},
		{&printing.Error{Problem: printing.NotAccepting}, ErrPrintNotAccepting},
		{&printing.Error{Problem: printing.NoSpooler}, ErrPrintNoSpooler},
		{&printing.Error{Problem: printing.TimedOut}, ErrPrintTimedOut},
		{&printing.Error{Problem: printing.Refused}, ErrPrintRefused},
		{&printing.Error{Problem: printing.PaperOut, Detail: "before the job: DLE EOT 1-4 answered 1a 32 12 72"}, ErrPrintPaperOut},
		{&printing.Error{Problem: printing.CoverOpen}, ErrPrintCoverOpen},
		{&printing.Error{Problem: printing.Offline, Detail: "connect: dial tcp 192.168.1.50:9100: connection refused"}, ErrPrintOffline},
		{&printing.Error{Problem: printing.Fault}, ErrPrintFault},
		{errors.New("read the archived x.pdf: cipher: message authentication failed"), ErrPrintOther},
	}
	for _, tt := range tests {
		got := PrintMessage(tt.err)
		if got != tt.want {
			t.Errorf("PrintMessage(%v) = %v, want %v", tt.err, got, tt.want)
			continue
		}
		if got == nil {
			continue
		}
		// The main line never carries the command's words, however long.
		if text := got.Error(); strings.ContainsAny(text, "abcdefghijklmnopqrstuvwxyz") || len([]rune(text)) > 30 {
			t.Errorf("PrintMessage(%v) = %q: want a short Chinese line", tt.err, text)
		}
	}
}

// TestEveryPrinterProblemHasItsMessage: each problem a printer can report
// tells the clerk what to do about that problem, not the catch-all line.
func TestEveryPrinterProblemHasItsMessage(t *testing.T) {
	seen := map[*msg.Error]string{}
	for _, code := range protocol.PrinterProblems {
		got := PrintMessage(&printing.Error{Problem: printing.Problem(code)})
		if got == ErrPrintOther {
			t.Errorf("PrintMessage(%s) = the catch-all %q, want its own message", code, got)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("PrintMessage(%s) = PrintMessage(%s) = %q, want a message of its own", code, other, got)
		}
		seen[got] = code
	}
}
