package printing

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

func TestClassifyNamesTheProblem(t *testing.T) {
	tests := []struct {
		output string
		want   Problem
	}{
		{"lp: Error - No default destination.", NoDefault},
		{"lp: Error - The printer or class does not exist.", UnknownQueue},
		{`lp: Destination "Counter3" is not accepting jobs.`, NotAccepting},
		{"lp: Error - Scheduler not responding.", NoSpooler},
		{"Start-Process : The printer name is invalid.", UnknownQueue},
		{"lp: Error - job-sheets value \"x\" not supported", Refused},
	}
	for _, tt := range tests {
		got := classify(context.Background(), "q", tt.output, errors.New("exit status 1"))
		if got.Problem != tt.want {
			t.Errorf("classify(%q) = %q, want %q", tt.output, got.Problem, tt.want)
		}
		if got.Detail != tt.output {
			t.Errorf("classify(%q) detail = %q, want the command's own words", tt.output, got.Detail)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	<-ctx.Done()
	if got := classify(ctx, "q", "", errors.New("signal: killed")).Problem; got != TimedOut {
		t.Errorf("classify after the deadline = %q, want %q", got, TimedOut)
	}
}

// TestNoDefaultPrinterIsNamed prints to the system default on this machine,
// which (like a fresh hall PC) has none set: the error names the problem
// and keeps lp's words as detail only.
func TestNoDefaultPrinterIsNamed(t *testing.T) {
	if _, err := exec.LookPath("lp"); err != nil {
		t.Skip("no lp on this machine")
	}
	if out, _ := exec.Command("lpstat", "-d").CombinedOutput(); !containsNoDefault(string(out)) {
		t.Skipf("this machine has a default printer (%s)", out)
	}
	err := (System{}).Print(context.Background(), []byte("%PDF-1.4\n"), Job{Title: "x", Layout: A4})
	if got := ProblemOf(err); got != NoDefault && got != NoSpooler {
		t.Errorf("Print with no default: problem %q (%v), want %q", got, err, NoDefault)
	}
}

func containsNoDefault(s string) bool {
	return classify(context.Background(), "", s, nil).Problem == NoDefault
}

func TestNoCommandIsErrNoPrinter(t *testing.T) {
	err := error(&Error{Problem: NoCommand})
	if !errors.Is(err, ErrNoPrinter) {
		t.Error("a missing print command is not ErrNoPrinter")
	}
	if errors.Is(&Error{Problem: NoDefault}, ErrNoPrinter) {
		t.Error("no default printer reads as no print command")
	}
}

func TestParseLpstat(t *testing.T) {
	names := []byte("Counter3\nRoll80\n")
	def := []byte("system default destination: Roll80\n")
	states := []byte("printer Counter3 disabled since Tue Dec  1 20:02:32 2026 -\n\tPaused\nprinter Roll80 is idle.  enabled since Tue\n")
	got := parseLpstat(names, def, states)
	want := []Queue{{Name: "Counter3", Ready: false}, {Name: "Roll80", Default: true, Ready: true}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("parseLpstat = %+v, want %+v", got, want)
	}
	if got := parseLpstat(nil, []byte("no system default destination\n"), nil); len(got) != 0 {
		t.Errorf("parseLpstat with no printers = %+v, want none", got)
	}
	win := parseWindowsQueues([]byte("Microsoft Print to PDF\tTrue\tFalse\r\nHP 1020\tFalse\tTrue\r\n"))
	if len(win) != 2 || !win[0].Default || win[1].Ready || win[1].Name != "HP 1020" {
		t.Errorf("parseWindowsQueues = %+v", win)
	}
}

// TestWindowsPrintCountsOnlyAFinishedScript: the Windows print path takes a
// job as handed over only when the script's last line came back, so a
// "powershell" that exits 0 without running anything (Wine's stand-in) is
// not taken for a printed paper.
func TestWindowsPrintCountsOnlyAFinishedScript(t *testing.T) {
	cmd := windowsPrint(context.Background(), `C:\tmp\回执.pdf`, "HP 1020")
	script := cmd.Args[len(cmd.Args)-1]
	if !strings.HasPrefix(script, "$ErrorActionPreference = 'Stop'; ") || !strings.HasSuffix(script, "; '"+windowsDone+"'") {
		t.Errorf("script %q: want it to stop on an error and say %s at its end", script, windowsDone)
	}
	for _, c := range []struct {
		out  string
		want bool
	}{
		{windowsDone + "\r\n", true},
		{"some warning\r\n" + windowsDone + "\r\n", true},
		{"", false},
		{"powershell.exe is not implemented\r\n", false},
		{"x" + windowsDone + "\r\n", false},
	} {
		if got := windowsAccepted([]byte(c.out)); got != c.want {
			t.Errorf("windowsAccepted(%q): got %v, want %v", c.out, got, c.want)
		}
	}
}
