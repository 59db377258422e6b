package blobs

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

func TestPut(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	pdf := []byte("%PDF-1.4\n% scanned application form\n")
	a, err := s.Put(bytes.NewReader(pdf), "/home/clerk/扫描/申请书.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "申请书.pdf" || a.Type != "application/pdf" || a.Size != int64(len(pdf)) || len(a.SHA256) != 64 {
		t.Errorf("attachment = %+v", a)
	}
	if got, _ := os.ReadFile(s.Path(a.SHA256)); !bytes.Equal(got, pdf) {
		t.Error("stored content differs")
	}
	if err := s.Verify(a.SHA256); err != nil {
		t.Error(err)
	}
	// The same content under another name is the same blob.
	b, err := s.Put(bytes.NewReader(pdf), "copy.pdf")
	if err != nil || b.SHA256 != a.SHA256 {
		t.Errorf("second put: %+v, %v", b, err)
	}
	os.WriteFile(s.Path(a.SHA256), []byte("%PDF-tampered"), 0o600)
	if err := s.Verify(a.SHA256); err == nil {
		t.Error("Verify accepted a damaged file")
	}
}

func TestPutRejects(t *testing.T) {
	s := Store{Dir: t.TempDir()}
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
