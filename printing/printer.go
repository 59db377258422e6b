package printing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/yichuang/yichuang/app/workday"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// Job is one print request.
type Job struct {
	Title  string // shown in the print queue
	Layout Layout
	// Length is the page length in mm for roll paper (the document's own
	// length); ignored for A4.
	Length float64
}

// Printer sends a PDF document to paper.
type Printer interface {
	Print(ctx context.Context, pdf []byte, job Job) error
}

// System prints through the operating system: CUPS (lp) on Linux and
// macOS, the shell's print verb on Windows.
type System struct {
	// Queue is the printer name; empty means the system default.
	Queue string
}

var _ Printer = System{}

// ErrNoPrinter means the system has no way to print (no lp); a print
// error of Problem NoCommand matches it with errors.Is.
var ErrNoPrinter = errors.New("no print command on this system")

// Print hands the document to the print queue and returns once the queue
// has accepted it (or refused). A refused job returns an *Error naming
// the problem, with the queue's own words as its Detail.
//
// The print command reads a file: the document is written to a private
// temporary directory and removed once the command returned (lp has
// copied it into the spool by then; the Windows verb waits for the
// reader). Archived papers stay sealed (Archive); only this copy is plain,
// for the seconds the job takes.
func (s System) Print(ctx context.Context, pdf []byte, job Job) error {
	dir, err := os.MkdirTemp("", "yichuang-print-")
	if err != nil {
		return fmt.Errorf("print: %w", err)
	}
	defer os.RemoveAll(dir)
	name := "document"
	if job.Title != "" {
		name = strings.Map(func(r rune) rune {
			if strings.ContainsRune(`/\:*?"<>| `, r) {
				return '-'
			}
			return r
		}, job.Title)
	}
	path := filepath.Join(dir, name+".pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		return fmt.Errorf("print: %w", err)
	}
	return s.printFile(ctx, path, job)
}

func (s System) printFile(ctx context.Context, path string, job Job) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if runtime.GOOS != "windows" {
		return runLP(ctx, s.Queue, lpArgs(s.Queue, path, job))
	}
	return runPrint(ctx, s.Queue, windowsPrint(ctx, path, s.Queue))
}

// runLP runs lp with args and names its answer.
func runLP(ctx context.Context, queue string, args []string) error {
	lp, err := exec.LookPath("lp")
	if err != nil {
		return &Error{Problem: NoCommand, Queue: queue, Detail: err.Error()}
	}
	return runPrint(ctx, queue, exec.CommandContext(ctx, lp, args...))
}

// runPrint runs a print command and names its answer: only a command that
// said it took the job (lp's request id, the Windows script's last line)
// printed.
func runPrint(ctx context.Context, queue string, cmd *exec.Cmd) error {
	s := System{Queue: queue}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var notFound *exec.Error
		if errors.As(err, &notFound) {
			return &Error{Problem: NoCommand, Queue: s.Queue, Detail: err.Error()}
		}
		return classify(ctx, s.Queue, stderr.String()+string(out), err)
	}
	switch {
	case runtime.GOOS == "windows" && !windowsAccepted(out):
		// Exit status 0 without the script's last line: what answered to
		// "powershell" did not run the script (Wine's stand-in does exactly
		// that), so nothing was printed.
		return &Error{Problem: NoCommand, Queue: s.Queue, Detail: strings.TrimSpace(stderr.String() + string(out))}
	case runtime.GOOS != "windows" && !lpAccepted.Match(out):
		return &Error{Problem: Refused, Queue: s.Queue, Detail: strings.TrimSpace(stderr.String() + string(out))}
	}
	return nil
}

// windowsDone is the line the print script writes once Start-Process has
// handed the document over; a job counts as printed only when it is there,
// as lp's "request id is" is on Linux.
const windowsDone = "yichuang-print-done"

func windowsAccepted(out []byte) bool {
	for _, l := range strings.Split(string(out), "\n") {
		if strings.TrimSpace(l) == windowsDone {
			return true
		}
	}
	return false
}

