package printing

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Queue is one printer the system knows, for the printer picker in 设置.
type Queue struct {
	Name    string
	Default bool // the system's default destination
	// Ready is false when the system reports the queue stopped, paused or
	// offline (it may still take jobs and hold them).
	Ready bool
}

// Queues lists the system's printers with the default marked: lpstat on
// Linux and macOS, the spooler's list (Win32_Printer) on Windows. No print
// command gives an *Error of Problem NoCommand; a system without printers
// gives an empty list.
func Queues(ctx context.Context) ([]Queue, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if runtime.GOOS == "windows" {
		script := "Get-CimInstance Win32_Printer | ForEach-Object { \"$($_.Name)`t$($_.Default)`t$($_.WorkOffline)\" }"
		out, err := exec.CommandContext(ctx, "powershell", "-NoProfile", "-NonInteractive", "-Command", script).Output()
		if err != nil {
			return nil, classify(ctx, "", string(out), err)
		}
		return parseWindowsQueues(out), nil
	}
	lpstat, err := exec.LookPath("lpstat")
	if err != nil {
		return nil, &Error{Problem: NoCommand, Detail: err.Error()}
	}
	run := func(args ...string) ([]byte, error) {
		var stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, lpstat, args...)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return out, classify(ctx, "", stderr.String(), err)
		}
		return append(out, stderr.Bytes()...), nil
	}
	// lpstat -e exits 1 when there are no destinations at all; -d says
	// "no system default destination" on stdout or stderr by version.
	names, err := run("-e")
	if err != nil && len(bytes.TrimSpace(names)) > 0 {
		return nil, err
	}
	if err != nil && ProblemOf(err) == NoSpooler {
		return nil, err
	}
	def, _ := run("-d")
	states, _ := run("-p")
	return parseLpstat(names, def, states), nil
}

// parseLpstat joins lpstat -e (one name a line), -d ("system default
// destination: X") and -p ("printer X is idle." / "printer X disabled
// since ...") into the picker's list, in lpstat's order.
func parseLpstat(names, def, states []byte) []Queue {
	defName := ""
	if _, after, ok := strings.Cut(string(def), "system default destination:"); ok {
		defName = strings.TrimSpace(strings.SplitN(after, "\n", 2)[0])
	}
	stopped := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(states))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 3 && f[0] == "printer" && f[2] == "disabled" {
			stopped[f[1]] = true
		}
	}
	var out []Queue
	sc = bufio.NewScanner(bytes.NewReader(names))
	for sc.Scan() {
		name := strings.TrimSpace(sc.Text())
		if name == "" || strings.ContainsAny(name, " \t") {
			continue // not a destination name (a message)
		}
		out = append(out, Queue{Name: name, Default: name == defName, Ready: !stopped[name]})
	}
	return out
}

// parseWindowsQueues reads "name<TAB>True|False(default)<TAB>True|False(offline)" lines.
func parseWindowsQueues(out []byte) []Queue {
	var qs []Queue
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(strings.TrimRight(sc.Text(), "\r"), "\t")
		if len(f) < 3 || f[0] == "" {
			continue
		}
		qs = append(qs, Queue{Name: f[0], Default: strings.EqualFold(f[1], "true"), Ready: !strings.EqualFold(f[2], "true")})
	}
	return qs
}

// TestPageInput is what the 打印测试页 shows: enough to tell which machine
// and queue printed it, and whether the Chinese font comes out right on
// that printer.
type TestPageInput struct {
	ServicePoint string
	Queue        string // as chosen; "" means the system default
	Layout       Layout
	At           time.Time
}

// WriteTestPage writes the printer test page.
func WriteTestPage(w io.Writer, in TestPageInput) (Meta, error) {
	queue := in.Queue
	if queue == "" {
		queue = "系统默认打印机"
	}
	b := []block{
		header{in.ServicePoint, cnTime(in.At)},
		heading{"打印测试页", queue},
		para{text: "看到这一页，说明本机可以通过这台打印机打印回执和通知书。请检查中文是否清晰、字迹是否完整。"},
		kv{"打印机", queue},
	}
	layout := in.Layout
	if layout == "" {
		layout = A4
	}
	return renderDoc(w, layout, "打印测试页", in.At, b)
}

// PrintTestPage renders the test page and sends it to p under title (the
// name it has in the print queue).
func PrintTestPage(ctx context.Context, p Printer, in TestPageInput, title string) error {
	var buf bytes.Buffer
	meta, err := WriteTestPage(&buf, in)
	if err != nil {
		return fmt.Errorf("render test page: %w", err)
	}
	layout := in.Layout
	if layout == "" {
		layout = A4
	}
	return p.Print(ctx, buf.Bytes(), Job{Title: title, Layout: layout, Length: meta.PageHeight})
}
