package halltest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/countylink"
	"github.com/yichuang/yichuang/sync/client"
	"github.com/yichuang/yichuang/sync/countyd/county"
)

var (
	countydOnce sync.Once
	countydBin  string
	countydErr  error
)

// Cleanup removes the countyd binary built for the tests; call it from
// TestMain after m.Run.
func Cleanup() {
	if countydBin != "" {
		os.RemoveAll(filepath.Dir(countydBin))
	}
}

// countydBinary builds the real county server once per test binary.
func countydBinary(t testing.TB) string {
	t.Helper()
	countydOnce.Do(func() {
		dir, err := os.MkdirTemp("", "countyd-bin-")
		if err != nil {
			countydErr = err
			return
		}
		countydBin = filepath.Join(dir, "countyd")
		out, err := exec.Command("go", "build", "-tags", "sqlite_fts5,no_emoji", "-o", countydBin, "github.com/yichuang/yichuang/sync/countyd").CombinedOutput()
		if err != nil {
			countydErr = fmt.Errorf("build countyd: %v\n%s", err, out)
		}
	})
	if countydErr != nil {
		t.Fatal(countydErr)
	}
	return countydBin
}

// Countyd is a running county server process.
type Countyd struct {
	Cmd    *exec.Cmd
	URL    string
	Listen string
	// Data is its data directory.
	Data   string
	Stderr *bytes.Buffer
}

var listening = regexp.MustCompile(`countyd listening on (https?://\S+)`)

// StartCountyd starts countyd on loopback (listen "127.0.0.1:0" picks a
// port) with its data in dir; it is killed when the test ends.
func StartCountyd(t testing.TB, dir, listen string, extra ...string) *Countyd {
	t.Helper()
	c := &Countyd{Data: dir, Stderr: &bytes.Buffer{}}
	c.Cmd = exec.Command(countydBinary(t), append([]string{"serve", "-listen", listen, "-data", dir}, extra...)...)
	out, err := c.Cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.Cmd.Stderr = c.Stderr
	if err := c.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case u := <-found:
		c.URL = u
		c.Listen = u[strings.Index(u, "://")+3:]
	case <-time.After(60 * time.Second):
		c.Cmd.Process.Kill()
		t.Fatalf("countyd did not start; stderr:\n%s", c.Stderr)
	}
	t.Cleanup(func() { c.Cmd.Process.Kill(); c.Cmd.Wait() })
	return c
}

// Stop kills the county (SIGKILL, as a power cut would) and waits for it.
func (c *Countyd) Stop() {
	c.Cmd.Process.Kill()
	c.Cmd.Wait()
}

// Admin runs a countyd subcommand on the same data directory, as county
// staff do, and returns its output.
func (c *Countyd) Admin(t testing.TB, args ...string) string {
	t.Helper()
	full := append([]string{args[0], "-data", c.Data}, args[1:]...)
	out, err := exec.Command(countydBinary(t), full...).CombinedOutput()
	if err != nil {
		t.Fatalf("countyd %v: %v\n%s", args, err, out)
	}
	return string(out)
}

var enrollCode = regexp.MustCompile(`[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}`)

// EnrollCode has the county issue a one-time code for the hall of
// ConfiguredData.
func (c *Countyd) EnrollCode(t testing.TB) string {
	t.Helper()
	code := enrollCode.FindString(c.Admin(t, "enroll-code", "-point", "330522101000", "-name", "洪桥镇便民服务中心", "-level", "township"))
	if code == "" {
		t.Fatal("countyd enroll-code printed no code")
	}
	return code
}

// Link is the hall's county link as the kiosk builds it, with the system
// clock (requests are signed in real time) and rounds driven by the test;
// actor is who enrolls, caFile the county's CA ("" for none).
func (h *Hall) Link(actor int64, caFile string) *countylink.Link {
	return countylink.New(countylink.Config{Store: h.DB, Files: h.Files(), Clock: clock.System{}, Version: Version,
		Actor: func() int64 { return actor }, CAFile: caFile, Manual: true})
}

// Version is the kiosk version the test links report.
const Version = "0.0.0-test"

// Enrolled sets up a hall kiosk, accepts nothing yet, and enrolls it with
// the county through the same link the 县中心连接 screen uses; the code is
// then checked to be single-use.
func Enrolled(t testing.TB, cd *Countyd, countyURL string) (*Hall, *countylink.Link, clerks.Account) {
	t.Helper()
	return EnrolledDevice(t, cd, countyURL, 1)
}

// EnrolledDevice is Enrolled for machine number device of the hall.
func EnrolledDevice(t testing.TB, cd *Countyd, countyURL string, device int) (*Hall, *countylink.Link, clerks.Account) {
	t.Helper()
	h := Open(t, ConfiguredDevice(t, device), clock.System{})
	sup := h.Supervisor(t)
	l := h.Link(sup.ID, "")
	code := cd.EnrollCode(t)
	if err := l.Enroll(context.Background(), countyURL, code); err != nil {
		t.Fatalf("enroll: %v", err)
	}
	if err := l.Enroll(context.Background(), countyURL, code); err == nil || !strings.Contains(err.Error(), "登记码无效") {
		t.Errorf("second use of the code: %v", err)
	}
	return h, l, sup
}

// Round runs one sync round and fails the test on an error.
func Round(t testing.TB, l *countylink.Link) client.Report {
	t.Helper()
	rep, err := l.Round(context.Background())
	if err != nil {
		t.Fatalf("sync round: %v", err)
	}
	return rep
}

// CountyStore opens the county's own database (after the county stopped).
func CountyStore(t testing.TB, dir string) *county.SQLite {
	t.Helper()
	s, err := county.OpenSQLite(context.Background(), filepath.Join(dir, "county.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
