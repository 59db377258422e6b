package county

import "strings"

// The statements the apply path (Apply, per event) runs, named so that
// queryplan_test.go plans the very strings the store runs: an ingest that
// slows as the county grows is most often one of these reading a table it
// should seek (issue 18).

const (
	qInsertRejected = `INSERT INTO rejected_events (event_id, device_id, kind, code, message, payload, rejected_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	qCaseHead = `SELECT county_case, service_point, version, tracking, county_status, first_seen,
		kiosk_status, due_moved, paused_since, supplement_by FROM cases WHERE case_id = ?`
	qCaseByTracking = `SELECT case_id FROM cases WHERE tracking = ? LIMIT 1`
	qInsertCase     = `INSERT INTO cases (case_id, county_case, service_point, tracking, version, kiosk_status, doc, first_seen, updated_at, due,
			due_moved, paused_since, paused_kind, paused_procedure, supplement_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qCaseAttachments = `SELECT sha256 FROM case_attachments WHERE case_id = ?`
	qCaseMatters     = `SELECT matter FROM case_matters WHERE case_id = ?`
	qDropAttachment  = `DELETE FROM case_attachments WHERE case_id = ? AND sha256 = ?`
	qDropMatter      = `DELETE FROM case_matters WHERE case_id = ? AND matter = ?`
	qInsertMatter    = `INSERT INTO case_matters (case_id, matter, first_seen, county_case) VALUES (?, ?, ?, ?)
			ON CONFLICT (case_id, matter) DO NOTHING`
	qInsertAttachment = `INSERT INTO case_attachments (case_id, sha256) VALUES (?, ?) ON CONFLICT (case_id, sha256) DO NOTHING`
	qInsertCaseLog    = `INSERT INTO case_log (case_id, event_id, kind, version, device_id, payload, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?)`
	qInsertHallFeed   = `INSERT INTO feed (service_point, kind, at, payload, device_id, ref_event) VALUES (?, ?, ?, '{}', ?, ?)`
	qEventAt          = `SELECT event_id FROM case_log WHERE case_id = ? AND version = ? ORDER BY seq LIMIT 1`
	qCaseLatest       = `SELECT event_id, kind, payload FROM case_log WHERE case_id = ? ORDER BY version DESC, seq DESC LIMIT 1`
	qNextCountyCase   = `INSERT INTO county_seq (county, year, last) VALUES (?, ?, 1)
		ON CONFLICT (county, year) DO UPDATE SET last = county_seq.last + 1 RETURNING last`
	qInsertInbox = `INSERT INTO inbox (event_id, device_id, service_point, kind, created, payload, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`
	qNoticeCase   = `SELECT service_point, tracking, version, doc FROM cases WHERE case_id = ?`
	qNoticesToday = `SELECT COUNT(*) FROM notices WHERE point_code = ? AND created_at >= ? AND held = 0 AND origin = 'device'`
	qSMSSignature = `SELECT doc FROM sms_config WHERE id = 1`
)

// appliedAnswersSQL reads the answers the county gave before to any of n
// events of a push, with the point of the device that sent each: one
// statement a push, where one an event made 500 seeks a push that almost
// never found anything (a kiosk re-sends only what it did not see
// acknowledged).
func appliedAnswersSQL(n int) string {
	return `SELECT ae.event_id, ae.answer, COALESCE(d.point_code, '') FROM applied_events ae
		LEFT JOIN devices d ON d.id = ae.device_id WHERE ae.event_id IN (?` + strings.Repeat(", ?", n-1) + `)`
}

// insertAppliedSQL records n applied events (five values each) in one
// statement. A push's applied events are recorded together at its end
// (applier.flushApplied): nothing in the push reads them back from the
// table (its own repeats are answered from applier.known), and on
// PostgreSQL each statement is a round trip (issue 18).
func insertAppliedSQL(n int) string {
	return `INSERT INTO applied_events (event_id, device_id, kind, answer, applied_at) VALUES (?, ?, ?, ?, ?)` +
		strings.Repeat(", (?, ?, ?, ?, ?)", n-1) + ` ON CONFLICT (event_id) DO NOTHING`
}

// appliedChunk bounds the rows of one insertAppliedSQL: 500 values, well
// under SQLite's and PostgreSQL's limits on a statement's parameters.
const appliedChunk = 100

// caseListCols are the columns of cases that a case event may change and
// that the list indexes of 0011 and 0016 hold, as a key or in a partial
// index's WHERE: kiosk_status is in five of them, due_moved in two,
// paused_since and supplement_by in one each. SQLite rewrites the entry of every index
// over a column an UPDATE sets, whether or not its value changed, and most
// case events (补正 received, a note, an attachment) change none of them:
// setting only those that changed saved about half of an update's time
// (issue 18). The tracking code is not set at all: Apply refuses an event
// that would change it.
var caseListCols = [...]string{"kiosk_status", "due_moved", "paused_since", "supplement_by"}

// updateCaseSQL is the UPDATE of a case's document, setting the list
// columns whose value changed (in caseListCols' order, after the others).
func updateCaseSQL(changed [len(caseListCols)]bool) string {
	var b strings.Builder
	b.WriteString(`UPDATE cases SET version = ?, doc = ?, updated_at = ?, due = ?, paused_kind = ?, paused_procedure = ?`)
	for i, c := range caseListCols {
		if changed[i] {
			b.WriteString(", " + c + " = ?")
		}
	}
	b.WriteString(" WHERE case_id = ?")
	return b.String()
}

// updateCaseSQLs is updateCaseSQL by the bits of the columns changed
// (bit i for caseListCols[i]), built once.
var updateCaseSQLs = func() (out [1 << len(caseListCols)]string) {
	for bits := range out {
		var changed [len(caseListCols)]bool
		for i := range changed {
			changed[i] = bits&(1<<i) != 0
		}
		out[bits] = updateCaseSQL(changed)
	}
	return out
}()
