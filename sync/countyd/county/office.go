package county

// Storage for the back office (package office): staff and sessions, the
// audit trail, device status reports, catalog versions and overrides, and
// the paged, filtered case list. Tables are in migrations/sqlite/0002_office.sql.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Staff roles of the back office.
const (
	RoleReviewer      = "reviewer"       // 审核人员: cases
	RoleCatalogEditor = "catalog_editor" // 目录管理员: the catalog
	RoleAdmin         = "admin"          // 系统管理员: everything, incl. fleet, staff and audit
)

// Roles lists the roles in the order forms offer them.
var Roles = []string{RoleReviewer, RoleCatalogEditor, RoleAdmin}

// Staff is a county staff member of the back office.
type Staff struct {
	ID     int64
	Login  string
	Name   string
	Role   string
	Active bool
	// PasswordHash is set only by StaffByLogin (for checking a login).
	PasswordHash string
	// Failures counts wrong passwords in a row; LockedUntil is zero or the
	// end of a lockout.
	Failures    int
	LockedUntil time.Time
	Created     time.Time
}

// LogValue keeps the password hash out of logs.
func (s Staff) LogValue() slog.Value { return slog.StringValue(s.Login) }

var staffLoginRE = regexp.MustCompile(`^[a-z0-9_.-]{2,32}$`)

// NormalizeStaff trims and checks a staff member's login, name and role.
func NormalizeStaff(s Staff) (Staff, error) {
	s.Login = strings.ToLower(strings.TrimSpace(s.Login))
	s.Name = strings.TrimSpace(s.Name)
	if !staffLoginRE.MatchString(s.Login) {
		return s, invalid("login %q: want 2 to 32 of a-z 0-9 _ . -", s.Login)
	}
	if s.Name == "" || utf8.RuneCountInString(s.Name) > 30 {
		return s, invalid("name: want 1 to 30 characters")
	}
	switch s.Role {
	case RoleReviewer, RoleCatalogEditor, RoleAdmin:
	default:
		return s, invalid("role %q: want reviewer, catalog_editor or admin", s.Role)
	}
	return s, nil
}

// ErrExists says a login or catalog version is already taken.
var ErrExists = errors.New("already exists")

// CreateStaff adds a staff member with an argon2id password hash.
func (s *SQLite) CreateStaff(ctx context.Context, st Staff, passwordHash string) (Staff, error) {
	var out Staff
	err := s.update(ctx, func(tx *sql.Tx) (err error) {
		out, err = createStaff(ctx, tx, st, passwordHash, s.now())
		return err
	})
	return out, err
}

// createStaff is CreateStaff in a store's transaction. The login's unique
// constraint decides between two creations of the same login at once (on
// PostgreSQL both may look before either inserts): ON CONFLICT DO NOTHING
// returns no id to the loser, which gets ErrExists as before.
func createStaff(ctx context.Context, tx dbtx, st Staff, passwordHash string, now time.Time) (Staff, error) {
	st, err := NormalizeStaff(st)
	if err != nil {
		return st, err
	}
	if !strings.HasPrefix(passwordHash, "$argon2id$") {
		return st, invalid("the password must be stored as an argon2id hash")
	}
	st.Created, st.Active = now, true
	err = tx.QueryRowContext(ctx, `INSERT INTO staff (login, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (login) DO NOTHING RETURNING id`,
		st.Login, st.Name, st.Role, passwordHash, ts(st.Created)).Scan(&st.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("login %q: %w", st.Login, ErrExists)
	}
	if err != nil {
		return st, fmt.Errorf("insert staff: %w", err)
	}
	return st, nil
}

const staffCols = `id, login, name, role, active, failures, locked_until, created_at`

func scanStaff(sc interface{ Scan(...any) error }, extra ...any) (Staff, error) {
	var st Staff
	var locked, created sql.NullString
	err := sc.Scan(append([]any{&st.ID, &st.Login, &st.Name, &st.Role, &st.Active, &st.Failures, &locked, &created}, extra...)...)
	st.LockedUntil, st.Created = parseTS(locked), parseTS(created)
	return st, err
}

// StaffByLogin returns a staff member with the password hash; ErrNotFound
// when there is none.
func (s *SQLite) StaffByLogin(ctx context.Context, login string) (Staff, error) {
	return staffByLogin(ctx, s.r, login)
}

func staffByLogin(ctx context.Context, q dbtx, login string) (Staff, error) {
	var hash string
	st, err := scanStaff(q.QueryRowContext(ctx, `SELECT `+staffCols+`, password_hash FROM staff WHERE login = ?`,
		strings.ToLower(strings.TrimSpace(login))), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return Staff{}, ErrNotFound
	}
	if err != nil {
		return Staff{}, fmt.Errorf("read staff: %w", err)
	}
	st.PasswordHash = hash
	return st, nil
}

