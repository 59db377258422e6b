package county

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Device secrets at rest. Devices enrolled before 0.8 sign with an HMAC
// secret the county must hold to check them. Until such a device moves to
// a key pair (it does at its first sync after upgrading; see RekeyRequest)
// its secret is kept sealed with AES-256-GCM under a key held in a file
// apart from the database: a copy of the database alone (a backup, a
// dump, a PostgreSQL server in another room) yields no secret. The key
// file is made on first use, readable by its owner only.

// secretPrefix marks a sealed secret; anything else is a secret stored in
// clear by a county before 0.8, sealed when the store opens.
const secretPrefix = "v1:"

type secretBox struct{ aead cipher.AEAD }

// WithSecretsKey sets the file holding the key that seals device secrets
// [secrets.key beside the database].
func WithSecretsKey(path string) SQLiteOption {
	return func(s *SQLite) { s.secretsKey = path }
}

// loadSecretBox reads the key file, making it when it does not exist.
func loadSecretBox(path string) (*secretBox, error) {
	key, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key = make([]byte, 32)
		rand.Read(key)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("device secrets key: %w", err)
		}
		if key, err = createKeyFile(path, key); err != nil {
			return nil, fmt.Errorf("device secrets key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("device secrets key: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("device secrets key %s: want 32 bytes, found %d", path, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &secretBox{aead: aead}, nil
}

// createKeyFile puts key at path whole, unless another process got there
// first (two countyd instances starting at once on one data directory):
// then both use that one. Written aside and linked into place, so nobody
// reads a half-written key.
func createKeyFile(path string, key []byte) ([]byte, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".secrets-key-*") // 0600
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	_, werr := f.Write(key)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return nil, err
	}
	if err := os.Link(f.Name(), path); errors.Is(err, os.ErrExist) {
		return os.ReadFile(path)
	} else if err != nil {
		return nil, err
	}
	return key, nil
}

// seal encrypts a device's secret, bound to the device id so a sealed
// secret moved to another device's row does not open.
func (b *secretBox) seal(deviceID, secret string) string {
	nonce := make([]byte, b.aead.NonceSize())
	rand.Read(nonce)
	ct := b.aead.Seal(nonce, nonce, []byte(secret), []byte(deviceID))
	return secretPrefix + base64.RawStdEncoding.EncodeToString(ct)
}

// open decrypts a stored secret ("" stays "").
func (b *secretBox) open(deviceID, stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	raw, ok := strings.CutPrefix(stored, secretPrefix)
	if !ok {
		return stored, nil // sealed at the next open
	}
	ct, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(ct) < b.aead.NonceSize() {
		return "", errors.New("sealed device secret is damaged")
	}
	pt, err := b.aead.Open(nil, ct[:b.aead.NonceSize()], ct[b.aead.NonceSize():], []byte(deviceID))
	if err != nil {
		return "", errors.New("device secret does not open with this county's key")
	}
	return string(pt), nil
}

// sealClearSecrets seals secrets a county before 0.8 stored in clear.
func (s *SQLite) sealClearSecrets(ctx context.Context) error {
	return s.update(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, secret FROM devices WHERE secret <> '' AND secret NOT LIKE 'v1:%'`)
		if err != nil {
			return fmt.Errorf("read clear secrets: %w", err)
		}
		clear := map[string]string{}
		for rows.Next() {
			var id, secret string
			if err := rows.Scan(&id, &secret); err != nil {
				rows.Close()
				return err
			}
			clear[id] = secret
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for id, secret := range clear {
			if _, err := tx.ExecContext(ctx, `UPDATE devices SET secret = ? WHERE id = ?`, s.box.seal(id, secret), id); err != nil {
				return fmt.Errorf("seal secret: %w", err)
			}
		}
		return nil
	})
}
