package printing

import (
	"context"
	"errors"
	"fmt"
	"github.com/yichuang/yichuang/sync/protocol"
	"strings"
)

// Problem names why a print job did not reach the printer, in terms a
// screen can put into the user's words. The print command's own text (lp's
// English, PowerShell's) is kept in Error.Detail for a 详情 button and the
// log, never for the main line.
type Problem string

// The problems, named on the wire as the kiosk reports them to the county
// (protocol.PrinterProblems).
const (
	// NoCommand: no lp on this system (or no PowerShell on Windows).
	NoCommand Problem = protocol.PrinterNoCommand
	// NoDefault: no queue was chosen and the system has no default.
	NoDefault Problem = protocol.PrinterNoDefault
	// UnknownQueue: the chosen queue does not exist (renamed, removed).
	UnknownQueue Problem = protocol.PrinterUnknownQueue
	// NotAccepting: the queue exists but refuses jobs (rejected, stopped).
	NotAccepting Problem = protocol.PrinterNotAccepting
	// NoSpooler: the print service (cupsd, the Windows spooler) is down.
	NoSpooler Problem = protocol.PrinterNoSpooler
	// TimedOut: the print command did not answer in time.
	TimedOut Problem = protocol.PrinterTimedOut
	// Refused: anything else the print command said no to.
	Refused Problem = protocol.PrinterRefused
	// PaperOut: a thermal printer reports its roll used up.
	PaperOut Problem = protocol.PrinterPaperOut
	// CoverOpen: a thermal printer reports its cover open.
	CoverOpen Problem = protocol.PrinterCoverOpen
	// Offline: a thermal printer cannot be reached (off, unplugged) or
	// reports itself offline with no other cause.
	Offline Problem = protocol.PrinterOffline
	// Fault: a thermal printer reports a cutter or mechanical error.
	Fault Problem = protocol.PrinterFault
)

// Error is a print job that did not reach the queue. Error() is for logs:
// it carries the command's own words; screens map Problem instead.
type Error struct {
	Problem Problem
	Queue   string // "" for the system default
	Detail  string // the print command's own output, trimmed
	// Err is the cause when a Printer other than System said no (its own
	// error, kept for errors.Is); nil from System.
	Err error
}

func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	q := e.Queue
	if q == "" {
		q = "default queue"
	}
	if e.Detail == "" {
		return fmt.Sprintf("print to %s: %s", q, e.Problem)
	}
	return fmt.Sprintf("print to %s: %s: %s", q, e.Problem, e.Detail)
}

// Is keeps errors.Is(err, ErrNoPrinter) true for a system without a print
// command, as callers checked before the problems were named.
func (e *Error) Is(target error) bool { return target == ErrNoPrinter && e.Problem == NoCommand }

// ProblemOf is the named problem of a print error; "" when err is nil or
// not a print error (e.g. the archive could not be read).
func ProblemOf(err error) Problem {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Problem
	}
	if errors.Is(err, ErrNoPrinter) {
		return NoCommand
	}
	return ""
}

// DetailOf is what the print command itself said (for a 详情 button and
// the log), or err's text when it is not a print error; "" for nil.
func DetailOf(err error) string {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Error()
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// classify names the problem from what the print command printed (lp's
// and lpstat's stable English phrases; PowerShell's for the Windows
// spooler) and how it ended. It is the only place that reads those words.
func classify(ctx context.Context, queue, output string, runErr error) *Error {
	detail := strings.TrimSpace(output)
	if detail == "" && runErr != nil {
		detail = runErr.Error()
	}
	e := &Error{Queue: queue, Detail: detail}
	low := strings.ToLower(detail)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(low, w) {
				return true
			}
		}
		return false
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		e.Problem = TimedOut
	case has("no default destination", "no system default destination"):
		e.Problem = NoDefault
	case has("does not exist", "unknown destination", "invalid printer name", "printer name is invalid", "not found"):
		e.Problem = UnknownQueue
	case has("not accepting jobs", "is stopped", "disabled", "paused", "offline"):
		e.Problem = NotAccepting
	case has("scheduler not responding", "unable to connect", "connection refused", "spooler", "bad file descriptor"):
		e.Problem = NoSpooler
	default:
		e.Problem = Refused
	}
	return e
}
