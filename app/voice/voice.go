// Package voice speaks calls in the hall ("请 B 零一二 号到 3 号窗口办理")
// through espeak-ng's Mandarin voice when it is installed. Speaking never
// blocks the caller: announcements queue up and are spoken one after
// another; when too many wait, the oldest are dropped, because a call
// announced a minute late only confuses the hall.
//
// Two things fail silently and are checked here instead of trusted: the
// voice named "cmn" reads Chinese characters as English letter names on
// Debian 12's espeak-ng 1.51 (请 becomes "king three"), so the voice is
// chosen by what it actually pronounces; and espeak-ng exits 0 when the
// machine has no sound output, so the output is looked for, and what
// espeak-ng reports on stderr is read.
package voice

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// State is what the hall board says about the voice.
type State int

const (
	// Off: the hall switched announcements off.
	Off State = iota
	// On: calls are spoken.
	On
	// NotInstalled: there is no speech program.
	NotInstalled
	// NoDevice: the machine has no sound output, so nothing would be heard.
	NoDevice
)

// Speaker announces text.
type Speaker struct {
	// Command is the speech program; empty means espeak-ng.
	Command string
	// Args come before the text; nil means the Mandarin voice Voice finds,
	// slightly slow.
	Args []string
	// HasSound reports whether the machine has a sound output; nil means
	// HasSoundOutput.
	HasSound func() bool
	mu       sync.Mutex
	onChange func()
	want     bool // the hall's setting
	noSound  bool // found missing when speaking
	q        chan string
	once     sync.Once
	ctx      context.Context
	cancel   context.CancelFunc
	done     chan struct{}
}

