package blobs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/app/vault"
)

// key is an open data key, as the store gives it.
type key struct{ k *vault.Key }

func (k key) DataKey() (*vault.Key, error) { return k.k, nil }

func newStore(t *testing.T) Store { return Store{Dir: t.TempDir(), Keys: key{vault.New()}} }

func TestPut(t *testing.T) {
	s := newStore(t)
	pdf := []byte("%PDF-1.4\n% scanned application form\n")
	a, err := s.Put(bytes.NewReader(pdf), "/home/clerk/扫描/申请书.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "申请书.pdf" || a.Type != "application/pdf" || a.Size != int64(len(pdf)) || len(a.SHA256) != 64 {
		t.Errorf("attachment = %+v", a)
	}
	if got, err := s.Open(a.SHA256); err != nil || !bytes.Equal(got, pdf) {
		t.Errorf("stored content differs: %v", err)
	}
	if raw, _ := os.ReadFile(s.Path(a.SHA256)); bytes.Contains(raw, []byte("scanned application form")) {
		t.Error("the file on disk is in clear")
	}
	if _, err := (Store{Dir: s.Dir, Keys: key{vault.New()}}).Open(a.SHA256); err == nil {
		t.Error("another machine's key opened the file")
	}
	if err := s.Verify(a.SHA256); err != nil {
		t.Error(err)
	}
	// The same content under another name is the same blob.
	b, err := s.Put(bytes.NewReader(pdf), "copy.pdf")
	if err != nil || b.SHA256 != a.SHA256 {
		t.Errorf("second put: %+v, %v", b, err)
	}
	raw, _ := os.ReadFile(s.Path(a.SHA256))
	raw[len(raw)-1] ^= 1
	os.WriteFile(s.Path(a.SHA256), raw, 0o600)
	if err := s.Verify(a.SHA256); err == nil {
		t.Error("Verify accepted a damaged file")
	}
}

// A file received under its name is stored only if it is that file.
func TestPutAs(t *testing.T) {
	s := newStore(t)
	a, _ := s.Put(bytes.NewReader([]byte("%PDF-1.4 one")), "one.pdf")
	if _, err := s.PutAs(bytes.NewReader([]byte("%PDF-1.4 two")), a.SHA256); !errors.Is(err, ErrHashMismatch) {
		t.Errorf("another file under a stored name: %v", err)
	}
	if err := s.Verify(a.SHA256); err != nil {
		t.Errorf("the stored file after the refused one: %v", err)
	}
}

// Files kept in clear by a release before 0.8 are sealed by Seal.
func TestSealOldFiles(t *testing.T) {
	s := newStore(t)
	pdf := []byte("%PDF-1.4 an old scan")
	sum := sha256.Sum256(pdf)
	name := hex.EncodeToString(sum[:])
	os.MkdirAll(filepath.Dir(s.Path(name)), 0o700)
	os.WriteFile(s.Path(name), pdf, 0o644)
	if got, err := s.Open(name); err != nil || !bytes.Equal(got, pdf) {
		t.Fatalf("an old file before sealing: %v", err)
	}
	if n, err := s.Seal(); err != nil || n != 1 {
		t.Fatalf("seal: %d, %v", n, err)
	}
	raw, _ := os.ReadFile(s.Path(name))
	info, _ := os.Stat(s.Path(name))
	if bytes.Contains(raw, []byte("old scan")) || info.Mode().Perm() != 0o600 {
		t.Errorf("after sealing: clear %v, mode %v", bytes.Contains(raw, []byte("old scan")), info.Mode().Perm())
	}
	if err := s.Verify(name); err != nil {
		t.Error(err)
	}
}

func TestPutRejects(t *testing.T) {
	s := newStore(t)
	tests := []struct {
		name string
		r    io.Reader
		want error
	}{
		{"empty.jpg", strings.NewReader(""), ErrEmpty},
		{"virus.jpg", strings.NewReader("MZ\x90\x00 this is an exe"), ErrType},
		{"notes.txt", strings.NewReader("just text"), ErrType},
		{"huge.jpg", io.MultiReader(bytes.NewReader([]byte{0xFF, 0xD8, 0xFF, 0xE0}), io.LimitReader(zeros{}, MaxSize)), ErrTooLarge},
	}
	for _, tt := range tests {
		_, err := s.Put(tt.r, tt.name)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	entries, _ := os.ReadDir(s.Dir)
	if len(entries) != 0 {
		t.Errorf("rejected files left %d entries behind", len(entries))
	}
	// Exactly 20 MB is fine.
	a, err := s.Put(io.MultiReader(bytes.NewReader([]byte{0xFF, 0xD8, 0xFF, 0xE0}), io.LimitReader(zeros{}, MaxSize-4)), "big.jpg")
	if err != nil || a.Size != MaxSize || a.Type != "image/jpeg" {
		t.Errorf("20 MB jpeg: %+v, %v", a, err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
