// Package voice speaks calls in the hall ("请 B 零一二 号到 3 号窗口办理")
// through espeak-ng's Mandarin voice when it is installed. Speaking never
// blocks the caller: announcements queue up and are spoken one after
// another; when too many wait, the oldest are dropped, because a call
// announced a minute late only confuses the hall.
package voice

import (
	"context"
	"os/exec"
	"strings"
	"sync"
)

// Speaker announces text.
type Speaker struct {
	// Command is the speech program; empty means espeak-ng.
	Command string
	// Args come before the text; nil means Mandarin (-v cmn), slightly slow.
	Args []string

	mu      sync.Mutex
	enabled bool
	q       chan string
	once    sync.Once
}

// New returns a speaker; it is disabled when the program is not installed.
func New() *Speaker {
	s := &Speaker{}
	_, err := exec.LookPath(s.command())
	s.enabled = err == nil
	return s
}

func (s *Speaker) command() string {
	if s.Command == "" {
		return "espeak-ng"
	}
	return s.Command
}

// Available reports whether the speech program is installed.
func (s *Speaker) Available() bool {
	_, err := exec.LookPath(s.command())
	return err == nil
}

// SetEnabled turns announcements on or off (a hall setting).
func (s *Speaker) SetEnabled(on bool) {
	s.mu.Lock()
	s.enabled = on && s.Available()
	s.mu.Unlock()
}

// Enabled reports whether announcements are spoken.
func (s *Speaker) Enabled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enabled
}

// Say queues text to be spoken and returns at once.
func (s *Speaker) Say(text string) {
	if !s.Enabled() {
		return
	}
	s.once.Do(func() {
		s.q = make(chan string, 4)
		go s.run()
	})
	for {
		select {
		case s.q <- text:
			return
		default:
			select { // full: drop the oldest
			case <-s.q:
			default:
			}
		}
	}
}

func (s *Speaker) run() {
	args := s.Args
	if args == nil {
		args = []string{"-v", "cmn", "-s", "140"}
	}
	for text := range s.q {
		cmd := exec.CommandContext(context.Background(), s.command(), append(append([]string{}, args...), text)...)
		_ = cmd.Run() // a failed announcement must not stop the next one
	}
}

var digits = []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// CallText is the announcement for a number called to a window: the
// number's digits are read one by one, as halls do ("B 零一二"), so 012 is
// never heard as "twelve".
func CallText(number string, window int) string {
	var b strings.Builder
	for _, r := range number {
		if r >= '0' && r <= '9' {
			b.WriteString(digits[r-'0'])
		} else {
			b.WriteRune(r)
			b.WriteRune(' ')
		}
	}
	return "请 " + b.String() + " 号，到 " + itoa(window) + " 号窗口办理"
}

func itoa(n int) string {
	if n <= 0 {
		return "0"
	}
	var out []byte
	for n > 0 {
		out = append([]byte{byte('0' + n%10)}, out...)
		n /= 10
	}
	return string(out)
}
