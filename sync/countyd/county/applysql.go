package county

// The statements the apply path (Apply, per event) runs, named so that
// queryplan_test.go plans the very strings the store runs: an ingest that
// slows as the county grows is most often one of these reading a table it
// should seek (issue 18).

const (
	qAppliedAnswer = `SELECT ae.answer, COALESCE(d.point_code, '') FROM applied_events ae
		LEFT JOIN devices d ON d.id = ae.device_id WHERE ae.event_id = ?`
	qInsertApplied = `INSERT INTO applied_events (event_id, device_id, kind, answer, applied_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (event_id) DO NOTHING`
	qInsertRejected = `INSERT INTO rejected_events (event_id, device_id, kind, code, message, payload, rejected_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	qCaseHead       = `SELECT county_case, service_point, version, tracking, county_status, first_seen FROM cases WHERE case_id = ?`
	qCaseByTracking = `SELECT case_id FROM cases WHERE tracking = ? LIMIT 1`
	qInsertCase     = `INSERT INTO cases (case_id, county_case, service_point, tracking, version, kiosk_status, doc, first_seen, updated_at, due,
			due_moved, paused_since, paused_kind, paused_procedure, supplement_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qUpdateCase = `UPDATE cases SET tracking = ?, version = ?, kiosk_status = ?, doc = ?, updated_at = ?, due = ?,
		due_moved = ?, paused_since = ?, paused_kind = ?, paused_procedure = ?, supplement_by = ? WHERE case_id = ?`
	qClearAttachments = `DELETE FROM case_attachments WHERE case_id = ?`
	qClearMatters     = `DELETE FROM case_matters WHERE case_id = ?`
	qInsertMatter     = `INSERT INTO case_matters (case_id, matter, first_seen, county_case) VALUES (?, ?, ?, ?)
			ON CONFLICT (case_id, matter) DO NOTHING`
	qInsertAttachment = `INSERT INTO case_attachments (case_id, sha256) VALUES (?, ?) ON CONFLICT (case_id, sha256) DO NOTHING`
	qInsertCaseLog    = `INSERT INTO case_log (case_id, event_id, kind, version, device_id, payload, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?)`
	qInsertHallFeed   = `INSERT INTO feed (service_point, kind, at, payload, device_id, ref_event) VALUES (?, ?, ?, '{}', ?, ?)`
	qEventAt          = `SELECT event_id FROM case_log WHERE case_id = ? AND version = ? ORDER BY seq LIMIT 1`
	qCaseLatest       = `SELECT event_id, kind, payload FROM case_log WHERE case_id = ? ORDER BY version DESC, seq DESC LIMIT 1`
	qNextCountyCase   = `INSERT INTO county_seq (county, year, last) VALUES (?, ?, 1)
		ON CONFLICT (county, year) DO UPDATE SET last = county_seq.last + 1`
	qReadCountyCase = `SELECT last FROM county_seq WHERE county = ? AND year = ?`
	qInsertInbox    = `INSERT INTO inbox (event_id, device_id, service_point, kind, created, payload, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`
	qNoticeCase   = `SELECT service_point, tracking, version, doc FROM cases WHERE case_id = ?`
	qNoticesToday = `SELECT COUNT(*) FROM notices WHERE point_code = ? AND created_at >= ? AND held = 0 AND origin = 'device'`
	qSMSSignature = `SELECT doc FROM sms_config WHERE id = 1`
)
