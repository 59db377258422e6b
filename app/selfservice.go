package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/selfservice"
	"github.com/yichuang/yichuang/printing"
)

// selfService gives the self-service terminal the catalog, guide printing,
// the verified progress query and the supervisor check.
type selfService struct {
	db      *store.DB
	level   catalog.Level
	printer printing.Printer
	dir     string
	point   string
	clock   clock.Clock
}

var _ selfservice.Service = (*selfService)(nil)

var errNotSupervisor = msg.New("需要主管账号")

func (s *selfService) Catalog(ctx context.Context) (*catalog.Catalog, error) {
	return s.db.ActiveCatalog(ctx)
}

func (s *selfService) Search(ctx context.Context, q string) ([]catalog.Hit, error) {
	return s.db.Search(ctx, q, store.SearchOptions{Level: s.level, Limit: 60})
}

// PrintGuide prints a matter's guide on the terminal's printer.
func (s *selfService) PrintGuide(ctx context.Context, code string) error {
	cat, err := s.db.ActiveCatalog(ctx)
	if err != nil {
		return err
	}
	m, ok := cat.Matter(code)
	if !ok {
		return errors.New("no such matter")
	}
	var buf bytes.Buffer
	if err := printing.Guide(&buf, printing.A4, printing.GuideInput{Matter: m, ServicePoint: s.point, CatalogVer: cat.Version, PrintedAt: s.clock.Now()}); err != nil {
		return err
	}
	dir := filepath.Join(s.dir, "guides")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(dir, code+".pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return err
	}
	if err := s.printer.Print(ctx, path, printing.Job{Title: "办事指南 " + m.Name, Layout: printing.A4}); err != nil {
		if errors.Is(err, printing.ErrNoPrinter) {
			return errSlipNoPrinter
		}
		return msg.New(errSlipPrinter.Key, "Why", err.Error())
	}
	return nil
}

func (s *selfService) Progress(ctx context.Context, code, last4 string) (cases.Progress, error) {
	return s.db.VerifyProgress(ctx, code, last4)
}

// SupervisorCheck lets only an active supervisor leave the terminal.
func (s *selfService) SupervisorCheck(ctx context.Context, login, pin string) error {
	a, err := s.db.Authenticate(ctx, login, pin)
	if err != nil {
		return err
	}
	if a.Role != clerks.Supervisor {
		return errNotSupervisor
	}
	return nil
}
