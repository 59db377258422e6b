package county

import (
	"context"
	"fmt"
)

// countRows is Stats on a store's connection; both stores run it.
func countRows(ctx context.Context, q dbtx) (Stats, error) {
	var st Stats
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM enroll_codes), (SELECT COUNT(*) FROM devices), (SELECT COUNT(*) FROM nonces),
		(SELECT COUNT(*) FROM applied_events), (SELECT COUNT(*) FROM rejected_events), (SELECT COUNT(*) FROM inbox),
		(SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM case_log), (SELECT COUNT(*) FROM feed),
		(SELECT COUNT(*) FROM blobs), (SELECT COUNT(*) FROM blobs WHERE completed_at IS NOT NULL),
		(SELECT COUNT(*) FROM case_attachments)`).Scan(
		&st.EnrollCodes, &st.Devices, &st.Nonces, &st.Applied, &st.Rejected, &st.Inbox,
		&st.Cases, &st.CaseLog, &st.Feed, &st.Blobs, &st.CompleteBlobs, &st.CaseAttachments)
	if err != nil {
		return st, fmt.Errorf("count rows: %w", err)
	}
	return st, nil
}
