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
)

// MaxSize is the largest file accepted: 20 MB, a generous multi-page scan.
const MaxSize = 20 << 20

// Messages.
var (
	ErrTooLarge = msg.New("文件“{{.Name}}”超过20MB，请降低扫描分辨率或分页上传")
	ErrType     = msg.New("文件“{{.Name}}”不是图片（JPG、PNG、TIFF、BMP）或PDF，不能作为材料上传")
	ErrEmpty    = msg.New("文件“{{.Name}}”是空的")
)

// Store keeps files under Dir/ab/cd/<sha256>.
type Store struct {
	Dir string
}

// Put reads a file, checks its size and type by content (not by its name),
// and stores it. It returns the attachment record for the case.
func (s Store) Put(r io.Reader, name string) (cases.Attachment, error) {
	name = filepath.Base(strings.TrimSpace(name))
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return cases.Attachment{}, fmt.Errorf("blob dir: %w", err)
	}
	tmp, err := os.CreateTemp(s.Dir, ".incoming-*")
	if err != nil {
		return cases.Attachment{}, fmt.Errorf("blob temp file: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename this is a no-op
	h := sha256.New()
	head := &prefix{max: 512}
	n, err := io.Copy(io.MultiWriter(tmp, h, head), io.LimitReader(r, MaxSize+1))
	if err != nil {
		tmp.Close()
		return cases.Attachment{}, fmt.Errorf("read %s: %w", name, err)
	}
	switch {
	case n == 0:
		tmp.Close()
		return cases.Attachment{}, msg.New(ErrEmpty.Key, "Name", name)
	case n > MaxSize:
		tmp.Close()
		return cases.Attachment{}, msg.New(ErrTooLarge.Key, "Name", name)
	}
	typ := sniff(head.b)
	if typ == "" {
		tmp.Close()
		return cases.Attachment{}, msg.New(ErrType.Key, "Name", name)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return cases.Attachment{}, fmt.Errorf("sync %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return cases.Attachment{}, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	final := s.Path(sum)
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return cases.Attachment{}, err
	}
	if _, err := os.Stat(final); errors.Is(err, os.ErrNotExist) {
		if err := os.Rename(tmp.Name(), final); err != nil {
			return cases.Attachment{}, fmt.Errorf("store %s: %w", name, err)
		}
	}
	return cases.Attachment{SHA256: sum, Name: name, Size: n, Type: typ}, nil
}

// Path returns where a file with the given SHA-256 is kept.
func (s Store) Path(sum string) string {
	if len(sum) < 4 {
		return filepath.Join(s.Dir, sum)
	}
	return filepath.Join(s.Dir, sum[:2], sum[2:4], sum)
}

// Verify re-hashes a stored file and reports whether it is intact.
func (s Store) Verify(sum string) error {
	f, err := os.Open(s.Path(sum))
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return fmt.Errorf("blob %s is damaged: content hashes to %s", sum, got)
	}
	return nil
}

type prefix struct {
	b   []byte
	max int
}

func (p *prefix) Write(b []byte) (int, error) {
	if room := p.max - len(p.b); room > 0 {
		p.b = append(p.b, b[:min(room, len(b))]...)
	}
	return len(b), nil
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
