package county_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// 一次性告知 (行政许可法 第32条): a case is asked for 补正 once, with
// everything missing; a second request needs its reason on record, and the
// reason travels to the hall.
func TestCorrectionIsAskedOnceUnlessTheReasonIsRecorded(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id, tr := newCase()
	e.push(t, caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted"))
	sup := []protocol.Supplement{{Name: "经营场所使用证明"}}
	steps := []struct {
		name string
		c    county.StatusChange
		ok   bool
	}{
		{"first correction", county.StatusChange{Case: tr, Status: "correction", Supplements: sup, SupplyBy: "2026-12-04"}, true},
		{"the same request again (a double submit) is the one request", county.StatusChange{Case: tr, Status: "correction", Supplements: sup, SupplyBy: "2026-12-04"}, true},
		{"back to review", county.StatusChange{Case: tr, Status: "reviewing"}, true},
		{"second correction without a reason", county.StatusChange{Case: tr, Status: "correction", Supplements: sup, SupplyBy: "2026-12-04"}, false},
		{"second correction with a token reason", county.StatusChange{Case: tr, Status: "correction", Supplements: sup, SupplyBy: "2026-12-04", AgainReason: "补"}, false},
		{"second correction with its reason", county.StatusChange{Case: tr, Status: "correction", Supplements: sup, SupplyBy: "2026-12-04",
			AgainReason: "补正的租赁协议出租人与产权人不一致"}, true},
		{"reason for another correction on a review", county.StatusChange{Case: tr, Status: "reviewing", AgainReason: "不该有"}, false},
	}
	var cursors []int64
	for _, s := range steps {
		it, err := e.c.Store.SetCaseStatus(ctx, s.c)
		if err == nil {
			cursors = append(cursors, it.Cursor)
		}
		if (err == nil) != s.ok {
			t.Fatalf("%s: err = %v, want ok=%v", s.name, err, s.ok)
		}
		var ie *county.InvalidError
		if err != nil && !errors.As(err, &ie) {
			t.Errorf("%s: err = %v (%T), want *InvalidError", s.name, err, err)
		}
		if s.c.AgainReason != "" && s.ok {
			var st protocol.CaseStatus
			json.Unmarshal(it.Payload, &st)
			if st.AgainReason != s.c.AgainReason {
				t.Errorf("%s: the hall hears again_reason %q, want %q", s.name, st.AgainReason, s.c.AgainReason)
			}
		}
	}
	if len(cursors) < 2 || cursors[1] != cursors[0] {
		t.Errorf("feed cursors %v: a repeated request must answer the first one's item, not add one", cursors)
	}
}

// A 特别程序 (行政许可法 第45条) stops the clock only with its reason, only
// while reviewing, and only as one of the law's procedures.
func TestSpecialProcedureNeedsAKnownProcedureAndItsReason(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id, tr := newCase()
	e.push(t, caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted"))
	tests := []struct {
		name string
		c    county.StatusChange
		ok   bool
	}{
		{"检验 with its reason", county.StatusChange{Case: tr, Status: "reviewing", Procedure: "inspection", ProcedureReason: "样品送省质检院检验"}, true},
		{"without a reason", county.StatusChange{Case: tr, Status: "reviewing", Procedure: "hearing"}, false},
		{"not a procedure of the law", county.StatusChange{Case: tr, Status: "reviewing", Procedure: "lunch", ProcedureReason: "等领导回来"}, false},
		{"with a completion", county.StatusChange{Case: tr, Status: "completed", Pickup: "窗口领取", Procedure: "inspection", ProcedureReason: "样品送省质检院检验"}, false},
		{"a reason without a procedure", county.StatusChange{Case: tr, Status: "reviewing", ProcedureReason: "样品送省质检院检验"}, false},
	}
	for _, tt := range tests {
		it, err := e.c.Store.SetCaseStatus(ctx, tt.c)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
			continue
		}
		if err == nil {
			var st protocol.CaseStatus
			json.Unmarshal(it.Payload, &st)
			if st.Procedure != tt.c.Procedure || st.ProcedureReason != tt.c.ProcedureReason {
				t.Errorf("%s: the hall hears %q %q, want %q %q", tt.name, st.Procedure, st.ProcedureReason, tt.c.Procedure, tt.c.ProcedureReason)
			}
		}
	}
}
