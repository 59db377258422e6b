package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/rating"
)

func TestOneRatingPerServiceAndTallies(t *testing.T) {
	db, clk := openTemp(t)
	ctx := context.Background()
	r := rating.Rating{Kind: rating.Case, Ref: "case-1", Level: 5, ClerkID: 3, ClerkName: "王丽", Window: 3, Matter: "个体工商户设立登记"}
	if _, err := db.Rate(ctx, r); err != nil {
		t.Fatal(err)
	}
	before, _ := db.PendingCount(ctx)
	r.Level = 1
	r.Note = "改评差评"
	if _, err := db.Rate(ctx, r); !errors.Is(err, rating.ErrAlreadyRated) {
		t.Fatalf("second rating of one case: %v", err)
	}
	if after, _ := db.PendingCount(ctx); after != before {
		t.Errorf("a refused rating wrote %d outbox events", after-before)
	}
	if _, err := db.Rate(ctx, rating.Rating{Kind: rating.Ticket, Ref: "t-9", Level: 2, ClerkName: "王丽", Matter: "个体工商户设立登记"}); !errors.Is(err, rating.ErrReason) {
		t.Errorf("不满意 without a reason: %v", err)
	}
	clk.Advance(time.Minute)
	for i, lv := range []rating.Level{4, 2, 5} {
		x := rating.Rating{Kind: rating.Ticket, Ref: string(rune('a' + i)), Level: lv, ClerkName: "李明", Matter: "社会保障卡申领"}
		if lv == 2 {
			x.Reasons = []string{"等候时间长"}
		}
		if _, err := db.Rate(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if ok, _ := db.Rated(ctx, rating.Case, "case-1"); !ok {
		t.Error("case-1 not reported as rated")
	}
	byClerk, byMatter, err := db.RatingTallies(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(byClerk) != 2 || byClerk[0].Key != "李明" || byClerk[0].Total != 3 || byClerk[1].Total != 1 {
		t.Fatalf("by clerk %+v", byClerk)
	}
	if got, want := byClerk[0].Satisfied().Text(), "66.67%"; got != want {
		t.Errorf("李明 satisfied %v, want %v", got, want)
	}
	total := 0
	for _, m := range byMatter {
		total += m.Total
	}
	if total != 4 {
		t.Errorf("matters add up to %d ratings, want 4", total)
	}
	// A ticket is rated under the sector it was taken for; a case under
	// its matter (issue 17: a sector labelled as a matter in 统计).
	for _, m := range byMatter {
		if got, want := m.Sector, m.Key == "社会保障卡申领"; got != want {
			t.Errorf("%s: sector %v, want %v", m.Key, got, want)
		}
	}
	evs, _ := db.SendableEvents(ctx, 100)
	n := 0
	for _, e := range evs {
		if e.Kind == "rating.given" {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d rating events in the outbox, want 4", n)
	}
}
