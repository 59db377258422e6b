package main

import (
	"context"
	"io"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/ui/agent"
)

// agentService gives the village agent's work list what it needs, over the
// store and the counter (the same engine as intake at the window).
type agentService struct {
	*intakeService
}

var _ agent.Service = agentService{}

func (s agentService) Catalog(ctx context.Context) (*catalog.Catalog, error) {
	return s.db.ActiveCatalog(ctx)
}

// WorkList plans the agent's cases for today.
func (s agentService) WorkList(ctx context.Context, a clerks.Account) ([]cases.WorkItem, error) {
	tracked, err := s.db.AgentCases(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	return cases.Plan(tracked, s.c.Clock.Now()), nil
}

// Deliver stores the receipt photo and records the delivery.
func (s agentService) Deliver(ctx context.Context, a clerks.Account, cs cases.Case, resident cases.Person, receipt io.Reader, name string) (cases.Case, error) {
	photo, err := s.c.Attach(receipt, name)
	if err != nil {
		return cs, err
	}
	out, err := s.c.DeliverByAgent(ctx, a, cs, resident, photo)
	if err == nil && s.committed != nil {
		s.committed()
	}
	return out, err
}
