package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
)

// TestProgressByHolder: the terminal's 刷身份证 query answers with the
// holder's cases only, newest first, and leaves an audit row with the
// number masked, never in full.
func TestProgressByHolder(t *testing.T) {
	db, clk := openTemp(t)
	ctx := context.Background()
	if err := db.SetDeviceNumber(ctx, 2); err != nil {
		t.Fatal(err)
	}
	holder := sampleCase().Applicant.IDNumber
	var codes []string
	for i := 0; i < 2; i++ {
		c, err := db.CreateCase(ctx, sampleCase(), cases.Actor{Name: "王丽", Window: 3})
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, c.Tracking)
		clk.Advance(time.Minute)
	}
	other := sampleCase()
	other.Applicant.Name, other.Applicant.IDNumber = "李四", "11010519491231002X"
	if _, err := db.CreateCase(ctx, other, cases.Actor{Name: "王丽", Window: 3}); err != nil {
		t.Fatal(err)
	}

	got, err := db.ProgressByHolder(ctx, holder)
	if err != nil {
		t.Fatal(err)
	}
	var gotCodes []string
	for _, p := range got {
		gotCodes = append(gotCodes, p.Tracking)
	}
	if want := []string{codes[1], codes[0]}; strings.Join(gotCodes, ",") != strings.Join(want, ",") {
		t.Errorf("got cases %v, want %v (the holder's, newest first)", gotCodes, want)
	}
	if got[0].Status != cases.StatusAccepted || got[0].Due.IsZero() {
		t.Errorf("got progress %+v, want the accepted case with its due date", got[0])
	}
	if none, err := db.ProgressByHolder(ctx, "330522198001010023"); err != nil || len(none) != 0 {
		t.Errorf("a stranger's card: got %d cases, %v; want none", len(none), err)
	}
	log, err := db.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range log {
		if strings.Contains(e.Subject+e.Detail, holder) {
			t.Errorf("audit row holds the full number: %+v", e)
		}
		if e.Action == "progress.query_by_card" && strings.HasPrefix(e.Subject, "330522") && strings.Contains(e.Detail, "hits=2") {
			found = true
		}
	}
	if !found {
		t.Errorf("no audit row for the card holder's query in %+v", log)
	}
}
