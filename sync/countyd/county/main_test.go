package county_test

import (
	"os"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
)

// TestMain stops the PostgreSQL server the contract tests started, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Cleanup()
	os.Exit(code)
}
