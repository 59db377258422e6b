package services

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/intake"
	"github.com/yichuang/yichuang/app/workday"
)

const (
	// searchDays is how far back a search by name (and the lists) reaches
	// beyond the hall's open cases: a citizen who lost a receipt comes
	// back within weeks, and older cases are the county's to find.
	searchDays = 90
	// searchScan bounds how many sealed documents one search opens.
	searchScan = 5000
	// foundMax is the longest list a clerk is shown; a longer one asks
	// for a narrower search.
	foundMax = 50
	// nearDays is how many working days ahead a due date counts as 即将到期.
	nearDays = 2
)

var (
	errQueryEmpty  = msg.New("请输入要查找的证件号码或姓名")
	errQueryID     = msg.New("证件号码不正确，请逐位核对")
	errTooManyHits = msg.New("找到{{.N}}件以上，请输入更完整的姓名或改用证件号码")
)

// FindCases finds cases without their code, or lists the clerk's. A
// village agent sees only the cases they filed.
func (s *Intake) FindCases(ctx context.Context, a clerks.Account, q intake.CaseQuery) ([]intake.FoundCase, error) {
	now := s.Counter.Clock.Now()
	text := strings.TrimSpace(q.Text)
	var found []cases.Case
	switch q.By {
	case intake.ByIDNumber:
		id := strings.ToUpper(text)
		if id == "" {
			return nil, errQueryEmpty
		}
		if pid, err := ids.NormalizePersonID(id, now); err == nil {
			id = pid
		} else if ids.ValidateUSCC(id) != nil {
			return nil, errQueryID
		}
		byKey, err := s.DB.CasesByApplicantID(ctx, id, searchScan)
		if err != nil {
			return nil, err
		}
		// Cases stored before their number was hashed, and enterprises
		// found by their legal representative's number, are in the recent
		// set only.
		recent, err := s.recent(ctx, now)
		if err != nil {
			return nil, err
		}
		found = union(byKey, pick(recent, func(c cases.Case) bool {
			return strings.EqualFold(c.Applicant.IDNumber, id) || strings.EqualFold(c.Applicant.LegalRepID, id)
		}))
		if err := s.DB.Audit(ctx, a.ID, "case.find_by_id", ids.MaskIDNumber(id), fmt.Sprintf("hits=%d", len(found))); err != nil {
			return nil, err
		}
	case intake.ByName:
		if text == "" {
			return nil, errQueryEmpty
		}
		recent, err := s.recent(ctx, now)
		if err != nil {
			return nil, err
		}
		found = pick(recent, func(c cases.Case) bool {
			return strings.HasPrefix(c.Applicant.Name, text) || strings.HasPrefix(c.Applicant.LegalRepName, text)
		})
		if err := s.DB.Audit(ctx, a.ID, "case.find_by_name", ids.MaskName(text), fmt.Sprintf("hits=%d", len(found))); err != nil {
			return nil, err
		}
	case intake.Today, intake.Mine, intake.Late:
		recent, err := s.recent(ctx, now)
		if err != nil {
			return nil, err
		}
		y, m, d := now.In(workday.China).Date()
		midnight := time.Date(y, m, d, 0, 0, 0, 0, workday.China)
		found = pick(recent, func(c cases.Case) bool {
			switch q.By {
			case intake.Today:
				return !c.Accepted.Before(midnight)
			case intake.Mine:
				return a.ID != 0 && c.Clerk.ID == a.ID
			}
			return running(c)
		})
	default:
		return nil, fmt.Errorf("find cases: unknown query %d", q.By)
	}
	if a.Role == clerks.Agent {
		found = filter(found, func(c cases.Case) bool { return c.Proxy != nil && c.Proxy.Agent.ID == a.ID })
	}
	out, err := s.withDue(now, found)
	if err != nil {
		return nil, err
	}
	if q.By == intake.Late {
		out, err = s.late(now, out)
		if err != nil {
			return nil, err
		}
	}
	var tooMany error
	if len(out) > foundMax {
		out, tooMany = out[:foundMax], msg.New(errTooManyHits.Key, "N", foundMax)
	}
	out, err = s.whole(ctx, out)
	if err != nil {
		return nil, err
	}
	return out, tooMany
}

// recent is the set a search looks through: the hall's open cases and
// those of the last searchDays days, as briefs (store.CaseBriefsOpenOrSince:
// what the filters above, running and DueAt read, unsealed from a small
// summary rather than the whole document). whole opens the ones shown.
func (s *Intake) recent(ctx context.Context, now time.Time) ([]store.CaseBrief, error) {
	return s.DB.CaseBriefsOpenOrSince(ctx, now.AddDate(0, 0, -searchDays), searchScan)
}

// whole replaces the found cases by their whole documents: only the ones
// a clerk is shown are opened. Their due dates stay as computed (the
// briefs carry all DueAt reads); a case gone meanwhile is left out.
func (s *Intake) whole(ctx context.Context, fs []intake.FoundCase) ([]intake.FoundCase, error) {
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.Case.ID
	}
	byID, err := s.DB.CasesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]intake.FoundCase, 0, len(fs))
	for _, f := range fs {
		if c, ok := byID[f.Case.ID]; ok {
			f.Case = c
			out = append(out, f)
		}
	}
	return out, nil
}

// running says whether a case's time limit is still running at the hall:
// not closed, not done (待出件), not waiting for pre-review.
func running(c cases.Case) bool {
	return !c.Status.Closed() && c.Status != cases.StatusCompleted && c.Status != cases.StatusPrereview && !c.Due.IsZero()
}

// withDue adds each case's promised date as of now.
func (s *Intake) withDue(now time.Time, cs []cases.Case) ([]intake.FoundCase, error) {
	y, m, d := now.In(workday.China).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, workday.China)
	out := make([]intake.FoundCase, 0, len(cs))
	for _, c := range cs {
		f := intake.FoundCase{Case: c}
		if running(c) {
			due, err := c.DueAt(s.Counter.Calendar, now)
			if err != nil {
				return nil, fmt.Errorf("due date of %s: %w", c.Tracking, err)
			}
			f.Due, f.Late = due, due.Before(today)
		}
		out = append(out, f)
	}
	return out, nil
}

// late keeps the cases past their due date or within nearDays working
// days of it, the most urgent first.
func (s *Intake) late(now time.Time, fs []intake.FoundCase) ([]intake.FoundCase, error) {
	near, err := s.Counter.Calendar.AddWorkdays(now, nearDays)
	if err != nil {
		return nil, fmt.Errorf("near due: %w", err)
	}
	out := filter(fs, func(f intake.FoundCase) bool { return !f.Due.IsZero() && !f.Due.After(near) })
	slices.SortStableFunc(out, func(a, b intake.FoundCase) int { return a.Due.Compare(b.Due) })
	return out, nil
}

// pick is the briefs' cases that keep holds, each holding only what its
// brief does (store.CaseBrief.Case).
func pick(in []store.CaseBrief, keep func(cases.Case) bool) []cases.Case {
	var out []cases.Case
	for _, b := range in {
		if c := b.Case(); keep(c) {
			out = append(out, c)
		}
	}
	return out
}

func filter[T any](in []T, keep func(T) bool) []T {
	var out []T
	for _, x := range in {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// union is a followed by the cases of b it does not hold.
func union(a, b []cases.Case) []cases.Case {
	out := slices.Clone(a)
	for _, c := range b {
		if !slices.ContainsFunc(out, func(x cases.Case) bool { return x.ID == c.ID }) {
			out = append(out, c)
		}
	}
	return out
}
