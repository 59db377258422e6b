package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/sync/protocol"
)

func caseIDs(events []protocol.Event) []string {
	var out []string
	for _, e := range events {
		var ce protocol.CaseEvent
		json.Unmarshal(e.Payload, &ce)
		out = append(out, ce.CaseID)
	}
	return out
}

// A quarantined event holds back the later events of its case and of no
// other; releasing it lets them through in order.
func TestSendableEventsKeepPerCaseOrder(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	if err := db.SetDeviceNumber(ctx, 1); err != nil {
		t.Fatal(err)
	}
	a, _ := db.CreateCase(ctx, sampleCase(), cases.Actor{Name: "王丽"})
	b, _ := db.CreateCase(ctx, sampleCase(), cases.Actor{Name: "王丽"})
	a.Status = cases.StatusCompleted
	a2, err := db.UpdateCase(ctx, a, cases.EvCompleted, cases.Actor{Name: "王丽"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Status = cases.StatusCompleted
	if _, err := db.UpdateCase(ctx, b, cases.EvCompleted, cases.Actor{Name: "王丽"}, nil); err != nil {
		t.Fatal(err)
	}
	all, err := db.SendableEvents(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := caseIDs(all), []string{a.ID, b.ID, a.ID, b.ID}; !slices.Equal(got, want) {
		t.Fatalf("sendable cases %v, want %v", got, want)
	}
	// The county refuses a's first event.
	if err := db.RecordPush(ctx, []protocol.Result{
		{ID: all[0].ID, Status: protocol.Rejected, Error: &protocol.Error{Code: protocol.CodeBadPayload, Message: "缺少字段"}},
		{ID: all[1].ID, Status: protocol.Applied, CountyCase: "330522-2026-000001"},
	}); err != nil {
		t.Fatal(err)
	}
	left, _ := db.SendableEvents(ctx, 100)
	if got, want := caseIDs(left), []string{b.ID}; !slices.Equal(got, want) {
		t.Errorf("after quarantine: sendable %v, want only b's second event %v", got, want)
	}
	q, err := db.Quarantined(ctx)
	if err != nil || len(q) != 1 || q[0].ID != all[0].ID || q[0].Tracking != a.Tracking || q[0].Reason != "bad_payload: 缺少字段" {
		t.Fatalf("quarantined = %+v, %v", q, err)
	}
	st, _ := db.SyncStatus(ctx)
	if st.Pending != 3 || st.Quarantined != 1 || st.LastPush.IsZero() {
		t.Errorf("status %+v", st)
	}
	gotB, _ := db.CaseByID(ctx, b.ID)
	var county string
	db.r.QueryRowContext(ctx, `SELECT COALESCE(county_case, '') FROM cases WHERE id = ?`, b.ID).Scan(&county)
	if county != "330522-2026-000001" || gotB.Version != 2 {
		t.Errorf("b: county case %q, version %d", county, gotB.Version)
	}

	// The county had also refused a's second event for following the
	// first: retrying the first releases it too, and only it.
	if err := db.RecordPush(ctx, []protocol.Result{{ID: all[2].ID, Status: protocol.Rejected,
		Error: &protocol.Error{Code: protocol.CodeOutOfOrder, Message: "an earlier event of this case was rejected in this push"}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.RetryQuarantined(ctx, 1, all[0].ID); err != nil {
		t.Fatal(err)
	}
	if q, _ := db.Quarantined(ctx); len(q) != 0 {
		t.Errorf("still quarantined after the retry: %+v", q)
	}
	left, _ = db.SendableEvents(ctx, 100)
	if got, want := caseIDs(left), []string{a.ID, a.ID, b.ID}; !slices.Equal(got, want) {
		t.Errorf("after retry: sendable %v, want %v", got, want)
	}
	if left[2].ID == "" || a2.Version != 2 {
		t.Errorf("a's second event missing")
	}
}

func feedItem(cursor int64, kind protocol.Kind, payload any) protocol.FeedItem {
	b, _ := json.Marshal(payload)
	return protocol.FeedItem{Cursor: cursor, Kind: kind, At: t0, Payload: b}
}

// County decisions come down in order; applying a page twice changes
// nothing; the progress query shows them with the pull time.
func TestApplyFeedIsIdempotentAndShowsInProgress(t *testing.T) {
	db, clk := openTemp(t)
	ctx := context.Background()
	db.SetDeviceNumber(ctx, 1)
	sc := sampleCase()
	sc.Materials = append(sc.Materials, cases.MaterialEntry{Matter: "330000-SS-0001", Material: "premises_proof", State: cases.Original})
	c, err := db.CreateCase(ctx, sc, cases.Actor{Name: "王丽"})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := db.VerifyProgress(ctx, c.Tracking, "1234")
	if before.Synced {
		t.Error("never synced, but progress says synced")
	}
	clk.Advance(time.Hour)
	page := []protocol.FeedItem{
		feedItem(1, protocol.FeedCaseStatus, protocol.CaseStatus{CaseID: c.ID, Tracking: c.Tracking, CountyCase: "330522-2026-000007",
			Status: protocol.CountyReviewing, At: t0.Add(time.Hour)}),
		feedItem(2, protocol.FeedCaseStatus, protocol.CaseStatus{CaseID: c.ID, Tracking: c.Tracking, Status: protocol.CountyCorrection,
			Supplements: []protocol.Supplement{{Matter: "330000-SS-0001", Material: "premises_proof", Name: "经营场所使用证明"}, {Name: "租赁合同原件"}},
			SupplyBy:    "2026-12-04", Reason: "租赁协议未签字", At: t0.Add(2 * time.Hour)}),
		feedItem(3, protocol.FeedCaseStatus, protocol.CaseStatus{CaseID: "not-here", Status: protocol.CountyCompleted, At: t0}),
		feedItem(4, "something.new", map[string]string{"x": "y"}),
	}
	for round := 0; round < 2; round++ {
		if err := db.ApplyFeed(ctx, page); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	got, _ := db.CaseByID(ctx, c.ID)
	if got.Status != cases.StatusCorrection || got.Version != 3 || got.County == nil || got.County.CaseNo != "330522-2026-000007" {
		t.Fatalf("case after feed: status %s version %d county %+v", got.Status, got.Version, got.County)
	}
	if cur, _ := db.FeedCursor(ctx); cur != 4 {
		t.Errorf("cursor %d, want 4", cur)
	}
	p, err := db.VerifyProgress(ctx, c.Tracking, "1234")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Synced || !p.Updated.Equal(clk.Now()) || len(p.Supplements) != 1 || p.Supplements[0].Material != "premises_proof" ||
		!slices.Equal(p.MoreSupplements, []string{"租赁合同原件"}) || p.SupplyBy.Format("2006-01-02") != "2026-12-04" {
		t.Errorf("progress %+v", p)
	}
	var current string
	for _, s := range p.Steps {
		if s.Current {
			current = s.Name
		}
	}
	if current != "补正" {
		t.Errorf("current step %q, want 补正", current)
	}

	// The county completes it; the counter can hand it over.
	if err := db.ApplyFeed(ctx, []protocol.FeedItem{feedItem(5, protocol.FeedCaseStatus, protocol.CaseStatus{CaseID: c.ID,
		Status: protocol.CountyCompleted, Pickup: "请到洪桥镇便民服务中心3号窗口领取营业执照", At: t0.Add(3 * time.Hour)})}); err != nil {
		t.Fatal(err)
	}
	got, _ = db.CaseByID(ctx, c.ID)
	if _, err := cases.Deliver(got, cases.Person{Name: "张小红", IDNumber: "330522199003150024"}, t0.Add(4*time.Hour)); err != nil {
		t.Errorf("deliver after county completion: %v", err)
	}
	if p, _ := db.VerifyProgress(ctx, c.Tracking, "1234"); p.Pickup == "" {
		t.Error("no pickup information in progress")
	}
}

func TestFeedBringsHolidaysCatalogAndBookings(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	if _, err := db.LoadCatalog(ctx, assets.DemoCatalog()); err != nil {
		t.Fatal(err)
	}
	cal2027 := []byte(`{"year": 2027, "source": "测试通知", "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}], "workdays": []}`)
	var doc map[string]any
	json.Unmarshal(assets.DemoCatalog(), &doc)
	doc["version"] = "2026.12-county"
	newCat, _ := json.Marshal(doc)
	booking := map[string]any{"id": "county-b-1", "code": "1203A901", "sector": "不动产登记", "day": "2026-12-03", "half": "am",
		"resident_id": "330522199003150024", "mobile": "13857201234", "status": "active", "created": t0}
	items := []protocol.FeedItem{
		feedItem(10, protocol.FeedHolidays, protocol.DocumentPayload{Year: 2027, Document: cal2027}),
		feedItem(11, protocol.FeedCatalog, protocol.DocumentPayload{Version: "2026.12-county", Document: newCat}),
		feedItem(12, protocol.FeedBookingCreated, protocol.QueuePayload{Doc: mustJSON(booking)}),
	}
	if cal, _ := db.Calendar(ctx); slices.Contains(cal.Years(), 2027) { // read (and kept) before the feed
		t.Fatal("2027 covered before the county sent it")
	}
	if err := db.ApplyFeed(ctx, items); err != nil {
		t.Fatal(err)
	}
	cal, err := db.Calendar(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(cal.Years(), 2027) || !slices.Contains(cal.Years(), 2026) {
		t.Errorf("calendar years %v", cal.Years())
	}
	if ok, err := cal.IsWorkday(time.Date(2027, 1, 1, 10, 0, 0, 0, workday.China)); err != nil || ok {
		t.Errorf("2027-01-01 workday = %v, %v; want a holiday", ok, err)
	}
	cat, _ := db.ActiveCatalog(ctx)
	if cat.Version != "2026.12-county" {
		t.Errorf("active catalog %s", cat.Version)
	}
	b, err := db.BookingByCode(ctx, "1203A901")
	if err != nil || b.ResidentID != "330522199003150024" {
		t.Errorf("county booking: %+v, %v", b, err)
	}
	// Cancelled through the hotline later.
	booking["status"] = "cancelled"
	if err := db.ApplyFeed(ctx, []protocol.FeedItem{feedItem(13, protocol.FeedBookingCancelled, protocol.QueuePayload{Doc: mustJSON(booking)})}); err != nil {
		t.Fatal(err)
	}
	if b, _ := db.BookingByCode(ctx, "1203A901"); b.Status != "cancelled" {
		t.Errorf("booking status %s after county cancel", b.Status)
	}
	// A broken calendar stops the feed at that item, with nothing applied.
	err = db.ApplyFeed(ctx, []protocol.FeedItem{feedItem(14, protocol.FeedHolidays, protocol.DocumentPayload{Year: 2028, Document: []byte(`{"year": 2028, "holidays": [{"from": "x"}]}`)})})
	if err == nil {
		t.Error("broken calendar applied")
	}
	if cur, _ := db.FeedCursor(ctx); cur != 13 {
		t.Errorf("cursor %d after a failed item, want 13", cur)
	}
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func TestDeviceStatusReportsThePrinter(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	db.SetDeviceNumber(ctx, 1)
	st, err := db.DeviceStatus(ctx, "0.6.0", "")
	if err != nil || st.Printer.State != "unknown" || st.AppVersion != "0.6.0" {
		t.Fatalf("before printing: %+v, %v", st, err)
	}
	c, _ := db.CreateCase(ctx, sampleCase(), cases.Actor{Name: "王丽"})
	doc, _ := db.RecordDocument(ctx, c.ID, "receipt", "a4", "/tmp/x.pdf")
	db.MarkPrinted(ctx, doc, errors.New("lp: printer hall-a4 is stopped"))
	st, _ = db.DeviceStatus(ctx, "0.6.0", "无法连接县中心")
	if st.Printer.State != "error" || !strings.Contains(st.Printer.Detail, "stopped") || st.Pending == 0 || st.LastError != "无法连接县中心" {
		t.Errorf("after a failed print: %+v", st)
	}
	doc, _ = db.RecordDocument(ctx, c.ID, "receipt", "a4", "/tmp/y.pdf")
	db.MarkPrinted(ctx, doc, nil)
	if st, _ = db.DeviceStatus(ctx, "0.6.0", ""); st.Printer.State != "ok" || st.Printer.At.IsZero() {
		t.Errorf("after a good print: %+v", st.Printer)
	}
}

// TestFeedFromANewerCounty: a catalog, a holiday notice and a hall config
// carrying keys a later release added are taken, not refused whole (the
// county checked them with its newer rules; refusing would keep the hall
// on the old ones until every kiosk is upgraded), and what this release
// knows is applied; the same documents typed in by hand are still refused.
func TestFeedFromANewerCounty(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	if _, err := db.LoadCatalog(ctx, assets.DemoCatalog()); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(assets.DemoCatalog(), &doc); err != nil {
		t.Fatal(err)
	}
	doc["version"] = "2027.01-county"
	doc["a_field_of_2028"] = map[string]any{"x": 1}
	doc["matters"].([]any)[0].(map[string]any)["another_new_field"] = "是"
	newCat, _ := json.Marshal(doc)
	cal2027 := []byte(`{"year": 2027, "source": "测试通知", "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03", "kind": "新字段"}], "workdays": [], "signed_by": "国务院办公厅"}`)
	if _, err := db.LoadCatalog(ctx, newCat); err == nil {
		t.Fatal("a hand-loaded catalog with unknown keys was taken; want it refused (a typing mistake must not pass)")
	}
	items := []protocol.FeedItem{
		feedItem(10, protocol.FeedHolidays, protocol.DocumentPayload{Year: 2027, Document: cal2027}),
		feedItem(11, protocol.FeedCatalog, protocol.DocumentPayload{Version: "2027.01-county", Document: newCat}),
	}
	if err := db.ApplyFeed(ctx, items); err != nil {
		t.Fatalf("feed from a newer county: %v", err)
	}
	if cat, _ := db.ActiveCatalog(ctx); cat.Version != "2027.01-county" {
		t.Errorf("got active catalog %s, want 2027.01-county", cat.Version)
	}
	cal, err := db.Calendar(ctx)
	if err != nil {
		t.Fatalf("calendar after the feed (stored notices are read again): %v", err)
	}
	if ok, err := cal.IsWorkday(time.Date(2027, 1, 1, 10, 0, 0, 0, workday.China)); err != nil || ok {
		t.Errorf("2027-01-01 workday = %v, %v; want a holiday", ok, err)
	}
	// What this release knows is still checked: a broken known field stops
	// the feed at that item.
	doc["version"] = "2027.02-county"
	doc["matters"].([]any)[0].(map[string]any)["promised_days"] = -1
	bad, _ := json.Marshal(doc)
	if err := db.ApplyFeed(ctx, []protocol.FeedItem{feedItem(12, protocol.FeedCatalog, protocol.DocumentPayload{Version: "2027.02-county", Document: bad})}); err == nil {
		t.Error("a catalog with a broken known field was applied")
	}
}

// TestDeviceStatusTakesThePrinterHealth: what a thermal printer said of
// itself reaches the fleet view when it is the newest news of the printer
// (a ticket machine has no archived documents at all), and the last
// document's outcome when that is newer; a reading that changes nothing
// keeps the time the state began.
func TestDeviceStatusTakesThePrinterHealth(t *testing.T) {
	db, clk := openTemp(t)
	ctx := context.Background()
	db.SetDeviceNumber(ctx, 1)
	const printer = "escpos://192.168.1.50:9100"
	paperOut := protocol.PrinterStatus{Queue: printer, State: "error", Problem: protocol.PrinterPaperOut, Detail: "before the job: DLE EOT 1-4 answered 1a 32 12 72"}
	if err := db.SetPrinterHealth(ctx, paperOut); err != nil {
		t.Fatal(err)
	}
	began := clk.Now()
	st, err := db.DeviceStatus(ctx, "0.9.0", "")
	if err != nil || st.Printer.State != "error" || st.Printer.Problem != protocol.PrinterPaperOut || st.Printer.Queue != printer || !st.Printer.At.Equal(began) {
		t.Fatalf("no document, paper out: got %+v, %v; want the paper-out reading of %s at %v", st.Printer, err, printer, began)
	}
	clk.Advance(time.Minute)
	db.SetPrinterHealth(ctx, paperOut)
	if st, _ = db.DeviceStatus(ctx, "0.9.0", ""); !st.Printer.At.Equal(began) {
		t.Errorf("the same reading again: got At %v, want %v (when the paper ran out)", st.Printer.At, began)
	}
	// A receipt printed after the roll was changed is newer news.
	clk.Advance(time.Minute)
	c, _ := db.CreateCase(ctx, sampleCase(), cases.Actor{Name: "王丽"})
	doc, _ := db.RecordDocument(ctx, c.ID, "receipt", "roll80", "/tmp/x.pdf")
	db.MarkPrinted(ctx, doc, nil)
	if st, _ = db.DeviceStatus(ctx, "0.9.0", ""); st.Printer.State != "ok" {
		t.Errorf("after a good print: got %+v, want ok", st.Printer)
	}
	// The cover opened later: the printer's word wins again.
	clk.Advance(time.Minute)
	db.SetPrinterHealth(ctx, protocol.PrinterStatus{Queue: printer, State: "error", Problem: protocol.PrinterCoverOpen})
	if st, _ = db.DeviceStatus(ctx, "0.9.0", ""); st.Printer.Problem != protocol.PrinterCoverOpen || !st.Printer.At.Equal(clk.Now()) {
		t.Errorf("cover opened after the print: got %+v, want cover-open at %v", st.Printer, clk.Now())
	}
}