// StaffMembers lists staff by login, without password hashes.
func (s *SQLite) StaffMembers(ctx context.Context) ([]Staff, error) { return staffMembers(ctx, s.r) }

func staffMembers(ctx context.Context, q dbtx) ([]Staff, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+staffCols+` FROM staff ORDER BY login`)
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	defer rows.Close()
	var out []Staff
	for rows.Next() {
		st, err := scanStaff(rows)
		if err != nil {
			return nil, fmt.Errorf("scan staff: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// SetLoginState records the failure count and lockout after a login try;
// a failed try is audited in the same transaction when e is not nil.
func (s *SQLite) SetLoginState(ctx context.Context, staffID int64, failures int, lockedUntil time.Time, e *AuditEntry) error {
	return s.update(ctx, func(tx *sql.Tx) error { return setLoginState(ctx, tx, staffID, failures, lockedUntil, e, s.now()) })
}

func setLoginState(ctx context.Context, tx dbtx, staffID int64, failures int, lockedUntil time.Time, e *AuditEntry, now time.Time) error {
	if staffID != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET failures = ?, locked_until = ? WHERE id = ?`,
			failures, nullTS(lockedUntil), staffID); err != nil {
			return fmt.Errorf("update login state: %w", err)
		}
	}
	if e != nil {
		return writeAudit(ctx, tx, *e, now)
	}
	return nil
}

// SetStaffActive enables or disables an account; disabling ends its
// sessions at once.
func (s *SQLite) SetStaffActive(ctx context.Context, staffID int64, active bool, e AuditEntry) error {
	return s.update(ctx, func(tx *sql.Tx) error { return setStaffActive(ctx, tx, staffID, active, e, s.now()) })
}

// boolInt is a flag as the 0/1 integer both schemas store it in
// (PostgreSQL's driver does not write a bool into a BIGINT).
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func setStaffActive(ctx context.Context, tx dbtx, staffID int64, active bool, e AuditEntry, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE staff SET active = ?, failures = 0, locked_until = NULL WHERE id = ?`, boolInt(active), staffID)
	if err != nil {
		return fmt.Errorf("update staff: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if !active {
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE staff_id = ?`, staffID); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
	}
	return writeAudit(ctx, tx, e, now)
}

// Session is a logged-in staff member's session.
type Session struct {
	// TokenHash is the hex SHA-256 of the cookie value; the value itself
	// is never stored.
	TokenHash string
	Staff     Staff
	// CSRF is the token every form of this session carries.
	CSRF     string
	Created  time.Time
	LastSeen time.Time
}

// HashToken is how a session cookie value is stored and looked up.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateSession stores a new session, resets the staff member's failure
// count, audits the login, and forgets sessions idle since before
// idleBefore (so the table does not grow with abandoned sessions).
func (s *SQLite) CreateSession(ctx context.Context, se Session, idleBefore time.Time, e AuditEntry) error {
	return s.update(ctx, func(tx *sql.Tx) error { return createSession(ctx, tx, se, idleBefore, e, s.now()) })
}

// createSession is CreateSession in a store's transaction. Two at once
// (two instances, two browsers) touch different session rows; the staff
// row's UPDATE serialises them on PostgreSQL, and neither deletes the
// other's fresh session.
func createSession(ctx context.Context, tx dbtx, se Session, idleBefore time.Time, e AuditEntry, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE last_seen < ?`, ts(idleBefore)); err != nil {
		return fmt.Errorf("prune sessions: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO staff_sessions (token_hash, staff_id, csrf, created_at, last_seen) VALUES (?, ?, ?, ?, ?)`,
		se.TokenHash, se.Staff.ID, se.CSRF, ts(now), ts(now)); err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE staff SET failures = 0, locked_until = NULL WHERE id = ?`, se.Staff.ID); err != nil {
		return fmt.Errorf("reset login failures: %w", err)
	}
	return writeAudit(ctx, tx, e, now)
}

// Session returns an active staff member's session; ErrNotFound when the
// token is unknown or the account was disabled.
func (s *SQLite) Session(ctx context.Context, tokenHash string) (Session, error) {
	return readSession(ctx, s.r, tokenHash)
}

func readSession(ctx context.Context, q dbtx, tokenHash string) (Session, error) {
	var se Session
	var created, seen sql.NullString
	st, err := scanStaff(q.QueryRowContext(ctx, `SELECT s.id, s.login, s.name, s.role, s.active, s.failures, s.locked_until, s.created_at,
		x.csrf, x.created_at, x.last_seen FROM staff_sessions x JOIN staff s ON s.id = x.staff_id
		WHERE x.token_hash = ? AND s.active = 1`, tokenHash), &se.CSRF, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return se, ErrNotFound
	}
	if err != nil {
		return se, fmt.Errorf("read session: %w", err)
	}
	se.TokenHash, se.Staff, se.Created, se.LastSeen = tokenHash, st, parseTS(created), parseTS(seen)
	return se, nil
}

// TouchSession moves a session's last use to now.
func (s *SQLite) TouchSession(ctx context.Context, tokenHash string) error {
	return s.update(ctx, func(tx *sql.Tx) error { return touchSession(ctx, tx, tokenHash, s.now()) })
}

func touchSession(ctx context.Context, tx dbtx, tokenHash string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE staff_sessions SET last_seen = ? WHERE token_hash = ?`, ts(now), tokenHash); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session (logout, expiry); e, when not nil, is
// audited with it.
func (s *SQLite) DeleteSession(ctx context.Context, tokenHash string, e *AuditEntry) error {
	return s.update(ctx, func(tx *sql.Tx) error { return deleteSession(ctx, tx, tokenHash, e, s.now()) })
}

func deleteSession(ctx context.Context, tx dbtx, tokenHash string, e *AuditEntry, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	if e != nil {
		return writeAudit(ctx, tx, *e, now)
	}
	return nil
}

// AuditEntry is one row of the audit trail.
type AuditEntry struct {
	Seq        int64
	At         time.Time
	StaffID    int64
	StaffLogin string
	StaffName  string
	// Action is what was done: case.view, case.reveal, attachment.view,
	// case.status, catalog.publish, device.revoke, login, …
	Action string
	// Subject is what it was done to: a county case number, device id,
	// catalog version, login. Never personal data.
	Subject  string
	CaseID   string
	Reason   string
	Detail   string
	ClientIP string
}

// Audit writes one audit row.
func (s *SQLite) Audit(ctx context.Context, e AuditEntry) error {
	return s.update(ctx, func(tx *sql.Tx) error { return s.audit(ctx, tx, e) })
}

func (s *SQLite) audit(ctx context.Context, tx dbtx, e AuditEntry) error {
	return writeAudit(ctx, tx, e, s.now())
}

// writeAudit writes an audit row in the caller's transaction, stamped now
// unless it carries its own time.
func writeAudit(ctx context.Context, tx dbtx, e AuditEntry, now time.Time) error {
	if e.At.IsZero() {
		e.At = now
	}
	if e.Action == "" || e.ClientIP == "" {
		return invalid("an audit row needs an action and a client address")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, staff_id, staff_login, staff_name, action, subject, case_id, reason, detail, client_ip)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ts(e.At), e.StaffID, e.StaffLogin, e.StaffName, e.Action, e.Subject, e.CaseID,
		e.Reason, e.Detail, e.ClientIP); err != nil {
		return fmt.Errorf("insert audit row: %w", err)
	}
	return nil
}

// AuditFilter narrows AuditLog; empty fields match everything. From and To
// are days (YYYY-MM-DD, Beijing), both included.
type AuditFilter struct {
	Staff, Action, Case string
	From, To            string
	Limit, Offset       int
}

func dayStart(day string) (string, error) {
	t, err := time.ParseInLocation(time.DateOnly, day, workday.China)
	if err != nil {
		return "", invalid("day %q: want YYYY-MM-DD", day)
	}
	return ts(t), nil
}

// AuditLog returns a page of audit rows, newest first, and how many match.
func (s *SQLite) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, int, error) {
	return auditLog(ctx, s.r, f)
}

func auditLog(ctx context.Context, q dbtx, f AuditFilter) ([]AuditEntry, int, error) {
	where := []string{"1 = 1"}
	var args []any
	if f.Staff != "" {
		where, args = append(where, "staff_login = ?"), append(args, strings.ToLower(f.Staff))
	}
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if f.Case != "" {
		where, args = append(where, "(case_id = ? OR subject = ?)"), append(args, f.Case, f.Case)
	}
	if f.From != "" {
		from, err := dayStart(f.From)
		if err != nil {
			return nil, 0, err
		}
		where, args = append(where, "at >= ?"), append(args, from)
	}
	if f.To != "" {
		t, err := time.ParseInLocation(time.DateOnly, f.To, workday.China)
		if err != nil {
			return nil, 0, invalid("day %q: want YYYY-MM-DD", f.To)
		}
		where, args = append(where, "at < ?"), append(args, ts(t.AddDate(0, 0, 1)))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count audit rows: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := q.QueryContext(ctx, `SELECT seq, at, staff_id, staff_login, staff_name, action, subject, case_id, reason, detail, client_ip
		FROM audit_log WHERE `+cond+` ORDER BY seq DESC LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("read audit rows: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at sql.NullString
		if err := rows.Scan(&e.Seq, &at, &e.StaffID, &e.StaffLogin, &e.StaffName, &e.Action, &e.Subject, &e.CaseID,
			&e.Reason, &e.Detail, &e.ClientIP); err != nil {
			return nil, 0, fmt.Errorf("scan audit row: %w", err)
		}
		e.At = parseTS(at)
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// SetCaseStatusAudited is SetCaseStatus with the officer's audit row in the
// same transaction: the decision reaches the hall if and only if it is on
// record. The audit row gets the case's id and county number.
func (s *SQLite) SetCaseStatusAudited(ctx context.Context, c StatusChange, e AuditEntry) (protocol.FeedItem, error) {
	now := s.now()
	if err := ValidateStatus(c, now.In(workday.China).Format(time.DateOnly)); err != nil {
		return protocol.FeedItem{}, err
	}
	var it protocol.FeedItem
	err := s.update(ctx, func(tx *sql.Tx) (err error) {
		it, err = setCaseStatusAudited(ctx, tx, &s.cals, c, e, now)
		return err
	})
	return it, err
}

// setCaseStatusAudited is SetCaseStatusAudited for both stores, in the
// caller's transaction.
func setCaseStatusAudited(ctx context.Context, tx dbtx, cals *calendarCache, c StatusChange, e AuditEntry, now time.Time) (protocol.FeedItem, error) {
	it, cs, err := setCaseStatus(ctx, tx, cals, c, now)
	if err != nil {
		return it, err
	}
	e.CaseID, e.Subject = cs.ID, cs.CountyCase
	return it, writeAudit(ctx, tx, e, now)
}

// StatusLogEntry is one county decision on a case as sent to the hall.
type StatusLogEntry struct {
	Cursor int64
	Status protocol.CaseStatus
}

// CaseStatusLog returns the county's decisions on a case, oldest first.
func (s *SQLite) CaseStatusLog(ctx context.Context, caseID string) ([]StatusLogEntry, error) {
	return statusLog(ctx, s.r, caseID)
}

// Deadline filters of the case list.
const (
	DueOpen    = "open"    // not finished (办理中)
	DueOverdue = "overdue" // not finished and due before today
	DueSoon    = "soon"    // not finished and due from today up to SoonDay
	DuePaused  = "paused"  // not finished and its clock stopped (暂停计时)
	DueLapsed  = "lapsed"  // 容缺 and past its supplement day, not yet ended by the hall
)

// CasePageFilter narrows and pages the back office's case list; empty
// fields match everything.
type CasePageFilter struct {
	Point  string
	Matter string
	// Status matches the kiosk's status or the county's.
	Status string
	// Deadline is "", DueOpen, DueOverdue, DueSoon, DuePaused or
	// DueLapsed; Today and SoonDay
	// (YYYY-MM-DD, Beijing) are the days they are judged against, worked
	// out by the caller on the working-day calendar.
	Deadline string
	Today    string
	SoonDay  string
	DueBy    string // due on or before this day
	Limit    int
	// After and Before page by key rather than by OFFSET (which reads and
	// drops every row before the page): the county case number of the
	// last row of the page before, or of the first row of the page after.
	// At most one is set.
	After, Before string
}

func (s *SQLite) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	return readStrings(ctx, s.r, q, args...)
}

// readStrings reads a query's one text column, for both stores.
func readStrings(ctx context.Context, db dbtx, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ServicePoints lists the points the county knows from enrollment codes
// and devices, by code; the latest name given wins.
func (s *SQLite) ServicePoints(ctx context.Context) ([]ServicePoint, error) {
	return servicePoints(ctx, s.r)
}

// servicePointsSQL reads the points in code order from service_points'
// key (0017), not from every code and device ever made.
const servicePointsSQL = `SELECT code, name, level FROM service_points ORDER BY code`

func servicePoints(ctx context.Context, q dbtx) ([]ServicePoint, error) {
	rows, err := q.QueryContext(ctx, servicePointsSQL)
	if err != nil {
		return nil, fmt.Errorf("list service points: %w", err)
	}
	defer rows.Close()
	var out []ServicePoint
	for rows.Next() {
		var p ServicePoint
		if err := rows.Scan(&p.Code, &p.Name, &p.Level); err != nil {
			return nil, fmt.Errorf("scan service point: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// servicePointSQL is one point's name and level: a case page's.
const servicePointSQL = `SELECT code, name, level FROM service_points WHERE code = ?`

func servicePoint(ctx context.Context, q dbtx, code string) (ServicePoint, error) {
	var p ServicePoint
	err := q.QueryRowContext(ctx, servicePointSQL, code).Scan(&p.Code, &p.Name, &p.Level)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("read service point: %w", err)
	}
	return p, nil
}

// ServicePoint returns one point; ErrNotFound when the county never made
// a code for it.
func (s *SQLite) ServicePoint(ctx context.Context, code string) (ServicePoint, error) {
	return servicePoint(ctx, s.r, code)
}

// HolidayDocs returns the holiday calendars published to the points, in
// publishing order (a later one of the same year replaces an earlier one).
func (s *SQLite) HolidayDocs(ctx context.Context) ([]json.RawMessage, error) {
	return holidayDocs(ctx, s.r)
}

// OpenBlob opens a complete attachment for reading; ErrNotFound when it is
// not (yet) complete.
func (s *SQLite) OpenBlob(ctx context.Context, sha string) (*os.File, BlobState, error) {
	b, err := s.Blob(ctx, sha)
	if err != nil {
		return nil, b, err
	}
	if !b.Complete {
		return nil, b, ErrNotFound
	}
	f, err := os.Open(s.blobPath(sha))
	if err != nil {
		return nil, b, fmt.Errorf("open blob: %w", err)
	}
	return f, b, nil
}

// SetDeviceStatus keeps a device's latest status report.
func (s *SQLite) SetDeviceStatus(ctx context.Context, deviceID string, st protocol.DeviceStatus) error {
	return s.update(ctx, func(tx *sql.Tx) error { return setDeviceStatus(ctx, tx, deviceID, st, s.now()) })
}

// setDeviceStatus is one upsert: two reports of a device at once (two
// instances) both land, the later commit wins, neither fails.
func setDeviceStatus(ctx context.Context, tx dbtx, deviceID string, st protocol.DeviceStatus, now time.Time) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode device status: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO device_status (device_id, report, received_at) VALUES (?, ?, ?)
		ON CONFLICT (device_id) DO UPDATE SET report = excluded.report, received_at = excluded.received_at`,
		deviceID, string(b), ts(now)); err != nil {
		return fmt.Errorf("store device status: %w", err)
	}
	us, uv := updateOf(st)
	if _, err := tx.ExecContext(ctx, setDeviceFiltersSQL, st.AppVersion, st.Quarantined, st.Printer.State, us, uv, deviceID,
		st.AppVersion, st.Quarantined, st.Printer.State, us, uv); err != nil {
		return fmt.Errorf("keep device's fleet filters: %w", err)
	}
	return nil
}

// DeviceReport is a device's latest status report and when it came.
type DeviceReport struct {
	Status   protocol.DeviceStatus
	Received time.Time
}

// DeviceStatuses returns the latest report of every device that sent one.
func (s *SQLite) DeviceStatuses(ctx context.Context) (map[string]DeviceReport, error) {
	return deviceStatuses(ctx, s.r)
}

func deviceStatuses(ctx context.Context, q dbtx) (map[string]DeviceReport, error) {
	rows, err := q.QueryContext(ctx, `SELECT device_id, report, received_at FROM device_status`)
	if err != nil {
		return nil, fmt.Errorf("read device status: %w", err)
	}
	defer rows.Close()
	out := map[string]DeviceReport{}
	for rows.Next() {
		var id, report string
		var at sql.NullString
		if err := rows.Scan(&id, &report, &at); err != nil {
			return nil, fmt.Errorf("scan device status: %w", err)
		}
		var r DeviceReport
		if err := json.Unmarshal([]byte(report), &r.Status); err != nil {
			return nil, fmt.Errorf("decode device status: %w", err)
		}
		r.Received = parseTS(at)
		out[id] = r
	}
	return out, rows.Err()
}

// EnrollCodeInfo is an enrollment code with what became of it.
type EnrollCodeInfo struct {
	EnrollCode
	Used     time.Time // zero while unused
	DeviceID string
}

// groupCode writes a stored code as it was handed out: XXXX-XXXX-XXXX.
func groupCode(c string) string {
	var sb strings.Builder
	for i, r := range c {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// DevicePage returns one page of the fleet (fleetlist.go).
func (s *SQLite) DevicePage(ctx context.Context, f FleetFilter) ([]FleetDevice, error) {
	return devicePage(ctx, s.r, f)
}

// FleetCounts returns the fleet page's index-only counts.
func (s *SQLite) FleetCounts(ctx context.Context) (FleetCounts, error) { return fleetCounts(ctx, s.r) }

// DeviceVersions lists the versions devices run, in order.
func (s *SQLite) DeviceVersions(ctx context.Context) ([]string, error) {
	return deviceVersions(ctx, s.r)
}

// FleetDevice returns a device without its secret; ErrNotFound when unknown.
func (s *SQLite) FleetDevice(ctx context.Context, id string) (Device, error) {
	return fleetDevice(ctx, s.r, id)
}

// CodePage returns a page of enrollment codes, newest first, and the
// cursor of the next page ("" when none follows).
func (s *SQLite) CodePage(ctx context.Context, f CodeFilter) ([]EnrollCodeInfo, string, error) {
	return codePage(ctx, s.r, f)
}

// CreateEnrollCodeAudited is CreateEnrollCode with its audit row, in one
// transaction: a code exists if and only if its handing-out is on record.
func (s *SQLite) CreateEnrollCodeAudited(ctx context.Context, p ServicePoint, e AuditEntry) (EnrollCode, error) {
	var c EnrollCode
	err := s.update(ctx, func(tx *sql.Tx) (err error) {
		c, err = createEnrollCodeAudited(ctx, tx, p, e, s.now())
		return err
	})
	return c, err
}

func createEnrollCodeAudited(ctx context.Context, tx dbtx, p ServicePoint, e AuditEntry, now time.Time) (EnrollCode, error) {
	c, err := createEnrollCode(ctx, tx, p, now)
	if err != nil {
		return c, err
	}
	// The code is a credential: the audit names the point, not the code.
	e.Subject = p.Code
	return c, writeAudit(ctx, tx, e, now)
}

// RevokeDeviceAudited is RevokeDevice with its audit row in one transaction.
func (s *SQLite) RevokeDeviceAudited(ctx context.Context, id string, e AuditEntry) error {
	return s.update(ctx, func(tx *sql.Tx) error { return revokeDeviceAudited(ctx, tx, id, e, s.now()) })
}

func revokeDeviceAudited(ctx context.Context, tx dbtx, id string, e AuditEntry, now time.Time) error {
	if err := revokeDevice(ctx, tx, id, now); err != nil {
		return err
	}
	e.Subject = id
	return writeAudit(ctx, tx, e, now)
}

// Catalog version sources.
const (
	SourceImport   = "import"
	SourceEdit     = "edit"
	SourceOverride = "override"
)

// CatalogVersion is a catalog document the county holds.
type CatalogVersion struct {
	Version     string
	SHA256      string
	Source      string
	BaseVersion string // the version an edit or override started from
	Point       string // the service point of an override's effective catalog
	Matters     int
	Created     time.Time
	CreatedBy   string
	// Doc is set by CatalogVersion only.
	Doc json.RawMessage
}

// sealVersion compacts a version's document and stamps its hash and time.
func sealVersion(v CatalogVersion, now time.Time) CatalogVersion {
	v.Doc = compact(v.Doc)
	sum := sha256.Sum256(v.Doc)
	v.SHA256, v.Created = hex.EncodeToString(sum[:]), now
	return v
}

// AddCatalogVersion stores a checked catalog document under its version.
// The same document again is a no-op; another document under a stored
// version is ErrExists (kiosks refuse that too).
func (s *SQLite) AddCatalogVersion(ctx context.Context, v CatalogVersion, e AuditEntry) (CatalogVersion, error) {
	v = sealVersion(v, s.now())
	if strings.TrimSpace(v.Version) == "" {
		return v, invalid("a catalog version needs a name")
	}
	err := s.update(ctx, func(tx *sql.Tx) error { return addCatalogVersion(ctx, tx, v, &e, s.now()) })
	return v, err
}

// addCatalogVersion inserts a version unless it is there. The version's
// primary key decides between two additions at once (PostgreSQL runs them
// concurrently): the loser inserts nothing and then reads the winner's
// hash, so the same document twice is still a no-op and another one still
// ErrExists.
func addCatalogVersion(ctx context.Context, tx dbtx, v CatalogVersion, e *AuditEntry, now time.Time) error {
	var inserted string
	err := tx.QueryRowContext(ctx, `INSERT INTO catalog_versions (version, doc, sha256, source, base_version, service_point, matters, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (version) DO NOTHING RETURNING version`, v.Version, string(v.Doc), v.SHA256, v.Source,
		v.BaseVersion, v.Point, v.Matters, ts(v.Created), v.CreatedBy).Scan(&inserted)
	if errors.Is(err, sql.ErrNoRows) {
		var have string
		if err := tx.QueryRowContext(ctx, `SELECT sha256 FROM catalog_versions WHERE version = ?`, v.Version).Scan(&have); err != nil {
			return fmt.Errorf("look up catalog version: %w", err)
		}
		if have == v.SHA256 {
			return nil
		}
		return fmt.Errorf("catalog version %q: %w", v.Version, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("insert catalog version: %w", err)
	}
	if e != nil {
		e.Subject = v.Version
		return writeAudit(ctx, tx, *e, now)
	}
	return nil
}

// CatalogVersions lists stored versions, newest first, without documents.
func (s *SQLite) CatalogVersions(ctx context.Context) ([]CatalogVersion, error) {
	return catalogVersions(ctx, s.r)
}

func catalogVersions(ctx context.Context, q dbtx) ([]CatalogVersion, error) {
	rows, err := q.QueryContext(ctx, `SELECT version, sha256, source, base_version, service_point, matters, created_at, created_by
		FROM catalog_versions ORDER BY created_at DESC, version DESC`)
	if err != nil {
		return nil, fmt.Errorf("list catalog versions: %w", err)
	}
	defer rows.Close()
	var out []CatalogVersion
	for rows.Next() {
		var v CatalogVersion
		var at sql.NullString
		if err := rows.Scan(&v.Version, &v.SHA256, &v.Source, &v.BaseVersion, &v.Point, &v.Matters, &at, &v.CreatedBy); err != nil {
			return nil, fmt.Errorf("scan catalog version: %w", err)
		}
		v.Created = parseTS(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// CatalogVersion returns a stored version with its document.
func (s *SQLite) CatalogVersion(ctx context.Context, version string) (CatalogVersion, error) {
	return catalogVersion(ctx, s.r, version)
}

func catalogVersion(ctx context.Context, q dbtx, version string) (CatalogVersion, error) {
	var v CatalogVersion
	var at sql.NullString
	var doc string
	err := q.QueryRowContext(ctx, `SELECT version, sha256, source, base_version, service_point, matters, created_at, created_by, doc
		FROM catalog_versions WHERE version = ?`, version).Scan(&v.Version, &v.SHA256, &v.Source, &v.BaseVersion, &v.Point,
		&v.Matters, &at, &v.CreatedBy, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrNotFound
	}
	if err != nil {
		return v, fmt.Errorf("read catalog version: %w", err)
	}
	v.Created, v.Doc = parseTS(at), json.RawMessage(doc)
	return v, nil
}

// Publication is one sending of a catalog version.
type Publication struct {
	Version string
	Point   string // "*" for every point
	Cursor  int64
	At      time.Time
	By      string
}

// PublishCatalogVersion sends a stored version to the given points, or to
// every point when points is empty, through the same feed items as
// PublishCatalog, all in one transaction with the audit row.
func (s *SQLite) PublishCatalogVersion(ctx context.Context, version string, points []string, by string, e AuditEntry) ([]protocol.FeedItem, error) {
	v, err := s.CatalogVersion(ctx, version)
	if err != nil {
		return nil, err
	}
	var items []protocol.FeedItem
	err = s.update(ctx, func(tx *sql.Tx) (err error) {
		items, err = publishCatalogVersion(ctx, tx, v, points, by, e, s.now())
		return err
	})
	return items, err
}

func publishCatalogVersion(ctx context.Context, tx dbtx, v CatalogVersion, points []string, by string, e AuditEntry, now time.Time) ([]protocol.FeedItem, error) {
	if len(points) == 0 {
		points = []string{""}
	}
	var items []protocol.FeedItem
	for _, p := range points {
		it, err := publishCatalogTx(ctx, tx, v.Version, p, v.Doc, by, now)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	e.Subject, e.Detail = v.Version, strings.Join(points, ",")
	if e.Detail == "" {
		e.Detail = allPoints
	}
	return items, writeAudit(ctx, tx, e, now)
}

func publishCatalogTx(ctx context.Context, tx dbtx, version, point string, doc json.RawMessage, by string, now time.Time) (protocol.FeedItem, error) {
	target, payload, err := catalogItem(point, doc)
	if err != nil {
		return protocol.FeedItem{}, err
	}
	at := ts(now)
	it, err := appendFeed(ctx, tx, target, protocol.FeedCatalog, at, payload)
	if err != nil {
		return it, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_publications (version, service_point, cursor, at, published_by) VALUES (?, ?, ?, ?, ?)`,
		version, target, it.Cursor, at, by); err != nil {
		return it, fmt.Errorf("record publication: %w", err)
	}
	return it, nil
}

// CatalogPublications lists the latest publications, newest first.
func (s *SQLite) CatalogPublications(ctx context.Context) ([]Publication, error) {
	return catalogPublications(ctx, s.r)
}

func catalogPublications(ctx context.Context, q dbtx) ([]Publication, error) {
	rows, err := q.QueryContext(ctx, `SELECT version, service_point, cursor, at, published_by FROM catalog_publications
		ORDER BY seq DESC LIMIT 100`)
	if err != nil {
		return nil, fmt.Errorf("list publications: %w", err)
	}
	defer rows.Close()
	var out []Publication
	for rows.Next() {
		var p Publication
		var at sql.NullString
		if err := rows.Scan(&p.Version, &p.Point, &p.Cursor, &at, &p.By); err != nil {
			return nil, fmt.Errorf("scan publication: %w", err)
		}
		p.At = parseTS(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// OverrideRecord is the township override the county recorded for a point.
type OverrideRecord struct {
	Point            string
	BaseVersion      string
	Doc              json.RawMessage
	EffectiveVersion string
	Updated          time.Time
	By               string
}

// SetOverride records a point's override (already checked by the caller
// with catalog.ParseOverride and Apply), stores its effective catalog as a
// version, and publishes that to the point, all in one transaction.
func (s *SQLite) SetOverride(ctx context.Context, o OverrideRecord, effective CatalogVersion, e AuditEntry) (protocol.FeedItem, error) {
	if err := validPointCode(o.Point); err != nil {
		return protocol.FeedItem{}, err
	}
	now := s.now()
	var it protocol.FeedItem
	err := s.update(ctx, func(tx *sql.Tx) (err error) {
		it, err = setOverride(ctx, tx, o, effective, e, now)
		return err
	})
	return it, err
}

func setOverride(ctx context.Context, tx dbtx, o OverrideRecord, effective CatalogVersion, e AuditEntry, now time.Time) (protocol.FeedItem, error) {
	effective = sealVersion(effective, now)
	if err := addCatalogVersion(ctx, tx, effective, nil, now); err != nil {
		return protocol.FeedItem{}, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_overrides (service_point, base_version, doc, effective_version, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (service_point) DO UPDATE SET base_version = excluded.base_version, doc = excluded.doc,
		effective_version = excluded.effective_version, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		o.Point, o.BaseVersion, string(compact(o.Doc)), effective.Version, ts(now), o.By); err != nil {
		return protocol.FeedItem{}, fmt.Errorf("store override: %w", err)
	}
	it, err := publishCatalogTx(ctx, tx, effective.Version, o.Point, effective.Doc, o.By, now)
	if err != nil {
		return it, err
	}
	e.Subject, e.Detail = effective.Version, o.Point
	return it, writeAudit(ctx, tx, e, now)
}

// Overrides lists recorded overrides by point.
func (s *SQLite) Overrides(ctx context.Context) ([]OverrideRecord, error) { return overrides(ctx, s.r) }

func overrides(ctx context.Context, q dbtx) ([]OverrideRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT service_point, base_version, doc, effective_version, updated_at, updated_by
		FROM catalog_overrides ORDER BY service_point`)
	if err != nil {
		return nil, fmt.Errorf("list overrides: %w", err)
	}
	defer rows.Close()
	var out []OverrideRecord
	for rows.Next() {
		var o OverrideRecord
		var doc string
		var at sql.NullString
		if err := rows.Scan(&o.Point, &o.BaseVersion, &doc, &o.EffectiveVersion, &at, &o.By); err != nil {
			return nil, fmt.Errorf("scan override: %w", err)
		}
		o.Doc, o.Updated = json.RawMessage(doc), parseTS(at)
		out = append(out, o)
	}
	return out, rows.Err()
}

// afterMigration runs Go steps a migration needs inside its transaction.
var afterMigration = map[int]func(ctx context.Context, tx *sql.Tx, now time.Time) error{
	2: func(ctx context.Context, tx *sql.Tx, _ time.Time) error { return backfillOffice(ctx, tx) },
	// 0007's deadline columns, from each case's document and status log.
	7: func(ctx context.Context, tx *sql.Tx, now time.Time) error {
		return refreshAllDeadlines(ctx, tx, &calendarCache{}, now, false)
	},
	// 0014's rollup, from every case, ticket and rating stored before it.
	14: func(ctx context.Context, tx *sql.Tx, _ time.Time) error {
		return backfillFigures(ctx, tx, &calendarCache{})
	},
}

// afterPostgresMigration is afterMigration for PostgreSQL: counties have
// run on it since 0013, so 0014's rollup is filled there too.
var afterPostgresMigration = map[int]func(ctx context.Context, tx *sql.Tx, now time.Time) error{
	14: func(ctx context.Context, tx *sql.Tx, _ time.Time) error {
		return backfillFigures(ctx, pgTx{tx}, &calendarCache{})
	},
}

// backfillOffice fills the case indexes and the status log of 0002 from
// what an older countyd stored, so an upgraded county's back office shows
// its existing cases and decisions.
func backfillOffice(ctx context.Context, tx *sql.Tx) error {
	docs, err := caseDocs(ctx, tx)
	if err != nil {
		return err
	}
	for _, r := range docs {
		var d protocol.CaseDoc
		json.Unmarshal([]byte(r.doc), &d) // a document that does not read gets no index, as in Apply
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET due = ? WHERE case_id = ?`, dueDay(d.Due), r.id); err != nil {
			return fmt.Errorf("index case due: %w", err)
		}
		for _, m := range cleanMatters(d.Matters) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_matters (case_id, matter) VALUES (?, ?) ON CONFLICT (case_id, matter) DO NOTHING`,
				r.id, m); err != nil {
				return fmt.Errorf("index case matter: %w", err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_status_log (case_id, cursor, status, payload, at)
		SELECT '', cursor, '', payload, at FROM feed WHERE kind = ? ORDER BY cursor`, string(protocol.FeedCaseStatus)); err != nil {
		return fmt.Errorf("copy status log: %w", err)
	}
	type st struct {
		seq     int64
		payload string
	}
	var sts []st
	rows, err := tx.QueryContext(ctx, `SELECT seq, payload FROM case_status_log WHERE case_id = ''`)
	if err != nil {
		return fmt.Errorf("read status log: %w", err)
	}
	for rows.Next() {
		var x st
		if err := rows.Scan(&x.seq, &x.payload); err != nil {
			rows.Close()
			return fmt.Errorf("scan status log: %w", err)
		}
		sts = append(sts, x)
	}
	rows.Close()
	for _, x := range sts {
		var cs protocol.CaseStatus
		json.Unmarshal([]byte(x.payload), &cs)
		if _, err := tx.ExecContext(ctx, `UPDATE case_status_log SET case_id = ?, status = ? WHERE seq = ?`, cs.CaseID, cs.Status, x.seq); err != nil {
			return fmt.Errorf("index status log: %w", err)
		}
	}
	return nil
}
