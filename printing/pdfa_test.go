package printing

import (
	"bytes"
	"compress/zlib"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
)

// pdfObjects reads a PDF the simple way a checker would: every "N 0 obj …
// endobj", the last definition of a number winning (as an update would), and
// the last trailer. It shares no code with archivable on purpose.
type pdfObjects struct {
	objs    map[int]string
	trailer string
}

var (
	reObj     = regexp.MustCompile(`(?s)(?:^|\n)(\d+) 0 obj\n(.*?)\nendobj`)
	reTrailer = regexp.MustCompile(`(?s)trailer\s*<<(.*?)>>\s*startxref`)
)

func readPDF(t *testing.T, b []byte) pdfObjects {
	t.Helper()
	p := pdfObjects{objs: map[int]string{}}
	for _, m := range reObj.FindAllSubmatch(b, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		p.objs[n] = string(m[2])
	}
	ts := reTrailer.FindAllSubmatch(b, -1)
	if len(ts) == 0 {
		t.Fatal("no trailer")
	}
	p.trailer = string(ts[len(ts)-1][1])
	return p
}

// ref returns the object a key of dict points at ("/Root 12 0 R").
func (p pdfObjects) ref(t *testing.T, dict, key string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(key) + `\s*\[?\s*(\d+) 0 R`).FindStringSubmatch(dict)
	if m == nil {
		t.Fatalf("%s missing in %q", key, dict)
	}
	n, _ := strconv.Atoi(m[1])
	o, ok := p.objs[n]
	if !ok {
		t.Fatalf("%s points at object %d, which is not there", key, n)
	}
	return o
}