var lpAccepted = regexp.MustCompile(`request id is \S+`)

// lpArgs builds the lp command line. Roll paper gets a custom media size
// of the document's own length, so the printer feeds and cuts exactly one
// receipt; A4 is printed as is.
func lpArgs(queue, path string, job Job) []string {
	var args []string
	if queue != "" {
		args = append(args, "-d", queue)
	}
	if job.Title != "" {
		args = append(args, "-t", job.Title)
	}
	switch job.Layout {
	case Roll80:
		args = append(args, "-o", fmt.Sprintf("media=Custom.80x%.0fmm", max(job.Length, 60)))
	default:
		args = append(args, "-o", "media=A4")
	}
	return append(args, "--", path)
}

// windowsPrint asks the program registered for PDF files to print it:
// Start-Process -Verb PrintTo with the printer, or Print for the default.
// A PDF reader that supports printing (e.g. SumatraPDF, which the Windows
// installer ships) must be registered for .pdf.
func windowsPrint(ctx context.Context, path, queue string) *exec.Cmd {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	script := "Start-Process -FilePath " + quote(path) + " -Verb Print -WindowStyle Hidden -Wait"
	if queue != "" {
		script = "Start-Process -FilePath " + quote(path) + " -Verb PrintTo -ArgumentList " + quote(`"`+queue+`"`) + " -WindowStyle Hidden -Wait"
	}
	// A failed Start-Process stops the script (a non-zero exit, classified
	// like lp's errors); the last line says it ran to the end.
	script = "$ErrorActionPreference = 'Stop'; " + script + "; '" + windowsDone + "'"
	return exec.CommandContext(ctx, "powershell", "-NoProfile", "-NonInteractive", "-Command", script)
}

// Archive keeps every PDF handed out, so any document can be reprinted
// offline and shown later to whoever asks what the citizen was given.
type Archive struct {
	Dir string
	// Key gives what seals the papers at rest (the machine's data key,
	// once open); nil keeps them in clear.
	Key func() (Sealer, error)
}

// Sealer seals files at rest: the kiosk's data key (app/vault).
type Sealer interface {
	WriteFile(path string, plain []byte, aad string) error
	ReadFile(path, aad string) ([]byte, error)
}

// Read opens an archived document.
func (a Archive) Read(path string) ([]byte, error) {
	if a.Key == nil {
		return os.ReadFile(path)
	}
	k, err := a.Key()
	if err != nil {
		return nil, err
	}
	return k.ReadFile(path, filepath.Base(path))
}

// Save writes a document as Dir/2026/11/<tracking>-<kind>-<layout>-<time>.pdf
// through a temporary file and returns its path.
func (a Archive) Save(tracking string, kind DocKind, layout Layout, pdf []byte, now time.Time) (string, error) {
	t := now.In(workday.China)
	dir := filepath.Join(a.Dir, t.Format("2006"), t.Format("01"))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("archive dir: %w", err)
	}
	name := fmt.Sprintf("%s-%s-%s-%s.pdf", tracking, kind, layout, t.Format("20060102T150405.000"))
	final := filepath.Join(dir, strings.ReplaceAll(name, ".000", ""))
	for i := 2; ; i++ { // two prints in one second: keep both
		if _, err := os.Stat(final); errors.Is(err, os.ErrNotExist) {
			break
		}
		final = filepath.Join(dir, fmt.Sprintf("%s-%s-%s-%s-%d.pdf", tracking, kind, layout, t.Format("20060102T150405"), i))
	}
	if a.Key != nil {
		k, err := a.Key()
		if err != nil {
			return "", fmt.Errorf("archive %s: %w", name, err)
		}
		if err := k.WriteFile(final, pdf, filepath.Base(final)); err != nil {
			return "", fmt.Errorf("archive %s: %w", name, err)
		}
		return final, nil
	}
	tmp := final + ".tmp"
	if err := os.WriteFile(tmp, pdf, 0o600); err != nil {
		return "", fmt.Errorf("archive %s: %w", name, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("archive %s: %w", name, err)
	}
	return final, nil
}
