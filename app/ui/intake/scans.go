package intake

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// ScanOpener opens a filing's stored scans for 预审. Scans are sealed on
// disk; the bytes come back opened in memory and are shown from there,
// never written out in clear. A Service without it (a test fake) leaves
// the scans a list of names.
type ScanOpener interface {
	OpenScan(ctx context.Context, a cases.Attachment) ([]byte, error)
}

// Gallery shows a filing's scans: photos as thumbnails that open full size
// (上一张/下一张), PDFs and other files as lines with their page count or
// size.
type Gallery struct {
	ctx    context.Context
	opener ScanOpener
	// Thumbs are the photos' thumbnails, in the filing's order; tapping one
	// opens the viewer on it.
	Thumbs []*widget.Button
	// Files lists what is not a photo, and files that could not be opened.
	Files *widget.Label
	// Viewer is the full-size view while open (nil otherwise).
	Viewer *Viewer

	photos  []photo
	guard   busy.Guard
	content *fyne.Container
	// show puts the viewer on screen and back sets the gallery's screen
	// back; the pre-review screen gives them.
	show func(fyne.CanvasObject)
	back func()
}

type photo struct {
	name string
	res  fyne.Resource
}

// Viewer is one photo at full size with its neighbours a tap away.
type Viewer struct {
	Image            *canvas.Image
	Caption          *widget.Label
	Prev, Next, Done *widget.Button
	At               int
	g                *Gallery
	content          fyne.CanvasObject
}

// thumbSize is a thumbnail's box: big enough to tell a blurred photo of a
// lease from a sharp one, small enough for a row of six.
var thumbSize = fyne.NewSize(160, 120)

// newGallery starts opening the scans off the UI goroutine (each can be
// 20 MB to unseal) and fills in as they come.
func newGallery(ctx context.Context, opener ScanOpener, atts []cases.Attachment, show func(fyne.CanvasObject), back func()) *Gallery {
	g := &Gallery{ctx: ctx, opener: opener, show: show, back: back, Files: widget.NewLabel("")}
	g.Files.Wrapping = fyne.TextWrapWord
	g.Files.Hide()
	loading := widget.NewLabel(l10n.L("正在打开照片和扫描件…"))
	g.content = container.NewVBox(loading, g.Files)
	type opened struct {
		a   cases.Attachment
		b   []byte
		err error
	}
	busy.Run(&g.guard, nil, func() ([]opened, error) {
		out := make([]opened, len(atts))
		for i, a := range atts {
			b, err := opener.OpenScan(ctx, a)
			out[i] = opened{a, b, err}
		}
		return out, nil
	}, func(all []opened, _ error) {
		var lines []string
		for _, o := range all {
			name := maskNumbers(o.a.Name)
			switch {
			case o.err != nil:
				lines = append(lines, l10n.L("· {{.Name}}：打不开（{{.Why}}）", map[string]any{"Name": name, "Why": l10n.Error(o.err)}))
			case isPhoto(o.b):
				g.photos = append(g.photos, photo{name, fyne.NewStaticResource(o.a.SHA256, o.b)})
			case isPDF(o.a, o.b):
				if n := pdfPages(o.b); n > 0 {
					lines = append(lines, l10n.L("· {{.Name}}（PDF，{{.N}}页）", map[string]any{"Name": name, "N": n}))
				} else {
					lines = append(lines, l10n.L("· {{.Name}}（PDF文件）", map[string]any{"Name": name}))
				}
			default:
				lines = append(lines, fmt.Sprintf("· %s（%dKB）", name, (o.a.Size+1023)/1024))
			}
		}
		g.content.RemoveAll()
		if len(g.photos) > 0 {
			cells := container.NewGridWrap(fyne.NewSize(thumbSize.Width+10, thumbSize.Height+40))
			for i, ph := range g.photos {
				i := i
				img := canvas.NewImageFromResource(ph.res)
				img.FillMode = canvas.ImageFillContain
				img.ScaleMode = canvas.ImageScaleFastest
				// The button lies under the picture: the picture takes no
				// taps, so a tap anywhere on it opens the viewer.
				btn := widget.NewButton("", func() { g.open(i) })
				btn.Importance = widget.LowImportance
				g.Thumbs = append(g.Thumbs, btn)
				name := widget.NewLabel(ph.name)
				name.Truncation = fyne.TextTruncateEllipsis
				cells.Add(container.NewBorder(nil, name, nil, nil, container.NewStack(btn, img)))
			}
			g.content.Add(widget.NewLabel(l10n.L("照片（点击放大）：")))
			g.content.Add(cells)
		}
		if len(lines) > 0 {
			g.Files.SetText(strings.Join(lines, "\n"))
			g.Files.Show()
			g.content.Add(g.Files)
		}
		g.content.Refresh()
	})
	return g
}