func streamOf(t *testing.T, obj string) []byte {
	t.Helper()
	i := bytes.Index([]byte(obj), []byte("stream\n"))
	j := bytes.LastIndex([]byte(obj), []byte("\nendstream"))
	if i < 0 || j < i {
		t.Fatalf("not a stream: %.80q", obj)
	}
	s := []byte(obj[i+len("stream\n") : j])
	if regexp.MustCompile(`/Filter\s*/FlateDecode`).MatchString(obj[:i]) {
		r, err := zlib.NewReader(bytes.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		s, _ = io.ReadAll(r)
	}
	return s
}

// checkArchivable asserts each PDF/A-2b property issue 16 names, on the
// bytes, and runs qpdf --check on them.
func checkArchivable(t *testing.T, b []byte) {
	t.Helper()
	if m := regexp.MustCompile(`^%PDF-1\.(\d)\n%`).FindSubmatch(b); m == nil || m[1][0] < '4' || len(b) < 15 || !binaryComment(b[10:14]) {
		t.Errorf("header %.20q: want PDF 1.4 or later and a binary comment line", b)
	}
	p := readPDF(t, b)
	if !regexp.MustCompile(`/ID\s*\[\s*<[0-9A-Fa-f]{32}>\s*<[0-9A-Fa-f]{32}>\s*\]`).MatchString(p.trailer) {
		t.Errorf("trailer %q has no file /ID", p.trailer)
	}
	cat := p.ref(t, p.trailer, "/Root")
	if !regexp.MustCompile(`/Lang\s*\(zh-CN\)`).MatchString(cat) {
		t.Errorf("catalog %q: /Lang is not zh-CN", cat)
	}
	meta := p.ref(t, cat, "/Metadata")
	if bytes.Contains([]byte(meta[:bytes.Index([]byte(meta), []byte("stream"))]), []byte("/Filter")) {
		t.Errorf("the XMP stream is filtered")
	}
	xmp := string(streamOf(t, meta))
	for _, want := range []string{"<pdfaid:part>2</pdfaid:part>", "<pdfaid:conformance>B</pdfaid:conformance>", "<rdf:li>zh-CN</rdf:li>", "<?xpacket end="} {
		if !bytes.Contains([]byte(xmp), []byte(want)) {
			t.Errorf("XMP lacks %s", want)
		}
	}
	intent := p.ref(t, cat, "/OutputIntents")
	if !regexp.MustCompile(`/S\s*/GTS_PDFA1`).MatchString(intent) {
		t.Errorf("output intent %q is not GTS_PDFA1", intent)
	}
	icc := p.ref(t, intent, "/DestOutputProfile")
	if !regexp.MustCompile(`/N 3\b`).MatchString(icc) {
		t.Errorf("ICC stream %.80q: want /N 3 (RGB)", icc)
	}
	if prof := streamOf(t, icc); len(prof) < 128 || string(prof[36:40]) != "acsp" || string(prof[16:20]) != "RGB " {
		t.Errorf("the output intent's profile is not an RGB ICC profile")
	}
	fonts := 0
	for n, o := range p.objs {
		for _, m := range regexp.MustCompile(`/(?:BaseFont|FontName) /(\S+)`).FindAllStringSubmatch(o, -1) {
			fonts++
			if !regexp.MustCompile(`^[A-Z]{6}\+\S+$`).MatchString(m[1]) {
				t.Errorf("object %d: font %q is not named as a subset (ABCDEF+Name)", n, m[1])
			}
		}
		if bytes.Contains([]byte(o), []byte("/Type /FontDescriptor")) && !bytes.Contains([]byte(o), []byte("/FontFile2")) {
			t.Errorf("object %d: a font is not embedded", n)
		}
	}
	if fonts == 0 {
		t.Errorf("no font found")
	}
	if _, err := exec.LookPath("qpdf"); err != nil {
		t.Fatal("qpdf not found: apt-get install qpdf (make test does)")
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	os.WriteFile(f, b, 0o600)
	if out, err := exec.Command("qpdf", "--check", f).CombinedOutput(); err != nil {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}
}

func TestEveryPaperIsArchivable(t *testing.T) {
	cat := demoCatalog(t)
	c := restaurantCase(t, cat)
	in := CaseInput{Case: c, Catalog: cat, ServicePoint: "洪桥镇便民服务中心", PrintedAt: printedAt}
	for _, kind := range []DocKind{Receipt, SupplementNotice, Commitment, RefusalNotice, PickupVoucher, SubmissionSlip} {
		for _, layout := range []Layout{A4, Roll80} {
			t.Run(string(kind)+"/"+string(layout), func(t *testing.T) {
				var buf bytes.Buffer
				if _, err := WriteCaseDoc(&buf, kind, layout, in); err != nil {
					t.Fatal(err)
				}
				checkArchivable(t, buf.Bytes())
			})
		}
	}
	t.Run("query_pin_notice", func(t *testing.T) {
		// Only the citizen's copy of it exists; it is archivable all the same.
		in := in
		in.Case.QueryPIN, in.Copy = "123456", CitizenCopy
		for _, layout := range []Layout{A4, Roll80} {
			var buf bytes.Buffer
			if _, err := WriteCaseDoc(&buf, QueryPINNotice, layout, in); err != nil {
				t.Fatal(err)
			}
			checkArchivable(t, buf.Bytes())
		}
	})
	t.Run("ticket", func(t *testing.T) {
		var buf bytes.Buffer
		if _, err := WriteTicket(&buf, TicketInput{ServicePoint: "洪桥镇便民服务中心", Number: "A1000", Sector: "商事登记", Issued: printedAt, QR: "A1000", Wait: 5 * time.Minute}); err != nil {
			t.Fatal(err)
		}
		checkArchivable(t, buf.Bytes())
	})
	t.Run("mandate", func(t *testing.T) {
		var buf bytes.Buffer
		d := c.Draft
		d.Proxy = &cases.Proxy{Agent: cases.Actor{Name: "李代办"}, Mandate: cases.Mandate{Resident: cases.Person{Name: "张小红", IDNumber: "330522199003150024"}, ValidUntil: printedAt.AddDate(0, 1, 0)}}
		if _, err := WriteMandateLetter(&buf, A4, MandateInput{Draft: d, Catalog: cat, ServicePoint: "洪桥镇便民服务中心", PrintedAt: printedAt}); err != nil {
			t.Fatal(err)
		}
		checkArchivable(t, buf.Bytes())
	})
}

func TestArchivableIsDeterministic(t *testing.T) {
	cat := demoCatalog(t)
	in := CaseInput{Case: restaurantCase(t, cat), Catalog: cat, ServicePoint: "洪桥镇便民服务中心", PrintedAt: printedAt}
	var a, b bytes.Buffer
	WriteCaseDoc(&a, Receipt, A4, in)
	WriteCaseDoc(&b, Receipt, A4, in)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("the same receipt rendered twice gives two different files")
	}
}

// binaryComment: the four bytes after the header's % are all 128 or above.
func binaryComment(b []byte) bool {
	for _, c := range b {
		if c < 128 {
			return false
		}
	}
	return true
}
