package protocol

import "time"

// FeedCountyRestored: the county was restored from a backup (payload
// CountyRestored), sent to every service point. Whatever the county
// acknowledged after BackupAt is gone from it: a kiosk sends again the
// events and files it had acknowledged since (the county applies each at
// most once, so those it still holds are answered as before). The item's
// cursor is far past any cursor the county gave out before it was
// restored (docs/county-scale.md "Backups"), so a kiosk whose cursor ran
// ahead of the backup still reads it and everything after. Kiosks of
// earlier releases skip it, as every unknown kind.
const FeedCountyRestored Kind = "county.restored"

// CountyRestored says when the backup the county now runs on was taken
// and when it was put back.
type CountyRestored struct {
	BackupAt   time.Time `json:"backup_at"`
	RestoredAt time.Time `json:"restored_at"`
}
