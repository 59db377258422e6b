package county

// Signed kiosk releases (issue 21, docs/updates.md): uploaded with their
// signed manifest by countyd release add, offered to a device by the
// rollout staff chose (pilot or all), served in chunks for resumable
// downloads. The SQL is the same for both stores (dbtx, rebind).

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/yichuang/yichuang/sync/protocol"
	"github.com/yichuang/yichuang/sync/release"
)

// Release channels: who a published release is offered to.
const (
	ChannelPilot = "pilot" // the service points and devices of release_pilots
	ChannelAll   = "all"   // every device of the platform
	ChannelNone  = "none"  // withdrawn: offered to no one (PublishRelease)
)

// ReleaseChunk is the bytes a release_chunks row holds; a download
// resumes at any multiple of it.
const ReleaseChunk = 1 << 20

// MaxReleaseSize bounds an uploaded release binary.
const MaxReleaseSize = 512 << 20

// Release is an uploaded release and its rollout ("" while unpublished).
type Release struct {
	release.Manifest
	Signed      []byte // the envelope as the signer made it
	Added       time.Time
	AddedBy     string
	Channel     string
	Published   time.Time
	PublishedBy string
}

// Releases is the kiosks' side (Server): the release a device is offered
// and its bytes.
type Releases interface {
	// ReleaseFor returns the newest release published to dev's channel
	// for a platform; ErrNotFound when there is none.
	ReleaseFor(ctx context.Context, dev Device, os, arch string) (Release, error)
	// PublishedRelease returns a published release by its sha256;
	// ErrNotFound when unknown or unpublished.
	PublishedRelease(ctx context.Context, sha string) (Release, error)
	// ReleaseBytes calls fn with the release's chunks from the one that
	// holds byte from on, until fn returns false.
	ReleaseBytes(ctx context.Context, sha string, from int64, fn func(pos int64, data []byte) bool) error
}

// ReleaseAdmin is countyd's release commands' and the fleet page's.
type ReleaseAdmin interface {
	// AddRelease stores a signed manifest and the binary it names; the
	// binary must match the manifest's size and sha256.
	AddRelease(ctx context.Context, signed []byte, bin io.Reader, by string) (Release, error)
	// PublishRelease offers a release to a channel, with its audit row.
	PublishRelease(ctx context.Context, version, os, arch, channel string, e AuditEntry) (Release, error)
	// SetReleasePilots replaces the pilot's members, with its audit row.
	SetReleasePilots(ctx context.Context, members []string, e AuditEntry) error
	ReleasePilots(ctx context.Context) ([]string, error)
	// ReleaseList lists every release, newest first.
	ReleaseList(ctx context.Context) ([]Release, error)
	// UpdateCounts counts devices by the update state they report for a
	// version (an index-only read of devices_update_counts).
	UpdateCounts(ctx context.Context, version string) (map[string]int, error)
}

