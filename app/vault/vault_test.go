package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	k := New()
	plain := []byte(`{"id_number":"330522199003150024"}`)
	s := k.SealText(plain, "cases.doc")
	if strings.Contains(s, "330522") || !IsSealedText(s) || !json.Valid([]byte(s)) {
		t.Fatalf("sealed text %q: holds the number, or is not a JSON string", s)
	}
	got, err := k.OpenText(s, "cases.doc")
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := k.OpenText(s, "outbox.payload"); !errors.Is(err, ErrDamaged) {
		t.Errorf("opened under another name: %v", err)
	}
	if _, err := New().OpenText(s, "cases.doc"); !errors.Is(err, ErrDamaged) {
		t.Errorf("opened with another key: %v", err)
	}
	if s2 := k.SealText(plain, "cases.doc"); s2 == s {
		t.Error("the same value sealed twice looks the same")
	}
}

func TestFiles(t *testing.T) {
	k := New()
	path := filepath.Join(t.TempDir(), "ab", "scan")
	scan := append([]byte("\xff\xd8\xff"), bytes.Repeat([]byte("身份证"), 1000)...)
	if err := k.WriteFile(path, scan, "sha"); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, []byte("身份证")) || !IsSealedFile(raw) {
		t.Error("the file on disk holds the content")
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", info.Mode().Perm())
	}
	got, err := k.ReadFile(path, "sha")
	if err != nil || !bytes.Equal(got, scan) {
		t.Fatalf("read: %v", err)
	}
}

func TestWraps(t *testing.T) {
	k := New()
	w := WrapWithSecret(k, "wl258147")
	got, err := UnwrapWithSecret(w, "wl258147")
	if err != nil || !bytes.Equal(got.Bytes(), k.Bytes()) {
		t.Fatalf("unwrap: %v", err)
	}
	if _, err := UnwrapWithSecret(w, "wl258148"); !errors.Is(err, ErrWrongSecret) {
		t.Errorf("wrong secret: %v", err)
	}
	kek := New()
	sealed := WrapWithKey(k, kek)
	if got, err := UnwrapWithKey(sealed, kek); err != nil || !bytes.Equal(got.Bytes(), k.Bytes()) {
		t.Errorf("unwrap with key: %v", err)
	}
	if _, err := UnwrapWithKey(sealed, New()); !errors.Is(err, ErrWrongSecret) {
		t.Errorf("unwrap with another key: %v", err)
	}
	if bytes.Equal(k.Derive("ids"), k.Derive("mobiles")) || !bytes.Equal(k.Derive("ids"), k.Derive("ids")) {
		t.Error("derived keys")
	}
}
