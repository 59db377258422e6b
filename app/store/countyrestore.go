package store

import (
	"context"
	"fmt"
	"time"

	"github.com/yichuang/yichuang/sync/protocol"
)

// restoreMargin is how far before the county's backup the kiosk starts
// sending again: acked_at is the kiosk's clock, BackupAt the county's, and
// a kiosk whose clock is off by minutes is refused by the county anyway
// (protocol.MaxSkew), so a day is far more than the two can differ.
const restoreMargin = 24 * time.Hour

// resendSinceRestore puts back into the outbox every event the county
// acknowledged after its backup was taken, and marks the files uploaded
// since for upload again: the restored county lost them. Events it still
// holds are answered "applied" again (at most once by event id), files it
// holds are found complete by the upload's first HEAD, so sending too much
// costs a round trip and sending too little loses a case.
//
// Rows the hall withdrew (withdrawn_at) were never the county's to lose;
// rows already compacted (payload 'null', older than compactAfter) cannot
// be sent again, which is why a county backup older than that is too old
// (docs/county-scale.md "Backups").
func resendSinceRestore(ctx context.Context, t *tx, r protocol.CountyRestored) error {
	since := stamp(r.BackupAt.Add(-restoreMargin))
	if _, err := t.ExecContext(ctx, `UPDATE outbox SET acked_at = NULL, last_error = NULL
		WHERE acked_at IS NOT NULL AND acked_at >= ? AND withdrawn_at IS NULL AND payload <> 'null'`, since); err != nil {
		return fmt.Errorf("send events again after the county's restore: %w", err)
	}
	if _, err := t.ExecContext(ctx, `UPDATE attachments SET uploaded_at = NULL
		WHERE uploaded_at IS NOT NULL AND uploaded_at >= ? AND origin = ''`, since); err != nil {
		return fmt.Errorf("upload files again after the county's restore: %w", err)
	}
	return nil
}
