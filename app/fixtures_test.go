package main

import (
	"os"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/internal/halltest"
)

// TestMain removes the countyd binary built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	halltest.Cleanup()
	os.Exit(code)
}

// signIn fills the login form under Xvfb and waits for the workspace
// (sign-in checks argon2id, then builds it).
func signIn(t *testing.T, display, login, secret string) {
	clickAt(t, display, 676, 199)
	typeText(t, display, login)
	clickAt(t, display, 660, 243)
	typeText(t, display, secret)
	xdo(t, display, "key", "Return")
	time.Sleep(2 * time.Second)
}
