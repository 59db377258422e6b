package office_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/sync/protocol"
)

// pushRatings sends, as the enrolled kiosk, a month of ratings with their
// follow-ups: a 非常不满意 of 12 November with a 回访 and a 整改 (done), a
// 不满意 of 16 November nobody followed up (overdue on 26 November), one of
// 25 November (open, due 2 December) and two good ones. It returns the
// bad ratings' event ids, oldest first.
func (e *env) pushRatings(t testing.TB) []string {
	t.Helper()
	loc := t0.Location()
	rate := func(ref string, level int, clerk string, window int, at time.Time) protocol.Event {
		p, _ := json.Marshal(protocol.RatingPayload{Kind: "case", Ref: ref, Level: level, Reasons: []string{"等候时间长"},
			Note: "请回电13812345678", ClerkID: 3, ClerkName: clerk, Window: window, Matter: "食品经营许可", At: at})
		return protocol.Event{ID: uuid.NewString(), Kind: protocol.RatingGiven, Created: at, Payload: p}
	}
	step := func(kind protocol.Kind, ratingID, text string, at time.Time) protocol.Event {
		p, _ := json.Marshal(protocol.FollowUpPayload{Rating: ratingID, ByID: 1, ByName: "陈主管", Reached: true, Text: text, At: at})
		return protocol.Event{ID: uuid.NewString(), Kind: kind, Created: at, Payload: p}
	}
	done := rate("c-done", 1, "王丽", 2, time.Date(2026, 11, 12, 10, 0, 0, 0, loc))
	late := rate("c-late", 2, "李强", 3, time.Date(2026, 11, 16, 10, 0, 0, 0, loc))
	open := rate("c-open", 2, "王丽", 2, time.Date(2026, 11, 25, 10, 0, 0, 0, loc))
	evs := []protocol.Event{done, late, open,
		rate("c-good", 5, "王丽", 2, time.Date(2026, 11, 20, 10, 0, 0, 0, loc)),
		rate("c-fine", 4, "李强", 3, time.Date(2026, 11, 20, 11, 0, 0, 0, loc)),
		step(protocol.FollowUpCalled, done.ID, "已回访，群众另留电话13912345678", time.Date(2026, 11, 13, 9, 0, 0, 0, loc)),
		step(protocol.FollowUpRectified, done.ID, "午间增派一名窗口人员", time.Date(2026, 11, 16, 9, 0, 0, 0, loc)),
	}
	body, _ := json.Marshal(protocol.PushRequest{Events: evs})
	status, b := e.signed(t, "POST", "/api/v1/events", body)
	if status != http.StatusOK {
		t.Fatalf("push ratings: %d %s", status, b)
	}
	var resp protocol.PushResponse
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	for _, r := range resp.Results {
		if r.Status != protocol.Applied {
			t.Fatalf("push ratings: %+v", r)
		}
	}
	return []string{done.ID, late.ID, open.ID}
}

// TestFollowUpListFiltersAndMasks: the follow-up list shows each bad
// rating with its clerk, window, matter and steps, filters by state and
// point, warns of the overdue one, and shows no phone number.
func TestFollowUpListFiltersAndMasks(t *testing.T) {
	e := newEnv(t)
	e.pushRatings(t)
	b := e.client(t)
	b.mustLogin("lishen")
	for _, tc := range []struct {
		query      string
		want, miss []string
	}{
		{"", []string{"2026-11-12 10:00", "2026-11-16 10:00", "2026-11-25 10:00", `class="overdue"`, `class="done"`, "午间增派一名窗口人员",
			"陈主管", "2号窗口", "食品经营许可", "138****5678", "1 条差评超过回访整改期限"}, []string{"c-good"}},
		{"?state=overdue", []string{"2026-11-16 10:00", "李强", "2026-11-23"}, []string{"2026-11-12 10:00", "2026-11-25 10:00"}},
		{"?state=open", []string{"2026-11-16 10:00", "2026-11-25 10:00"}, []string{"2026-11-12 10:00"}},
		{"?state=done", []string{"2026-11-12 10:00", "已回访"}, []string{"2026-11-16 10:00"}},
		{"?from=2026-11-20&to=2026-11-30", []string{"2026-11-25 10:00"}, []string{"2026-11-12 10:00", "2026-11-16 10:00"}},
		{"?point=330522999000", []string{"没有符合条件的差评"}, []string{"2026-11-12 10:00"}},
	} {
		status, body := b.get("/office/followups" + tc.query)
		if status != http.StatusOK {
			t.Errorf("%s: got status %d, want 200", tc.query, status)
			continue
		}
		mustContain(t, body, tc.want...)
		mustNotContain(t, body, tc.miss...)
		mustNotContain(t, body, "13812345678", "13912345678")
	}
}

// TestRatingStatistics: the period's counts per point, clerk, window and
// matter, with 满意率 by the kiosk's definition (levels 4 and 5).
func TestRatingStatistics(t *testing.T) {
	e := newEnv(t)
	e.pushRatings(t)
	b := e.client(t)
	b.mustLogin("lishen")
	_, body := b.get("/office/ratings") // this month: all five
	mustContain(t, body, "共 5 条评价", "满意率 40.00%", "洪桥镇便民服务中心", "王丽", "李强", "2号窗口", "3号窗口", "食品经营许可")
	// 王丽: one each of 非常不满意, 不满意, 非常满意 → 33.3%.
	mustContain(t, body, "33.33%")
	_, body = b.get("/office/ratings?from=2026-11-20&to=2026-11-20")
	mustContain(t, body, "共 2 条评价", "满意率 100.00%")
	_, body = b.get("/office/ratings?point=330522999000")
	mustContain(t, body, "共 0 条评价", "这段时间没有评价")
	b2 := e.client(t)
	b2.mustLogin("mulu") // a catalog editor does not supervise ratings
	if status, _ := b2.get("/office/followups"); status != http.StatusForbidden {
		t.Errorf("catalog editor on the follow-ups: got status %d, want 403", status)
	}
}
