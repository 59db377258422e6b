package countylink_test

import (
	"os"
	"testing"

	"github.com/yichuang/yichuang/app/internal/halltest"
)

// TestMain removes the countyd binary built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	halltest.Cleanup()
	os.Exit(code)
}
