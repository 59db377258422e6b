package printing

import (
	"bytes"
	"compress/zlib"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
)

// An archive (and a 行政复议 years later) needs a paper that still reads the
// same: PDF/A-2b (ISO 19005-2, level B: the look is preserved). gofpdf gets
// most of the way — fonts embedded, no encryption, no transparency — but it
// writes PDF 1.3, names its font subsets "utf8<family>", leaves its XMP
// object unreferenced from the catalog, and has no output intent, /Lang or
// file ID. archivable rewrites its output once, in memory, to add those.
// The rewrite is a plain re-serialization of gofpdf's own layout (one
// classic xref table, uncompressed dictionaries), not a general PDF editor:
// it refuses anything it does not recognise rather than guess.

// pdfaLang is the document language (catalog /Lang, dc:language).
const pdfaLang = "zh-CN"

// srgbCondition identifies the output intent's profile (ICC registry name).
const srgbCondition = "sRGB IEC61966-2.1"

// docInfo is what the Info dictionary and the XMP packet both say; PDF/A
// requires the two to agree, so both are written here from one value.
type docInfo struct {
	Title    string
	Created  time.Time
	FontFrom string // the name gofpdf gives the embedded font ("utf8" + family)
	FontTo   string // its PDF/A subset name, TAG+Name, of the same length
}

var (
	reStartXref = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	reXrefHead  = regexp.MustCompile(`^xref\n0 (\d+)\n`)
	reRootRef   = regexp.MustCompile(`/Root (\d+) 0 R`)
)

// subsetName is the PDF name of a font subset (ISO 32000-1 §9.6.4): six
// upper-case letters derived from the subset itself, "+", the font's name.
// The tag depends only on the subset's bytes, so the same document renders
// to the same file.
func subsetName(subset []byte, name string) string {
	sum := sha256.Sum256(subset)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	return string(tag) + "+" + name
}

// archivable turns gofpdf's output into a PDF/A-2b candidate.
func archivable(raw []byte, info docInfo) ([]byte, error) {
	firstLine := bytes.IndexByte(raw, '\n')
	if !bytes.HasPrefix(raw, []byte("%PDF-1.")) || firstLine < 0 {
		return nil, fmt.Errorf("pdf/a: not a PDF header")
	}
	m := reStartXref.FindSubmatch(raw)
	if m == nil {
		return nil, fmt.Errorf("pdf/a: no startxref")
	}
	xrefAt, _ := strconv.Atoi(string(m[1]))
	if xrefAt <= 0 || xrefAt >= len(raw) {
		return nil, fmt.Errorf("pdf/a: startxref %d out of range", xrefAt)
	}
	xref := raw[xrefAt:]
	h := reXrefHead.FindSubmatch(xref)
	if h == nil {
		return nil, fmt.Errorf("pdf/a: the xref is not gofpdf's single table")
	}
	n, _ := strconv.Atoi(string(h[1]))
	entries := xref[len(h[0]):]
	if n < 2 || len(entries) < n*20 {
		return nil, fmt.Errorf("pdf/a: xref of %d entries is cut short", n)
	}
	offsets := make([]int, n)
	for i := 1; i < n; i++ {
		e := entries[i*20 : i*20+20]
		if e[17] != 'n' {
			return nil, fmt.Errorf("pdf/a: object %d is not in use", i)
		}
		offsets[i], _ = strconv.Atoi(string(e[:10]))
	}
	trailer := entries[n*20:]
	r := reRootRef.FindSubmatch(trailer)
	if r == nil {
		return nil, fmt.Errorf("pdf/a: trailer without /Root")
	}
	root, _ := strconv.Atoi(string(r[1]))
	if root <= 0 || root >= n {
		return nil, fmt.Errorf("pdf/a: /Root %d out of range", root)
	}
	catalog, err := objectDict(raw, offsets[root], root)
	if err != nil {
		return nil, err
	}

	body := raw[firstLine+1 : xrefAt]
	if len(info.FontFrom) != len(info.FontTo) {
		return nil, fmt.Errorf("pdf/a: font name %q cannot become %q in place", info.FontFrom, info.FontTo)
	}
	// Font names sit in uncompressed font dictionaries; the same-length
	// rename keeps every offset valid. Content streams are compressed, so
	// the name cannot match inside one.
	body = bytes.ReplaceAll(body, []byte("/BaseFont /"+info.FontFrom+"\n"), []byte("/BaseFont /"+info.FontTo+"\n"))
	body = bytes.ReplaceAll(body, []byte("/FontName /"+info.FontFrom), []byte("/FontName /"+info.FontTo))

	// PDF/A wants a binary comment right after the header (so transfer
	// programs treat the file as binary); PDF 1.7 is what PDF/A-2 is based on.
	var out bytes.Buffer
	out.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	shift := out.Len() - (firstLine + 1)
	out.Write(body)

	obj := func(num int, dict string, stream []byte) {
		offsets = append(offsets, out.Len())
		if len(offsets)-1 != num {
			panic("pdf/a: objects out of order")
		}
		fmt.Fprintf(&out, "%d 0 obj\n%s\n", num, dict)
		if stream != nil {
			out.WriteString("stream\n")
			out.Write(stream)
			out.WriteString("\nendstream\n")
		}
		out.WriteString("endobj\n")
	}
	for i := 1; i < n; i++ {
		offsets[i] += shift
	}
	created := info.Created.In(workday.China)
	infoNum, xmpNum, iccNum, intentNum, catNum := n, n+1, n+2, n+3, n+4
	obj(infoNum, fmt.Sprintf("<< /Title %s /Creator %s /Producer %s /CreationDate (%s) /ModDate (%s) >>",
		pdfTextString(info.Title), pdfTextString(pdfCreator), pdfTextString(pdfCreator), pdfDate(created), pdfDate(created)), nil)
	xmp := xmpPacket(info.Title, created)
	// The metadata stream stays unfiltered: a reader without inflate (and
	// PDF/A-1 readers) must find it.
	obj(xmpNum, fmt.Sprintf("<< /Type /Metadata /Subtype /XML /Length %d >>", len(xmp)), xmp)
	icc := deflate(assets.SRGBProfile())
	obj(iccNum, fmt.Sprintf("<< /N 3 /Filter /FlateDecode /Length %d >>", len(icc)), icc)
	obj(intentNum, fmt.Sprintf("<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (%s) /Info (%s) /RegistryName (http://www.color.org) /DestOutputProfile %d 0 R >>",
		srgbCondition, srgbCondition, iccNum), nil)
	obj(catNum, fmt.Sprintf("<< %s /Metadata %d 0 R /OutputIntents [%d 0 R] /Lang (%s) >>", catalog, xmpNum, intentNum, pdfaLang), nil)

	// The file ID is a hash of the content: the same document always gets
	// the same ID, and a changed one a different one.
	id := md5.Sum(raw)
	idHex := strings.ToUpper(hex.EncodeToString(id[:]))
	at := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets))
	for _, o := range offsets[1:] {
		fmt.Fprintf(&out, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(offsets), catNum, infoNum, idHex, idHex, at)
	return out.Bytes(), nil
}

