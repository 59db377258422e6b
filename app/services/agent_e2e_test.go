package services_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/ui/agent"
	"github.com/yichuang/yichuang/app/ui/intake"
	"github.com/yichuang/yichuang/sync/protocol"
)

// TestAgentFilesWithAMandateThenDelivers drives 村代办 through Fyne's test
// driver on the real store: the agent files 个体工商户设立登记 for a resident
// with the signed 代办委托书 attached, the county's 办结 comes down the feed,
// the case moves to 待送达 on the work list, and the agent delivers it with
// the resident's ID checked and a photo of the signed receipt.
func TestAgentFilesWithAMandateThenDelivers(t *testing.T) {
	test.NewTempApp(t)
	ctx := context.Background()
	h, svc, sup, clk := halltest.At(t, time.Date(2026, 11, 26, 9, 0, 0, 0, halltest.CST))
	db, dir := h.DB, h.Dir
	ag := h.Account(t, sup, clerks.Account{Login: "cun01", Name: "李网格", Role: clerks.Agent, IDNumber: "330522198512030042"}, "lw-2026-dq")

	s := intake.New(ctx, svc, ag, clk.Now, nil)
	w := test.NewTempWindow(t, s.Content())
	w.Resize(w.Content().MinSize())
	if s.Mandate == nil {
		t.Fatal("no 代办委托 form for an agent")
	}
	test.Type(s.Query, "gtgsh")
	if err := s.Choose("330000-SS-0001"); err != nil {
		t.Fatal(err)
	}
	test.Type(s.ApplicantName, "张小红")
	test.Type(s.ApplicantID, "330522199003150024")
	test.Type(s.Mobile, "13857201234")
	for key, v := range map[string]string{"business_address": "洪桥镇洪桥路18号", "business_scope": "餐饮服务", "registered_capital": "5", "employees": "3"} {
		test.Type(s.FieldEntries[key], v)
	}
	s.FieldChoices["organization_form"].SetSelected("个人经营")
	s.FieldChoices["delivery"].SetSelected("窗口领取")
	test.Tap(s.QuickFill)

	// Without a village and the letter, the decision is refused and says why.
	test.Tap(s.Accept)
	halltest.Settle(t, s)
	if s.Result != nil || !strings.Contains(s.Message.Text, "行政村") {
		t.Fatalf("filing without a village: %q", s.Message.Text)
	}
	test.Type(s.Mandate.Village, "大钱村")
	test.Type(s.Mandate.Group, "3组")
	s.Mandate.Powers.SetSelected([]string{"代为申报", "代领结果"})
	test.Tap(s.Accept)
	halltest.Settle(t, s)
	if s.Result != nil || !strings.Contains(s.Message.Text, "委托书照片") {
		t.Fatalf("filing without the letter: %q", s.Message.Text)
	}
	// The letter for the resident to sign, printed from what is filled in.
	test.Tap(s.Mandate.PrintBtn)
	halltest.Settle(t, s)
	if !strings.Contains(s.Mandate.PrintNote.Text, "未设置打印机") {
		t.Errorf("print the letter with no printer: %q", s.Mandate.PrintNote.Text)
	}
	letters, _ := filepath.Glob(filepath.Join(dir, "prints", "*", "*", "cun01-mandate-*.pdf"))
	if len(letters) != 1 || !strings.Contains(halltest.CompactText(halltest.PDFText(t, h.Paper(t, letters[0]))), "受托代办员李网格") {
		t.Fatalf("archived letters %v", letters)
	}
	if err := s.AddMandateLetter(strings.NewReader("%PDF-1.4 signed 代办委托书"), "委托书.pdf"); err != nil {
		t.Fatal(err)
	}
	test.Tap(s.Accept)
	halltest.Settle(t, s)
	if s.Result == nil {
		t.Fatalf("filing with the mandate: %q", s.Message.Text)
	}
	cs := s.Result.Case
	if cs.Proxy == nil || cs.Proxy.Village != "大钱村" || cs.Proxy.Mandate.Letter == "" || cs.Proxy.Agent.Name != "李网格" {
		t.Fatalf("proxy %+v", cs.Proxy)
	}

	list := agent.New(ctx, services.Agent{Intake: svc}, ag, clk.Now, nil)
	test.NewTempWindow(t, list.Content())
	if len(list.Items) != 1 || list.Items[0].Shelf != cases.ShelfUnsent || !strings.Contains(list.Summary.Text, "待同步 1") {
		t.Fatalf("work list before sync: %+v / %q", list.Items, list.Summary.Text)
	}

	// The county completes it; the result waits to be delivered.
	clk.Advance(72 * time.Hour)
	evs, _ := db.SendableEvents(ctx, 50)
	var results []protocol.Result
	for _, e := range evs {
		results = append(results, protocol.Result{ID: e.ID, Status: protocol.Applied})
	}
	db.RecordPush(ctx, results)
	status, _ := json.Marshal(protocol.CaseStatus{CaseID: cs.ID, Status: protocol.CountyCompleted, Pickup: "营业执照已送至洪桥镇便民服务中心", At: clk.Now()})
	if err := db.ApplyFeed(ctx, []protocol.FeedItem{{Cursor: 1, Kind: protocol.FeedCaseStatus, At: clk.Now(), Payload: status}}); err != nil {
		t.Fatal(err)
	}
	list.Reload()
	btn, ok := list.DeliverBtns[cs.Tracking]
	if !ok || list.Items[0].Shelf != cases.ShelfDeliver {
		t.Fatalf("no 送达 for the completed case: %+v", list.Items)
	}
	test.Tap(btn)
	d := list.Delivery
	test.Type(d.ID, "330522199003150024")
	test.Tap(d.ConfirmBtn)
	halltest.Settle(t, list)
	if !strings.Contains(d.Message.Text, "签收") {
		t.Fatalf("delivery without the receipt photo: %q", d.Message.Text)
	}
	list.SetReceiptPhoto([]byte("%PDF-1.4 签收回执"), "签收.pdf")
	test.Tap(d.ConfirmBtn)
	halltest.Settle(t, list)
	if list.Delivery != nil {
		t.Fatalf("delivery failed: %q", d.Message.Text)
	}
	got, _ := db.CaseByID(ctx, cs.ID)
	if got.Status != cases.StatusDelivered || got.Pickup == nil || got.Pickup.Via == nil || got.Pickup.Receipt == "" {
		t.Fatalf("case after delivery: %s %+v", got.Status, got.Pickup)
	}
	if list.Items[0].Shelf != cases.ShelfDone || !strings.Contains(list.Message.Text, "已送达") {
		t.Errorf("work list after delivery: %s / %q", list.Items[0].Shelf, list.Message.Text)
	}
}

