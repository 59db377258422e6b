package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/sync/protocol"
)

// ServicePoint returns the configured hall; ok is false before setup.
func (db *DB) ServicePoint(ctx context.Context) (sp servicepoint.ServicePoint, ok bool, err error) {
	var level string
	err = db.r.QueryRowContext(ctx, `SELECT code, name, level FROM service_point WHERE id = 1`).
		Scan(&sp.Code, &sp.Name, &level)
	if errors.Is(err, sql.ErrNoRows) {
		return sp, false, nil
	}
	if err != nil {
		return sp, false, fmt.Errorf("read service point: %w", err)
	}
	sp.Level = catalog.Level(level)
	return sp, true, nil
}

// ConfigureServicePoint validates and saves the hall's identity with its
// outbox event, in one transaction. It returns the normalized value.
func (db *DB) ConfigureServicePoint(ctx context.Context, sp servicepoint.ServicePoint) (servicepoint.ServicePoint, error) {
	sp, err := sp.Normalize()
	if err != nil {
		return sp, err
	}
	err = db.update(ctx, func(t *tx) error {
		if _, err := t.ExecContext(ctx, `INSERT INTO service_point (id, code, name, level, updated_at) VALUES (1, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, level = excluded.level, updated_at = excluded.updated_at`,
			sp.Code, sp.Name, string(sp.Level), stamp(t.now)); err != nil {
			return fmt.Errorf("save service point: %w", err)
		}
		_, err := t.emit(ctx, protocol.ServicePointConfigured, protocol.ServicePointPayload{
			Code: sp.Code, Name: sp.Name, Level: string(sp.Level)})
		return err
	})
	return sp, err
}
