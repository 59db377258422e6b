package office_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
	"github.com/yichuang/yichuang/sync/release"
)

const chromium = "/usr/bin/chromium"

// newChrome starts headless Chromium for the test. It is skipped with
// -short or where Chromium is not installed (packaging/deps.sh test
// installs it).
func newChrome(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s not installed", chromium)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox, // tests may run as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.WindowSize(1440, 1000),
		chromedp.Flag("lang", "zh-CN"),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// Generous: the machine is shared and slow; this bounds a hang, it
	// does not measure anything. A test that visits many pages bounds each
	// step too (browserStep), so the whole stays long enough as pages are
	// added (TestEveryPageAccessible ran out of a 3-minute whole at 22
	// pages under load).
	ctx, cancel3 := context.WithTimeout(ctx, 15*time.Minute)
	t.Cleanup(cancel3)
	return ctx
}

// browserStep bounds one step of a browser test (a page loaded and
// checked): a hang fails that step in a minute and a half instead of using
// up the whole test's time. Cancelling it leaves the browser running.
func browserStep(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 90*time.Second)
}

// screenshot writes a full-page PNG to $YICHUANG_SCREENSHOTS (make
// screenshots sets it to docs/screenshots) or to the test's temp dir.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("YICHUANG_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", filepath.Join(dir, name))
}

