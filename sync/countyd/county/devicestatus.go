package county

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/yichuang/yichuang/sync/protocol"
)

// setDeviceStatus keeps a device's latest status report, for both stores:
// one upsert, so two reports at once leave one of them whole.
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
	return nil
}

// readDeviceStatuses is DeviceStatuses for both stores.
func readDeviceStatuses(ctx context.Context, q queryer) (map[string]DeviceReport, error) {
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