// Content returns the gallery's object, for the filing's page.
func (g *Gallery) Content() fyne.CanvasObject { return g.content }

// Wait blocks until the scans are opened and shown, or ctx ends.
func (g *Gallery) Wait(ctx context.Context) error { return g.guard.Wait(ctx) }

// open shows photo i at full size.
func (g *Gallery) open(i int) {
	v := &Viewer{g: g, Caption: widget.NewLabel("")}
	v.Image = canvas.NewImageFromResource(nil)
	v.Image.FillMode = canvas.ImageFillContain
	v.Prev = widget.NewButtonWithIcon(l10n.L("上一张"), theme.NavigateBackIcon(), func() { v.show(v.At - 1) })
	v.Next = widget.NewButtonWithIcon(l10n.L("下一张"), theme.NavigateNextIcon(), func() { v.show(v.At + 1) })
	v.Done = widget.NewButtonWithIcon(l10n.L("返回申报"), theme.CancelIcon(), g.close)
	v.Done.Importance = widget.HighImportance
	bar := container.NewHBox(v.Done, layout.NewSpacer(), v.Prev, v.Caption, v.Next)
	v.content = container.NewBorder(bar, nil, nil, nil, v.Image)
	g.Viewer = v
	v.show(i)
	g.show(v.content)
}

// close leaves the viewer for the filing's page.
func (g *Gallery) close() {
	g.Viewer = nil
	g.back()
}

// show puts photo i in the viewer; the ends do not wrap round (the clerk
// should know they saw every photo).
func (v *Viewer) show(i int) {
	n := len(v.g.photos)
	if i < 0 || i >= n {
		return
	}
	v.At = i
	v.Image.Resource = v.g.photos[i].res
	v.Image.Refresh()
	v.Caption.SetText(l10n.L("第{{.I}}张，共{{.N}}张：{{.Name}}", map[string]any{"I": i + 1, "N": n, "Name": v.g.photos[i].name}))
	v.Prev.Enable()
	v.Next.Enable()
	if i == 0 {
		v.Prev.Disable()
	}
	if i == n-1 {
		v.Next.Disable()
	}
}

// isPhoto says whether a scan is a picture fyne can show, by its content
// (a name can lie).
func isPhoto(b []byte) bool {
	for _, magic := range [][]byte{{0xFF, 0xD8, 0xFF}, []byte("\x89PNG\r\n\x1a\n"), []byte("GIF8")} {
		if bytes.HasPrefix(b, magic) {
			return true
		}
	}
	return false
}

func isPDF(a cases.Attachment, b []byte) bool {
	return bytes.HasPrefix(b, []byte("%PDF")) || a.Type == "application/pdf"
}

// pageObject is a PDF page object (/Type /Page, not /Pages).
var pageObject = regexp.MustCompile(`/Type\s*/Page\b`)

// pdfPages counts a PDF's page objects; 0 when they are in compressed
// object streams (the page count is then unknown, the file still listed).
func pdfPages(b []byte) int { return len(pageObject.FindAll(b, -1)) }

// idLike is an 18-character ID number inside a file name (scanners and
// phones sometimes name a photo of the card after it).
var idLike = regexp.MustCompile(`\d{17}[\dXx]`)

// maskNumbers masks ID numbers in a file's name, as on every screen.
func maskNumbers(name string) string {
	return idLike.ReplaceAllStringFunc(name, ids.MaskIDNumber)
}
