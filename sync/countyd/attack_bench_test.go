package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkUnderAttack measures what an attack costs everyone else: the
// real countyd's resident memory, and the p95 of another enrolled
// device's signed requests (a feed pull, repeated), in three runs of a
// fresh countyd over the same data:
//
//   - baseline: nothing else happens;
//   - login: 24 anonymous clients, each from its own loopback address,
//     flood the back office's login form with wrong passwords (for the
//     admin and for invented logins, so the per-login limit does not stop
//     them and only the per-address limit and the hash gate do);
//   - bodies: 50 clients without a signature send 8 MiB bodies slowly
//     (128 KiB every 125 ms) to POST /api/v1/events.
//
// Goals: VmHWM ≤ 200 MiB and p95 ≤ 50 ms in every run. Run with
// -benchtime 1x; docs/performance.md has the figures.
func BenchmarkUnderAttack(b *testing.B) {
	data := b.TempDir()
	pw := filepath.Join(data, "pw")
	if err := os.WriteFile(pw, []byte("Qingshan-2026!\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	countyd(b, "staff-add", "-data", data, "-login", "admin", "-name", "张管理", "-role", "admin", "-password-file", pw)
	srv := start(b, data)
	k := enroll(b, srv.url, data)
	stop(b, srv)

	scenarios := []struct {
		name   string
		attack func(ctx context.Context, url string, st *attackStats)
	}{
		{"baseline", nil},
		{"login", loginFlood},
		{"bodies", slowBodies},
	}
	for i := 0; i < b.N; i++ {
		for _, sc := range scenarios {
			srv := start(b, data)
			k.url = srv.url
			m := measure(b, srv, k, sc.attack)
			stop(b, srv)
			b.ReportMetric(m.p95.Seconds()*1000, sc.name+"_p95_ms")
			b.ReportMetric(m.p50.Seconds()*1000, sc.name+"_p50_ms")
			b.ReportMetric(float64(m.hwm)/1024, sc.name+"_VmHWM_MiB")
			b.ReportMetric(float64(m.rss)/1024, sc.name+"_VmRSS_MiB")
			if sc.attack != nil {
				b.ReportMetric(float64(m.failed), sc.name+"_victim_failed")
				b.Logf("%s: attacker answers %s", sc.name, m.answers)
			}
		}
	}
}

// victimRequests is how many signed feed pulls are timed per run, one
// after another with victimPause between them, after the attack has run
// for warmUp (long enough that the first slow bodies are whole by the
// end of the run: about 8 s each).
const (
	victimRequests = 200
	victimPause    = 20 * time.Millisecond
	warmUp         = 4 * time.Second
)

type measurement struct {
	p50, p95 time.Duration
	hwm, rss int64 // kB: VmHWM at the end, the largest VmRSS seen
	failed   int   // victim requests that did not answer 200
	answers  string
}

// attackStats counts the attackers' answers by status.
type attackStats struct {
	mu     sync.Mutex
	status map[string]int
}

func (s *attackStats) add(status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status == nil {
		s.status = map[string]int{}
	}
	s.status[status]++
}

func (s *attackStats) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k := range s.status {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%s×%d", k, s.status[k]))
	}
	return strings.Join(out, " ")
}

func measure(b *testing.B, srv *server, k *kiosk, attack func(context.Context, string, *attackStats)) measurement {
	b.Helper()
	pid := srv.cmd.Process.Pid
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var maxRSS atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			if rss, _ := procStatus(pid, "VmRSS"); rss > maxRSS.Load() {
				maxRSS.Store(rss)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	var st attackStats
	if attack != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			attack(ctx, srv.url, &st)
		}()
		time.Sleep(warmUp)
	}
	var m measurement
	var lat []time.Duration
	for range victimRequests {
		t0 := time.Now()
		status, _, err := k.do("GET", "/api/v1/feed?after=0", nil, nil)
		lat = append(lat, time.Since(t0))
		if err != nil || status != http.StatusOK {
			m.failed++
		}
		time.Sleep(victimPause)
	}
	m.hwm, _ = procStatus(pid, "VmHWM")
	cancel()
	wg.Wait()
	m.rss = maxRSS.Load()
	slices.Sort(lat)
	m.p50, m.p95 = lat[len(lat)/2], lat[len(lat)*95/100]
	m.answers = st.String()
	return m
}

// procStatus reads a kB figure of /proc/<pid>/status.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s: not in /proc/%d/status", field, pid)
}

func stop(b *testing.B, srv *server) {
	b.Helper()
	srv.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-srv.done; err != nil {
		b.Fatalf("countyd exit: %v\n%s", err, srv.stderr)
	}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// loginFlood: 24 clients, each from its own loopback address (127.0.0.10
// and up), fetch the login form and post a wrong password, again and
// again, until ctx ends.
func loginFlood(ctx context.Context, base string, st *attackStats) {
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(10+i))}}
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
				Transport:     &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 1},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			for n := 0; ctx.Err() == nil; n++ {
				req, _ := http.NewRequestWithContext(ctx, "GET", base+"/office/login", nil)
				resp, err := c.Do(req)
				if err != nil {
					st.add("error")
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				m := csrfRE.FindSubmatch(body)
				if m == nil {
					st.add("no-form")
					continue
				}
				login := "admin"
				if n%2 == 1 {
					login = fmt.Sprintf("user%d-%d", i, n)
				}
				form := url.Values{"csrf": {string(m[1])}, "login": {login}, "password": {"wrong-password-" + strconv.Itoa(n)}}
				req, _ = http.NewRequestWithContext(ctx, "POST", base+"/office/login", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err = c.Do(req)
				if err != nil {
					st.add("error")
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				st.add(strconv.Itoa(resp.StatusCode))
			}
		}()
	}
	wg.Wait()
}

// slowBodies: 50 clients without a signature send 8 MiB bodies to the
// push endpoint, 128 KiB every 125 ms (about 8 s a body), again and again
// until ctx ends.
func slowBodies(ctx context.Context, base string, st *attackStats) {
	host := strings.TrimPrefix(base, "http://")
	const size, chunk = 8 << 20, 128 << 10
	buf := make([]byte, chunk)
	for i := range buf {
		buf[i] = 'a'
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", host)
				if err != nil {
					st.add("error")
					time.Sleep(100 * time.Millisecond)
					continue
				}
				stopped := context.AfterFunc(ctx, func() { conn.Close() })
				fmt.Fprintf(conn, "POST /api/v1/events HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", host, size)
				sent := 0
				for sent < size && ctx.Err() == nil {
					n, err := conn.Write(buf)
					sent += n
					if err != nil {
						break
					}
					time.Sleep(125 * time.Millisecond)
				}
				if sent >= size {
					conn.SetReadDeadline(time.Now().Add(30 * time.Second))
					if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err == nil {
						st.add(strconv.Itoa(resp.StatusCode))
						resp.Body.Close()
					} else {
						st.add("no-answer")
					}
				} else {
					st.add("cut")
				}
				stopped()
				conn.Close()
			}
		}()
	}
	wg.Wait()
}
