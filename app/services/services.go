// Package services provides what the screens run on: each type implements
// the small interface one app/ui screen declares (intake.Service,
// agent.Service, selfservice.Service and FilingService, ticket.Service,
// home.Source, link.Service) over the store, the counter's documents and
// printer, the hall's queue and the county link.
//
// The screens may not import the store, the printer or HTTP (app/archtest);
// package main only wires. These adapters are the one place where the two
// meet, so a screen's interface can change without touching either side,
// and each adapter is tested with the real store through its screen.
package services

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/yichuang/yichuang/app/blobs"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/counter"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/printing"
)

// Files is where scanned attachments are kept in a data directory, by
// SHA-256.
// Files are sealed with db's data key (docs/security.md).
func Files(dataDir string, db *store.DB) blobs.Store {
	return blobs.Store{Dir: filepath.Join(dataDir, "files"), Keys: db}
}

// Archive is where every PDF handed out is kept, sealed with db's data key.
func Archive(dataDir string, db *store.DB) printing.Archive {
	return printing.Archive{Dir: Prints(dataDir), Key: func() (printing.Sealer, error) { return db.DataKey() }}
}

// Prints is where every PDF handed out is archived in a data directory.
func Prints(dataDir string) string { return filepath.Join(dataDir, "prints") }

// NewIntake wires the counter for the hall's current configuration: its
// paper and printer, and the working days it counts due dates by (the
// embedded holiday notices and any the county published since). The
// county link, when there is one, is told of each accepted case through
// Committed.
func NewIntake(ctx context.Context, db *store.DB, dataDir string, clk clock.Clock) (*Intake, error) {
	cfg, _, err := db.Kiosk(ctx)
	if err != nil {
		return nil, fmt.Errorf("read kiosk configuration: %w", err)
	}
	cal, err := db.Calendar(ctx)
	if err != nil {
		return nil, fmt.Errorf("read working days: %w", err)
	}
	layout := printing.A4
	if cfg.Paper == servicepoint.PaperRoll80 {
		layout = printing.Roll80
	}
	c := &counter.Counter{
		Store: db, Calendar: cal, Clock: clk,
		Blobs:   Files(dataDir, db),
		Archive: Archive(dataDir, db),
		Printer: Printer(db, cfg.PrinterQueue), Layout: layout,
		Seal: db.SealImage,
	}
	return &Intake{DB: db, Counter: c, Level: cfg.Point.Level}, nil
}

// WipeRevoked destroys the machine's data after the county revoked it: the
// database's citizens' data and keys (store.Wipe), and every scan, printed
// paper and scanner drop on disk.
func WipeRevoked(ctx context.Context, db *store.DB, dataDir string) error {
	err := db.Wipe(ctx, "县中心已停用本机")
	for _, dir := range []string{filepath.Join(dataDir, "files"), Prints(dataDir), filepath.Join(dataDir, "scans-in")} {
		err = errors.Join(err, os.RemoveAll(dir))
	}
	return err
}

// Minimise applies the county's retention period (store.Minimise) and
// deletes from disk the scans and papers it freed, and the papers no case
// holds (mandate letters printed before a filing) once they are as old.
func Minimise(ctx context.Context, db *store.DB, dataDir string) (store.Reduced, error) {
	r, err := db.Minimise(ctx)
	if err != nil {
		return r, err
	}
	files := Files(dataDir, db)
	for _, sha := range r.Scans {
		err = errors.Join(err, files.Remove(sha))
	}
	for _, p := range r.Papers {
		if rerr := os.Remove(p); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
	}
	keep, kerr := db.Retention(ctx)
	held, herr := db.DocumentPaths(ctx)
	if kerr != nil || herr != nil {
		return r, errors.Join(err, kerr, herr)
	}
	before := time.Now().Add(-keep)
	werr := filepath.WalkDir(Prints(dataDir), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || held[path] {
			return err
		}
		if info, err := d.Info(); err == nil && info.ModTime().Before(before) {
			return os.Remove(path)
		}
		return nil
	})
	if werr != nil && !errors.Is(werr, os.ErrNotExist) {
		err = errors.Join(err, werr)
	}
	return r, err
}
