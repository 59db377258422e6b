package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/sync/countyd/county"
)

func TestStaffAdd(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("Qingshan-2026!\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  int
	}{
		{"first admin from stdin", []string{"-login", "admin", "-name", "张管理", "-role", "admin"}, "Qingshan-2026!\n", 0},
		{"from a file", []string{"-login", "lishen", "-name", "李审", "-role", "reviewer", "-password-file", pwFile}, "", 0},
		{"taken login", []string{"-login", "admin", "-name", "张管理", "-role", "admin"}, "Qingshan-2026!\n", 1},
		{"short password", []string{"-login", "short", "-name", "短", "-role", "reviewer"}, "abc123\n", 1},
		{"bad role", []string{"-login", "x1", "-name", "某", "-role", "boss"}, "Qingshan-2026!\n", 1},
	}
	for _, tt := range tests {
		stdin = strings.NewReader(tt.stdin)
		var out, errOut bytes.Buffer
		got := run(context.Background(), append([]string{"staff-add", "-data", dir}, tt.args...), &out, &errOut)
		if got != tt.want {
			t.Errorf("%s: exit %d (%s), want %d", tt.name, got, errOut.String(), tt.want)
		}
		if strings.Contains(out.String()+errOut.String(), "Qingshan") {
			t.Errorf("%s: the password was echoed", tt.name)
		}
	}
	stdin = os.Stdin
	st, err := county.OpenSQLite(context.Background(), filepath.Join(dir, "county.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, login := range []string{"admin", "lishen"} {
		s, err := st.StaffByLogin(context.Background(), login)
		if err != nil {
			t.Fatalf("%s: %v", login, err)
		}
		if ok, err := clerks.Verify(s.PasswordHash, "Qingshan-2026!"); !ok || err != nil {
			t.Errorf("%s: password does not verify (%v)", login, err)
		}
	}
	if _, err := st.StaffByLogin(context.Background(), "short"); err == nil {
		t.Error("an account with a short password was created")
	}
}

// TestDeviceKeyIsKept: the key of the back office's device cookies is made
// once, readable by countyd alone, and the same after a restart.
func TestDeviceKeyIsKept(t *testing.T) {
	dir := t.TempDir()
	first, err := deviceKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := deviceKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 32 || !bytes.Equal(first, again) {
		t.Errorf("key of %d bytes, then another: %x, %x", len(first), first, again)
	}
	fi, err := os.Stat(filepath.Join(dir, "office-device.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, mode %v; want 0600", err, fi.Mode())
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "office-device.key.*")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
}
