package services_test

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/catalog/catalogtest"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/selfservice"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/printing"
)

type noTimers struct{}

func (noTimers) after(time.Duration, func()) func() { return func() {} }

func selfServiceFixture(t testing.TB, catalogDoc []byte) (*halltest.Hall, *services.SelfService, clerks.Account) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	clk := clock.NewManual(time.Date(2026, 11, 26, 10, 30, 0, 0, workday.China))
	db, err := store.Open(ctx, filepath.Join(dir, "yichuang.db"), store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.LoadCatalog(ctx, catalogDoc); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ConfigureKiosk(ctx, servicepoint.Kiosk{Point: servicepoint.ServicePoint{Code: "330522101000", Name: "洪桥镇便民服务中心",
		Level: catalog.Township}, Device: 1}); err != nil {
		t.Fatal(err)
	}
	sup, err := db.CreateFirstSupervisor(ctx, clerks.Account{Login: "zhuguan", Name: "陈主管", Window: 1}, "hq-2026-chen")
	if err != nil {
		t.Fatal(err)
	}
	h := &halltest.Hall{Dir: dir, DB: db, Clock: clk}
	return h, &services.SelfService{DB: db, Level: catalog.Township, Printer: printing.System{}, Point: "洪桥镇便民服务中心", Clock: clk}, sup
}

// TestSelfServiceWithTheRealStore searches the real catalog index from the
// terminal's on-screen keyboard, then takes a real printed receipt's QR
// code — rendered, decoded by zbarimg — through the scanner path into the
// progress query.
func TestSelfServiceWithTheRealStore(t *testing.T) {
	test.NewTempApp(t)
	ctx := context.Background()
	h, self, sup := selfServiceFixture(t, assets.DemoCatalog())
	term := selfservice.New(ctx, self, selfservice.Options{After: noTimers{}.after, Now: h.Clock.Now})
	w := test.NewTempWindow(t, term.Content())
	w.Resize(fyne.NewSize(1280, 800))

	test.Tap(term.Tiles["guide"])
	for _, key := range []string{"b", "d", "c"} {
		term.Guide.Keyboard.Press(key)
	}
	hits := term.Guide.Hits()
	if len(hits) < 3 {
		t.Fatalf("bdc: %d hits", len(hits))
	}
	for _, h := range hits[:3] {
		if !strings.Contains(h.Name, "不动产") {
			t.Errorf("bdc: top three %q, %q, %q; want 不动产 matters", hits[0].Name, hits[1].Name, hits[2].Name)
			break
		}
	}
	term.Guide.Keyboard.Press(selfservice.KeyClear)
	term.Guide.Query.SetText("社保")
	if len(term.Guide.Hits()) == 0 || !strings.Contains(term.Guide.Hits()[0].Name, "社") {
		t.Errorf("two Chinese characters: %v", term.Guide.Hits())
	}

	// A case accepted at the counter, its receipt printed to PDF.
	svc, cs := h.AcceptDeferredCase(t, sup)
	pdf, _, err := svc.Counter.Render(ctx, cs, printing.Receipt)
	if err != nil {
		t.Fatal(err)
	}
	scanned := halltest.ZbarDecode(t, pdf)
	if scanned != cs.Tracking {
		t.Fatalf("receipt QR reads %q, want %q", scanned, cs.Tracking)
	}

	// The scanner types it into the terminal; the citizen types the query
	// PIN printed on their copy.
	for _, r := range scanned {
		term.Type(r)
	}
	term.Enter()
	p := term.Progress
	if p.Code() != cs.Tracking {
		t.Fatalf("progress code %q after the scan", p.Code())
	}
	if len(cs.QueryPIN) != 6 {
		t.Fatalf("accepted case has query PIN %q, want 6 digits", cs.QueryPIN)
	}
	for _, wrong := range []string{"1234", "0024"} { // the last four of the mobile and the ID no longer open it
		for _, key := range strings.Split(wrong, "") {
			p.Keypad.Press(key)
		}
		test.Tap(p.Query)
		if p.Details.Text != "" || p.Message.Text != cases.ErrVerify.Key {
			t.Fatalf("%s showed %q / %q", wrong, p.Details.Text, p.Message.Text)
		}
	}
	for _, key := range strings.Split(cs.QueryPIN, "") {
		p.Keypad.Press(key)
	}
	test.Tap(p.Query)
	if !strings.Contains(p.Timeline.Text, "● 补正") || !strings.Contains(p.Details.Text, "个体工商户设立登记") || strings.Contains(p.Details.Text, "张小红") {
		t.Errorf("progress: %q\n%s", p.Timeline.Text, p.Details.Text)
	}
	log, _ := h.DB.AuditLog(ctx, 10)
	if len(log) == 0 || log[0].Action != "progress.query" || log[0].Subject != cs.Tracking {
		t.Errorf("no audit row for the query: %+v", log)
	}

	// Five wrong checks lock the code for 15 minutes, even for the right one.
	for i := 0; i < store.ProgressMaxFailures; i++ {
		self.Progress(ctx, cs.Tracking, "0000")
	}
	if _, err := self.Progress(ctx, cs.Tracking, cs.QueryPIN); err == nil || !strings.Contains(err.Error(), "锁定") {
		t.Errorf("after five wrong checks: %v", err)
	}
	h.Clock.(*clock.Manual).Advance(store.ProgressLockFor)
	if _, err := self.Progress(ctx, cs.Tracking, cs.QueryPIN); err != nil {
		t.Errorf("after the lock: %v", err)
	}
}

// BenchmarkGuideKeystroke measures a keystroke on the terminal's on-screen
// keyboard until the result list is updated, over a county-sized catalog
// (goal: p99 ≤ 16 ms, one frame). It reports p50 and p99.
func BenchmarkGuideKeystroke(b *testing.B) {
	test.NewTempApp(b)
	doc, err := catalogtest.Replicated(1200)
	if err != nil {
		b.Fatal(err)
	}
	_, self, _ := selfServiceFixture(b, doc)
	term := selfservice.New(context.Background(), self, selfservice.Options{After: noTimers{}.after})
	w := test.NewTempWindow(b, term.Content())
	w.Resize(fyne.NewSize(1280, 800))
	test.Tap(term.Tiles["guide"])
	g := term.Guide
	words := [][]string{{"b", "d", "c"}, {"s", "b"}, {"g", "j", "j"}, {"h", "y", "d", "j"}, {"z", "j", "d"}, {"1"}}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, word := range words {
			g.Keyboard.Press(selfservice.KeyClear)
			for _, key := range word {
				t0 := time.Now()
				g.Keyboard.Press(key)
				lat = append(lat, time.Since(t0))
			}
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
