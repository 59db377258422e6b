package county

// The cases on PostgreSQL: the kiosk-facing and back-office reads, the
// county's decisions, and the admin commands' publishing. Each method is
// the SQLite method's thin wrapper over the same shared function and query
// text. A decision takes its point's feed lock before it touches the case
// (setCaseStatus), the order a push takes them, so the two neither
// deadlock nor leave a kiosk behind a cursor committed late.

import (
	"context"
	"encoding/json"
	"time"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Cases lists cases, newest first.
func (s *Postgres) Cases(ctx context.Context, f CaseFilter) ([]Case, error) {
	return listCasesBy(ctx, s.read(), f)
}

// Case finds a case by its id, tracking code or county case number.
func (s *Postgres) Case(ctx context.Context, ref string) (Case, error) {
	return findCase(ctx, s.read(), ref)
}

// CaseLog returns a case's applied events in apply order.
func (s *Postgres) CaseLog(ctx context.Context, caseID string) ([]LogEntry, error) {
	return caseLog(ctx, s.read(), caseID)
}

// SetCaseStatus records a county decision and appends it to the case's
// service point feed in the same transaction.
func (s *Postgres) SetCaseStatus(ctx context.Context, c StatusChange) (protocol.FeedItem, error) {
	now := s.now()
	if err := ValidateStatus(c, now.In(workday.China).Format(time.DateOnly)); err != nil {
		return protocol.FeedItem{}, err
	}
	var it protocol.FeedItem
	err := s.update(ctx, func(tx dbtx) (err error) {
		it, _, err = setCaseStatus(ctx, tx, &s.cals, c, now)
		return err
	})
	return it, err
}

// SetCaseStatusAudited is SetCaseStatus with the officer's audit row in
// the same transaction.
func (s *Postgres) SetCaseStatusAudited(ctx context.Context, c StatusChange, e AuditEntry) (protocol.FeedItem, error) {
	now := s.now()
	if err := ValidateStatus(c, now.In(workday.China).Format(time.DateOnly)); err != nil {
		return protocol.FeedItem{}, err
	}
	var it protocol.FeedItem
	err := s.update(ctx, func(tx dbtx) (err error) {
		it, err = setCaseStatusAudited(ctx, tx, &s.cals, c, e, now)
		return err
	})
	return it, err
}

// CaseStatusLog returns the county's decisions on a case, oldest first.
func (s *Postgres) CaseStatusLog(ctx context.Context, caseID string) ([]StatusLogEntry, error) {
	return statusLog(ctx, s.read(), caseID)
}

// CasePage returns one page of cases and how many match, up to
// CaseCountCap: the same queries and indexes as on SQLite (caselist.go).
func (s *Postgres) CasePage(ctx context.Context, f CasePageFilter) ([]Case, int, error) {
	return casePage(ctx, s.read(), f)
}

// CaseMatterCodes lists every matter code that some case has, in order,
// by the same recursive loose index scan as on SQLite.
func (s *Postgres) CaseMatterCodes(ctx context.Context) ([]string, error) {
	return readStrings(ctx, s.read(), caseMatterCodesSQL)
}

// PublishRetention sends every service point how many days kiosks keep
// citizens' data of closed cases.
func (s *Postgres) PublishRetention(ctx context.Context, days int) (protocol.FeedItem, error) {
	payload, err := retentionPayload(days)
	if err != nil {
		return protocol.FeedItem{}, err
	}
	return s.publish(ctx, allPoints, protocol.FeedRetention, payload)
}

// PublishMasking sends every service point the ID number mask pattern.
func (s *Postgres) PublishMasking(ctx context.Context, pattern string) (protocol.FeedItem, error) {
	payload, err := maskingPayload(pattern)
	if err != nil {
		return protocol.FeedItem{}, err
	}
	return s.publish(ctx, allPoints, protocol.FeedMasking, payload)
}

// PublishSeal sends one service point its seal image; nil removes it.
func (s *Postgres) PublishSeal(ctx context.Context, point string, img []byte) (protocol.FeedItem, error) {
	payload, err := sealPayload(point, img)
	if err != nil {
		return protocol.FeedItem{}, err
	}
	return s.publish(ctx, point, protocol.FeedSeal, payload)
}

// PublishHallConfig sends one service point its hall config.
func (s *Postgres) PublishHallConfig(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error) {
	payload, err := hallConfigPayload(point, doc)
	if err != nil {
		return protocol.FeedItem{}, err
	}
	return s.publish(ctx, point, protocol.FeedHallConfig, payload)
}
