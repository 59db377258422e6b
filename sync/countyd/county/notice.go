package county

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
)

// MaxNoticesPerDay is how many notices a service point may have sent in
// 24 hours; beyond it they are kept, held and not sent, and the county's
// staff see them. A township hall sends a few dozen on a busy day.
const MaxNoticesPerDay = 300

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
	err := a.queryRow(ctx, qNoticeCase, n.CaseID).
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
	facts, ok := deviceNoticeFacts(tmpl, doc, a.now)
	if !ok {
		return reject(protocol.CodeBadPayload, "notice %q does not fit the case as the county holds it (%s)", tmpl, doc.Status), nil
	}
	if !isMobile(doc.Applicant.Mobile) {
		return reject(protocol.CodeBadPayload, "the case has no mobile on record"), nil
	}
	var sent int
	since := a.now.Add(-24 * time.Hour)
	if err := a.queryRow(ctx, qNoticesToday,
		a.dev.Point.Code, ts(since)).Scan(&sent); err != nil {
		return nil, fmt.Errorf("count notices: %w", err)
	}
	sig, err := storedSignature(a.queryRow(ctx, qSMSSignature))
	if err != nil {
		return nil, err
	}
	params, _ := noticeParams(tmpl, facts)
	if err := insertNotice(ctx, a.exec, newNotice{
		eventID: ev.ID, caseID: n.CaseID, template: tmpl, version: version, point: a.dev.Point.Code,
		mobile: doc.Applicant.Mobile, origin: "device", params: params, text: renderNotice(sig, tmpl, params),
		held: sent >= MaxNoticesPerDay, at: a.now,
	}); err != nil {
		return nil, err
	}
	return nil, nil
}

// Kiosk statuses a lapse notice cannot follow: the case was completed,
// refused or handed out (the materials came, or it ended another way), or
// it is still in pre-review. Any other status may be the kiosk's name for
// "ended because the 容缺 deadline passed", which is the kiosk's to choose.
var notLapsed = map[string]bool{"accepted": true, "completed": true, "delivered": true, "mailed": true,
	"rejected": true, "denied": true, "prereview": true, "returned": true}

// deviceNoticeFacts checks that a kiosk's template fits the case as the
// county holds it and returns what the notice may say. The county
// decisions' templates (补正, 不予许可) are the county's alone.
func deviceNoticeFacts(tmpl string, doc protocol.CaseDoc, now time.Time) (noticeFacts, bool) {
	f := noticeFacts{tracking: doc.Tracking}
	switch tmpl {
	case protocol.NoticePrereviewAccepted:
		f.due = doc.Due
		return f, (doc.Status == "accepted" || doc.Status == "deferred") && !doc.Due.IsZero()
	case protocol.NoticePrereviewReturned:
		f.reason = doc.Reason
		return f, doc.Status == "returned"
	case protocol.NoticeCaseCompleted:
		f.pickup = "凭受理回执到受理窗口领取"
		if doc.Mail != nil {
			f.pickup = "免费邮寄送达"
		}
		return f, doc.Status == "completed"
	case protocol.NoticeSupplementLapsed:
		// The deadline's day has come (the kiosk's and the county's clocks
		// may differ by minutes around midnight) and the case did not end
		// another way.
		if doc.SupplementBy.IsZero() || notLapsed[doc.Status] {
			return f, false
		}
		day := doc.SupplementBy.In(workday.China).Format(time.DateOnly)
		f.supplyBy = day
		for _, m := range doc.Materials {
			if m.State == "deferred" {
				f.materials = append(f.materials, m.Material)
			}
		}
		if len(f.materials) == 0 {
			f.materials = []string{"容缺材料"}
		}
		return f, day <= now.In(workday.China).Format(time.DateOnly)
	}
	return f, false
}

// decisionTemplates are the county decisions the citizen is told of; a
// case back under review (reviewing) is not news to them.
var decisionTemplates = map[string]string{
	protocol.CountyCompleted:  protocol.NoticeCaseCompleted,
	protocol.CountyCorrection: protocol.NoticeCaseCorrection,
	protocol.CountyDenied:     protocol.NoticeCaseDenied,
}

// queueDecisionNotice writes the notice of a county decision in the
// decision's own transaction, so the citizen is told if and only if the
// decision stands; once per case, template and case version, so the same
// decision again (a double submit, a correction of a typo) sends nothing
// more. A case without a mobile on record gets no notice: the hall tells
// the applicant when they come.
func queueDecisionNotice(ctx context.Context, tx dbtx, cs Case, c StatusChange, cursor int64, now time.Time) error {
	tmpl, ok := decisionTemplates[c.Status]
	if !ok {
		return nil
	}
	var doc protocol.CaseDoc
	if err := json.Unmarshal(cs.Doc, &doc); err != nil {
		return fmt.Errorf("read case for notice: %w", err)
	}
	if !isMobile(doc.Applicant.Mobile) {
		return nil
	}
	f := noticeFacts{tracking: cs.Tracking, reason: c.Reason, pickup: c.Pickup, supplyBy: c.SupplyBy}
	for _, sp := range c.Supplements {
		f.materials = append(f.materials, sp.Name)
	}
	sig, err := storedSignature(tx.QueryRowContext(ctx, `SELECT doc FROM sms_config WHERE id = 1`))
	if err != nil {
		return err
	}
	params, _ := noticeParams(tmpl, f)
	return insertNotice(ctx, tx.ExecContext, newNotice{
		eventID: fmt.Sprintf("county-status:%d", cursor), caseID: cs.ID, template: tmpl, version: cs.Version,
		point: cs.Point, mobile: doc.Applicant.Mobile, origin: "county", params: params,
		text: renderNotice(sig, tmpl, params), at: now,
	})
}

// storedSignature reads the configured signature from a row of
// sms_config ("" before one is set).
func storedSignature(row rowScanner) (string, error) {
	var doc string
	err := row.Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read sms configuration: %w", err)
	}
	var c SMSConfig
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		return "", fmt.Errorf("decode sms configuration: %w", err)
	}
	return c.Signature, nil
}

type newNotice struct {
	eventID, caseID, template, point, mobile, origin, text string
	version                                                int
	params                                                 map[string]string
	held                                                   bool
	at                                                     time.Time
}

// insertNotice stores a notice once per case, template and case version.
func insertNotice(ctx context.Context, exec func(context.Context, string, ...any) (sql.Result, error), n newNotice) error {
	params, err := json.Marshal(n.params)
	if err != nil {
		return fmt.Errorf("encode notice parameters: %w", err)
	}
	held := 0
	if n.held {
		held = 1
	}
	if _, err := exec(ctx, `INSERT INTO notices (event_id, case_id, template, case_version, point_code, mobile, text, held, created_at, origin, params)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, template, case_version) DO NOTHING`,
		n.eventID, n.caseID, n.template, n.version, n.point, n.mobile, n.text, held, ts(n.at), n.origin, string(params)); err != nil {
		return fmt.Errorf("insert notice: %w", err)
	}
	return nil
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
