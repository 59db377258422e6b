package services

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/counter"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/selfservice"
	"github.com/yichuang/yichuang/printing"
)

// SelfService gives the self-service terminal the catalog, guide printing,
// the verified progress query and the supervisor check.
type SelfService struct {
	DB *store.DB
	// Level is the hall's level: the guide offers the matters done here.
	Level   catalog.Level
	Printer printing.Printer
	// Point is the hall's name, printed on the guide.
	Point string
	Clock clock.Clock
}

var _ selfservice.Service = (*SelfService)(nil)

var errNotSupervisor = msg.New("需要主管账号")

func (s *SelfService) Catalog(ctx context.Context) (*catalog.Catalog, error) {
	return s.DB.ActiveCatalog(ctx)
}

func (s *SelfService) Search(ctx context.Context, q string) ([]catalog.Hit, error) {
	return s.DB.Search(ctx, q, store.SearchOptions{Level: s.Level, Limit: 60})
}

// PrintGuide prints a matter's guide on the terminal's printer.
func (s *SelfService) PrintGuide(ctx context.Context, code string) error {
	cat, err := s.DB.ActiveCatalog(ctx)
	if err != nil {
		return err
	}
	m, ok := cat.Matter(code)
	if !ok {
		return fmt.Errorf("print guide: no matter %s in catalog %s", code, cat.Version)
	}
	var buf bytes.Buffer
	if err := printing.Guide(&buf, printing.A4, printing.GuideInput{Matter: m, ServicePoint: s.Point, CatalogVer: cat.Version, PrintedAt: s.Clock.Now()}); err != nil {
		return fmt.Errorf("render guide %s: %w", code, err)
	}
	return printed("guide", s.Printer.Print(ctx, buf.Bytes(), printing.Job{Title: "办事指南 " + m.Name, Layout: printing.A4}))
}

func (s *SelfService) Progress(ctx context.Context, code, last4 string) (cases.Progress, error) {
	return s.DB.VerifyProgress(ctx, code, last4)
}

// ProgressByCard answers 进度查询 for the holder of the ID card the
// terminal's reader read: their cases, newest first.
func (s *SelfService) ProgressByCard(ctx context.Context, idNumber string) ([]cases.Progress, error) {
	return s.DB.ProgressByHolder(ctx, idNumber)
}

// SupervisorCheck lets only an active supervisor leave the terminal.
func (s *SelfService) SupervisorCheck(ctx context.Context, login, pin string) error {
	a, err := s.DB.Authenticate(ctx, login, pin)
	if err != nil {
		return err
	}
	if a.Role != clerks.Supervisor {
		return errNotSupervisor
	}
	return nil
}

// Filing is 自助申报 at the terminal over the counter's engine: the
// document camera's folder and the filing with its printed slip.
type Filing struct {
	Counter *counter.Counter
	// ScanDir is where the document camera (高拍仪) or scanner drops its
	// files; taken files leave it, refused ones go to its rejected/.
	ScanDir string
}

var _ selfservice.FilingService = (*Filing)(nil)

// TakeScans stores every file in the drop folder as an attachment and
// hands it back with its picture, for the citizen to say which material it
// is (the order of the files means nothing). A file that is not an image
// or PDF, or is over 20 MB, is refused with its message and deleted; the
// others are kept, sealed. Nothing stays in the drop folder.
func (f *Filing) TakeScans(ctx context.Context) ([]selfservice.Scan, []error) {
	files, err := f.dropped(false)
	if err != nil {
		return nil, []error{err}
	}
	var got []selfservice.Scan
	var errs []error
	for _, name := range files {
		path := filepath.Join(f.ScanDir, name)
		r, err := os.Open(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		a, err := f.Counter.Attach(r, name)
		r.Close()
		if err != nil {
			// Not kept at all: a file that is not a scan may still be
			// someone's papers, and nothing of it may stay in clear.
			errs = append(errs, err)
			os.Remove(path)
			continue
		}
		os.Remove(path) // stored by its SHA-256: nothing of it stays in the drop folder
		sc := selfservice.Scan{Attachment: a}
		if strings.HasPrefix(a.Type, "image/") {
			// The thumbnail is what was stored (the normalised photo,
			// app/counter.Attach), which is what the county will read: a
			// photo that does not read well there is retaken now.
			if sc.Image, err = f.Counter.Blobs.Open(a.SHA256); err != nil {
				errs = append(errs, fmt.Errorf("open the stored scan: %w", err))
				continue
			}
		}
		got = append(got, sc)
	}
	return got, errs
}

// ClearScans deletes every file in the drop folder, hidden ones too (a
// camera may write under a temporary name first): the terminal calls it
// when a citizen's filing ends or the idle wipe runs.
func (f *Filing) ClearScans(ctx context.Context) error {
	files, err := f.dropped(true)
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range files {
		if err := os.Remove(filepath.Join(f.ScanDir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("clear drop folder: %w", err))
		}
	}
	return errors.Join(errs...)
}

// dropped lists the regular files in the drop folder by name; a folder
// not made yet holds nothing. Hidden files are files still being written
// by the camera: taken only to be deleted.
func (f *Filing) dropped(hidden bool) ([]string, error) {
	entries, err := os.ReadDir(f.ScanDir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("read drop folder: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && (hidden || !strings.HasPrefix(e.Name(), ".")) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// SubmitSelf stores the filing for pre-review and prints its slip; a
// printer problem does not undo the filing.
func (f *Filing) SubmitSelf(ctx context.Context, d cases.Draft) (cases.Case, error) {
	cs, err := f.Counter.SubmitSelf(ctx, d)
	if err != nil {
		return cs, err
	}
	// The slip is archived whatever the printer does and the code is on
	// the screen too; a slip that did not print sends the citizen to a
	// window rather than to an empty tray (the counter logged why).
	printed, err := f.Counter.PrintAll(ctx, cs)
	if err != nil {
		log.Printf("self-filing slip not made: %v", err)
		return cs, &selfservice.SlipNotPrinted{Err: err}
	}
	for _, p := range printed {
		if p.PrintErr != nil {
			return cs, &selfservice.SlipNotPrinted{Err: p.PrintErr}
		}
	}
	return cs, nil
}
