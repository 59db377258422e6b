package services

import (
	"context"
	"time"

	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/followupui"
)

// FollowUps gives the 好差评 follow-up screens the store, on the kiosk's
// working-day calendar (the county's holidays).
type FollowUps struct {
	DB  *store.DB
	Now func() time.Time
}

var (
	_ followupui.Service    = FollowUps{}
	_ followupui.OwnService = FollowUps{}
)

// FollowUps lists every follow-up of the hall.
func (f FollowUps) FollowUps(ctx context.Context) ([]rating.FollowUp, error) {
	cal, err := f.DB.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	return f.DB.FollowUps(ctx, cal, store.FollowUpQuery{})
}

// RecordFollowUp records a 回访 or 整改.
func (f FollowUps) RecordFollowUp(ctx context.Context, id string, s rating.Step) (rating.Step, error) {
	return f.DB.RecordFollowUp(ctx, id, s)
}

// OwnRatings is a clerk's own view.
func (f FollowUps) OwnRatings(ctx context.Context, clerkID int64, since time.Time) (rating.Tally, []rating.FollowUp, error) {
	cal, err := f.DB.Calendar(ctx)
	if err != nil {
		return rating.Tally{}, nil, err
	}
	o, err := f.DB.OwnRatings(ctx, cal, clerkID, since)
	return o.Tally, o.FollowUps, err
}

// Badge is the count shown where a supervisor lands ("" when nothing waits).
func (f FollowUps) Badge(ctx context.Context) (string, error) {
	cal, err := f.DB.Calendar(ctx)
	if err != nil {
		return "", err
	}
	open, overdue, err := f.DB.FollowUpCounts(ctx, cal, f.Now())
	if err != nil {
		return "", err
	}
	return followupui.Badge(open, overdue), nil
}
