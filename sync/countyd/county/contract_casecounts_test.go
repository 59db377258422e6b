package county_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// contractCaseCounts: the monthly report's counts take the cases first
// seen inside the period, by point and both statuses, and nothing outside.
func contractCaseCounts(t *testing.T, open opener) {
	ctx := context.Background()
	s := seedCases(t, open) // a at t0, b at t0+1h (TestPoint), c at t0+2h (otherPoint)
	if _, err := s.st.SetCaseStatus(ctx, county.StatusChange{Case: s.b.CountyCase, Status: protocol.CountyReviewing, By: "county"}); err != nil {
		t.Fatal(err)
	}
	cc := s.st.(county.CaseCounts)
	tests := []struct {
		name     string
		from, to time.Time
		want     string
	}{
		{"all three", t0.Add(-time.Hour), t0.Add(24 * time.Hour),
			fmt.Sprintf("%s/accepted//1 %s/accepted/reviewing/1 %s/accepted//1", countytest.TestPoint.Code, countytest.TestPoint.Code, otherPoint.Code)},
		{"b alone", t0.Add(30 * time.Minute), t0.Add(2 * time.Hour), countytest.TestPoint.Code + "/accepted/reviewing/1"},
		{"from is inside, to is not", t0, t0.Add(time.Hour), countytest.TestPoint.Code + "/accepted//1"},
		{"none", t0.Add(48 * time.Hour), t0.Add(72 * time.Hour), ""},
	}
	for _, tt := range tests {
		got, err := cc.CaseCounts(ctx, tt.from, tt.to)
		if err != nil {
			t.Fatal(err)
		}
		text := ""
		for i, c := range got {
			if i > 0 {
				text += " "
			}
			text += fmt.Sprintf("%s/%s/%s/%d", c.Point, c.KioskStatus, c.CountyStatus, c.Cases)
		}
		if text != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, text, tt.want)
		}
	}
}
