package halle2e

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHallFollowsUpABadRating: a 非常不满意 taken at window A is one
// follow-up item on every supervisor's machine of the hall (the hub, A,
// B), the same one, with the citizen's phone masked; B's supervisor, cut
// off from the hub and the county, records the 回访 and the 整改; when B
// is back both reach every machine, and the county, exactly once.
func TestHallFollowsUpABadRating(t *testing.T) {
	if testing.Short() {
		t.Skip("a hall of three processes and a county")
	}
	h := newHall(t)
	a := h.join("A", 2, 2)
	b := h.join("B", 3, 3)
	a.call("/rate", map[string]any{"ref": "case-1", "level": 1, "note": "请回电13812345678"})

	var id string
	for _, p := range []*proc{h.hub, a, b} {
		eventually(t, p.sp.Name+" shows the follow-up", 10*time.Second, func() bool {
			out, err := p.try("/followups", nil)
			ids, _ := out["ids"].([]any)
			return err == nil && len(ids) == 1
		})
		out := p.call("/followups", nil)
		got := fmt.Sprint(out["ids"].([]any)[0])
		if id == "" {
			id = got
		}
		if got != id {
			t.Errorf("%s: got follow-up %s, want %s (the same item everywhere)", p.sp.Name, got, id)
		}
		if notes := fmt.Sprint(out["notes"]); strings.Contains(notes, "13812345678") || !strings.Contains(notes, "138****5678") {
			t.Errorf("%s: got notes %s, want the phone masked", p.sp.Name, notes)
		}
	}

	cut(t, h.lan["B"])
	cut(t, h.county["B"])
	if out := b.call("/followup", map[string]any{"id": id, "kind": "called", "text": "已回访，群众表示理解"}); out["err"] != nil {
		t.Fatalf("回访 at B offline: %v", out["err"])
	}
	if out := b.call("/followup", map[string]any{"id": id, "kind": "rectified", "text": "午间增派一名窗口人员"}); out["err"] != nil {
		t.Fatalf("整改 at B offline: %v", out["err"])
	}
	heal(t, h.lan["B"])
	heal(t, h.county["B"])
	for _, p := range []*proc{h.hub, a} {
		eventually(t, p.sp.Name+" has both steps", 20*time.Second, func() bool {
			out, err := p.try("/followups", nil)
			return err == nil && out["steps"] == float64(2)
		})
	}
	h.settled(30 * time.Second)
	// Another round everywhere sends nothing again.
	time.Sleep(2 * time.Second)
	h.settled(10 * time.Second)

	db, err := sql.Open("sqlite3", "file:"+filepath.Join(h.cd.Data, "county.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		query string
		want  int
	}{
		{`SELECT COUNT(*) FROM ratings WHERE level <= 2`, 1},
		{`SELECT COUNT(*) FROM followup_steps WHERE rating_event = '` + id + `'`, 2},
		{`SELECT COUNT(*) FROM inbox WHERE kind IN ('followup.called', 'followup.rectified')`, 2},
		{`SELECT COUNT(*) FROM rejected_events`, 0},
	} {
		var n int
		if err := db.QueryRow(c.query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != c.want {
			t.Errorf("%s: got %d, want %d", c.query, n, c.want)
		}
	}
}