// TestBrowserCorrection is the back office as a county reviewer uses it:
// log in, find the overdue case, ask for a correction, and the kiosk's
// next pull brings the request with its materials and deadline.
func TestBrowserCorrection(t *testing.T) {
	ctx := newChrome(t)
	e := newEnv(t)
	loc := t0.Location()
	// A spread of cases like a county's morning: one overdue, one due
	// tomorrow, some on time, one still uploading its scans.
	for i, name := range []string{"陈建国", "周美华", "吴晓东", "郑丽萍"} {
		s := newSeed(name, time.Date(2026, 12, 8+i, 0, 0, 0, 0, loc))
		s.idNumber = "33052219850612" + strconv.Itoa(1000 + i*37)[:4]
		if i == 3 {
			scan := []byte("%PDF-1.4 scan of the premises lease")
			sum := sha256.Sum256(scan)
			s.attachments = []map[string]any{{"sha256": hex.EncodeToString(sum[:]), "name": "租赁合同.pdf", "size": len(scan), "type": "application/pdf"}}
		}
		e.push(t, s)
	}
	soon := newSeed("钱小红", time.Date(2026, 11, 27, 0, 0, 0, 0, loc))
	soon.matters = []string{"330000-SS-0001"}
	e.push(t, soon)
	over := newSeed("林小明", time.Date(2026, 11, 20, 0, 0, 0, 0, loc))
	overdue := e.push(t, over)

	// A second hall whose kiosk has been silent for two days, and a code
	// made for a village station not enrolled yet.
	other := county.ServicePoint{Code: "330522102000", Name: "雉城街道便民服务中心", Level: county.LevelTownship}
	e.clock.Add(-48 * time.Hour)
	code, err := e.st.CreateEnrollCode(context.Background(), other)
	if err == nil {
		_, err = e.st.Enroll(context.Background(), code.Code, "zhicheng-pc-2", "0.5.9")
	}
	e.clock.Add(48 * time.Hour)
	if err == nil {
		_, err = e.st.CreateEnrollCode(context.Background(), county.ServicePoint{Code: "330522101201", Name: "洪桥镇洪桥村便民服务站", Level: county.LevelVillage})
	}
	if err != nil {
		t.Fatal(err)
	}

	// The kiosk reports its state, for the fleet view.
	report, _ := json.Marshal(protocol.DeviceStatus{AppVersion: "0.6.1", Pending: 2, Quarantined: 1, Uploads: 1,
		LastError: "上传附件超时，稍后重试", At: t0,
		Printer: protocol.PrinterStatus{Queue: "hall-a4", State: "error", Problem: protocol.PrinterNotAccepting,
			Detail: "lp: printer is stopped", At: t0.Add(-time.Hour)},
		OS: "linux", Arch: "amd64", Update: &protocol.UpdateStatus{State: protocol.UpdateWaitingNight, Version: "0.7.0"}})
	// A release signed elsewhere, uploaded and offered to the pilot.
	_, priv, _ := release.GenerateKey()
	kiosk := []byte("kiosk 0.7.0")
	ksum := sha256.Sum256(kiosk)
	signedRelease, err := release.Sign(priv, release.Manifest{Product: release.Product, Version: "0.7.0", Track: "stable",
		OS: "linux", Arch: "amd64", SHA256: hex.EncodeToString(ksum[:]), Size: int64(len(kiosk)), Signed: t0, Expires: t0.Add(30 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.AddRelease(context.Background(), signedRelease, bytes.NewReader(kiosk), "signer"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.PublishRelease(context.Background(), "0.7.0", "linux", "amd64", county.ChannelPilot,
		county.AuditEntry{StaffLogin: "admin", ClientIP: "local"}); err != nil {
		t.Fatal(err)
	}
	if status, b := e.signed(t, "POST", "/api/v1/status", report); status != http.StatusOK && status != http.StatusNoContent {
		t.Fatalf("status report: %d %s", status, b)
	}

	err = chromedp.Do(ctx,
		chromedp.Navigate(e.url+"/office/"),
		chromedp.WaitVisible(`input[name=login]`),
		chromedp.SendKeys(`input[name=login]`, "admin"),
		chromedp.SendKeys(`input[name=password]`, password),
		chromedp.Click(`button.primary`),
		chromedp.WaitVisible(`table.list`),
	)
	if err != nil {
		t.Fatalf("log in: %v", err)
	}
	overdueText, err := chromedp.Run(ctx, chromedp.Text(`tr.overdue td a`))
	if err != nil {
		t.Fatalf("log in and list: %v", err)
	}
	if overdueText != overdue {
		t.Fatalf("overdue row: got %q, want %q", overdueText, overdue)
	}
	screenshot(t, ctx, "office-cases.png")

	err = chromedp.Do(ctx,
		chromedp.Click(`tr.overdue td a`),
		chromedp.WaitVisible(`form.action`),
	)
	if err != nil {
		t.Fatalf("open case: %v", err)
	}
	page, err := chromedp.Run(ctx, chromedp.Text(`main`))
	if err != nil {
		t.Fatalf("open case: %v", err)
	}
	for _, want := range []string{overdue, "330522********0024", "138****1234", "容缺待补", "食品安全管理制度", "已超期"} {
		if !strings.Contains(page, want) {
			t.Errorf("case page: missing %q", want)
		}
	}
	if strings.Contains(page, over.idNumber) || strings.Contains(page, over.mobile) {
		t.Errorf("case page shows an unmasked number")
	}
	screenshot(t, ctx, "office-case.png")

	err = chromedp.Do(ctx,
		// The checklist is named by place: safety_rules is the seed's sixth line.
		chromedp.Click(`input[name=material][value="5"]`),
		chromedp.SendKeys(`form.action textarea[name=extra]`, "房屋租赁合同原件"),
		chromedp.SetValue(`input[name=supply_by]`, "2026-12-03"),
		chromedp.Click(`input[name=status][value=correction] ~ button`),
		chromedp.WaitVisible(`p.flash`),
	)
	if err != nil {
		t.Fatalf("ask for a correction: %v", err)
	}
	flash, err := chromedp.Run(ctx, chromedp.Text(`p.flash`))
	if err != nil {
		t.Fatalf("ask for a correction: %v", err)
	}
	if !strings.Contains(flash, "已记录决定") {
		t.Errorf("flash after the decision: got %q", flash)
	}

	// The kiosk pulls its feed: the request is there as it was chosen.
	var got *protocol.CaseStatus
	for _, it := range e.feed(t) {
		var cs protocol.CaseStatus
		if it.Kind == protocol.FeedCaseStatus && json.Unmarshal(it.Payload, &cs) == nil && cs.CountyCase == overdue {
			got = &cs
		}
	}
	if got == nil {
		t.Fatalf("feed has no case.status for %s", overdue)
	}
	want := []protocol.Supplement{
		{Matter: "330000-SS-0012", Material: "safety_rules", Name: "食品安全管理制度文本"},
		{Name: "房屋租赁合同原件"},
	}
	if got.Status != protocol.CountyCorrection || got.SupplyBy != "2026-12-03" || got.By != "张管理" ||
		len(got.Supplements) != 2 || got.Supplements[0] != want[0] || got.Supplements[1] != want[1] {
		t.Errorf("feed case.status: got %+v, want correction by 张管理, supply by 2026-12-03, %+v", *got, want)
	}
	rows := e.audit(t, county.AuditFilter{Case: over.id})
	var actions []string
	for _, r := range rows {
		actions = append(actions, r.Action)
	}
	if strings.Join(actions, ",") != "case.view,case.status,case.view" {
		t.Errorf("audit of the case, newest first: got %v, want [case.view case.status case.view]", actions)
	}

	err = chromedp.Do(ctx,
		chromedp.Navigate(e.url+"/office/fleet"),
		chromedp.WaitVisible(`table.list`),
	)
	if err != nil {
		t.Fatalf("fleet: %v", err)
	}
	fleet, err := chromedp.Run(ctx, chromedp.Text(`main`))
	if err != nil {
		t.Fatalf("fleet: %v", err)
	}
	for _, want := range []string{"hall-pc-1", "0.6.1", "等待夜间安装", "已发布版本 0.7.0", "等待夜间安装 1", "hall-a4", "打印机已暂停或离线", "上传附件超时"} {
		if !strings.Contains(fleet, want) {
			t.Errorf("fleet page: missing %q", want)
		}
	}
	// The print command's English is for a technician, behind 详情.
	if strings.Contains(fleet, "lp: printer is stopped") {
		t.Errorf("fleet page shows the print command's English before 详情 is opened")
	}
	screenshot(t, ctx, "office-fleet.png")
	if err := chromedp.Do(ctx, chromedp.Click(`details summary`)); err != nil {
		t.Fatalf("open 详情: %v", err)
	}
	if fleet, _ = chromedp.Run(ctx, chromedp.Text(`main`)); !strings.Contains(fleet, "lp: printer is stopped") {
		t.Errorf("详情 does not show the print command's own words")
	}
}
