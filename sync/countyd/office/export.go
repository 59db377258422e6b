package office

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/report"
	"github.com/yichuang/yichuang/app/report/xlsx"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
)

// Exports: every table a page shows can be downloaded as CSV or Excel
// from GET /office/export/{name} with the page's own filter parameters,
// and each download leaves an audit row (who exported what, with which
// filters, how many rows). The rows are built by the same code as the
// page's, so they are masked exactly as the page masks them. A page adds
// its export with one exportRoute call and one line in its template:
//
//	o.exportRoute("cases", county.RoleReviewer, cases.exportCases)
//	{{template "exports" (exportLinks "cases" .Query)}}

// MaxExportRows is the most rows one export holds. A county's whole case
// history would be a file nobody opens; past this the table's note says
// where it stopped, and a filter narrows it.
const MaxExportRows = 100_000

// exportPage is how many cases or audit rows an export reads at a time, by
// the list's own keyset order (casePage's largest page).
var exportPage = 200 // a var for the test that pages through a short list

// export is what an export builds: its tables (the first is the CSV one;
// a workbook gets them all, a sheet each) and, for a report, a PDF.
type export struct {
	// Name is the file name's start when the browser cannot take the
	// Chinese one (filename in Content-Disposition): ASCII.
	Name string
	// Period is in the file name: the day exported, or the report's month.
	Period string
	Tables []*report.Table
	// PDF writes the export as a PDF, for a report; nil for a table.
	PDF func(w io.Writer) error
}

type exportFunc func(r *http.Request, rc *reqCtx) (export, error)

// exportFormats are the formats of a download, by the format parameter.
var exportFormats = map[string]struct{ ext, mime string }{
	"csv":  {"csv", "text/csv; charset=utf-8"},
	"xlsx": {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	"pdf":  {"pdf", "application/pdf"},
}

// exportRoute serves an export for the staff of role.
func (o *Office) exportRoute(name, role string, build exportFunc) {
	o.mux.HandleFunc("GET /office/export/"+name, o.page(role, func(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
		o.serveExport(w, r, rc, name, build)
	}))
}

func (o *Office) serveExport(w http.ResponseWriter, r *http.Request, rc *reqCtx, name string, build exportFunc) {
	format := r.URL.Query().Get("format")
	f, ok := exportFormats[format]
	if !ok {
		o.fail(w, r, rc, http.StatusBadRequest, "导出格式应为 CSV、Excel 或 PDF")
		return
	}
	ex, err := build(r, rc)
	var inv *county.InvalidError
	if errors.As(err, &inv) {
		o.fail(w, r, rc, http.StatusBadRequest, inv.Msg)
		return
	}
	if err != nil {
		o.internal(w, r, rc, "export "+name, err)
		return
	}
	if format == "pdf" && ex.PDF == nil || format != "pdf" && len(ex.Tables) == 0 {
		o.fail(w, r, rc, http.StatusBadRequest, "导出格式应为 CSV、Excel 或 PDF")
		return
	}
	var buf bytes.Buffer
	switch format {
	case "csv":
		err = report.WriteCSV(&buf, ex.Tables[0])
	case "xlsx":
		err = xlsx.Write(&buf, xlsx.Props{Title: ex.Tables[0].Title, Subject: rc.T("一窗 县级政务服务后台"),
			Description: rc.T("个人信息已脱敏显示；查看完整信息、附件和案件均记录审计日志。"),
			Creator:     rc.Session.Staff.Name, Created: o.now()}, ex.Tables...)
	case "pdf":
		err = ex.PDF(&buf)
	}
	if err != nil {
		o.internal(w, r, rc, "write export "+name, err)
		return
	}
	// No trace, no file (查询留痕): the audit row is written before a byte
	// of the export leaves, with every filter it was made with (auditQuery).
	rows := 0
	for _, t := range ex.Tables {
		rows += len(t.Rows)
	}
	e := rc.audit("export", name)
	e.Detail = fmt.Sprintf("%s %s rows=%d", format, auditQuery(r.URL.Query()).Encode(), rows)
	if err := o.st.Audit(r.Context(), e); err != nil {
		o.internal(w, r, rc, "audit export", err)
		return
	}
	title := ex.Name
	if len(ex.Tables) > 0 {
		title = ex.Tables[0].Name
	}
	h := w.Header()
	h.Set("Content-Type", f.mime)
	h.Set("Content-Disposition", contentDisposition(report.FileName(ex.Name, ex.Period, f.ext), report.FileName(title, ex.Period, f.ext)))
	w.Write(buf.Bytes())
}

// contentDisposition names a download: filename for old browsers (ASCII
// only), filename* (RFC 5987/6266, UTF-8) with the Chinese name every
// current browser uses.
func contentDisposition(ascii, name string) string {
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, ascii), rfc5987(name))
}

