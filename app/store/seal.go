package store

import (
	"context"
	"encoding/base64"
	"fmt"
)

// settingSeal holds the service point's seal image (protocol.FeedSeal),
// base64; absent or empty means none.
const settingSeal = "paper.seal_png"

// SealImage returns the seal image the county configured for this service
// point, or nil when it configured none: papers then leave the seal area
// for a stamp by hand.
func (db *DB) SealImage(ctx context.Context) ([]byte, error) {
	v, ok, err := db.Setting(ctx, settingSeal)
	if err != nil || !ok || v == "" {
		return nil, err
	}
	img, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("read seal image: %w", err)
	}
	return img, nil
}
