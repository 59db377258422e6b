package services_test

import (
	"context"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/ui/intake"
	"github.com/yichuang/yichuang/app/ui/selfservice"
)

// TestSelfFilingAtTheTerminal: at night a citizen files 个体工商户设立登记
// at the 24-hour terminal — two photos from the document camera's folder
// (a stray text file there is refused and the rest kept), the premises
// proof by written commitment — and takes the slip; in the morning a clerk
// pre-reviews and accepts it, and it flows like any case (receipt, outbox).
// The idle wipe leaves nothing of the filing on the terminal.
func TestSelfFilingAtTheTerminal(t *testing.T) {
	busytest.NewApp(t) // work off the UI goroutine (photos, the slip) shows on it
	ctx := context.Background()
	h, svc, sup, clk := halltest.At(t, time.Date(2026, 11, 26, 22, 15, 0, 0, halltest.CST))
	db, dir := h.DB, h.Dir
	scans := filepath.Join(t.TempDir(), "scans-in")
	os.MkdirAll(scans, 0o700)
	self := &services.SelfService{DB: db, Clock: clk}
	term := selfservice.New(ctx, self, selfservice.Options{After: noTimers{}.after, Now: clk.Now,
		Filing: &services.Filing{Counter: svc.Counter, ScanDir: scans}})
	w := test.NewTempWindow(t, term.Content())
	w.Resize(fyne.NewSize(1280, 800))

	test.Tap(term.Tiles["filing"])
	f := term.Filing
	shootAt(t, w, "filing-matters.png", 1280, 800)
	if _, ok := f.Matters["330000-SS-0004"]; ok {
		t.Error("a window-only matter is offered at the terminal")
	}
	test.Tap(f.Matters["330000-SS-0001"])
	test.Type(f.Name, "张小红")
	// No keyboard at the terminal: the on-screen keys type into the field
	// last touched, hidden as typed.
	for _, field := range []struct {
		e    fyne.Focusable
		text string
	}{{f.ID, "330522199003150024"}, {f.Mobile, "13857201234"}} {
		w.Canvas().Focus(field.e)
		for _, r := range field.text {
			f.Keyboard.Press(strings.ToUpper(string(r)))
		}
	}
	if f.ID.Text != "330522199003150024" || f.Mobile.Text != "13857201234" {
		t.Fatalf("on-screen keyboard typed %q and %q", f.ID.Text, f.Mobile.Text)
	}
	for key, v := range map[string]string{"business_address": "洪桥镇洪桥路18号", "business_scope": "餐饮服务", "registered_capital": "5", "employees": "3"} {
		test.Type(f.Fields[key], v)
	}
	f.Choices["organization_form"].SetSelected("个人经营")
	f.Choices["delivery"].SetSelected("窗口领取")
	f.Materials["id_card"].SetSelected("拍照上传")
	f.Materials["application_form"].SetSelected("拍照上传")
	f.Materials["premises_proof"].SetSelected("告知承诺")
	f.Materials["family_members"].SetSelected("不适用")

	// Not photographed yet: refused, with what is missing.
	test.Tap(f.SubmitBtn)
	halltest.Settle(t, term)
	if f.Result != nil || !strings.Contains(f.Message.Text, "请拍照上传") {
		t.Fatalf("filing without photos: %q", f.Message.Text)
	}
	// The document camera drops two photos, and something that is not one.
	for i, name := range []string{"IMG_0001.jpg", "notes.txt", "IMG_0002.jpg"} {
		content := "\xff\xd8\xff\xe0 jpeg " + name
		if strings.HasSuffix(name, ".txt") {
			content = "just text"
		}
		p := filepath.Join(scans, name)
		os.WriteFile(p, []byte(content), 0o600)
		os.Chtimes(p, time.Now(), time.Now().Add(time.Duration(i)*time.Second))
	}
	test.Tap(f.ScanBtn)
	halltest.Settle(t, term)
	if len(f.Photos) != 2 || !strings.Contains(f.Message.Text, "已读取2张照片") || !strings.Contains(f.Message.Text, "notes.txt") {
		t.Fatalf("scans: %d photos, %q", len(f.Photos), f.Message.Text)
	}
	if left, _ := os.ReadDir(scans); len(left) != 0 {
		t.Errorf("drop folder after taking: %v", left)
	}
	// The photos are shown, not matched by file time: until the citizen
	// says which material each is, nothing is filed.
	for _, p := range f.Photos {
		if p.Scan.Image == nil {
			t.Errorf("photo %s has no thumbnail", p.Scan.Name)
		}
	}
	test.Tap(f.SubmitBtn)
	halltest.Settle(t, term)
	if f.Result != nil || !strings.Contains(f.Message.Text, "请为每张照片选择") {
		t.Fatalf("filing with unassigned photos: %q", f.Message.Text)
	}
	f.Photos[0].Material.SetSelected("经营者居民身份证")
	f.Photos[1].Material.SetSelected("个体工商户登记（备案）申请书")
	shootAt(t, w, "filing-form.png", 1280, 800)
	test.Tap(f.SubmitBtn)
	halltest.Settle(t, term)
	if f.Result == nil {
		t.Fatalf("filing: %q", f.Message.Text)
	}
	cs := *f.Result
	if cs.Status != cases.StatusPrereview || len(cs.Attachments) != 2 || !strings.Contains(f.Done.Text, "查询码") {
		t.Fatalf("filed: %s, %d attachments, %q", cs.Status, len(cs.Attachments), f.Done.Text)
	}
	slips, _ := filepath.Glob(filepath.Join(dir, "prints", "*", "*", cs.Tracking+"-submission_slip-*.pdf"))
	if len(slips) != 1 {
		t.Fatalf("slip not archived: %v", slips)
	}
	slip := h.Paper(t, slips[0])
	if text := halltest.CompactText(halltest.PDFText(t, slip)); !strings.Contains(text, "自助申报回执") || !strings.Contains(text, "预审") || strings.Contains(text, "330522199003150024") {
		t.Errorf("slip text:\n%s", text)
	}
	if got := halltest.ZbarDecode(t, slip); got != cs.Tracking {
		t.Errorf("the slip's QR reads %q, want %q", got, cs.Tracking)
	}
	// The citizen shoots one more page and walks away: nothing of the
	// filing stays on the terminal, nor in the camera's folder.
	os.WriteFile(filepath.Join(scans, "IMG_0003.jpg"), []byte("\xff\xd8\xff\xe0 jpeg late"), 0o600)
	os.WriteFile(filepath.Join(scans, ".IMG_0004.jpg.part"), []byte("\xff\xd8"), 0o600)
	term.Wipe()
	if term.Filing.Name.Text != "" || term.Filing.ID.Text != "" || term.Filing.Result != nil || len(term.Filing.Photos) != 0 {
		t.Error("the idle wipe left the filing on the terminal")
	}
	if left, _ := os.ReadDir(scans); len(left) != 0 {
		t.Errorf("drop folder after the idle wipe: %v", left)
	}

	clk.Set(time.Date(2026, 11, 27, 8, 40, 0, 0, halltest.CST))
	clerk := h.Account(t, sup, clerks.Account{Login: "wangli", Name: "王丽", Role: clerks.Clerk, Window: 3}, "wl258147")
	p := intake.NewPrereview(ctx, svc, clerk)
	test.NewTempWindow(t, p.Content())
	test.Tap(p.Open[cs.Tracking])
	halltest.Settle(t, p)
	test.Tap(p.Accept)
	halltest.Settle(t, p)
	got, _ := db.CaseByID(ctx, cs.ID)
	if got.Status != cases.StatusAccepted || len(p.Papers) == 0 {
		t.Fatalf("after pre-review: %s, %d papers", got.Status, len(p.Papers))
	}
	evs, _ := db.CaseEvents(ctx, cs.ID)
	if len(evs) != 2 || evs[0].Kind != cases.EvSubmitted || evs[1].Kind != cases.EvAccepted {
		t.Errorf("events %+v", evs)
	}
}
