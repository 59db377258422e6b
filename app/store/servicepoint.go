package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/msg"
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
	err = db.update(ctx, func(t *tx) error { return saveServicePoint(ctx, t, sp, 0) })
	return sp, err
}

func saveServicePoint(ctx context.Context, t *tx, sp servicepoint.ServicePoint, device int) error {
	if _, err := t.ExecContext(ctx, `INSERT INTO service_point (id, code, name, level, updated_at) VALUES (1, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, level = excluded.level, updated_at = excluded.updated_at`,
		sp.Code, sp.Name, string(sp.Level), stamp(t.now)); err != nil {
		return fmt.Errorf("save service point: %w", err)
	}
	_, err := t.emit(ctx, protocol.ServicePointConfigured, protocol.ServicePointPayload{
		Code: sp.Code, Name: sp.Name, Level: string(sp.Level), Device: device})
	return err
}

// Settings keys of the kiosk configuration.
const (
	settingPrinter   = "printer.queue"
	settingPaper     = "printer.paper"
	settingQueueRole = "queue.role"
	settingHub       = "queue.hub"
)

// ConfigureKiosk saves the hall, this kiosk's number and its printer in one
// transaction with the outbox event.
func (db *DB) ConfigureKiosk(ctx context.Context, k servicepoint.Kiosk) (servicepoint.Kiosk, error) {
	k, err := k.Normalize()
	if err != nil {
		return k, err
	}
	err = db.update(ctx, func(t *tx) error {
		// A hub's own number must stay free of the machines paired with it:
		// it is part of every tracking code made here.
		var taken int
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM hall_machines WHERE device_no = ? AND removed_at IS NULL`, k.Device).Scan(&taken); err != nil {
			return fmt.Errorf("read hall machines: %w", err)
		}
		if taken > 0 && k.QueueRole == servicepoint.QueueHub {
			return msg.New(ErrDeviceTaken.Key, "N", k.Device)
		}
		if err := saveServicePoint(ctx, t, k.Point, k.Device); err != nil {
			return err
		}
		for key, v := range map[string]string{settingDevice: strconv.Itoa(k.Device), settingPrinter: k.PrinterQueue, settingPaper: k.Paper,
			settingQueueRole: k.QueueRole, settingHub: k.HubAddr} {
			if _, err := t.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, v); err != nil {
				return fmt.Errorf("save setting %s: %w", key, err)
			}
		}
		return nil
	})
	return k, err
}

// Kiosk returns the kiosk's configuration; ok is false until the service
// point and the device number are both set.
func (db *DB) Kiosk(ctx context.Context) (k servicepoint.Kiosk, ok bool, err error) {
	sp, ok, err := db.ServicePoint(ctx)
	if err != nil || !ok {
		return k, false, err
	}
	k.Point = sp
	if k.Device, err = db.DeviceNumber(ctx); err != nil {
		return k, false, err
	}
	if k.PrinterQueue, _, err = db.Setting(ctx, settingPrinter); err != nil {
		return k, false, err
	}
	if k.Paper, _, err = db.Setting(ctx, settingPaper); err != nil {
		return k, false, err
	}
	if k.Paper == "" {
		k.Paper = servicepoint.PaperA4
	}
	for key, dst := range map[string]*string{settingQueueRole: &k.QueueRole, settingHub: &k.HubAddr} {
		if *dst, _, err = db.Setting(ctx, key); err != nil {
			return k, false, err
		}
	}
	if k.QueueRole == "" {
		k.QueueRole = servicepoint.QueueLocal
	}
	return k, k.Device > 0, nil
}
