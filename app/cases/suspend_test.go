package cases

import (
	"slices"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/workday"
)

func at(date string, hour int) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, date, workday.China)
	if err != nil {
		panic(err)
	}
	return t.Add(time.Duration(hour) * time.Hour)
}

func deferredCase(t *testing.T, cat *catalog.Catalog, when time.Time) Case {
	t.Helper()
	d, err := Normalize(cat, restaurant(t, cat), when)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Decide(cat, workday.Default(), d, Decision{Kind: AcceptDeferred}, when)
	if err != nil {
		t.Fatal(err)
	}
	return Case{Draft: d, Decision: AcceptDeferred, Status: out.Status, Accepted: when, Due: out.Due,
		MatterDue: out.MatterDue, SupplementBy: out.SupplementBy, Suspensions: out.Suspensions}
}

// 容缺受理 on Thursday 26 Nov; the premises proof arrives on Thursday 3 Dec,
// five working days later: the promised date moves by those five days.
func TestDeferredAcceptanceStopsTheClockUntilSupplemented(t *testing.T) {
	cat, cal := demo(t), workday.Default()
	c := deferredCase(t, cat, now)
	if s, ok := c.Suspended(); !ok || s.Kind != SuspendCorrection {
		t.Fatalf("after 容缺受理: suspended %v %+v, want a running 补正", ok, s)
	}
	got, err := Supplement(cat, c, []MaterialEntry{{Matter: "330000-SS-0001", Material: "premises_proof", State: Original}}, at("2026-12-03", 15))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Suspended(); ok {
		t.Errorf("after 补正: still suspended: %+v", got.Suspensions)
	}
	want, _ := cal.AddWorkdays(c.Due, 5)
	due, err := got.DueAt(cal, at("2026-12-20", 9))
	if err != nil {
		t.Fatal(err)
	}
	if !due.Equal(want) || due.Equal(c.Due) {
		t.Errorf("due after 5 working days of 补正 = %s, want %s (promised %s)", dateOr(due), dateOr(want), dateOr(c.Due))
	}
}

func TestCountySuspensions(t *testing.T) {
	cat := demo(t)
	c := Case{Tracking: "T1", Status: StatusReviewing, Accepted: at("2026-09-14", 9), Due: at("2026-09-28", 0),
		Draft: Draft{Matters: []string{"330000-SS-0001"}, Materials: []MaterialEntry{{Matter: "330000-SS-0001", Material: "premises_proof", State: Original}}}}
	steps := []struct {
		name  string
		apply func(Case) (Case, error)
		label string
		want  int // suspensions recorded
	}{
		{"county asks for 补正", func(c Case) (Case, error) {
			return ApplyCounty(c, CountyUpdate{Status: CountyCorrection, At: at("2026-09-15", 10), SupplyBy: at("2026-09-22", 0),
				Supplements: []MaterialRef{{Matter: "330000-SS-0001", Material: "premises_proof", Name: "租赁协议"}}})
		}, "暂停计时（补正中）", 1},
		{"materials arrive", func(c Case) (Case, error) {
			return Supplement(cat, c, []MaterialEntry{{Matter: "330000-SS-0001", Material: "premises_proof", State: Copy}}, at("2026-09-17", 11))
		}, "", 1},
		{"检验 starts", func(c Case) (Case, error) {
			return ApplyCounty(c, CountyUpdate{Status: CountyReviewing, At: at("2026-09-18", 9), Procedure: ProcInspection, ProcedureReason: "送检样品"})
		}, "暂停计时（特别程序：检验）", 2},
		{"检验 goes on (the same word again)", func(c Case) (Case, error) {
			return ApplyCounty(c, CountyUpdate{Status: CountyReviewing, At: at("2026-09-21", 9), Procedure: ProcInspection, ProcedureReason: "送检样品"})
		}, "暂停计时（特别程序：检验）", 2},
		{"检验 ends", func(c Case) (Case, error) {
			return ApplyCounty(c, CountyUpdate{Status: CountyReviewing, At: at("2026-09-30", 9)})
		}, "", 2},
	}
	for _, s := range steps {
		var err error
		if c, err = s.apply(c); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		label := ""
		if sp, ok := c.Suspended(); ok {
			label = SuspensionLabel(sp)
		}
		if got := ProgressOf(c, time.Time{}, false).Paused; got != label || label != s.label || len(c.Suspensions) != s.want {
			t.Errorf("%s: progress shows %q, suspended %q with %d spans, want %q with %d", s.name, got, label, len(c.Suspensions), s.label, s.want)
		}
	}
	// 补正 16–17 Sep (2 days), 检验 19–30 Sep: the 调休 Sunday 20, then 21,
	// 22, 23, 24, 28, 29, 30 (中秋 25–27 Sep is off): 10 working days in all.
	p := ProgressOf(c, time.Time{}, false).MoveDue(c, workday.Default(), at("2026-10-09", 9))
	want, _ := workday.Default().AddWorkdays(c.Due, 10)
	if !p.Due.Equal(want) || !p.Promised.Equal(c.Due) {
		t.Errorf("progress due %s (promised %s), want %s (promised %s)", dateOr(p.Due), dateOr(p.Promised), dateOr(want), dateOr(c.Due))
	}
	if _, err := ApplyCounty(c, CountyUpdate{Status: CountyReviewing, At: at("2026-10-09", 9), Procedure: "sightseeing"}); err == nil {
		t.Error("an unknown special procedure was accepted")
	}
	done, _ := ApplyCounty(c, CountyUpdate{Status: CountyReviewing, At: at("2026-10-09", 9), Procedure: ProcExpertReview})
	done, _ = ApplyCounty(done, CountyUpdate{Status: CountyCompleted, Pickup: "窗口领取", At: at("2026-10-12", 9)})
	if _, ok := done.Suspended(); ok {
		t.Errorf("a completed case still has a running suspension: %+v", done.Suspensions)
	}
}

