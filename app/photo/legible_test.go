package photo

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/yichuang/yichuang/app/photo/phototest"
)

// ocr reads a picture with tesseract's Simplified Chinese model and
// returns what it read, without white space (tesseract puts spaces
// between Chinese characters).
func ocr(t *testing.T, jpg []byte) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "page.jpg")
	if err := os.WriteFile(in, jpg, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	cmd := exec.Command("tesseract", in, "stdout", "-l", "chi_sim")
	cmd.Stdout, cmd.Stderr = &out, &errb
	// One thread: the machine's cores are shared with the other tests.
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	if err := cmd.Run(); err != nil {
		t.Fatalf("tesseract: %v: %s", err, errb.String())
	}
	return squeeze(out.String())
}

func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// matched counts the characters of the printed text that OCR read, in
// order: the length of the longest common subsequence of the two.
func matched(printed, read string) int {
	a, b := []rune(printed), []rune(read)
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			switch {
			case a[i] == b[j]:
				cur[j+1] = prev[j] + 1
			case prev[j+1] >= cur[j]:
				cur[j+1] = prev[j+1]
			default:
				cur[j+1] = cur[j]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func TestMatched(t *testing.T) {
	tests := []struct {
		printed, read string
		want          int
	}{
		{"姓名张小红", "姓名张小红", 5},
		{"姓名张小红", "姓名张小虹", 4},
		{"姓名张小红", "x姓y名张z", 3},
		{"姓名", "", 0},
		{"", "姓名", 0},
	}
	for _, tt := range tests {
		if got := matched(tt.printed, tt.read); got != tt.want {
			t.Errorf("matched(%q, %q): got %d, want %d", tt.printed, tt.read, got, tt.want)
		}
	}
}

// TestNormalizedStaysLegible: tesseract (chi_sim) reads at least 95% as
// many of the printed characters on the normalised photos as on the
// camera's originals, for a case's photos (a form and both faces of an
// ID card at document-camera resolutions, 2–8 MB each).
func TestNormalizedStaysLegible(t *testing.T) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract is not installed (Debian: tesseract-ocr tesseract-ocr-chi-sim; make test installs them)")
	}
	if out, _ := exec.Command("tesseract", "--list-langs").CombinedOutput(); !strings.Contains(string(out), "chi_sim") {
		t.Skip("tesseract has no chi_sim model (Debian: tesseract-ocr-chi-sim)")
	}
	if testing.Short() {
		t.Skip("OCR of 12 MP photos takes about a minute")
	}
	var origSum, normSum, total int
	for _, p := range phototest.Set(1) {
		r, err := Normalize(p.JPEG, p.Name)
		if err != nil {
			t.Fatal(err)
		}
		printed := squeeze(p.Text)
		o, n := matched(printed, ocr(t, p.JPEG)), matched(printed, ocr(t, r.JPEG))
		t.Logf("%s: %d characters printed; read %d on the original (%d KB), %d on the normalised (%d KB, %d×%d)",
			p.Name, len([]rune(printed)), o, len(p.JPEG)>>10, n, len(r.JPEG)>>10, r.Width, r.Height)
		origSum, normSum, total = origSum+o, normSum+n, total+len([]rune(printed))
	}
	if origSum < total/2 {
		t.Fatalf("tesseract read only %d of %d characters on the originals: the test photos are not a fair test", origSum, total)
	}
	if got, want := float64(normSum)/float64(origSum), 0.95; got < want {
		t.Errorf("normalised kept %.1f%% of the characters read on the originals (%d of %d), want at least %.0f%%", 100*got, normSum, origSum, 100*want)
	}
	fmt.Fprintf(os.Stderr, "legibility: %d of %d printed characters read on the originals, %d on the normalised (%.1f%%)\n", origSum, total, normSum, 100*float64(normSum)/float64(origSum))
}
