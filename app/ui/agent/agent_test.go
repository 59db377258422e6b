package agent

import (
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/assets"
)

// slowDisk records a delivery only when the test lets the photo's write
// finish.
type slowDisk struct {
	cat       *catalog.Catalog
	cs        cases.Case
	release   chan struct{}
	once      sync.Once
	delivered atomic.Int32
}

func (f *slowDisk) free() { f.once.Do(func() { close(f.release) }) }

func (f *slowDisk) Catalog(context.Context) (*catalog.Catalog, error) { return f.cat, nil }
func (f *slowDisk) WorkList(context.Context, clerks.Account) ([]cases.WorkItem, error) {
	shelf := cases.ShelfDeliver
	if f.cs.Status == cases.StatusDelivered {
		shelf = cases.ShelfDone
	}
	return []cases.WorkItem{{Tracked: cases.Tracked{Case: f.cs}, Shelf: shelf}}, nil
}
func (f *slowDisk) Deliver(_ context.Context, _ clerks.Account, cs cases.Case, _ cases.Person, receipt io.Reader, _ string) (cases.Case, error) {
	f.delivered.Add(1)
	io.Copy(io.Discard, receipt)
	<-f.release
	cs.Status = cases.StatusDelivered
	f.cs = cs
	return cs, nil
}

func TestDeliveryRunsOffTheUIThread(t *testing.T) {
	busytest.NewApp(t)
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	f := &slowDisk{cat: cat, release: make(chan struct{}), cs: cases.Case{ID: "case-1", Tracking: "47U8BPC821Y100HJ", Status: cases.StatusCompleted,
		Draft: cases.Draft{Matters: []string{"330000-SS-0001"}, Applicant: cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024"}}}}
	t.Cleanup(f.free)
	s := New(context.Background(), f, clerks.Account{ID: 7, Name: "李网格", Role: clerks.Agent}, time.Now, nil)
	test.NewTempWindow(t, s.Content())
	test.Tap(s.DeliverBtns["47U8BPC821Y100HJ"])
	d := s.Delivery
	test.Type(d.ID, "330522199003150024")
	s.SetReceiptPhoto([]byte("%PDF-1.4 签收回执"), "签收.pdf")

	done := make(chan struct{})
	go func() { test.Tap(d.ConfirmBtn); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("确认送达 blocked on the disk: the UI goroutine would freeze")
	}
	if !d.ConfirmBtn.Disabled() || d.Message.Text != "正在保存…" {
		t.Errorf("while saving: disabled %v, message %q", d.ConfirmBtn.Disabled(), d.Message.Text)
	}
	test.Tap(d.ConfirmBtn) // the second tap
	f.free()
	busytest.Settle(t, s)
	if n := f.delivered.Load(); n != 1 {
		t.Errorf("%d deliveries, want 1", n)
	}
	if s.Delivery != nil || !strings.Contains(s.Message.Text, "已送达") {
		t.Errorf("after delivering: form still open %v, message %q", s.Delivery != nil, s.Message.Text)
	}
}

// TestFileDialogStartsInAPhotoFolder: the receipt photo's file dialog opens
// where photos are, never at the file system root: the last folder used,
// else the scanner's drop folder, else Pictures/图片, Documents/文档, home.
func TestFileDialogStartsInAPhotoFolder(t *testing.T) {
	home := "/home/cun"
	tests := []struct {
		name          string
		last, scanDir string
		exist         []string
		want          string
	}{
		{"last folder first", "/media/u盘/回执", "/var/scan", []string{"/media/u盘/回执", "/var/scan", "/home/cun/Pictures"}, "/media/u盘/回执"},
		{"last folder gone (USB stick out): scanner", "/media/u盘/回执", "/var/scan", []string{"/var/scan", "/home/cun/Pictures"}, "/var/scan"},
		{"no scanner: Pictures", "", "", []string{"/home/cun/Pictures", "/home/cun/Documents"}, "/home/cun/Pictures"},
		{"Chinese desktop: 图片", "", "/var/scan", []string{"/home/cun/图片", "/home/cun/文档"}, "/home/cun/图片"},
		{"only documents", "", "", []string{"/home/cun/文档", "/home/cun"}, "/home/cun/文档"},
		{"only home", "", "", []string{"/home/cun"}, "/home/cun"},
		{"nothing", "", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exists := func(p string) bool { return slices.Contains(tt.exist, p) }
			if got := StartFolder(tt.last, tt.scanDir, home, exists); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
