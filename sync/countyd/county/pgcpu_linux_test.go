//go:build linux

package county_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// pgServerCPU is the CPU time a PostgreSQL server has used: its postmaster
// and its children now running, plus the children it has reaped (a
// parallel query's workers end with their query). A county page's reads
// are mostly the server's work, which the client's own CPU time misses.
// Linux's clock ticks are 10 ms: summed over a benchmark's runs.
func pgServerCPU(postmaster int) time.Duration {
	const tick = 10 * time.Millisecond
	stat := func(pid string) (ppid int, self, children int64, ok bool) {
		b, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
		if err != nil {
			return 0, 0, 0, false
		}
		// The fields after the command's closing parenthesis: state,
		// ppid (4th field), …, utime, stime, cutime, cstime (14th–17th).
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) < 15 {
			return 0, 0, 0, false
		}
		n := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
		return int(n(1)), n(11) + n(12), n(13) + n(14), true
	}
	_, self, reaped, ok := stat(strconv.Itoa(postmaster))
	if !ok {
		return 0
	}
	total := self + reaped
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		if ppid, t, _, ok := stat(e.Name()); ok && ppid == postmaster {
			total += t
		}
	}
	return time.Duration(total) * tick
}

// parentPID is pid's parent: a backend's is its postmaster.
func parentPID(pid int) int {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 2 {
		return 0
	}
	p, _ := strconv.Atoi(f[1])
	return p
}
