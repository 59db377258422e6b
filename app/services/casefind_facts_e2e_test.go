package services_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/ui/intake"
)

// 查询办件 looks through the candidates' sealed summaries and opens only
// the cases it shows: what a clerk gets is the whole case (its mobile,
// matters and materials are not in the summary), a case stored before
// migration 0014 (no summary yet) is found all the same, and the summary
// holds no name or number in clear.
func TestFindCasesShowsWholeCasesFromSummaries(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 8, 3, 10, 0, 0, 0, halltest.CST)
	h, svc, sup, clk := halltest.At(t, start)
	first, err := svc.Decide(ctx, sup, h.RestaurantDraft(t, "premises_proof"), cases.Decision{Kind: cases.AcceptDeferred})
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(start.Add(time.Hour))
	second, err := svc.Decide(ctx, sup, h.RestaurantDraft(t, ""), cases.Decision{Kind: cases.Complete})
	if err != nil {
		t.Fatal(err)
	}

	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(h.Dir, "yichuang.db")+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var summary string
	if err := raw.QueryRowContext(ctx, `SELECT summary FROM case_briefs WHERE case_id = ?`, second.Case.ID).Scan(&summary); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(summary, `"ycs1:`) || strings.Contains(summary, "张小红") || strings.Contains(summary, "330522") {
		t.Errorf("summary %q: want it sealed", summary)
	}
	// The first case as a kiosk before 0014 left it.
	for _, q := range []string{`DELETE FROM case_briefs WHERE case_id = ?`, `UPDATE cases SET first_matter = NULL, commitment = NULL WHERE id = ?`} {
		if _, err := raw.ExecContext(ctx, q, first.Case.ID); err != nil {
			t.Fatal(err)
		}
	}

	got, err := svc.FindCases(ctx, sup, intake.CaseQuery{By: intake.ByName, Text: "张小红"})
	if err != nil {
		t.Fatal(err)
	}
	want := []cases.Case{second.Case, first.Case} // newest first
	if len(got) != len(want) {
		t.Fatalf("got %d cases, want %d", len(got), len(want))
	}
	for i, f := range got {
		c, w := f.Case, want[i]
		if c.ID != w.ID || c.Applicant.Mobile != w.Applicant.Mobile || c.Applicant.Mobile == "" ||
			len(c.Matters) == 0 || len(c.Materials) != len(w.Materials) || c.Version == 0 {
			t.Errorf("case %d: got %s (mobile %q, %d matters, %d materials, version %d), want the whole case %s",
				i, c.Tracking, c.Applicant.Mobile, len(c.Matters), len(c.Materials), c.Version, w.Tracking)
		}
	}
}