// pdfCreator names the program in Info and XMP alike.
const pdfCreator = "Yichuang 一窗"

// objectDict returns the inside of object num's dictionary (between the
// outer << and >>), which starts at off.
func objectDict(raw []byte, off, num int) (string, error) {
	head := fmt.Sprintf("%d 0 obj", num)
	if off+len(head) > len(raw) || string(raw[off:off+len(head)]) != head {
		return "", fmt.Errorf("pdf/a: object %d is not at offset %d", num, off)
	}
	rest := raw[off+len(head):]
	end := bytes.Index(rest, []byte("endobj"))
	if end < 0 {
		return "", fmt.Errorf("pdf/a: object %d has no endobj", num)
	}
	d := bytes.TrimSpace(rest[:end])
	if !bytes.HasPrefix(d, []byte("<<")) || !bytes.HasSuffix(d, []byte(">>")) || bytes.Contains(d, []byte("stream")) {
		return "", fmt.Errorf("pdf/a: object %d is not a plain dictionary", num)
	}
	return string(bytes.TrimSpace(d[2 : len(d)-2])), nil
}

// pdfTextString is a PDF text string in UTF-16BE with its byte order mark.
func pdfTextString(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// pdfDate is a PDF date with its zone, D:YYYYMMDDHHmmSS+08'00'.
func pdfDate(t time.Time) string {
	_, off := t.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return fmt.Sprintf("D:%s%s%02d'%02d'", t.Format("20060102150405"), sign, off/3600, off%3600/60)
}

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// xmpPacket is the document's XMP metadata: the PDF/A identification and
// the same title, tool and dates as the Info dictionary.
func xmpPacket(title string, created time.Time) []byte {
	date := created.Format("2006-01-02T15:04:05-07:00")
	return []byte(`<?xpacket begin="` + "\uFEFF" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">` + xmlEscape(title) + `</rdf:li></rdf:Alt></dc:title>
<dc:language><rdf:Bag><rdf:li>` + pdfaLang + `</rdf:li></rdf:Bag></dc:language>
<xmp:CreatorTool>` + pdfCreator + `</xmp:CreatorTool>
<xmp:CreateDate>` + date + `</xmp:CreateDate>
<xmp:ModifyDate>` + date + `</xmp:ModifyDate>
<xmp:MetadataDate>` + date + `</xmp:MetadataDate>
<pdf:Producer>` + pdfCreator + `</pdf:Producer>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`)
}

func deflate(b []byte) []byte {
	var out bytes.Buffer
	w := zlib.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}
