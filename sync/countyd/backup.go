package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
)

// backup takes a backup of the SQLite store beside a running server (a
// systemd timer runs it nightly, packaging/). PostgreSQL is backed up with
// its own tools (docs/county-scale.md "Backups").
func backup(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	to := fs.String("to", "", "directory the backups go in (another disk)")
	keep := fs.Int("keep", 7, "remove backups older than this many days")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *to == "" {
		fmt.Fprintln(fs.Output(), "-to is required")
		return errUsage
	}
	if err := sqliteOnly(); err != nil {
		return err
	}
	path, err := county.BackupSQLite(ctx, *data, *to, time.Now(), *keep)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, path)
	return nil
}

// restore puts a backup back as the data directory; the server must be
// stopped. Kiosks then send again what the backup lacks (protocol
// county.restored).
func restore(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	from := fs.String("from", "", "the backup: a county-<time> directory or its county.db")
	force := fs.Bool("force", false, "restore into a data directory that is not empty, moving what it holds aside")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *from == "" {
		fmt.Fprintln(fs.Output(), "-from is required")
		return errUsage
	}
	if err := sqliteOnly(); err != nil {
		return err
	}
	var opts []county.SQLiteOption
	if key := os.Getenv("COUNTYD_SECRETS_KEY"); key != "" {
		opts = append(opts, county.WithSecretsKey(key))
	}
	if err := county.RestoreSQLite(ctx, *from, *data, *force, time.Now(), opts...); err != nil {
		return err
	}
	fmt.Fprintf(out, "restored %s into %s; start countyd, and the kiosks send again what the backup lacks\n", *from, *data)
	return nil
}

// markRestored tells the kiosks that the county's database was put back
// from a backup by other means: on PostgreSQL after a point-in-time
// recovery (docs/county-scale.md "Backups"), before any countyd serves it.
func markRestored(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	at := fs.String("backup-time", "", "when the backup was taken, or where recovery stopped (RFC 3339, e.g. 2026-12-01T02:00:00+08:00); earlier only makes kiosks send more")
	st, err := parseAndOpenAny(ctx, fs, args, data)
	if err != nil {
		return err
	}
	defer st.Close()
	taken, err := time.Parse(time.RFC3339, *at)
	if err != nil {
		fmt.Fprintf(fs.Output(), "-backup-time %q: want RFC 3339\n", *at)
		return errUsage
	}
	m, ok := st.(interface {
		MarkRestored(ctx context.Context, taken time.Time) error
	})
	if !ok {
		return fmt.Errorf("this store cannot be marked restored")
	}
	if err := m.MarkRestored(ctx, taken); err != nil {
		return err
	}
	fmt.Fprintln(out, "marked restored; kiosks send again what they had acknowledged since", taken.Format(time.RFC3339))
	return nil
}
