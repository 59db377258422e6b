// Package vault provides the kiosk's data key: the key that seals
// personal data (case documents, outbox payloads, scans, printed papers,
// the device's credentials) on disk, so a copied disk yields none of it
// (docs/security.md).
//
// The data key is random and never written in clear. It is kept wrapped:
// by each staff account's sign-in secret (argon2id), and on a machine of a
// hall by a key its hub holds for it. Unwrapping it is "unlocking" the
// machine; a machine that starts has it only after a sign-in, or after its
// hub gave it the key.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Key is a 256-bit AES-GCM key.
type Key struct {
	raw  [32]byte
	aead cipher.AEAD
}

// New makes a random key.
func New() *Key {
	var b [32]byte
	rand.Read(b[:])
	k, _ := FromBytes(b[:])
	return k
}

// FromBytes makes a key of 32 bytes.
func FromBytes(b []byte) (*Key, error) {
	if len(b) != 32 {
		return nil, fmt.Errorf("vault: a key is 32 bytes, not %d", len(b))
	}
	k := &Key{}
	copy(k.raw[:], b)
	block, err := aes.NewCipher(k.raw[:])
	if err != nil {
		return nil, err
	}
	if k.aead, err = cipher.NewGCM(block); err != nil {
		return nil, err
	}
	return k, nil
}

// Bytes is the key itself (to wrap it, or hand it over a pinned link).
func (k *Key) Bytes() []byte { return append([]byte(nil), k.raw[:]...) }

// ErrDamaged means sealed bytes do not open with the key: damaged, or
// sealed under another key.
var ErrDamaged = errors.New("vault: sealed data does not open with this key")

// Seal encrypts and authenticates plain, bound to aad (what the value is,
// so a sealed value moved to another place does not open there).
func (k *Key) Seal(plain, aad []byte) []byte {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	rand.Read(nonce)
	return k.aead.Seal(nonce, nonce, plain, aad)
}

// Open decrypts what Seal made with the same aad.
func (k *Key) Open(sealed, aad []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n+k.aead.Overhead() {
		return nil, ErrDamaged
	}
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, ErrDamaged
	}
	return plain, nil
}

// Derive is a key for another purpose (an index of ID numbers, say),
// fixed for the data key and the label.
func (k *Key) Derive(label string) []byte {
	m := hmac.New(sha256.New, k.raw[:])
	m.Write([]byte("yichuang vault derive\x00" + label))
	return m.Sum(nil)
}

// textPrefix marks a sealed text. It is a JSON string, so a sealed value
// fits a column that must hold valid JSON.
const textPrefix = `"ycs1:`

// SealText seals a text value for a database column.
func (k *Key) SealText(plain []byte, aad string) string {
	return textPrefix + base64.RawStdEncoding.EncodeToString(k.Seal(plain, []byte(aad))) + `"`
}

// IsSealedText says whether a column value is sealed.
func IsSealedText(s string) bool {
	return strings.HasPrefix(s, textPrefix) && strings.HasSuffix(s, `"`)
}

// OpenText opens a sealed column value.
func (k *Key) OpenText(s, aad string) ([]byte, error) {
	if !IsSealedText(s) {
		return nil, ErrDamaged
	}
	b, err := base64.RawStdEncoding.DecodeString(s[len(textPrefix) : len(s)-1])
	if err != nil {
		return nil, ErrDamaged
	}
	return k.Open(b, []byte(aad))
}

// fileMagic starts a sealed file.
var fileMagic = []byte("YCF1")

// IsSealedFile says whether b is a sealed file's content.
func IsSealedFile(b []byte) bool {
	return len(b) >= len(fileMagic) && string(b[:len(fileMagic)]) == string(fileMagic)
}

// WriteFile seals plain into path, through a temporary file in the same
// directory and a rename, readable by its owner only. aad names what the
// file is (its content hash, say).
func (k *Key) WriteFile(path string, plain []byte, aad string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sealing-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(append(append([]byte(nil), fileMagic...), k.Seal(plain, []byte(aad))...))
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		return fmt.Errorf("seal %s: %w", filepath.Base(path), err)
	}
	return os.Rename(tmp.Name(), path)
}

// ReadFile opens a sealed file.
func (k *Key) ReadFile(path, aad string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !IsSealedFile(b) {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), ErrDamaged)
	}
	return k.Open(b[len(fileMagic):], []byte(aad))
}

// SealDir seals the files under dir that are still in clear (kept by a
// release before 0.8), each with the associated data aad gives for its
// path (ok false leaves a file alone), and returns how many it sealed.
func (k *Key) SealDir(dir string, aad func(path string) (string, bool)) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		a, ok := aad(path)
		if !ok {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil || IsSealedFile(b) {
			return err
		}
		if err := k.WriteFile(path, b, a); err != nil {
			return err
		}
		n++
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return n, nil
	}
	return n, err
}

// Wrapping by a secret. The parameters are stronger than a sign-in check's
// (clerks.Hash): the wrap is what a thief with the disk attacks offline,
// so each guess should cost him more; a sign-in pays it once.
const (
	wrapTime    = 3
	wrapMemory  = 64 * 1024
	wrapThreads = 1
)

// Wrap is the data key sealed under a key derived from a secret.
type Wrap struct {
	Salt   []byte
	Time   uint32
	Memory uint32
	Sealed []byte
}

// ErrWrongSecret means a wrap does not open with the secret given.
var ErrWrongSecret = errors.New("vault: the secret does not open this wrap")

// WrapWithSecret seals k under argon2id(secret).
func WrapWithSecret(k *Key, secret string) Wrap {
	w := Wrap{Salt: make([]byte, 16), Time: wrapTime, Memory: wrapMemory}
	rand.Read(w.Salt)
	kek, _ := FromBytes(argon2.IDKey([]byte(secret), w.Salt, w.Time, w.Memory, wrapThreads, 32))
	w.Sealed = kek.Seal(k.raw[:], []byte("data key"))
	return w
}

// UnwrapWithSecret opens a wrap with a secret.
func UnwrapWithSecret(w Wrap, secret string) (*Key, error) {
	if w.Time == 0 || w.Time > 10 || w.Memory == 0 || w.Memory > 1<<20 {
		return nil, errors.New("vault: wrap parameters out of range")
	}
	kek, _ := FromBytes(argon2.IDKey([]byte(secret), w.Salt, w.Time, w.Memory, wrapThreads, 32))
	raw, err := kek.Open(w.Sealed, []byte("data key"))
	if err != nil {
		return nil, ErrWrongSecret
	}
	return FromBytes(raw)
}

// WrapWithKey seals k under another key (a key the hall's hub holds for
// this machine).
func WrapWithKey(k, kek *Key) []byte { return kek.Seal(k.raw[:], []byte("data key")) }

// UnwrapWithKey opens what WrapWithKey made.
func UnwrapWithKey(sealed []byte, kek *Key) (*Key, error) {
	raw, err := kek.Open(sealed, []byte("data key"))
	if err != nil {
		return nil, ErrWrongSecret
	}
	return FromBytes(raw)
}
