package county

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// blobPath is where an attachment's bytes live: blobs/ab/cd/<sha256>, so no
// directory grows past 65,536 entries' worth of fan-out.
func (s *SQLite) blobPath(sha string) string {
	return filepath.Join(s.blobDir, sha[:2], sha[2:4], sha)
}

func (s *SQLite) blobLock(sha string) func() {
	n, _ := strconv.ParseUint(sha[:2], 16, 8)
	m := &s.blobLocks[n%uint64(len(s.blobLocks))]
	m.Lock()
	return m.Unlock
}

// Blob returns what is stored of an attachment.
func (s *SQLite) Blob(ctx context.Context, sha string) (BlobState, error) {
	if !isSHA256(sha) {
		return BlobState{}, invalid("attachment name must be 64 lowercase hex digits")
	}
	return s.blobState(ctx, s.r, sha)
}

type rowQueryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *SQLite) blobState(ctx context.Context, q rowQueryer, sha string) (BlobState, error) {
	b := BlobState{SHA256: sha}
	var done sql.NullString
	err := q.QueryRowContext(ctx, `SELECT total, stored, completed_at FROM blobs WHERE sha256 = ?`, sha).Scan(&b.Total, &b.Stored, &done)
	if errors.Is(err, sql.ErrNoRows) {
		return b, ErrNotFound
	}
	if err != nil {
		return b, fmt.Errorf("read blob: %w", err)
	}
	b.Complete = done.Valid
	return b, nil
}

// PutBlob stores a chunk at offset of an attachment of total bytes.
//
// The database row is the truth about how much is stored: the file is cut
// back to it before each write, so bytes written before a crash but never
// recorded are overwritten, not kept twice. The file is synced before the
// row is updated, so a recorded length is always on disk.
//
// An unfinished upload announced with another total is discarded and
// started over (a complete blob was checked against its name, so its
// total is right; a partial one may come from a broken client, and must not
// block a good one for ever).
func (s *SQLite) PutBlob(ctx context.Context, sha string, offset, total int64, chunk []byte) (BlobState, error) {
	switch {
	case !isSHA256(sha):
		return BlobState{}, invalid("attachment name must be 64 lowercase hex digits")
	case total < 0 || offset < 0:
		return BlobState{}, invalid("offset and total must not be negative")
	case total > MaxBlob:
		return BlobState{}, ErrTooLarge
	}
	defer s.blobLock(sha)()
	st, err := s.blobState(ctx, s.r, sha)
	found := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return st, err
	}
	if found && st.Complete {
		return st, nil // already here (another case, another kiosk)
	}
	path := s.blobPath(sha)
	if found && st.Total != total {
		if err := s.dropBlob(ctx, sha); err != nil {
			return st, err
		}
		found = false
	}
	if !found {
		st = BlobState{SHA256: sha, Total: total}
	}
	if offset != st.Stored {
		return st, &OffsetError{Stored: st.Stored}
	}
	if int64(len(chunk)) > total-offset {
		return st, invalid("a chunk of %d bytes at %d goes past the total length %d", len(chunk), offset, total)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return st, fmt.Errorf("create blob directory: %w", err)
	}
	if err := writeAt(path, offset, chunk); err != nil {
		return st, err
	}
	st.Stored = offset + int64(len(chunk))
	if st.Stored == total {
		got, err := fileSHA256(path)
		if err != nil {
			return st, err
		}
		if got != sha {
			if err := s.dropBlob(ctx, sha); err != nil {
				return st, err
			}
			return BlobState{SHA256: sha}, ErrHashMismatch
		}
		st.Complete = true
	}
	now := ts(s.now())
	var done sql.NullString
	if st.Complete {
		done = sql.NullString{String: now, Valid: true}
	}
	err = s.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, total, stored, created_at, updated_at, completed_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (sha256) DO UPDATE SET total = excluded.total, stored = excluded.stored, updated_at = excluded.updated_at,
			completed_at = excluded.completed_at`, sha, total, st.Stored, now, now, done)
		if err != nil {
			return fmt.Errorf("record blob: %w", err)
		}
		return nil
	})
	return st, err
}

// dropBlob forgets an attachment: the row first, so a crash in between
// leaves a stray file (cut back on the next write) rather than a row
// pointing at missing bytes.
func (s *SQLite) dropBlob(ctx context.Context, sha string) error {
	err := s.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM blobs WHERE sha256 = ?`, sha); err != nil {
			return fmt.Errorf("delete blob: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := os.Remove(s.blobPath(sha)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove blob file: %w", err)
	}
	return nil
}

// writeAt cuts the file to offset, writes chunk there and syncs it.
func writeAt(path string, offset int64, chunk []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open blob file: %w", err)
	}
	if err := f.Truncate(offset); err != nil {
		f.Close()
		return fmt.Errorf("cut blob file: %w", err)
	}
	if _, err := f.WriteAt(chunk, offset); err != nil {
		f.Close()
		return fmt.Errorf("write blob file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync blob file: %w", err)
	}
	return f.Close()
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open blob file: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash blob file: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
