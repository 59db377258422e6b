package county

// Attachments on PostgreSQL: the bytes are rows of blob_chunks (at most
// 1 MiB each), not files, so every countyd instance on the database serves
// every scan and takes the next chunk of an upload another instance began
// (issue 19, docs/county-scale.md).

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
)

// chunkRow is the largest piece of a file one blob_chunks row holds: a
// request's chunk (up to several MiB) is split, so no row is large enough
// to strain a connection's buffers or TOAST.
const chunkRow = 1 << 20

// Blob returns what is stored of an attachment.
func (s *Postgres) Blob(ctx context.Context, sha string) (BlobState, error) {
	if !isSHA256(sha) {
		return BlobState{}, invalid("attachment name must be 64 lowercase hex digits")
	}
	return blobState(ctx, s.read(), sha)
}

// DeviceBlob is what a device may know of an attachment (SQLite's rule).
func (s *Postgres) DeviceBlob(ctx context.Context, dev Device, sha string) (BlobState, error) {
	if !isSHA256(sha) {
		return BlobState{}, invalid("attachment name must be 64 lowercase hex digits")
	}
	return deviceBlob(ctx, s.read(), dev, sha)
}

// PutBlob stores a chunk at offset of a device's upload of total bytes,
// with SQLite's rules (blobs.go): the stored length is the truth, an
// offset other than it is an OffsetError, another total starts the upload
// over, a finished upload is checked against its name.
//
// The chunk rows and the upload's length change in one transaction that
// holds the upload's row FOR UPDATE, so two requests with the same chunk
// at once (a retry that overtook its original, possibly on another
// instance) are taken one after the other: the first stores it, the second
// finds the length moved and gets the OffsetError, as on SQLite, whose
// per-file lock does the same within its one process.
func (s *Postgres) PutBlob(ctx context.Context, dev Device, sha string, offset, total int64, chunk []byte) (BlobState, error) {
	if err := checkPut(sha, offset, total); err != nil {
		return BlobState{}, err
	}
	if st, ok, err := pointBlob(ctx, s.read(), dev.Point.Code, sha); err != nil || ok {
		return st, err // already here for this point
	}
	var st BlobState
	var mismatch bool
	now := ts(s.now())
	err := s.update(ctx, func(tx dbtx) error {
		var err error
		st, mismatch, err = putChunk(ctx, tx, dev, sha, offset, total, chunk, now)
		return err
	})
	if mismatch {
		return BlobState{SHA256: sha}, ErrHashMismatch
	}
	return st, err
}