func addRelease(ctx context.Context, tx dbtx, signed []byte, bin io.Reader, by string, now time.Time) (Release, error) {
	_, m, err := release.Parse(signed)
	if err != nil {
		return Release{}, invalid("not a signed release manifest: %v", err)
	}
	if m.Product != release.Product {
		return Release{}, invalid("the manifest is for %q, not the kiosk", m.Product)
	}
	if m.Size > MaxReleaseSize {
		return Release{}, invalid("release of %d bytes, at most %d", m.Size, MaxReleaseSize)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO releases (sha256, version, version_key, track, os, arch, size, manifest, added_at, added_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.SHA256, m.Version, release.SortKey(m.Version), m.Track, m.OS, m.Arch, m.Size,
		string(signed), ts(now), by); err != nil {
		if isUniqueViolation(err) {
			return Release{}, invalid("release %s for %s/%s (or these bytes) is already uploaded", m.Version, m.OS, m.Arch)
		}
		return Release{}, fmt.Errorf("insert release: %w", err)
	}
	h := sha256.New()
	buf := make([]byte, ReleaseChunk)
	var pos int64
	for {
		n, err := io.ReadFull(bin, buf)
		if n > 0 {
			if pos+int64(n) > m.Size {
				return Release{}, invalid("the binary is longer than the manifest's %d bytes", m.Size)
			}
			h.Write(buf[:n])
			if _, err := tx.ExecContext(ctx, `INSERT INTO release_chunks (sha256, pos, data) VALUES (?, ?, ?)`, m.SHA256, pos, buf[:n]); err != nil {
				return Release{}, fmt.Errorf("store release chunk: %w", err)
			}
			pos += int64(n)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return Release{}, fmt.Errorf("read release binary: %w", err)
		}
	}
	if pos != m.Size || hex.EncodeToString(h.Sum(nil)) != m.SHA256 {
		return Release{}, invalid("the binary (%d bytes) is not the one the manifest signs (%d bytes, sha256 %s)", pos, m.Size, m.SHA256)
	}
	return Release{Manifest: m, Signed: signed, Added: now, AddedBy: by}, nil
}

func isUniqueViolation(err error) bool {
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint") || strings.Contains(s, "duplicate key")
}

const releaseCols = `r.manifest, r.added_at, r.added_by, COALESCE(o.channel, ''), o.published_at, COALESCE(o.published_by, '')`

func scanRelease(sc interface{ Scan(...any) error }) (Release, error) {
	var r Release
	var signed, added string
	var published sql.NullString
	if err := sc.Scan(&signed, &added, &r.AddedBy, &r.Channel, &published, &r.PublishedBy); err != nil {
		return r, err
	}
	_, m, err := release.Parse([]byte(signed))
	if err != nil {
		return r, fmt.Errorf("stored manifest: %w", err)
	}
	r.Manifest, r.Signed, r.Added, r.Published = m, []byte(signed), parseTS(sql.NullString{String: added, Valid: true}), parseTS(published)
	return r, nil
}

func publishRelease(ctx context.Context, tx dbtx, version, os, arch, channel string, e AuditEntry, now time.Time) (Release, error) {
	if channel != ChannelPilot && channel != ChannelAll && channel != ChannelNone {
		return Release{}, invalid("channel %q: want pilot, all or none", channel)
	}
	var sha string
	err := tx.QueryRowContext(ctx, `SELECT sha256 FROM releases WHERE os = ? AND arch = ? AND version_key = ?`,
		os, arch, release.SortKey(version)).Scan(&sha)
	if errors.Is(err, sql.ErrNoRows) {
		return Release{}, ErrNotFound
	}
	if err != nil {
		return Release{}, fmt.Errorf("find release: %w", err)
	}
	q, args := `INSERT INTO release_rollouts (sha256, channel, published_at, published_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (sha256) DO UPDATE SET channel = excluded.channel, published_at = excluded.published_at, published_by = excluded.published_by`,
		[]any{sha, channel, ts(now), e.StaffLogin}
	e.Action = "release.publish"
	if channel == ChannelNone {
		q, args, e.Action = `DELETE FROM release_rollouts WHERE sha256 = ?`, []any{sha}, "release.withdraw"
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return Release{}, fmt.Errorf("publish release: %w", err)
	}
	e.Subject, e.Detail = version+" "+os+"/"+arch, channel
	if err := writeAudit(ctx, tx, e, now); err != nil {
		return Release{}, err
	}
	return scanRelease(tx.QueryRowContext(ctx, `SELECT `+releaseCols+` FROM releases r
		LEFT JOIN release_rollouts o ON o.sha256 = r.sha256 WHERE r.sha256 = ?`, sha))
}

func setReleasePilots(ctx context.Context, tx dbtx, members []string, e AuditEntry, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM release_pilots`); err != nil {
		return fmt.Errorf("clear the pilot: %w", err)
	}
	for _, m := range members {
		if m = strings.TrimSpace(m); m == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO release_pilots (member, added_at) VALUES (?, ?) ON CONFLICT (member) DO NOTHING`, m, ts(now)); err != nil {
			return fmt.Errorf("add pilot member: %w", err)
		}
	}
	e.Action, e.Subject = "release.pilots", strings.Join(members, ",")
	return writeAudit(ctx, tx, e, now)
}

