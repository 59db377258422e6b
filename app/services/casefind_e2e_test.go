package services_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/ui/intake"
)

// TestFindCasesWithoutTheCode is a citizen who lost the receipt, and the
// clerk's lists: a case is found by the applicant's ID number (through its
// keyed hash: the column never holds the number), by the name or its
// beginning, among today's, the clerk's own and the late ones; a search
// by a person is recorded with the number masked; an agent sees only the
// cases they filed.
func TestFindCasesWithoutTheCode(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 8, 3, 10, 0, 0, 0, halltest.CST)
	h, svc, sup, clk := halltest.At(t, start)
	clerk := h.Account(t, sup, clerks.Account{Login: "wangli", Name: "王丽", Role: clerks.Clerk, Window: 3, Sectors: []string{"商事登记"}}, "wl258147")

	// An old case still open (its due date long past), then one of
	// today's by another clerk with another applicant.
	old, err := svc.Decide(ctx, sup, h.RestaurantDraft(t, "premises_proof"), cases.Decision{Kind: cases.AcceptDeferred})
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(start.AddDate(0, 4, 0)) // past the 90 days: found as an open case
	d := h.RestaurantDraft(t, "")
	d.Applicant.Name, d.Applicant.IDNumber = "李四", "11010519491231002X"
	today, err := svc.Decide(ctx, clerk, d, cases.Decision{Kind: cases.Complete})
	if err != nil {
		t.Fatal(err)
	}

	codes := func(fs []intake.FoundCase) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Case.Tracking)
		}
		return out
	}
	oldCode, todayCode := old.Case.Tracking, today.Case.Tracking
	for _, tc := range []struct {
		name string
		who  clerks.Account
		q    intake.CaseQuery
		want []string
	}{
		{"ID number", clerk, intake.CaseQuery{By: intake.ByIDNumber, Text: "330522199003150024"}, []string{oldCode}},
		{"ID number, small x", sup, intake.CaseQuery{By: intake.ByIDNumber, Text: "11010519491231002x"}, []string{todayCode}},
		{"whole name", clerk, intake.CaseQuery{By: intake.ByName, Text: "张小红"}, []string{oldCode}},
		{"name's beginning", clerk, intake.CaseQuery{By: intake.ByName, Text: "张"}, []string{oldCode}},
		{"not a beginning", clerk, intake.CaseQuery{By: intake.ByName, Text: "小红"}, nil},
		{"today's", clerk, intake.CaseQuery{By: intake.Today}, []string{todayCode}},
		{"mine", clerk, intake.CaseQuery{By: intake.Mine}, []string{todayCode}},
		{"the supervisor's", sup, intake.CaseQuery{By: intake.Mine}, []string{oldCode}},
		{"late", clerk, intake.CaseQuery{By: intake.Late}, []string{oldCode}},
		{"an agent's", clerks.Account{ID: 99, Role: clerks.Agent}, intake.CaseQuery{By: intake.ByName, Text: "张"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := svc.FindCases(ctx, tc.who, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := strings.Join(codes(got), ","), strings.Join(tc.want, ","); g != w {
				t.Errorf("got %v, want %v", g, w)
			}
		})
	}
	// The clock stopped while the premises proof was owed: the old case
	// is due today, not late. Once supplied, ten days on, it is late.
	late, err := svc.FindCases(ctx, clerk, intake.CaseQuery{By: intake.Late})
	if err != nil || len(late) != 1 || late[0].Late || late[0].Due.Format(time.DateOnly) != "2026-12-03" {
		t.Fatalf("late list %v, %v; want the old case due today (moved), not yet late", late, err)
	}
	var owed []cases.MaterialEntry
	for _, e := range old.Case.MaterialsIn(cases.Deferred) {
		e.State = cases.Original
		owed = append(owed, e)
	}
	if _, err := svc.Supplement(ctx, sup, late[0].Case, owed); err != nil {
		t.Fatal(err)
	}
	clk.Set(start.AddDate(0, 4, 10))
	late, err = svc.FindCases(ctx, clerk, intake.CaseQuery{By: intake.Late})
	if err != nil || len(late) != 1 || !late[0].Late {
		t.Fatalf("late list %v, %v; want the old case marked late", late, err)
	}
	if _, err := svc.FindCases(ctx, clerk, intake.CaseQuery{By: intake.ByIDNumber, Text: "330522199003150025"}); err == nil {
		t.Error("a wrong check digit was searched")
	}

	// 查询留痕: who searched whom, the number masked.
	log, err := h.DB.AuditLog(ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	var byID, byName int
	for _, e := range log {
		if strings.Contains(e.Subject+e.Detail, "330522199003150024") || strings.Contains(e.Subject+e.Detail, "张小红") {
			t.Errorf("audit row %+v holds the number or name in clear", e)
		}
		switch e.Action {
		case "case.find_by_id":
			byID++
		case "case.find_by_name":
			byName++
		}
	}
	if byID != 2 || byName != 4 {
		t.Errorf("audit rows: got %d by ID, %d by name, want 2, 4", byID, byName)
	}

	// The column the number is found by holds its keyed hash only.
	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(h.Dir, "yichuang.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var key string
	if err := raw.QueryRowContext(ctx, `SELECT applicant_id FROM cases WHERE id = ?`, old.Case.ID).Scan(&key); err != nil {
		t.Fatal(err)
	}
	if key == "" || strings.Contains(key, "330522") {
		t.Errorf("applicant_id %q: want a keyed hash", key)
	}
}
