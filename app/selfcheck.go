package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/counter"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/printing"
)

// selfCheck runs without a display (after installing, from a service
// manager, or over SSH on a hall machine): it opens — and if needed
// migrates — the database, checks it, makes sure a catalog is loaded,
// renders a receipt with the embedded font and checks that working days
// are known for today. It reports to out and returns the first problem.
func selfCheck(ctx context.Context, dir string, out io.Writer) error {
	say := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	say("%s", versionLine())
	say("数据目录 data dir: %s", dir)
	// The whole file is checked once, inside Open, before anything else
	// reads it (it took twice as long when Open and then Check both did).
	db, err := store.Open(ctx, filepath.Join(dir, "yichuang.db"), store.Options{
		Build: Version(), Check: store.CheckFullNow,
		Checked: func(kind store.CheckKind, took time.Duration, err error) {
			result := "ok"
			if err != nil {
				result = err.Error()
			}
			say("数据检查 database check: %s %s (%d ms)", kind, result, took.Milliseconds())
		},
	})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer db.Close()
	if b := db.PreMigrationBackup(); b != "" {
		say("升级前备份 backup before migrating: %s", b)
	}
	v, _ := db.SchemaVersion(ctx)
	if ok, err := db.HasCatalog(ctx); err != nil {
		return err
	} else if !ok {
		if _, err := db.LoadCatalog(ctx, assets.DemoCatalog()); err != nil {
			return fmt.Errorf("load demo catalog: %w", err)
		}
	}
	cat, err := db.ActiveCatalog(ctx)
	if err != nil {
		return err
	}
	n, err := db.CaseCount(ctx)
	if err != nil {
		return err
	}
	st, err := db.SyncStatus(ctx)
	if err != nil {
		return err
	}
	say("数据库 database: schema %d, %d cases, %d events waiting to sync", v, n, st.Pending)
	say("事项目录 catalog: %s, %d matters", cat.Version, len(cat.Matters))

	cal, err := db.Calendar(ctx)
	if err != nil {
		return fmt.Errorf("holiday calendars: %w", err)
	}
	now := clock.System{}.Now()
	if _, err := cal.IsWorkday(now); err != nil {
		return fmt.Errorf("working days for %d: %w", now.Year(), err)
	}
	say("工作日 working days: years %v", cal.Years())

	var pdf bytes.Buffer
	c := cases.Case{Tracking: "47U8BPC811Y2000H", Draft: cases.Draft{Matters: []string{cat.Matters[0].Code},
		Applicant: cases.Applicant{Kind: cases.Individual, Name: "自检", IDNumber: "330522199003150024"}},
		Status: cases.StatusAccepted, Accepted: now, Due: now.Add(72 * time.Hour)}
	if _, err := printing.WriteCaseDoc(&pdf, printing.Receipt, printing.A4, printing.CaseInput{Case: c, Catalog: cat, ServicePoint: "自检", PrintedAt: now}); err != nil {
		return fmt.Errorf("render a receipt: %w", err)
	}
	say("打印 printing: a test receipt renders (%d bytes, font %s)", pdf.Len(), assets.FontName)
	say("自检通过 self-check passed")
	return nil
}

// printTest sends the 打印测试页 to the kiosk's printer — the queue and
// paper chosen in 设置, else the system default on A4 — and says what became
// of it, in the words a clerk sees and with the print command's own
// output: someone setting up a hall checks a printer without starting the
// kiosk, and make package-test runs it under Wine through the Windows
// print path.
func printTest(ctx context.Context, dir string, out io.Writer) error {
	db, err := store.Open(ctx, filepath.Join(dir, "yichuang.db"), store.Options{Build: Version()})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer db.Close()
	k, _, err := db.Kiosk(ctx)
	if err != nil {
		return fmt.Errorf("read the kiosk's printer: %w", err)
	}
	in := printing.TestPageInput{ServicePoint: k.Point.Name, Queue: k.PrinterQueue, Layout: printing.A4, At: clock.System{}.Now()}
	if k.Paper == servicepoint.PaperRoll80 {
		in.Layout = printing.Roll80
	}
	if in.ServicePoint == "" {
		in.ServicePoint = "一窗"
	}
	queue := k.PrinterQueue
	if queue == "" {
		queue = "默认打印机 default printer"
	}
	err = printing.PrintTestPage(ctx, services.Printer(db, k.PrinterQueue), in, "打印测试页")
	if err != nil {
		msg := err.Error()
		if p := printing.ProblemOf(err); p != "" {
			msg = fmt.Sprintf("%s (%s): %s", counter.PrintMessage(err).Error(), p, printing.DetailOf(err))
		}
		return fmt.Errorf("%s: %s", queue, msg)
	}
	fmt.Fprintf(out, "打印测试页已送到 %s; test page sent to %s\n", queue, queue)
	return nil
}
