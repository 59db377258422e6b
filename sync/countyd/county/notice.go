package county

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yichuang/yichuang/sync/protocol"
)

// MaxNoticesPerDay is how many notices a service point may have sent in
// 24 hours; beyond it they are kept, held and not sent, and the county's
// staff see them. A township hall sends a few dozen on a busy day.
const MaxNoticesPerDay = 300

// maxNoticeReason bounds the clerk's reason quoted in a notice.
const maxNoticeReason = 100

// applyNotice turns a device's request into the county's own notice: about
// a case this county holds for the device's point, in a state the template
// is for, to the applicant's mobile on record, once per case, template and
// case version. So an enrolled device cannot make the county text any
// number with any words, nor about another point's case.
func (a *applier) applyNotice(ctx context.Context, ev protocol.Event, n *protocol.NoticePayload) (*rejection, error) {
	noCase := reject(protocol.CodeBadPayload, "the notice names no case of this service point")
	if !protocol.ValidCaseID(n.CaseID) {
		return noCase, nil
	}
	var point, tracking, docJSON string
	var version int
	err := a.queryRow(ctx, `SELECT service_point, tracking, version, doc FROM cases WHERE case_id = ?`, n.CaseID).
		Scan(&point, &tracking, &version, &docJSON)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (point != a.dev.Point.Code || tracking != n.Tracking) {
		return noCase, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read case for notice: %w", err)
	}
	var doc protocol.CaseDoc
	if err := json.Unmarshal([]byte(docJSON), &doc); err != nil {
		return reject(protocol.CodeBadPayload, "the case cannot be read for a notice: %v", err), nil
	}
	tmpl := n.Template
	if tmpl == "" { // a kiosk before 0.8: the case's state says which
		tmpl = protocol.NoticePrereviewAccepted
		if doc.Status == "returned" {
			tmpl = protocol.NoticePrereviewReturned
		}
	}
	text, ok := noticeText(tmpl, doc)
	if !ok {
		return reject(protocol.CodeBadPayload, "notice %q does not fit the case as the county holds it (%s)", tmpl, doc.Status), nil
	}
	if !isMobile(doc.Applicant.Mobile) {
		return reject(protocol.CodeBadPayload, "the case has no mobile on record"), nil
	}
	var sent int
	since := a.now.Add(-24 * time.Hour)
	if err := a.queryRow(ctx, `SELECT COUNT(*) FROM notices WHERE point_code = ? AND created_at >= ? AND held = 0`,
		a.dev.Point.Code, ts(since)).Scan(&sent); err != nil {
		return nil, fmt.Errorf("count notices: %w", err)
	}
	held := 0
	if sent >= MaxNoticesPerDay {
		held = 1
	}
	if _, err := a.exec(ctx, `INSERT INTO notices (event_id, case_id, template, case_version, point_code, mobile, text, held, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, template, case_version) DO NOTHING`,
		ev.ID, n.CaseID, tmpl, version, a.dev.Point.Code, doc.Applicant.Mobile, text, held, ts(a.now)); err != nil {
		return nil, fmt.Errorf("insert notice: %w", err)
	}
	return nil, nil
}

// noticeText writes a template's words for a case in the state it is
// for, or says the case is not in that state.
func noticeText(tmpl string, doc protocol.CaseDoc) (string, bool) {
	code := groupTracking(doc.Tracking)
	switch tmpl {
	case protocol.NoticePrereviewAccepted:
		if doc.Status != "accepted" && doc.Status != "deferred" || doc.Due.IsZero() {
			return "", false
		}
		return fmt.Sprintf("【一窗】您自助申报的事项（查询码%s）已通过预审并受理，承诺办结日期%s。", code,
			doc.Due.In(chinaTime).Format(time.DateOnly)), true
	case protocol.NoticePrereviewReturned:
		if doc.Status != "returned" {
			return "", false
		}
		reason := strings.TrimSpace(doc.Reason)
		if utf8.RuneCountInString(reason) > maxNoticeReason {
			reason = string([]rune(reason)[:maxNoticeReason]) + "…"
		}
		return fmt.Sprintf("【一窗】您自助申报的事项（查询码%s）预审退回：%s。请补正后重新提交，或凭查询码在自助终端查看。", code, reason), true
	}
	return "", false
}

// groupTracking writes a tracking code in fours, as on the receipt.
func groupTracking(c string) string {
	if len(c) != protocol.TrackingLength {
		return c
	}
	return c[0:4] + " " + c[4:8] + " " + c[8:12] + " " + c[12:16]
}

// isMobile says whether s is a mainland mobile number: 11 digits from 1.
func isMobile(s string) bool {
	if len(s) != 11 || s[0] != '1' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Notice is the notice an applied event asked for, as the county wrote it,
// when it is to be sent: ErrNotFound for a repeat of a case's notice, a
// held one, or an event that asked for none.
func (s *SQLite) Notice(ctx context.Context, eventID string) (protocol.NoticePayload, error) {
	var n protocol.NoticePayload
	var at string
	err := s.r.QueryRowContext(ctx, `SELECT n.case_id, c.tracking, n.template, n.mobile, n.text, n.created_at
		FROM notices n JOIN cases c ON c.case_id = n.case_id WHERE n.event_id = ? AND n.held = 0`, eventID).
		Scan(&n.CaseID, &n.Tracking, &n.Template, &n.Mobile, &n.Text, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return n, ErrNotFound
	}
	if err != nil {
		return n, fmt.Errorf("read notice: %w", err)
	}
	n.At = parseTS(sql.NullString{String: at, Valid: true})
	return n, nil
}
