package services_test

import (
	"context"
	"database/sql"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/ui/intake"
	"github.com/yichuang/yichuang/app/ui/kiosktheme"
	"github.com/yichuang/yichuang/app/vault"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
)

// TestIntakeBundleFromSearchToReceipt drives the counter screen the way a
// clerk does — typing and tapping through Fyne's test driver — with the real
// store, documents and archive: the 我要开餐馆 bundle with one 容缺 material
// and one 告知承诺 material, from search to printed papers. It then checks
// the case row, its event and the event's outbox row in the SQLite file.
func TestIntakeBundleFromSearchToReceipt(t *testing.T) {
	test.NewTempApp(t)
	ctx := context.Background()
	dir := t.TempDir()
	clk := clock.NewManual(time.Date(2026, 11, 26, 10, 30, 0, 0, workday.China))
	db, err := store.Open(ctx, filepath.Join(dir, "yichuang.db"), store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.LoadCatalog(ctx, assets.DemoCatalog()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ConfigureKiosk(ctx, servicepoint.Kiosk{Point: servicepoint.ServicePoint{Code: "330522101000", Name: "洪桥镇便民服务中心",
		Level: catalog.Township}, Device: 3, PrinterQueue: "", Paper: servicepoint.PaperA4}); err != nil {
		t.Fatal(err)
	}
	sup, err := db.CreateFirstSupervisor(ctx, clerks.Account{Login: "zhuguan", Name: "陈主管", Window: 1}, "hq-2026-chen")
	if err != nil {
		t.Fatal(err)
	}
	clerk, err := db.CreateAccount(ctx, sup, clerks.Account{Login: "wangli", Name: "王丽", Role: clerks.Clerk, Window: 3, Sectors: []string{"商事登记"}}, "wl258147")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := services.NewIntake(ctx, db, dir, clk)
	if err != nil {
		t.Fatal(err)
	}
	svc.Counter.Printer = nil // no printer in this test: papers are archived (the CUPS path has its own test)

	s := intake.New(ctx, svc, clerk, clk.Now, nil)
	w := test.NewTempWindow(t, s.Content())
	w.Resize(w.Content().MinSize())

	// 1. Search by initials and choose the bundle.
	test.Type(s.Query, "kcg")
	if err := s.Choose("330000-YJS-001"); err != nil {
		t.Fatalf("search 'kcg' did not offer 我要开餐馆: %v", err)
	}
	if !strings.Contains(s.Selected.Text, "我要开餐馆") {
		t.Fatalf("selected: %q", s.Selected.Text)
	}
	// 2. Applicant, with a typo in the mobile first: blocked beside the field.
	test.Type(s.ApplicantName, "张小红")
	test.Type(s.ApplicantID, "330522199003150024")
	test.Type(s.Mobile, "138572012345")
	if err := s.Mobile.Validate(); err == nil {
		t.Error("12-digit mobile accepted as typed")
	}
	// 3. The combined form: each field once, applicant fields not asked again.
	for _, k := range []string{"applicant_name", "applicant_id", "mobile", "legal_rep_name", "legal_rep_id"} {
		if _, asked := s.FieldEntries[k]; asked {
			t.Errorf("combined form asks %s again", k)
		}
	}
	fill := map[string]string{"business_address": "洪桥镇洪桥路18号", "business_scope": "餐饮服务", "registered_capital": "5", "employees": "3",
		"enterprise_name": "长兴县洪桥镇小红面馆", "food_items": "热食类食品制售", "floor_area": "60", "seats": "24",
		"drainage_volume": "2", "sign_content": "小红面馆", "sign_size": "3米×0.8米"}
	for k, v := range fill {
		e, ok := s.FieldEntries[k]
		if !ok {
			t.Fatalf("no field %s in the combined form", k)
		}
		test.Type(e, v)
	}
	choose := map[string]string{"organization_form": "个人经营", "delivery": "窗口领取", "food_business_type": "餐饮服务经营者",
		"drainer_type": "餐饮", "venue_use": "饭店（餐馆）"}
	for k, v := range choose {
		sel, ok := s.FieldChoices[k]
		if !ok {
			t.Fatalf("no choice %s in the combined form", k)
		}
		sel.SetSelected(v)
	}
	// 4. Materials: the premises proof is missing (容缺), the owner's consent
	// is replaced by a written commitment (告知承诺), the rest as received.
	var deferred, committed int
	for _, r := range s.Materials {
		switch {
		case r.Name == "经营场所（住所）使用证明（不动产权证书或租赁协议）":
			r.SetState(cases.Deferred)
			deferred++
		case r.Name == "房屋产权人同意设置的书面意见":
			r.SetState(cases.Committed)
			committed++
		}
	}
	test.Tap(s.QuickFill) // the rest: shared data or originals received
	for _, r := range s.Materials {
		if r.Select.Selected == "" {
			t.Fatalf("quick fill left %s unchecked", r.Name)
		}
	}
	if deferred != 1 || committed != 1 {
		t.Fatalf("checklist rows: %d deferred, %d committed; want 1 and 1", deferred, committed)
	}
	if err := s.AddAttachment(strings.NewReader("%PDF-1.4 lease scan"), "租赁协议.pdf"); err != nil {
		t.Fatal(err)
	}
	// 5. Decide. The bad mobile blocks it and nothing is written.
	test.Tap(s.Defer)
	halltest.Settle(t, s)
	if s.Result != nil || s.Mobile.Validate() == nil || !strings.Contains(s.Message.Text, "有1项填写不正确") {
		t.Fatalf("decision with a bad mobile: result %v, message %q", s.Result != nil, s.Message.Text)
	}
	if n, _ := db.PendingCount(ctx); n != 4 { // kiosk setup, catalog, two accounts
		t.Fatalf("outbox after the refused decision has %d events, want 4", n)
	}
	s.Mobile.SetText("")
	test.Type(s.Mobile, "138 5720 1234")
	test.Tap(s.Accept) // plain 受理 while a material is 容缺: refused with the reason
	halltest.Settle(t, s)
	if s.Result != nil || !strings.Contains(s.Message.Text, "容缺受理") {
		t.Fatalf("plain accept with a deferred material: message %q", s.Message.Text)
	}
	test.Tap(s.Defer)
	halltest.Settle(t, s)
	if s.Result == nil {
		t.Fatalf("容缺受理 failed: %q", s.Message.Text)
	}
	cs := s.Result.Case
	if cs.Status != cases.StatusDeferred || len(cs.Tracking) != tracking.Length {
		t.Fatalf("case = %s %q", cs.Status, cs.Tracking)
	}
	if !strings.Contains(s.Result.Code.Text, tracking.Format(cs.Tracking)) {
		t.Errorf("result shows %q", s.Result.Code.Text)
	}
	var titles []string
	for _, p := range s.Result.Papers {
		titles = append(titles, p.Title)
		if _, err := os.Stat(p.Path); err != nil {
			t.Errorf("%s not archived: %v", p.Title, err)
		}
		if p.Err == nil || !strings.Contains(p.Err.Error(), "未设置打印机") {
			t.Errorf("%s: print status %v, want 'no printer' told to the clerk", p.Title, p.Err)
		}
	}
	if got := strings.Join(titles, " "); got != "受理回执 容缺补正告知书 告知承诺书 领取凭证" {
		t.Errorf("papers = %q", got)
	}
	if s.Result.Reprints[0].Disabled() {
		t.Error("reprint button disabled")
	}
	if dir := os.Getenv("YICHUANG_SCREENSHOTS"); dir != "" {
		test.ApplyTheme(t, kiosktheme.New())
		w.Resize(fyne.NewSize(1100, 520))
		if f, err := os.Create(filepath.Join(dir, "intake-result.png")); err == nil {
			png.Encode(f, w.Canvas().Capture())
			f.Close()
		}
	}

	// The SQLite file holds the case row, its event and the event's outbox row.
	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "yichuang.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var status, applicantID, doc string
	var clerkID int64
	if err := raw.QueryRow(`SELECT status, applicant_id, clerk_id, doc FROM cases WHERE tracking = ?`, cs.Tracking).Scan(&status, &applicantID, &clerkID, &doc); err != nil {
		t.Fatalf("case row: %v", err)
	}
	// The row holds no ID number in clear (applicant_id is its keyed hash,
	// for 查询办件 by ID number), and the document is sealed
	// (docs/security.md); the store opens it.
	if status != "deferred" || !strings.HasPrefix(applicantID, "ycb1:") || strings.Contains(applicantID, "330522") || clerkID != clerk.ID || !vault.IsSealedText(doc) || strings.Contains(doc, "13857201234") {
		t.Errorf("case row: %s %q %d, sealed %v", status, applicantID, clerkID, vault.IsSealedText(doc))
	}
	stored, err := db.CaseByID(ctx, cs.ID)
	if err != nil || stored.Applicant.Mobile != "13857201234" || stored.Fields["enterprise_name"] != "长兴县洪桥镇小红面馆" || len(stored.Attachments) != 1 {
		t.Errorf("stored case: mobile %q, fields %v, %d attachments, %v", stored.Applicant.Mobile, stored.Fields, len(stored.Attachments), err)
	}
	var kind, actor, eventID string
	if err := raw.QueryRow(`SELECT kind, actor_name, event_id FROM case_events WHERE case_id = ?`, cs.ID).Scan(&kind, &actor, &eventID); err != nil {
		t.Fatalf("case event: %v", err)
	}
	if kind != "case.accepted_deferred" || actor != "王丽" {
		t.Errorf("event %s by %s", kind, actor)
	}
	var outKind, payload string
	if err := raw.QueryRow(`SELECT kind, payload FROM outbox WHERE event_id = ? AND acked_at IS NULL`, eventID).Scan(&outKind, &payload); err != nil {
		t.Fatalf("outbox row for the event: %v", err)
	}
	if outKind != "case.accepted_deferred" || !vault.IsSealedText(payload) || strings.Contains(payload, cs.Tracking) {
		t.Errorf("outbox row: %s %.200s, want it sealed", outKind, payload)
	}
	pending, _ := db.PendingEvents(ctx, 100)
	var sent string
	for _, e := range pending {
		if e.ID == eventID {
			sent = string(e.Payload)
		}
	}
	if !strings.Contains(sent, cs.Tracking) || !strings.Contains(sent, `"version":1`) {
		t.Errorf("the event as sent: %.200s", sent)
	}
	var docs int
	raw.QueryRow(`SELECT COUNT(*) FROM documents WHERE case_id = ? AND print_error IS NOT NULL`, cs.ID).Scan(&docs)
	if docs != 4 {
		t.Errorf("%d archived documents recorded with their print status, want 4", docs)
	}

	// 好差评: the clerk turns the screen; the citizen taps once; the rating
	// is stored for this case with the clerk, the window and the matter.
	test.Tap(s.Result.RateBtn)
	if s.Result.Rating == nil {
		t.Fatal("no rating screen")
	}
	shoot(t, w, "rating.png")
	test.Tap(s.Result.Rating.Levels[5])
	if rated, _ := db.Rated(ctx, rating.Case, cs.ID); !rated || !s.Result.Rating.Rated {
		t.Fatalf("rating not stored: %q", s.Result.Rating.Message.Text)
	}
	byClerk, byMatter, _ := db.RatingTallies(ctx, time.Time{})
	if len(byClerk) != 1 || byClerk[0].Key != "王丽" || byClerk[0].Counts[5] != 1 || len(byMatter) != 1 || byMatter[0].Key != "我要开餐馆" || byMatter[0].Total != 1 {
		t.Errorf("tallies: %+v %+v", byClerk, byMatter)
	}

	// Next errand starts clean.
	test.Tap(s.Result.NextCase)
	if s.Result != nil || len(s.Materials) != 0 {
		t.Error("办理下一件 did not reset the screen")
	}
}
