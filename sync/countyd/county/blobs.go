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
	return blobState(ctx, s.r, sha)
}

type rowQueryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func blobState(ctx context.Context, q rowQueryer, sha string) (BlobState, error) {
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

// partialPath is where a device's unfinished upload lives: apart from
// every other device's, so no upload can disturb another.
func (s *SQLite) partialPath(deviceID, sha string) string {
	return filepath.Join(s.blobDir, "partial", deviceID, sha)
}

// MaxOpenUploads is how many unfinished uploads one device may have: a
// kiosk uploads one file at a time.
const MaxOpenUploads = 50

// DeviceBlob is what a device may know of an attachment: stored whole
// when a device of its service point sent it, or its own unfinished
// upload; ErrNotFound otherwise, whatever the county holds.
func (s *SQLite) DeviceBlob(ctx context.Context, dev Device, sha string) (BlobState, error) {
	if !isSHA256(sha) {
		return BlobState{}, invalid("attachment name must be 64 lowercase hex digits")
	}
	return deviceBlob(ctx, s.r, dev, sha)
}

func deviceBlob(ctx context.Context, q rowQueryer, dev Device, sha string) (BlobState, error) {
	if st, ok, err := pointBlob(ctx, q, dev.Point.Code, sha); err != nil || ok {
		return st, err
	}
	st := BlobState{SHA256: sha}
	err := q.QueryRowContext(ctx, `SELECT total, stored FROM blob_uploads WHERE device_id = ? AND sha256 = ?`, dev.ID, sha).
		Scan(&st.Total, &st.Stored)
	if errors.Is(err, sql.ErrNoRows) {
		return st, ErrNotFound
	}
	if err != nil {
		return st, fmt.Errorf("read upload: %w", err)
	}
	return st, nil
}

// pointBlob is a complete attachment a device of point sent.
func pointBlob(ctx context.Context, q rowQueryer, point, sha string) (BlobState, bool, error) {
	st := BlobState{SHA256: sha}
	err := q.QueryRowContext(ctx, `SELECT b.total FROM blobs b JOIN blob_points p ON p.sha256 = b.sha256
		WHERE b.sha256 = ? AND p.point_code = ? AND b.completed_at IS NOT NULL`, sha, point).Scan(&st.Total)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("read blob: %w", err)
	}
	st.Stored, st.Complete = st.Total, true
	return st, true, nil
}

// PutBlob stores a chunk at offset of a device's upload of total bytes.
//
// The database row is the truth about how much is stored: the file is cut
// back to it before each write, so bytes written before a crash but never
// recorded are overwritten, not kept twice. The file is synced before the
// row is updated, so a recorded length is always on disk. A finished
// upload is checked against its name and then becomes the county's file
// (or, when the county has it already from another point, proves that
// this point has it too and is dropped).
//
// An unfinished upload announced with another total is discarded and
// started over: the device restarted it.
func (s *SQLite) PutBlob(ctx context.Context, dev Device, sha string, offset, total int64, chunk []byte) (BlobState, error) {
	if err := checkPut(sha, offset, total); err != nil {
		return BlobState{}, err
	}
	defer s.blobLock(sha)()
	if st, ok, err := pointBlob(ctx, s.r, dev.Point.Code, sha); err != nil || ok {
		return st, err // already here for this point
	}
	st, err := s.DeviceBlob(ctx, dev, sha)
	found := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return st, err
	}
	if found && st.Total != total {
		if err := s.dropUpload(ctx, dev, sha); err != nil {
			return st, err
		}
		found = false
	}
	if !found {
		var open int
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM blob_uploads WHERE device_id = ?`, dev.ID).Scan(&open); err != nil {
			return st, fmt.Errorf("count uploads: %w", err)
		}
		if open >= MaxOpenUploads {
			return st, ErrTooManyUploads
		}
		st = BlobState{SHA256: sha, Total: total}
	}
	if offset != st.Stored {
		return st, &OffsetError{Stored: st.Stored}
	}
	if int64(len(chunk)) > total-offset {
		return st, invalid("a chunk of %d bytes at %d goes past the total length %d", len(chunk), offset, total)
	}
	path := s.partialPath(dev.ID, sha)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return st, fmt.Errorf("create upload directory: %w", err)
	}
	if err := writeAt(path, offset, chunk); err != nil {
		return st, err
	}
	st.Stored = offset + int64(len(chunk))
	now := ts(s.now())
	if st.Stored < total {
		return st, s.update(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO blob_uploads (device_id, sha256, total, stored, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (device_id, sha256) DO UPDATE SET total = excluded.total, stored = excluded.stored, updated_at = excluded.updated_at`,
				dev.ID, sha, total, st.Stored, now, now)
			if err != nil {
				return fmt.Errorf("record upload: %w", err)
			}
			return nil
		})
	}
	got, err := fileSHA256(path)
	if err != nil {
		return st, err
	}
	if got != sha {
		if err := s.dropUpload(ctx, dev, sha); err != nil {
			return st, err
		}
		return BlobState{SHA256: sha}, ErrHashMismatch
	}
	if _, err := s.Blob(ctx, sha); errors.Is(err, ErrNotFound) {
		final := s.blobPath(sha)
		if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
			return st, fmt.Errorf("create blob directory: %w", err)
		}
		if err := os.Rename(path, final); err != nil {
			return st, fmt.Errorf("store blob: %w", err)
		}
	} else if err != nil {
		return st, err
	}
	st.Complete = true
	err = s.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, total, stored, created_at, updated_at, completed_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (sha256) DO NOTHING`, sha, total, total, now, now, now); err != nil {
			return fmt.Errorf("record blob: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO blob_points (sha256, point_code) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			sha, dev.Point.Code); err != nil {
			return fmt.Errorf("record blob's point: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM blob_uploads WHERE device_id = ? AND sha256 = ?`, dev.ID, sha); err != nil {
			return fmt.Errorf("finish upload: %w", err)
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	os.Remove(path) // when the county had the file already
	return st, nil
}

// checkPut checks a chunk's attachment name, offset and total length.
func checkPut(sha string, offset, total int64) error {
	switch {
	case !isSHA256(sha):
		return invalid("attachment name must be 64 lowercase hex digits")
	case total < 0 || offset < 0:
		return invalid("offset and total must not be negative")
	case total > MaxBlob:
		return ErrTooLarge
	}
	return nil
}

// dropUpload forgets a device's unfinished upload: the row first, so a
// crash in between leaves a stray file (cut back on the next write)
// rather than a row pointing at missing bytes.
func (s *SQLite) dropUpload(ctx context.Context, dev Device, sha string) error {
	err := s.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM blob_uploads WHERE device_id = ? AND sha256 = ?`, dev.ID, sha); err != nil {
			return fmt.Errorf("delete upload: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := os.Remove(s.partialPath(dev.ID, sha)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove upload file: %w", err)
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