func TestLapse(t *testing.T) {
	cat := demo(t)
	restaurantCase := deferredCase(t, cat, now) // supplement by 3 Dec (5 working days)
	homestay := Case{Status: StatusDeferred, SupplementBy: restaurantCase.SupplementBy, Suspensions: restaurantCase.Suspensions,
		Draft: Draft{Matters: []string{"330000-QT-0017"}, Materials: []MaterialEntry{{Matter: "330000-QT-0017", Material: "house_safety", State: Deferred}}}}
	supplemented, err := Supplement(cat, restaurantCase, []MaterialEntry{{Matter: "330000-SS-0001", Material: "premises_proof", State: Original}}, at("2026-12-02", 9))
	if err != nil {
		t.Fatal(err)
	}
	correction := restaurantCase
	correction.Status = StatusCorrection
	tests := []struct {
		name  string
		c     Case
		when  time.Time
		want  Status
		moved bool
	}{
		{"deadline day itself is in time", restaurantCase, at("2026-12-03", 23), StatusDeferred, false},
		{"the day after: the catalog's default, 终止办理", restaurantCase, at("2026-12-04", 8), StatusTerminated, true},
		{"a matter that says 视为撤回", homestay, at("2026-12-04", 8), StatusWithdrawn, true},
		{"supplemented in time", supplemented, at("2026-12-10", 8), StatusAccepted, false},
		{"the county's own 补正 request is the county's to decide", correction, at("2026-12-10", 8), StatusCorrection, false},
	}
	for _, tt := range tests {
		got, moved := Lapse(cat, tt.c, tt.when)
		if got.Status != tt.want || moved != tt.moved {
			t.Errorf("%s: Lapse = %s, %v, want %s, %v", tt.name, got.Status, moved, tt.want, tt.moved)
		}
		if moved {
			if _, running := got.Suspended(); running || got.Reason == "" {
				t.Errorf("%s: after the lapse running %v, reason %q; want no running suspension and a reason", tt.name, running, got.Reason)
			}
		}
	}
}

