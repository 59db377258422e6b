package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/sync/protocol"
)

// settingHallConfig holds the hall config the county last sent (its
// document, as published).
const settingHallConfig = "hall.config"

// HallConfig is the hall as the county configured it, or
// queue.DefaultHallConfig until it has. It is read from the database on
// every call, so a config that arrives with a sync round takes effect at
// the next ticket, booking or board refresh, without a restart.
func (db *DB) HallConfig(ctx context.Context) (queue.HallConfig, error) {
	v, ok, err := db.Setting(ctx, settingHallConfig)
	if err != nil {
		return queue.HallConfig{}, fmt.Errorf("read hall config: %w", err)
	}
	if !ok || v == "" {
		return queue.DefaultHallConfig(), nil
	}
	c, err := queue.ParseReceivedHallConfig([]byte(v))
	if err != nil {
		// Stored only after the same check passed: a failure here is a
		// damaged file, not a county's mistake, and is said as such.
		return queue.HallConfig{}, fmt.Errorf("stored hall config: %w", err)
	}
	return c, nil
}

// applyHallConfig keeps a county's hall config. One this release cannot
// read is skipped, the hall going on with the config it has, rather than
// stopping the feed or leaving the hall without hours.
func applyHallConfig(ctx context.Context, t *tx, it protocol.FeedItem) error {
	var d protocol.DocumentPayload
	if err := json.Unmarshal(it.Payload, &d); err != nil {
		return fmt.Errorf("decode hall config: %w", err)
	}
	if _, err := queue.ParseReceivedHallConfig(d.Document); err != nil {
		return nil
	}
	return setSetting(ctx, t, settingHallConfig, string(d.Document))
}