// TestAgentWeekOfflineThenOneSync: an agent's laptop files 200 cases, each
// with its signed letter's photo, over a week without a link (the store's
// clock walks through the week); one sync round then takes everything to a
// real countyd, exactly once. The county's 需补正 for one case comes back
// and puts it on the agent's list with what to fetch.
func TestAgentWeekOfflineThenOneSync(t *testing.T) {
	ctx := context.Background()
	cd := halltest.StartCountyd(t, t.TempDir(), "127.0.0.1:0")
	// The week ends at the last noon in Beijing: ending it at the real
	// time made the newest filings yesterday's, and so overdue, whenever
	// the test ran in the hour after midnight there.
	now := time.Now().In(halltest.CST)
	noon := time.Date(now.Year(), now.Month(), now.Day(), 12, 0, 0, 0, halltest.CST)
	if noon.After(now) {
		noon = noon.AddDate(0, 0, -1)
	}
	start := noon.Add(-7 * 24 * time.Hour)
	h, svc, sup, clk := halltest.At(t, start)
	db := h.DB
	ag := h.Account(t, sup, clerks.Account{Login: "cun01", Name: "李网格", Role: clerks.Agent, IDNumber: "330522198512030042"}, "lw-2026-dq")
	// Enrolled at the station while it had a link; the signatures use the
	// laptop's real clock.
	l := h.Link(sup.ID, "")
	if err := l.Enroll(ctx, cd.URL, cd.EnrollCode(t)); err != nil {
		t.Fatal(err)
	}
	halltest.Round(t, l)

	villages := []string{"大钱村", "许家村", "弁南村", "新川村"}
	var filed []cases.Case
	for i := 0; i < 200; i++ {
		clk.Set(start.Add(time.Duration(i) * 7 * 24 * time.Hour / 200)) // about 29 a day
		d := h.RestaurantDraft(t, "")
		cat, _ := h.DB.ActiveCatalog(ctx)
		for i, e := range d.Materials { // the agent photographs the resident's ID
			m, _ := cat.Matter(e.Matter)
			for _, mat := range m.Materials {
				if mat.ID == e.Material && mat.PersonalOriginal && e.State == cases.Original {
					d.Materials[i].State = cases.ECopy
				}
			}
		}
		letter, err := svc.Counter.Attach(strings.NewReader(fmt.Sprintf("%%PDF-1.4 代办委托书 #%d signed", i)), "委托书.pdf")
		if err != nil {
			t.Fatal(err)
		}
		d.Attachments = []cases.Attachment{letter}
		d.Proxy = &cases.Proxy{Village: villages[i%4], Group: fmt.Sprintf("%d组", 1+i%7), Mandate: cases.Mandate{
			Resident: cases.Person{Name: "张小红", IDNumber: "330522199003150024"}, Powers: cases.Powers,
			ValidUntil: clk.Now().AddDate(0, 3, 0), Evidence: cases.EvidenceLetter, Letter: letter.SHA256}}
		cs, err := svc.Counter.Submit(ctx, ag, d, cases.Decision{Kind: cases.Accept})
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		filed = append(filed, cs)
	}
	clk.Set(noon)
	list, err := services.Agent{Intake: svc}.WorkList(ctx, ag)
	if err != nil || len(list) != 200 {
		t.Fatalf("work list before sync: %d items, %v", len(list), err)
	}
	// Every case waits to be sent; those whose promised date has passed
	// in the week (how many depends on today's weekday) are on the overdue
	// shelf, the others on the unsent one.
	oldest := time.Duration(0)
	for _, w := range list {
		if w.Unsent == 0 || (w.Shelf != cases.ShelfUnsent && w.Shelf != cases.ShelfOverdue) {
			t.Fatalf("work list before sync: %s on shelf %s with %d unsent events", w.Case.Tracking, w.Shelf, w.Unsent)
		}
		oldest = max(oldest, w.Waiting)
	}
	if oldest < 6*24*time.Hour {
		t.Fatalf("work list before sync: the oldest unsent case waits %v, want about a week", oldest)
	}

	rep := halltest.Round(t, l) // the link is back: one round
	if rep.Pushed != 200 || rep.Uploaded != 200 || rep.Rejected != 0 {
		t.Fatalf("one round after the week: %+v", rep)
	}
	if st, _ := db.SyncStatus(ctx); st.Pending != 0 || st.Uploads != 0 {
		t.Fatalf("still waiting: %+v", st)
	}
	cd.Admin(t, "set-status", "-case", filed[42].Tracking, "-status", "correction",
		"-supplement", "330000-SS-0001:premises_proof:经营场所使用证明", "-supply-by", time.Now().AddDate(0, 0, 5).Format("2006-01-02"))
	if rep := halltest.Round(t, l); rep.Pulled != 1 {
		t.Fatalf("pull: %+v", rep)
	}
	list, _ = services.Agent{Intake: svc}.WorkList(ctx, ag)
	var fix []cases.WorkItem
	for _, w := range list {
		if w.Shelf == cases.ShelfCorrection {
			fix = append(fix, w)
		}
	}
	if len(fix) != 1 || fix[0].Case.ID != filed[42].ID || len(fix[0].Fetch) != 1 || fix[0].Fetch[0].Material != "premises_proof" {
		t.Errorf("需补正 on the list: %+v", fix)
	}

	cd.Stop()
	st, err := halltest.CountyStore(t, cd.Data).Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Cases != 200 || st.CompleteBlobs != 200 || st.Rejected != 0 || st.CaseLog != 200 {
		t.Errorf("county: %d cases, %d files, %d case events, %d rejected; want 200, 200, 200, 0", st.Cases, st.CompleteBlobs, st.CaseLog, st.Rejected)
	}
}
