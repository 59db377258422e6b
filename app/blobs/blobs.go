// Package blobs stores scanned files (身份证扫描件, 申请书照片 …) on disk by
// their SHA-256, so a file attached twice is kept once, a file's name can
// never collide with another's, and sync can upload each exactly once and
// the county can check what it received.
package blobs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/vault"
)

// MaxSize is the largest file accepted: 20 MB, a generous multi-page scan.
const MaxSize = 20 << 20

// Messages.
var (
	ErrTooLarge = msg.New("文件“{{.Name}}”超过20MB，请降低扫描分辨率或分页上传")
	ErrType     = msg.New("文件“{{.Name}}”不是图片（JPG、PNG、TIFF、BMP）或PDF，不能作为材料上传")
	ErrEmpty    = msg.New("文件“{{.Name}}”是空的")
)

// Keys gives the data key files are sealed with (the store's, once the
// machine's data is open).
type Keys interface {
	DataKey() (*vault.Key, error)
}

// Store keeps files under Dir/ab/cd/<sha256>, sealed with the machine's
// data key (docs/security.md): a copied disk holds no readable scan. The
// name is the SHA-256 of the file as scanned, which is what the county
// and the hall know it by. Files from before 0.8 are in clear until Seal
// seals them.
type Store struct {
	Dir  string
	Keys Keys
}

// Put reads a file, checks its size and type by content (not by its name),
// and stores it. It returns the attachment record for the case.
func (s Store) Put(r io.Reader, name string) (cases.Attachment, error) {
	return s.put(r, name, "")
}

// ErrHashMismatch: a file received from another machine is not what it
// was named; nothing was stored.
var ErrHashMismatch = errors.New("blobs: the file does not match its name")

// PutAs stores a file received by its name (its SHA-256), refusing it
// without storing anything when the content is something else.
func (s Store) PutAs(r io.Reader, sum string) (cases.Attachment, error) {
	return s.put(r, sum, sum)
}

func (s Store) put(r io.Reader, name, want string) (cases.Attachment, error) {
	name = filepath.Base(strings.TrimSpace(name))
	b, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return cases.Attachment{}, fmt.Errorf("read %s: %w", name, err)
	}
	switch {
	case len(b) == 0:
		return cases.Attachment{}, msg.New(ErrEmpty.Key, "Name", name)
	case len(b) > MaxSize:
		return cases.Attachment{}, msg.New(ErrTooLarge.Key, "Name", name)
	}
	typ := sniff(b[:min(len(b), 512)])
	if typ == "" {
		return cases.Attachment{}, msg.New(ErrType.Key, "Name", name)
	}
	sum := sha256.Sum256(b)
	sha := hex.EncodeToString(sum[:])
	if want != "" && sha != want {
		return cases.Attachment{}, ErrHashMismatch
	}
	if !s.Has(sha) {
		if err := s.write(sha, b); err != nil {
			return cases.Attachment{}, fmt.Errorf("store %s: %w", name, err)
		}
	}
	return cases.Attachment{SHA256: sha, Name: name, Size: int64(len(b)), Type: typ}, nil
}

// write seals b under its name.
func (s Store) write(sum string, b []byte) error {
	k, err := s.key()
	if err != nil {
		return err
	}
	return k.WriteFile(s.Path(sum), b, sum)
}

func (s Store) key() (*vault.Key, error) {
	if s.Keys == nil {
		return nil, errors.New("blobs: no data key configured")
	}
	return s.Keys.DataKey()
}

// Open returns a stored file's content.
func (s Store) Open(sum string) ([]byte, error) {
	b, err := os.ReadFile(s.Path(sum))
	if err != nil {
		return nil, err
	}
	if !vault.IsSealedFile(b) {
		return b, nil // from before 0.8, sealed by Seal
	}
	k, err := s.key()
	if err != nil {
		return nil, err
	}
	return k.ReadFile(s.Path(sum), sum)
}

// Has says whether a file is stored.
func (s Store) Has(sum string) bool {
	_, err := os.Stat(s.Path(sum))
	return err == nil
}

// Remove forgets a stored file.
func (s Store) Remove(sum string) error {
	if err := os.Remove(s.Path(sum)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Path returns where a file with the given SHA-256 is kept.
func (s Store) Path(sum string) string {
	if len(sum) < 4 {
		return filepath.Join(s.Dir, sum)
	}
	return filepath.Join(s.Dir, sum[:2], sum[2:4], sum)
}

// Verify reads a stored file and reports whether it is intact.
func (s Store) Verify(sum string) error {
	b, err := s.Open(sum)
	if err != nil {
		return err
	}
	h := sha256.Sum256(b)
	if got := hex.EncodeToString(h[:]); got != sum {
		return fmt.Errorf("blob %s is damaged: content hashes to %s", sum, got)
	}
	return nil
}

// Seal seals the files still in clear (kept by a release before 0.8), and
// returns how many.
func (s Store) Seal() (int, error) {
	k, err := s.key()
	if err != nil {
		return 0, err
	}
	return k.SealDir(s.Dir, func(path string) (string, bool) {
		sum := filepath.Base(path)
		return sum, len(sum) == 64 && path == s.Path(sum)
	})
}

// sniff recognises the file types a scanner or phone produces.
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "image/tiff"
	case bytes.HasPrefix(b, []byte("BM")) && len(b) > 14:
		return "image/bmp"
	}
	return ""
}