// rfc5987 percent-encodes every byte outside RFC 5987's attr-char.
func rfc5987(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// exportQuery is a page's query as its export link carries it: without
// the page's position (an export is the whole filtered list) and without
// any value that holds a personal identifier (MaskText would change it):
// a URL ends up in browser history, proxy logs and the Referer, so an ID
// number typed into a filter never goes into a link the page makes.
func exportQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		if slices.Contains([]string{"page", "after", "before", "format", "done"}, k) {
			continue
		}
		for _, v := range vs {
			// A service point's code is 12 digits, which MaskText takes
			// for a number to hide; it is the county's own code.
			if v != "" && (MaskText(v) == v || k == "point" && isDivisionCode(v)) {
				out.Add(k, v)
			}
		}
	}
	return out
}

// auditQuery is an export's query as its audit row records it: every
// parameter, each value masked (an ID number typed into a filter box is not
// kept whole in the audit log either) but a service point's code, which is
// the county's own and says which point was exported.
func auditQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		if k == "format" {
			continue
		}
		for _, v := range vs {
			if k != "point" || !isDivisionCode(v) {
				v = MaskText(v)
			}
			out.Add(k, v)
		}
	}
	return out
}

func isDivisionCode(s string) bool {
	_, err := ids.CheckDivisionCode(s)
	return err == nil
}

// exportLinks are a page's two download links.
type exportLinks struct{ CSV, XLSX string }

// exportLinksFor is the template function exportLinks: the links of the
// export name for a page shown with rawQuery.
func exportLinksFor(name, rawQuery string) exportLinks {
	q, _ := url.ParseQuery(rawQuery)
	q = exportQuery(q)
	link := func(format string) string {
		q.Set("format", format)
		return "/office/export/" + name + "?" + q.Encode()
	}
	return exportLinks{CSV: link("csv"), XLSX: link("xlsx")}
}

// today is the export's period: the day in Beijing.
func (o *Office) today() string { return o.now().In(workday.China).Format(time.DateOnly) }

// dayValue is a page's day ("2026-11-26") as a report date; "" is empty.
func dayValue(s string) any {
	t, err := time.ParseInLocation(time.DateOnly, s, workday.China)
	if err != nil {
		return nil
	}
	return t
}

// stampValue is a page's time ("2026-11-26 10:30", stamp) as a report
// time; "-" and "" are empty.
func stampValue(s string) any {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, workday.China)
	if err != nil {
		return nil
	}
	return t
}

// columns is a table's columns with headers in the page's language.
func columns(rc *reqCtx, cols ...report.Column) []report.Column {
	for i := range cols {
		cols[i].Header = rc.T(cols[i].Header)
	}
	return cols
}

// cut notes where a table stopped at MaxExportRows.
func cut(rc *reqCtx, t *report.Table) {
	if len(t.Rows) >= MaxExportRows {
		t.Rows = t.Rows[:MaxExportRows]
		t.Note = fmt.Sprintf(rc.T("只导出了前 %d 行；请缩小筛选范围。"), MaxExportRows)
	}
}