// New returns a speaker, on when the program is installed.
func New() *Speaker {
	s := &Speaker{}
	s.SetEnabled(true)
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

func (s *Speaker) hasSound() bool {
	if s.HasSound != nil {
		return s.HasSound()
	}
	return HasSoundOutput()
}

// SetEnabled turns announcements on or off (a hall setting). Turning them
// on looks for the sound output again (a loudspeaker plugged in since).
func (s *Speaker) SetEnabled(on bool) {
	s.mu.Lock()
	s.want = on
	if on {
		s.noSound = false
	}
	s.mu.Unlock()
}

// OnChange sets f to be told, on the speaker's goroutine, when its State
// changes by itself (the program reported that the sound could not be
// played).
func (s *Speaker) OnChange(f func()) {
	s.mu.Lock()
	s.onChange = f
	s.mu.Unlock()
}

// State says whether calls are spoken, and if not, why.
func (s *Speaker) State() State {
	s.mu.Lock()
	want, noSound := s.want, s.noSound
	s.mu.Unlock()
	switch {
	case !s.Available():
		return NotInstalled
	case !want:
		return Off
	case noSound || !s.hasSound():
		return NoDevice
	}
	return On
}

// Enabled reports whether announcements are spoken.
func (s *Speaker) Enabled() bool { return s.State() == On }

// Say queues text to be spoken and returns at once.
func (s *Speaker) Say(text string) {
	if !s.Enabled() {
		return
	}
	s.once.Do(func() {
		s.mu.Lock()
		s.q = make(chan string, 4)
		s.ctx, s.cancel = context.WithCancel(context.Background())
		s.done = make(chan struct{})
		s.mu.Unlock()
		go s.run()
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil || s.ctx.Err() != nil {
		return // closed
	}
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

// Close stops the announcement being spoken and the speaker's goroutine,
// and waits for it to end; later calls to Say say nothing.
func (s *Speaker) Close() {
	s.once.Do(func() {}) // a speaker that never spoke has no goroutine
	s.mu.Lock()
	if s.cancel == nil {
		s.mu.Unlock()
		return
	}
	s.cancel()
	done := s.done
	s.mu.Unlock()
	<-done
}

func (s *Speaker) run() {
	defer close(s.done)
	args := s.Args
	if args == nil {
		args = []string{"-v", Voice(s.ctx, s.command()), "-s", "140"}
	}
	for {
		var text string
		select {
		case <-s.ctx.Done():
			return
		case text = <-s.q:
		}
		var stderr bytes.Buffer
		cmd := exec.CommandContext(s.ctx, s.command(), append(append([]string{}, args...), text)...)
		cmd.Stderr = &stderr
		// A failed announcement must not stop the next one; but espeak-ng
		// exits 0 when it cannot open the sound output and only says so on
		// stderr, so that is read too.
		if err := cmd.Run(); s.ctx.Err() == nil && (err != nil || soundFailed(stderr.String())) {
			s.mu.Lock()
			changed, tell := !s.noSound, s.onChange
			s.noSound = true
			s.mu.Unlock()
			if changed && tell != nil {
				tell()
			}
		}
	}
}

// soundFailed says whether espeak-ng's stderr reports that the audio
// output could not be opened (ALSA, PulseAudio or PortAudio messages).
func soundFailed(stderr string) bool {
	for _, marker := range []string{"ALSA lib", "error:", "Connection refused", "pa_simple", "audio"} {
		if strings.Contains(stderr, marker) {
			return true
		}
	}
	return false
}

// HasSoundOutput reports whether the machine has somewhere to play sound:
// an ALSA sound card, or a PulseAudio or PipeWire server of this user.
// Outside Linux it cannot tell and says yes.
func HasSoundOutput() bool {
	if runtime.GOOS != "linux" {
		return true
	}
	return hasSoundOutput("/proc/asound/cards", runtimeDirs())
}

func runtimeDirs() []string {
	var dirs []string
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	return append(dirs, filepath.Join("/run/user", itoa(os.Getuid())))
}

// hasSoundOutput checks an ALSA card list and the sound servers' sockets
// under the runtime directories.
func hasSoundOutput(cards string, runtimeDirs []string) bool {
	if b, err := os.ReadFile(cards); err == nil {
		// "--- no soundcards ---" when ALSA has none; otherwise lines
		// such as " 0 [PCH            ]: HDA-Intel - HDA Intel PCH".
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) < 2 || !strings.HasPrefix(f[1], "[") {
				continue
			}
			if _, err := strconv.Atoi(f[0]); err == nil {
				return true
			}
		}
	}
	for _, d := range runtimeDirs {
		for _, sock := range []string{"pulse/native", "pipewire-0"} {
			if st, err := os.Stat(filepath.Join(d, sock)); err == nil && st.Mode()&os.ModeSocket != 0 {
				return true
			}
		}
	}
	return false
}

// mandarinVoices are espeak-ng's voices for Mandarin, best first: on
// espeak-ng 1.51 "cmn" reads Han characters it has no entry for as
// English letter names, "cmn-latn-pinyin" reads them in Mandarin.
var mandarinVoices = []string{"cmn-latn-pinyin", "cmn", "zh"}

var (
	voiceOnce   sync.Once
	chosenVoice string
)

// Voice is the Mandarin voice of the installed espeak-ng: the first of
// mandarinVoices it offers whose reading of 请 is Mandarin, not switched
// to English. It asks the program once per process.
func Voice(ctx context.Context, command string) string {
	voiceOnce.Do(func() { chosenVoice = chooseVoice(ctx, command) })
	return chosenVoice
}

func chooseVoice(ctx context.Context, command string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, command, "--voices").Output()
	if err != nil {
		return mandarinVoices[0]
	}
	offered := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() { // "Pty Language Age/Gender VoiceName File Other Languages"
		if f := strings.Fields(sc.Text()); len(f) > 1 {
			offered[strings.ToLower(f[1])] = true
		}
	}
	first := ""
	for _, v := range mandarinVoices {
		if !offered[v] {
			continue
		}
		if first == "" {
			first = v
		}
		if ph, err := Phonemes(ctx, command, v, "请"); err == nil && IsMandarin(ph) {
			return v
		}
	}
	if first == "" {
		return mandarinVoices[0]
	}
	return first
}

// Phonemes is espeak-ng's phoneme transcription of text in voice, without
// sound (-q -x).
func Phonemes(ctx context.Context, command, voice, text string) (string, error) {
	out, err := exec.CommandContext(ctx, command, "-q", "-x", "-v", voice, text).Output()
	return strings.TrimSpace(string(out)), err
}

// languageSwitch is how espeak-ng marks words read by another language's
// rules in a transcription: "(en)kI55NTr'i:55(cmn)".
var languageSwitch = regexp.MustCompile(`\(([a-z-]+)\)`)

// IsMandarin says whether a phoneme transcription stays in Mandarin, with
// no word handed to another language's rules.
func IsMandarin(phonemes string) bool {
	if strings.TrimSpace(phonemes) == "" {
		return false
	}
	for _, m := range languageSwitch.FindAllStringSubmatch(phonemes, -1) {
		if m[1] != "cmn" && m[1] != "zh" {
			return false
		}
	}
	return true
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
