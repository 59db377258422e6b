package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/store"
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
	dir := configuredData(t)
	clk := clock.NewManual(time.Date(2026, 11, 26, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)))
	db, err := store.Open(ctx, filepath.Join(dir, "yichuang.db"), store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sup, _ := db.Authenticate(ctx, "zhuguan", "hq-2026-chen")
	ag, err := db.CreateAccount(ctx, sup, clerks.Account{Login: "cun01", Name: "李网格", Role: clerks.Agent}, "lw-2026-dq")
	if err != nil {
		t.Fatal(err)
	}
	k := &kiosk{dir: dir, db: db, clock: clk}
	svc, err := k.counterService(ctx)
	if err != nil {
		t.Fatal(err)
	}
	svc.c.Printer = nil

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
	if s.Result != nil || !strings.Contains(s.Message.Text, "行政村") {
		t.Fatalf("filing without a village: %q", s.Message.Text)
	}
	test.Type(s.Mandate.Village, "大钱村")
	test.Type(s.Mandate.Group, "3组")
	s.Mandate.Powers.SetSelected([]string{"代为申报", "代领结果"})
	test.Tap(s.Accept)
	if s.Result != nil || !strings.Contains(s.Message.Text, "委托书照片") {
		t.Fatalf("filing without the letter: %q", s.Message.Text)
	}
	// The letter for the resident to sign, printed from what is filled in.
	test.Tap(s.Mandate.PrintBtn)
	if !strings.Contains(s.Mandate.PrintNote.Text, "未设置打印机") {
		t.Errorf("print the letter with no printer: %q", s.Mandate.PrintNote.Text)
	}
	letters, _ := filepath.Glob(filepath.Join(dir, "prints", "*", "*", "cun01-mandate-*.pdf"))
	if len(letters) != 1 || !strings.Contains(compactText(pdfText(t, mustRead(t, letters[0]))), "受托代办员李网格") {
		t.Fatalf("archived letters %v", letters)
	}
	if err := s.AddMandateLetter(strings.NewReader("%PDF-1.4 signed 代办委托书"), "委托书.pdf"); err != nil {
		t.Fatal(err)
	}
	test.Tap(s.Accept)
	if s.Result == nil {
		t.Fatalf("filing with the mandate: %q", s.Message.Text)
	}
	cs := s.Result.Case
	if cs.Proxy == nil || cs.Proxy.Village != "大钱村" || cs.Proxy.Mandate.Letter == "" || cs.Proxy.Agent.Name != "李网格" {
		t.Fatalf("proxy %+v", cs.Proxy)
	}

	list := agent.New(ctx, agentService{svc}, ag, clk.Now, nil)
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
	if !strings.Contains(d.Message.Text, "签收") {
		t.Fatalf("delivery without the receipt photo: %q", d.Message.Text)
	}
	list.SetReceiptPhoto([]byte("%PDF-1.4 签收回执"), "签收.pdf")
	test.Tap(d.ConfirmBtn)
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

func compactText(s string) string { return strings.Join(strings.Fields(s), "") }

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
