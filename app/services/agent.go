package services

import (
	"context"
	"io"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/ui/agent"
)

// Agent gives the village agent's work list what it needs, over the store
// and the counter (the same engine as intake at the window).
type Agent struct {
	*Intake
}

var _ agent.Service = Agent{}

// WorkList plans the agent's cases for today.
func (s Agent) WorkList(ctx context.Context, a clerks.Account) ([]cases.WorkItem, error) {
	now := s.Counter.Clock.Now()
	tracked, err := s.DB.AgentCases(ctx, a.ID, cases.WorkListSince(now), cases.WorkListClosed)
	if err != nil {
		return nil, err
	}
	return cases.Plan(tracked, s.Counter.Calendar, now), nil
}

// Deliver stores the receipt photo and records the delivery; the county
// link is told at once.
func (s Agent) Deliver(ctx context.Context, a clerks.Account, cs cases.Case, resident cases.Person, receipt io.Reader, name string) (cases.Case, error) {
	photo, err := s.Counter.Attach(receipt, name)
	if err != nil {
		return cs, err
	}
	out, err := s.Counter.DeliverByAgent(ctx, a, cs, resident, photo)
	return s.settled(ctx, a, out, err)
}
