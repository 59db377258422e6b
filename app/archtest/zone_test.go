package archtest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// zoneDef finds a time zone made on the spot. The hall's zone is defined
// once, as workday.China: issue 17 found fourteen copies, and the screens
// that had none showed the machine's UTC while papers showed Beijing time.
var zoneDef = regexp.MustCompile(`time\.(FixedZone|LoadLocation|LoadLocationFromTZData)\(`)

// zoneOwners may define a zone: workday itself, and sync/protocol, which
// imports only the standard library and states the offset of its epoch.
var zoneOwners = []string{"app/workday/workday.go", "sync/protocol/"}

func TestOneTimeZone(t *testing.T) {
	checked := 0
	for _, root := range []string{"app", "printing", "sync"} {
		err := filepath.WalkDir(filepath.Join("..", "..", root), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel := filepath.ToSlash(strings.TrimPrefix(path, filepath.Join("..", "..")+string(filepath.Separator)))
			for _, owner := range zoneOwners {
				if strings.HasPrefix(rel, owner) {
					return nil
				}
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			checked++
			for _, i := range zoneLines(string(b)) {
				t.Errorf("%s:%d defines a time zone; use workday.China", rel, i)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 100 {
		t.Fatalf("checked only %d files", checked)
	}
}

// zoneLines gives the 1-based lines of src that define a time zone.
func zoneLines(src string) []int {
	var out []int
	for i, line := range strings.Split(src, "\n") {
		if zoneDef.MatchString(line) {
			out = append(out, i+1)
		}
	}
	return out
}

func TestZoneCheckCatchesADefinition(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want int
	}{
		{"var beijing = time.FixedZone(\"CST\", 8*3600)", 1},
		{"x\nloc, _ := time.LoadLocation(\"Asia/Shanghai\")", 1},
		{"t.In(workday.China).Format(\"15:04\")", 0},
	} {
		if got := len(zoneLines(tc.src)); got != tc.want {
			t.Errorf("%q: got %d definitions, want %d", tc.src, got, tc.want)
		}
	}
}