// putChunk is PutBlob's transaction. mismatch says the finished upload did
// not hash to its name: it was dropped, and the drop is to be committed.
func putChunk(ctx context.Context, tx dbtx, dev Device, sha string, offset, total int64, chunk []byte, now string) (st BlobState, mismatch bool, err error) {
	st = BlobState{SHA256: sha}
	lock := func() error {
		return tx.QueryRowContext(ctx, `SELECT total, stored FROM blob_uploads WHERE device_id = ? AND sha256 = ? FOR UPDATE`,
			dev.ID, sha).Scan(&st.Total, &st.Stored)
	}
	err = lock()
	if errors.Is(err, sql.ErrNoRows) {
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM blob_uploads WHERE device_id = ?`, dev.ID).Scan(&open); err != nil {
			return st, false, fmt.Errorf("count uploads: %w", err)
		}
		if open >= MaxOpenUploads {
			return st, false, ErrTooManyUploads
		}
		// The row to lock; a concurrent first chunk's insert makes this
		// one wait for it and do nothing, and the lock then reads its
		// length.
		if _, err := tx.ExecContext(ctx, `INSERT INTO blob_uploads (device_id, sha256, total, stored, created_at, updated_at)
			VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (device_id, sha256) DO NOTHING`, dev.ID, sha, total, now, now); err != nil {
			return st, false, fmt.Errorf("record upload: %w", err)
		}
		err = lock()
	}
	if err != nil {
		return st, false, fmt.Errorf("read upload: %w", err)
	}
	if st.Total != total {
		// The device started the upload over with another length.
		if err := dropChunks(ctx, tx, dev.ID, sha); err != nil {
			return st, false, err
		}
		st.Total, st.Stored = total, 0
	}
	if offset != st.Stored {
		return st, false, &OffsetError{Stored: st.Stored}
	}
	if int64(len(chunk)) > total-offset {
		return st, false, invalid("a chunk of %d bytes at %d goes past the total length %d", len(chunk), offset, total)
	}
	for i := 0; i < len(chunk); i += chunkRow {
		piece := chunk[i:min(i+chunkRow, len(chunk))]
		if _, err := tx.ExecContext(ctx, `INSERT INTO blob_chunks (device_id, sha256, pos, data) VALUES (?, ?, ?, ?)`,
			dev.ID, sha, offset+int64(i), piece); err != nil {
			return st, false, fmt.Errorf("store chunk: %w", err)
		}
	}
	st.Stored = offset + int64(len(chunk))
	if _, err := tx.ExecContext(ctx, `UPDATE blob_uploads SET total = ?, stored = ?, updated_at = ? WHERE device_id = ? AND sha256 = ?`,
		total, st.Stored, now, dev.ID, sha); err != nil {
		return st, false, fmt.Errorf("record upload: %w", err)
	}
	if st.Stored < total {
		return st, false, nil
	}
	got, err := chunksSHA256(ctx, tx, dev.ID, sha)
	if err != nil {
		return st, false, err
	}
	if got != sha {
		if _, err := tx.ExecContext(ctx, `DELETE FROM blob_uploads WHERE device_id = ? AND sha256 = ?`, dev.ID, sha); err != nil {
			return st, false, fmt.Errorf("delete upload: %w", err)
		}
		return BlobState{SHA256: sha}, true, dropChunks(ctx, tx, dev.ID, sha)
	}
	// The first finished upload of a file gives the county its chunks;
	// a later one (another point's, or one that raced it) only proves its
	// point has the file. The insert into blobs decides which, waiting
	// for a concurrent finisher's commit.
	var first string
	err = tx.QueryRowContext(ctx, `INSERT INTO blobs (sha256, total, stored, created_at, updated_at, completed_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING RETURNING sha256`, sha, total, total, now, now, now).Scan(&first)
	switch {
	case err == nil:
		if _, err := tx.ExecContext(ctx, `UPDATE blob_chunks SET device_id = '' WHERE device_id = ? AND sha256 = ?`, dev.ID, sha); err != nil {
			return st, false, fmt.Errorf("store blob: %w", err)
		}
	case errors.Is(err, sql.ErrNoRows):
		if err := dropChunks(ctx, tx, dev.ID, sha); err != nil {
			return st, false, err
		}
	default:
		return st, false, fmt.Errorf("record blob: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO blob_points (sha256, point_code) VALUES (?, ?) ON CONFLICT DO NOTHING`,
		sha, dev.Point.Code); err != nil {
		return st, false, fmt.Errorf("record blob's point: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM blob_uploads WHERE device_id = ? AND sha256 = ?`, dev.ID, sha); err != nil {
		return st, false, fmt.Errorf("finish upload: %w", err)
	}
	st.Complete = true
	return st, false, nil
}

func dropChunks(ctx context.Context, tx dbtx, deviceID, sha string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM blob_chunks WHERE device_id = ? AND sha256 = ?`, deviceID, sha); err != nil {
		return fmt.Errorf("drop chunks: %w", err)
	}
	return nil
}

// eachChunk calls fn with the file's chunk rows in order, one row in
// memory at a time.
func eachChunk(ctx context.Context, q dbtx, deviceID, sha string, fn func([]byte) error) error {
	rows, err := q.QueryContext(ctx, `SELECT data FROM blob_chunks WHERE device_id = ? AND sha256 = ? ORDER BY pos`, deviceID, sha)
	if err != nil {
		return fmt.Errorf("read chunks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return fmt.Errorf("scan chunk: %w", err)
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	return rows.Err()
}

func chunksSHA256(ctx context.Context, q dbtx, deviceID, sha string) (string, error) {
	h := sha256.New()
	if err := eachChunk(ctx, q, deviceID, sha, func(b []byte) error { h.Write(b); return nil }); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// OpenBlob opens a complete attachment for reading; ErrNotFound when it is
// not (yet) complete. The back office serves an *os.File (http.ServeContent
// wants a ReadSeeker), so the chunks are copied to an unnamed temporary
// file: removed at once, it is gone when the caller closes it.
func (s *Postgres) OpenBlob(ctx context.Context, sha string) (*os.File, BlobState, error) {
	b, err := s.Blob(ctx, sha)
	if err != nil {
		return nil, b, err
	}
	if !b.Complete {
		return nil, b, ErrNotFound
	}
	f, err := os.CreateTemp("", "countyd-blob-*")
	if err != nil {
		return nil, b, fmt.Errorf("open blob: %w", err)
	}
	os.Remove(f.Name())
	err = eachChunk(ctx, s.read(), "", sha, func(p []byte) error {
		_, err := f.Write(p)
		return err
	})
	if err == nil {
		_, err = f.Seek(0, 0)
	}
	if err != nil {
		f.Close()
		return nil, b, fmt.Errorf("copy blob: %w", err)
	}
	return f, b, nil
}