// 新生儿出生一件事: the guardian's ID card asked by four matters, the birth
// certificate by two and the 户口簿 by two are each one line; the case still
// records every matter's entry.
func TestChecklistLinesAskTheSamePaperOnce(t *testing.T) {
	cat := demo(t)
	b, _ := cat.Bundle("330000-YJS-004")
	lines, err := ChecklistLines(cat, b.Matters)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := Checklist(cat, b.Matters)
	n := 0
	byMaterial := map[string]int{}
	for _, l := range lines {
		n += len(l.Entries)
		for _, e := range l.Entries {
			byMaterial[e.Matter+"/"+e.Material] = len(l.Entries)
		}
	}
	if n != len(entries) || len(lines) >= len(entries) {
		t.Fatalf("%d lines hold %d entries, want fewer lines holding all %d", len(lines), n, len(entries))
	}
	for key, want := range map[string]int{
		"330000-SH-0034/id_card": 4, "330000-MS-0029/id_card": 4, "330000-SH-0034/father_id_card": 1,
		"330000-GA-0005/hukou_book": 2, "330000-MS-0014/hukou_book": 2, "330000-MS-0029/birth_med_cert": 2,
		"330000-MS-0014/id_card": 1, // the newborn's own: another paper
	} {
		if got := byMaterial[key]; got != want {
			t.Errorf("%s is on a line of %d entries, want %d", key, got, want)
		}
	}
	// One choice on the merged line satisfies every matter's entry.
	var mats []MaterialEntry
	for _, l := range lines {
		s := l.States[0]
		if !l.Required && slices.Contains(l.States, NotApplicable) {
			s = NotApplicable
		}
		mats = SetLine(mats, l, s)
	}
	if _, err := checkMaterials(cat, Draft{Matters: b.Matters, Materials: mats}); err != nil {
		t.Errorf("every line checked once: %v", err)
	}
}

func TestMergedLineOffersOnlyWhatEveryMatterAllows(t *testing.T) {
	cat := &catalog.Catalog{Matters: []catalog.Matter{
		{Code: "A", Name: "甲", Materials: []catalog.Material{{ID: "lic", Name: "营业执照", Required: true, Originals: 1, Deferrable: true, Paper: "business_license"}}},
		{Code: "B", Name: "乙", Materials: []catalog.Material{{ID: "bl", Name: "营业执照副本", Required: true, Originals: 1, Paper: "business_license"}}},
	}}
	lines, err := ChecklistLines(cat, []string{"A", "B"})
	if err != nil {
		t.Fatal(err)
	}
	// 容缺 is A's alone; an original and its photo (电子副本) fit both.
	if len(lines) != 1 || !slices.Equal(lines[0].States, []MaterialState{Original, ECopy}) || len(lines[0].Entries) != 2 {
		t.Errorf("lines %+v, want one line offering only 已收原件 and 电子副本 for both", lines)
	}
}

// An agent's case at the county under 检验 is not overdue on its promised
// date, and a 补正 deadline missed before 国庆 is 4 working days late on 12 October.
func TestPlanUsesWorkingDaysAndMovedDates(t *testing.T) {
	cal := workday.Default()
	inspected := Case{Tracking: "INSPECT", Status: StatusReviewing, Due: at("2026-10-09", 0),
		Suspensions: []Suspension{{Kind: SuspendSpecial, Procedure: ProcInspection, From: at("2026-09-28", 9)}}}
	late := Case{Tracking: "LATE", Status: StatusDeferred, SupplementBy: at("2026-09-30", 0),
		Draft: Draft{Materials: []MaterialEntry{{Matter: "m", Material: "x", State: Deferred}}}}
	items := Plan([]Tracked{{Case: inspected}, {Case: late}}, cal, at("2026-10-12", 9))
	got := map[string]WorkItem{}
	for _, w := range items {
		got[w.Case.Tracking] = w
	}
	if w := got["INSPECT"]; w.Shelf != ShelfAtCounty || !w.By.After(inspected.Due) {
		t.Errorf("under 检验: shelf %s by %s, want %s after %s", w.Shelf, dateOr(w.By), ShelfAtCounty, dateOr(inspected.Due))
	}
	if w := got["LATE"]; w.Shelf != ShelfOverdue || w.Late != 4 {
		t.Errorf("missed 补正: shelf %s late %d, want %s late 4 (8, 9, 10 and 12 Oct, not 12 calendar days)", w.Shelf, w.Late, ShelfOverdue)
	}
}
