package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/internal/halltest"
)

// TestMain removes the countyd binary built for the tests. In a child
// process of TestEveryScreenFits it is the kiosk instead (screenTour).
func TestMain(m *testing.M) {
	if tour := os.Getenv(tourEnv); tour != "" {
		os.Exit(screenTour(m, tour))
	}
	code := m.Run()
	halltest.Cleanup()
	for _, b := range []*built{&kioskBuild, &bareFyne, &nextBuild} {
		if b.path != "" {
			os.RemoveAll(filepath.Dir(b.path))
		}
	}
	os.Exit(code)
}

// signIn fills the login form under Xvfb and waits for the workspace
// (sign-in checks argon2id, then builds it).
func signIn(t *testing.T, display, login, secret string) {
	// Every sign-in screen opens with the cursor in the login field
	// (TestLoginFocusesTheLoginField): no coordinates to go stale.
	time.Sleep(300 * time.Millisecond)
	typeText(t, display, login)
	xdo(t, display, "key", "Tab")
	typeText(t, display, secret)
	xdo(t, display, "key", "Return")
	time.Sleep(2 * time.Second)
}
