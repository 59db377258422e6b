package intake

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/internal/shot"
	photos "github.com/yichuang/yichuang/app/photo"
	"github.com/yichuang/yichuang/app/photo/phototest"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/assets"
)

// sealedScans opens scans from memory, as the sealed store does, and
// counts each opening.
type sealedScans struct {
	fakeService
	mu     sync.Mutex
	files  map[string][]byte
	opened map[string]int
}

func (s *sealedScans) OpenScan(_ context.Context, a cases.Attachment) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opened[a.SHA256]++
	b, ok := s.files[a.SHA256]
	if !ok {
		return nil, errors.New("文件缺失")
	}
	return b, nil
}

// takenPhoto is what the kiosk stores for a document-camera photo of an
// ID card or an application form: the camera's picture normalised.
func takenPhoto(t *testing.T, card bool) []byte {
	t.Helper()
	paper, _ := phototest.Form(7, 1000, true)
	fill := 0.9
	if card {
		paper, _ = phototest.IDCard(7, 1000, true) // its back: no number in the docs' screenshot
		fill = 0.45
	}
	r, err := photos.Normalize(phototest.Photograph(paper, phototest.Shot{W: 2000, H: 1500, Fill: fill, Tilt: 1.5, Noise: 4, Seed: 7}), "x.jpg")
	if err != nil {
		t.Fatal(err)
	}
	return r.JPEG
}

// TestPrereviewShowsThePhotos: 预审 shows a filing's photos as thumbnails
// that open full size with 上一张/下一张, lists a PDF with its page count,
// keeps ID numbers masked (in file names too) and comes back to the filing.
func TestPrereviewShowsThePhotos(t *testing.T) {
	busytest.NewApp(t)
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.4\n1 0 obj <</Type /Pages /Kids [2 0 R 3 0 R] /Count 2>> endobj\n2 0 obj <</Type /Page>> endobj\n3 0 obj <</Type/Page /Parent 1 0 R>> endobj\n%%EOF")
	svc := &sealedScans{fakeService: fakeService{cat: cat}, opened: map[string]int{}, files: map[string][]byte{
		"a1": takenPhoto(t, true), "a2": takenPhoto(t, false), "a3": pdf}}
	cs := cases.Case{ID: "c1", Tracking: "47U8BPC821Y100HJ", Status: cases.StatusPrereview, Draft: cases.Draft{
		Applicant: cases.Applicant{Name: "李春花"},
		Attachments: []cases.Attachment{
			{SHA256: "a1", Name: "330522199003150024身份证.jpg", Type: "image/jpeg"},
			{SHA256: "a2", Name: "申请书.jpg", Type: "image/jpeg"},
			{SHA256: "a3", Name: "租赁协议.pdf", Type: "application/pdf"},
			{SHA256: "a4", Name: "营业执照.jpg", Type: "image/jpeg"},
		}}}
	p := NewPrereview(context.Background(), svc, clerks.Account{ID: 2, Name: "王丽"})
	w := test.NewTempWindow(t, p.Content())
	w.Resize(fyne.NewSize(1100, 700))
	p.show(cs)
	settle(t, p)
	g := p.Gallery
	if g == nil {
		t.Fatal("no gallery for a filing with scans")
	}
	if got, want := len(g.Thumbs), 2; got != want {
		t.Fatalf("thumbnails: got %d, want %d (the two photos)", got, want)
	}
	for _, want := range []string{"租赁协议.pdf（PDF，2页）", "营业执照.jpg：打不开"} {
		if !strings.Contains(g.Files.Text, want) {
			t.Errorf("files: got %q, want it to list %q", g.Files.Text, want)
		}
	}
	if text := allText(p.Content()); strings.Contains(text, "199003150024") || !strings.Contains(text, ids.MaskIDNumber("330522199003150024")+"身份证.jpg") {
		t.Errorf("the page shows an ID number unmasked (or not the masked name):\n%s", text)
	}

	shot.Take(t, w, "prereview-photos.png", 1280, 800)
	test.Tap(g.Thumbs[1])
	v := g.Viewer
	if v == nil || p.content.Objects[0] == p.page {
		t.Fatal("tapping a thumbnail did not open the viewer")
	}
	if got, want := v.Caption.Text, "第2张，共2张：申请书.jpg"; got != want || !v.Next.Disabled() || v.Prev.Disabled() {
		t.Errorf("viewer on the last photo: got %q (next disabled %v, prev disabled %v), want %q with only 下一张 off", got, v.Next.Disabled(), v.Prev.Disabled(), want)
	}
	if v.Image.Resource == nil || !bytes.Equal(v.Image.Resource.Content(), svc.files["a2"]) {
		t.Error("the viewer does not show the tapped photo")
	}
	if got, want := v.Image.Size(), v.Image.MinSize(); got.Width < 600 || got.Height < 400 {
		t.Errorf("full-size view: got %v (min %v), want most of the window", got, want)
	}
	shot.Take(t, w, "prereview-viewer.png", 1280, 800)
	test.Tap(v.Prev)
	if !strings.HasPrefix(v.Caption.Text, "第1张") || !bytes.Equal(v.Image.Resource.Content(), svc.files["a1"]) || !v.Prev.Disabled() {
		t.Errorf("after 上一张: got %q", v.Caption.Text)
	}
	test.Tap(v.Next)
	if !strings.HasPrefix(v.Caption.Text, "第2张") {
		t.Errorf("after 下一张: got %q", v.Caption.Text)
	}
	test.Tap(v.Done)
	if g.Viewer != nil || p.content.Objects[0] != p.page {
		t.Error("返回申报 did not come back to the filing")
	}
	for sha, n := range svc.opened {
		if n != 1 {
			t.Errorf("scan %s opened %d times, want once", sha, n)
		}
	}
}

// allText gathers the text of every label under o.
func allText(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			b.WriteString(x.Text + "\n")
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case *container.Scroll:
			walk(x.Content)
		}
	}
	walk(o)
	return b.String()
}

// TestScanKinds: a scan is judged by its content, not its name, and a
// PDF's /Pages tree is not counted as a page.
func TestScanKinds(t *testing.T) {
	tests := []struct {
		name  string
		b     []byte
		photo bool
		pages int
	}{
		{"jpeg", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF"), true, 0},
		{"png", []byte("\x89PNG\r\n\x1a\n...."), true, 0},
		{"pdf named .jpg", []byte("%PDF-1.4 /Type /Pages /Count 1 /Type /Page>>"), false, 1},
		{"pdf, compressed pages", []byte("%PDF-1.5 /ObjStm"), false, 0},
		{"text", []byte("hello"), false, 0},
	}
	for _, tt := range tests {
		if got := isPhoto(tt.b); got != tt.photo {
			t.Errorf("%s: isPhoto got %v, want %v", tt.name, got, tt.photo)
		}
		if got := pdfPages(tt.b); got != tt.pages {
			t.Errorf("%s: pdfPages got %d, want %d", tt.name, got, tt.pages)
		}
	}
}