func releasePilots(ctx context.Context, q dbtx) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT member FROM release_pilots ORDER BY member`)
	if err != nil {
		return nil, fmt.Errorf("read the pilot: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// releaseForSQL is the newest release of a platform published to all, or
// to the pilot when the device or its service point is in it.
const releaseForSQL = `SELECT ` + releaseCols + ` FROM releases r JOIN release_rollouts o ON o.sha256 = r.sha256
	WHERE r.os = ? AND r.arch = ? AND (o.channel = 'all'
		OR (o.channel = 'pilot' AND EXISTS (SELECT 1 FROM release_pilots p WHERE p.member IN (?, ?))))
	ORDER BY r.version_key DESC LIMIT 1`

func releaseFor(ctx context.Context, q dbtx, dev Device, os, arch string) (Release, error) {
	r, err := scanRelease(q.QueryRowContext(ctx, releaseForSQL, os, arch, dev.ID, dev.Point.Code))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("find the release for a device: %w", err)
	}
	return r, nil
}

func publishedRelease(ctx context.Context, q dbtx, sha string) (Release, error) {
	r, err := scanRelease(q.QueryRowContext(ctx, `SELECT `+releaseCols+` FROM releases r
		JOIN release_rollouts o ON o.sha256 = r.sha256 WHERE r.sha256 = ?`, sha))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("read release: %w", err)
	}
	return r, nil
}

func releaseBytes(ctx context.Context, q dbtx, sha string, from int64, fn func(int64, []byte) bool) error {
	// One row at a time: a whole binary never sits in memory, and a slow
	// download holds no open statement between chunks.
	for pos := from - from%ReleaseChunk; ; pos += ReleaseChunk {
		var data []byte
		err := q.QueryRowContext(ctx, `SELECT data FROM release_chunks WHERE sha256 = ? AND pos = ?`, sha, pos).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read release chunk: %w", err)
		}
		if !fn(pos, data) {
			return nil
		}
	}
}

func releaseList(ctx context.Context, q dbtx) ([]Release, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+releaseCols+` FROM releases r
		LEFT JOIN release_rollouts o ON o.sha256 = r.sha256 ORDER BY r.version_key DESC, r.os, r.arch`)
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	defer rows.Close()
	var out []Release
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, fmt.Errorf("scan release: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

const updateCountsSQL = `SELECT update_state, COUNT(*) FROM devices WHERE update_version = ? GROUP BY update_state`

func updateCounts(ctx context.Context, q dbtx, version string) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, updateCountsSQL, version)
	if err != nil {
		return nil, fmt.Errorf("count update states: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		out[state] = n
	}
	return out, rows.Err()
}

// updateOf is what the devices' update columns keep of a report: the
// state and the release it is about ("" before signed updates).
func updateOf(st protocol.DeviceStatus) (state, version string) {
	if st.Update == nil {
		return "", ""
	}
	return st.Update.State, st.Update.Version
}

// SQLite and PostgreSQL wrappers.

func (s *SQLite) ReleaseFor(ctx context.Context, dev Device, os, arch string) (Release, error) {
	return releaseFor(ctx, s.r, dev, os, arch)
}

func (s *SQLite) PublishedRelease(ctx context.Context, sha string) (Release, error) {
	return publishedRelease(ctx, s.r, sha)
}

func (s *SQLite) ReleaseBytes(ctx context.Context, sha string, from int64, fn func(int64, []byte) bool) error {
	return releaseBytes(ctx, s.r, sha, from, fn)
}

func (s *SQLite) AddRelease(ctx context.Context, signed []byte, bin io.Reader, by string) (Release, error) {
	var r Release
	err := s.update(ctx, func(tx *sql.Tx) (err error) { r, err = addRelease(ctx, tx, signed, bin, by, s.now()); return err })
	return r, err
}

func (s *SQLite) PublishRelease(ctx context.Context, version, os, arch, channel string, e AuditEntry) (Release, error) {
	var r Release
	err := s.update(ctx, func(tx *sql.Tx) (err error) {
		r, err = publishRelease(ctx, tx, version, os, arch, channel, e, s.now())
		return err
	})
	return r, err
}

func (s *SQLite) SetReleasePilots(ctx context.Context, members []string, e AuditEntry) error {
	return s.update(ctx, func(tx *sql.Tx) error { return setReleasePilots(ctx, tx, members, e, s.now()) })
}

func (s *SQLite) ReleasePilots(ctx context.Context) ([]string, error) { return releasePilots(ctx, s.r) }

func (s *SQLite) ReleaseList(ctx context.Context) ([]Release, error) { return releaseList(ctx, s.r) }

func (s *SQLite) UpdateCounts(ctx context.Context, version string) (map[string]int, error) {
	return updateCounts(ctx, s.r, version)
}

func (s *Postgres) ReleaseFor(ctx context.Context, dev Device, os, arch string) (Release, error) {
	return releaseFor(ctx, s.read(), dev, os, arch)
}

func (s *Postgres) PublishedRelease(ctx context.Context, sha string) (Release, error) {
	return publishedRelease(ctx, s.read(), sha)
}

func (s *Postgres) ReleaseBytes(ctx context.Context, sha string, from int64, fn func(int64, []byte) bool) error {
	return releaseBytes(ctx, s.read(), sha, from, fn)
}

func (s *Postgres) AddRelease(ctx context.Context, signed []byte, bin io.Reader, by string) (Release, error) {
	var r Release
	err := s.update(ctx, func(tx dbtx) (err error) { r, err = addRelease(ctx, tx, signed, bin, by, s.now()); return err })
	return r, err
}

func (s *Postgres) PublishRelease(ctx context.Context, version, os, arch, channel string, e AuditEntry) (Release, error) {
	var r Release
	err := s.update(ctx, func(tx dbtx) (err error) {
		r, err = publishRelease(ctx, tx, version, os, arch, channel, e, s.now())
		return err
	})
	return r, err
}

func (s *Postgres) SetReleasePilots(ctx context.Context, members []string, e AuditEntry) error {
	return s.update(ctx, func(tx dbtx) error { return setReleasePilots(ctx, tx, members, e, s.now()) })
}

func (s *Postgres) ReleasePilots(ctx context.Context) ([]string, error) {
	return releasePilots(ctx, s.read())
}

func (s *Postgres) ReleaseList(ctx context.Context) ([]Release, error) {
	return releaseList(ctx, s.read())
}

func (s *Postgres) UpdateCounts(ctx context.Context, version string) (map[string]int, error) {
	return updateCounts(ctx, s.read(), version)
}
