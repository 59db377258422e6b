package archtest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestScreensUseRegularTextOnly keeps screens to the regular text style:
// Fyne parses the 4.6 MB CJK font again for each style used (about 12 MB of
// heap each), see kiosktheme.Theme.Font.
func TestScreensUseRegularTextOnly(t *testing.T) {
	styled := regexp.MustCompile(`(Bold|Italic|Monospace):\s*true`)
	root := filepath.Join("..", "ui")
	checked := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for i, line := range strings.Split(string(b), "\n") {
			if styled.MatchString(line) {
				t.Errorf("%s:%d uses a non-regular text style: %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 5 {
		t.Fatalf("checked only %d files under %s", checked, root)
	}
}
