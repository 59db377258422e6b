package office

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
)

// PageSize is how many cases a list page shows.
const PageSize = 50

// countyStatusName is the Chinese name of a county decision.
func countyStatusName(s string) string {
	switch s {
	case protocol.CountyReviewing:
		return "审核中"
	case protocol.CountyCorrection:
		return "需补正"
	case protocol.CountyCompleted:
		return "办结"
	case protocol.CountyDenied:
		return "不予许可"
	case "":
		return "待审核"
	}
	return s
}

// procedureOpts are the special procedures of the reviewing form.
func procedureOpts() []option {
	var out []option
	for _, p := range cases.Procedures {
		out = append(out, option{Value: p, Label: cases.ProcedureName(p)})
	}
	return out
}

// decodeCase reads a case's document in its wire form. One of a newer
// layout than this countyd reads (an upgraded kiosk, an older county)
// shows as empty, with its identifiers from the county's own columns,
// rather than be misread; the county then refuses its events until it is
// upgraded, so this only happens to documents stored before.
func decodeCase(c county.Case) protocol.CaseDoc {
	var d protocol.CaseDoc
	if err := json.Unmarshal(c.Doc, &d); err != nil {
		d = protocol.CaseDoc{}
	}
	if d.ID == "" {
		d.ID, d.Tracking = c.ID, c.Tracking
	}
	return d
}

// shownCase is the case document as pages show it: every string in it,
// whichever field it is, comes from a kiosk and is masked (MaskText). The
// numbers a staff member may see in full come from decodeCase, through
// the audited reveal only.
func shownCase(c county.Case) protocol.CaseDoc {
	d := decodeCase(c)
	maskStrings(reflect.ValueOf(&d).Elem())
	return d
}

// caseHead is what a case page shows of the county's row: the county's own
// number and service point as they are, the kiosk's tracking code masked.
type caseHead struct {
	CountyCase, Tracking, Point string
	Complete                    bool
	Stored, Attachments         int
}

type caseRow struct {
	Ref, CountyCase, Tracking string
	Point                     string
	Applicant                 string
	Matters                   []string
	KioskStatus, CountyStatus string
	Accepted, Due             string
	Urgency                   string
	Paused                    string
	SupplementLapsed          bool
	Complete                  bool
	Stored, Attachments       int
}

type option struct{ Value, Label string }

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(workday.China).Format(time.DateOnly)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(workday.China).Format("2006-01-02 15:04")
}

// casePages serve the case pages and attachments.
// Their st, which shadows the Office's shared one, is all of the
// store they reach.
type casePages struct {
	*Office
	st interface {
		county.CaseReview
		county.Blobs
		county.Directory  // point names
		county.AuditTrail // every look and decision
	}
}

func (o *casePages) pointNames(ctx context.Context) map[string]string {
	names := map[string]string{}
	ps, err := o.st.ServicePoints(ctx)
	if err != nil {
		o.log.ErrorContext(ctx, "list service points", "err", err)
	}
	for _, p := range ps {
		names[p.Code] = p.Name
	}
	return names
}

// pointName is one point's name ("" when the county made no code for it):
// a case page needs its own point's, not every point's.
func (o *casePages) pointName(ctx context.Context, code string) string {
	p, err := o.st.ServicePoint(ctx, code)
	if err != nil && !errors.Is(err, county.ErrNotFound) {
		o.log.ErrorContext(ctx, "read service point", "err", err)
	}
	return p.Name
}

func matterName(cat *catalog.Catalog, code string) string {
	if m, ok := cat.Matter(code); ok {
		return m.Name
	}
	return code
}

// caseFilter is the case list's filter from a page's query: the list
// and its export read the same parameters the same way.
func caseFilter(q url.Values, cal *workday.Calendar, now time.Time) county.CasePageFilter {
	f := county.CasePageFilter{Point: q.Get("point"), Matter: q.Get("matter"), Status: q.Get("status"), Deadline: q.Get("deadline"),
		DueBy: q.Get("due_by"), Today: day(now), SoonDay: soonDay(cal, now), Limit: PageSize,
		// Pages go by key, from the row before or after (county case
		// numbers are in every case link already): OFFSET would read and
		// drop every row before the page.
		After: q.Get("after"), Before: q.Get("before")}
	if f.Before != "" {
		f.After = ""
	}
	if f.DueBy != "" {
		if _, err := time.Parse(time.DateOnly, f.DueBy); err != nil {
			f.DueBy = ""
		}
	}
	switch f.Deadline {
	case "", county.DueOpen, county.DueOverdue, county.DueSoon, county.DuePaused, county.DueLapsed:
	default:
		f.Deadline = ""
	}
	return f
}

// caseRows are the list's rows as the page shows them, masked: the page
// and its export both show these.
func (o *casePages) caseRows(ctx context.Context, rc *reqCtx, cal *workday.Calendar, names map[string]string, cats *catalogs, list []county.Case) []caseRow {
	cat := cats.get(ctx, "")
	rows := make([]caseRow, 0, len(list))
	for _, c := range list {
		d := decodeCase(c)
		row := caseRow{Ref: c.CountyCase, CountyCase: c.CountyCase, Tracking: MaskText(c.Tracking), Point: names[c.Point],
			Applicant: MaskText(d.Applicant.Name), KioskStatus: MaskText(rc.T(cases.StatusName(cases.Status(c.KioskStatus)))),
			CountyStatus: rc.T(countyStatusName(c.CountyStatus)), Accepted: day(d.Accepted),
			Complete: c.Complete, Stored: c.Stored, Attachments: c.Attachments}
		dl := o.deadline(cal, c)
		row.Due, row.Urgency, row.Paused, row.SupplementLapsed = dl.Due, dl.Urgency, rc.T(dl.Paused), dl.SupplementLapsed
		if row.Point == "" {
			row.Point = c.Point
		}
		if d.CatalogVersion != "" {
			cat = cats.get(ctx, d.CatalogVersion)
		}
		for _, m := range d.Matters {
			row.Matters = append(row.Matters, MaskText(matterName(cat, m)))
		}
		rows = append(rows, row)
	}
	return rows
}

func (o *casePages) caseList(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	ctx := r.Context()
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	cal := o.calendar(ctx)
	f := caseFilter(q, cal, o.now())
	list, total, err := o.st.CasePage(ctx, f)
	if err != nil {
		o.internal(w, r, rc, "list cases", err)
		return
	}
	names := o.pointNames(ctx)
	cats := o.catalogs()
	rows := o.caseRows(ctx, rc, cal, names, cats, list)
	cat := cats.get(ctx, "")
	codes, err := o.st.CaseMatterCodes(ctx)
	if err != nil {
		o.internal(w, r, rc, "list matters", err)
		return
	}
	var matters []option
	for _, code := range codes {
		// The codes are the kiosks' (a code outside the catalog is listed
		// as sent): one hiding a number cannot be chosen, and needs none.
		matters = append(matters, option{MaskText(code), MaskText(code + " " + matterName(cat, code))})
	}
	var points []option
	for code, name := range names {
		points = append(points, option{code, name})
	}
	slices.SortFunc(points, func(a, b option) int { return strings.Compare(a.Value, b.Value) })
	var statuses []option
	for _, s := range cases.Statuses {
		statuses = append(statuses, option{string(s), rc.T(cases.StatusName(s))})
	}
	// The count stops at county.CaseCountCap: past it the page says "more
	// than" and numbers its pages without a last one.
	more := total > county.CaseCountCap
	total = min(total, county.CaseCountCap)
	pages := max((total+PageSize-1)/PageSize, 1)
	link := func(p int, key, ref string) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Del("after")
		v.Del("before")
		v.Set(key, ref)
		v.Set("page", strconv.Itoa(p))
		return "/office/cases?" + v.Encode()
	}
	data := map[string]any{"Rows": rows, "Total": total, "More": more, "Page": page, "Pages": pages, "F": f,
		"PointOpts": points, "MatterOpts": matters, "StatusOpts": statuses, "Today": f.Today}
	if page > 1 && len(list) > 0 {
		data["Prev"] = link(page-1, "before", list[0].CountyCase)
	}
	if len(list) == PageSize && (more || page < pages) {
		data["Next"] = link(page+1, "after", list[len(list)-1].CountyCase)
	}
	o.render(w, r, rc, "cases", data)
}

// loadCase finds the case of the URL; it answers 404 itself.
func (o *casePages) loadCase(w http.ResponseWriter, r *http.Request, rc *reqCtx) (county.Case, bool) {
	c, err := o.st.Case(r.Context(), r.PathValue("ref"))
	var inv *county.InvalidError
	switch {
	case errors.Is(err, county.ErrNotFound), errors.As(err, &inv):
		o.fail(w, r, rc, http.StatusNotFound, "没有这个案件")
		return c, false
	case err != nil:
		o.internal(w, r, rc, "read case", err)
		return c, false
	}
	return c, true
}

type fieldRow struct{ Label, Value string }

// materialRow is a line of the checklist; the correction form names it by
// Index in the case's list, never by the kiosk's codes, so no text from a
// kiosk goes into an attribute.
type materialRow struct {
	Index                   int
	MatterName, Name, State string
	Deferred                bool
}

type attachmentRow struct {
	SHA256, Name, Type, Size string
	Complete                 bool
}

// revealValue is the value of a revealable field and the name the audit
// row records for it. Form fields go by their place in fieldKeys
// ("fields.2"): their keys are the kiosk's and stay out of the page.
func revealValue(d protocol.CaseDoc, field string) (value, name string) {
	switch field {
	case "applicant.id_number":
		return d.Applicant.IDNumber, field
	case "applicant.legal_rep_id":
		return d.Applicant.LegalRepID, field
	case "applicant.mobile":
		return d.Applicant.Mobile, field
	}
	if i, err := strconv.Atoi(strings.TrimPrefix(field, "fields.")); err == nil && strings.HasPrefix(field, "fields.") {
		if keys := fieldKeys(d); i >= 0 && i < len(keys) {
			return d.Fields[keys[i]], "fields." + keys[i]
		}
	}
	return "", ""
}

// fieldKeys are the keys of a case's form fields in the order pages list them.
func fieldKeys(d protocol.CaseDoc) []string {
	keys := make([]string, 0, len(d.Fields))
	for k := range d.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// casePage shows a case and audits the view.
func (o *casePages) casePage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c, ok := o.loadCase(w, r, rc)
	if !ok {
		return
	}
	e := rc.audit("case.view", c.CountyCase)
	e.CaseID = c.ID
	if err := o.st.Audit(r.Context(), e); err != nil {
		// No trace, no look (查询留痕).
		o.internal(w, r, rc, "audit case view", err)
		return
	}
	switch r.URL.Query().Get("done") {
	case "status":
		rc.Flash = "已记录决定并发送到乡镇窗口"
	}
	o.showCase(w, r, rc, c, nil, "", http.StatusOK)
}

// showCase renders a case; revealed holds numbers shown in full this once;
// problem is a form error.
func (o *casePages) showCase(w http.ResponseWriter, r *http.Request, rc *reqCtx, c county.Case, revealed map[string]string, problem string, status int) {
	ctx := r.Context()
	d, shown := decodeCase(c), shownCase(c)
	cat := o.catalogFor(ctx, d.CatalogVersion)
	cal := o.calendar(ctx)
	show := func(field, value string, mask func(string) string) string {
		if v, ok := revealed[field]; ok {
			return v
		}
		return mask(value)
	}
	// An enterprise's credit code is public, but one that is really a
	// person's ID is masked like any other.
	applicantID := MaskText(d.Applicant.IDNumber)
	if d.Applicant.Kind != protocol.ApplicantEnterprise {
		applicantID = show("applicant.id_number", d.Applicant.IDNumber, MaskID)
	}
	labels := map[string]string{}
	for _, code := range d.Matters {
		if m, ok := cat.Matter(code); ok {
			for _, f := range m.Fields {
				labels[f.Key] = f.Label
			}
		}
	}
	var fields []fieldRow
	var fieldOpts []option
	for i, k := range fieldKeys(d) {
		label := labels[k]
		if label == "" {
			label = k
		}
		label = MaskText(label)
		name := "fields." + strconv.Itoa(i)
		fields = append(fields, fieldRow{Label: label, Value: show(name, d.Fields[k], MaskText)})
		if MaskText(d.Fields[k]) != d.Fields[k] {
			fieldOpts = append(fieldOpts, option{name, rc.T("表单字段") + "：" + label})
		}
	}
	var materials []materialRow
	for i, m := range d.Materials {
		// The wire's state names are the domain's; the domain names them
		// in Chinese.
		st := cases.MaterialState(m.State)
		state := cases.StateName(st)
		if state == "未核验" && st != cases.Pending {
			state = m.State
		}
		materials = append(materials, materialRow{Index: i, MatterName: MaskText(matterName(cat, m.Matter)),
			Name: MaskText(cases.MaterialName(cat, m.Matter, m.Material)), State: MaskText(rc.T(state)), Deferred: st == cases.Deferred})
	}
	var atts []attachmentRow
	for i, a := range d.Attachments {
		// The hash is checked as 64 hex digits on the way in, and the
		// page links it only once the county holds a file of that hash,
		// so it can carry nothing a kiosk chose.
		row := attachmentRow{SHA256: a.SHA256, Name: shown.Attachments[i].Name, Type: shown.Attachments[i].Type, Size: sizeText(a.Size)}
		if b, err := o.blobComplete(ctx, a.SHA256); err == nil {
			row.Complete = b
		}
		atts = append(atts, row)
	}
	var matters []string
	for _, m := range d.Matters {
		matters = append(matters, MaskText(m+" "+matterName(cat, m)))
	}
	log, err := o.st.CaseLog(ctx, c.ID)
	if err != nil {
		o.internal(w, r, rc, "read case log", err)
		return
	}
	type logRow struct{ At, Event, Version, Device string }
	var events []logRow
	for _, l := range log {
		events = append(events, logRow{At: stamp(l.AppliedAt), Event: rc.T(cases.EventName(cases.EventKind(l.Kind))),
			Version: strconv.Itoa(l.Version), Device: l.DeviceID})
	}
	history, err := o.st.CaseStatusLog(ctx, c.ID)
	if err != nil {
		o.internal(w, r, rc, "read status log", err)
		return
	}
	type histRow struct {
		At, Status, By, SupplyBy, Pickup, Reason string
		Procedure                                string
		Supplements                              []string
	}
	var hist []histRow
	for _, h := range history {
		// Typed by staff, but about the applicant: a reason may well
		// quote a phone number.
		row := histRow{At: stamp(h.Status.At), Status: rc.T(countyStatusName(h.Status.Status)), By: MaskText(h.Status.By),
			SupplyBy: MaskText(h.Status.SupplyBy), Pickup: MaskText(h.Status.Pickup), Reason: MaskText(h.Status.Reason)}
		if n := cases.ProcedureName(h.Status.Procedure); n != "" {
			row.Procedure = rc.T("特别程序") + "：" + rc.T(n) + " " + MaskText(h.Status.ProcedureReason)
		}
		if h.Status.AgainReason != "" {
			row.Reason += " " + rc.T("再次补正理由") + "：" + MaskText(h.Status.AgainReason)
		}
		for _, s := range h.Status.Supplements {
			row.Supplements = append(row.Supplements, MaskText(s.Name))
		}
		hist = append(hist, row)
	}
	supplyBy := ""
	if t, err := cal.AddWorkdays(o.now(), catalog.DefaultSupplementDays); err == nil {
		supplyBy = day(t)
	}
	revealOpts := []option{}
	if d.Applicant.Kind != protocol.ApplicantEnterprise && d.Applicant.IDNumber != "" {
		revealOpts = append(revealOpts, option{"applicant.id_number", rc.T("申请人身份证号码")})
	}
	if d.Applicant.LegalRepID != "" && d.Applicant.Kind == protocol.ApplicantEnterprise {
		revealOpts = append(revealOpts, option{"applicant.legal_rep_id", rc.T("法定代表人身份证号码")})
	}
	if d.Applicant.Mobile != "" {
		revealOpts = append(revealOpts, option{"applicant.mobile", rc.T("手机号码")})
	}
	revealOpts = append(revealOpts, fieldOpts...)
	var clerk string
	if shown.Clerk.Name != "" {
		clerk = fmt.Sprintf("%s（%s%d）", shown.Clerk.Name, rc.T("窗口"), d.Clerk.Window)
	}
	dl := o.deadline(cal, c)
	due := dl.Due
	if promised := day(d.Due); promised != due {
		due += "（" + rc.T("原承诺") + " " + promised + "）"
	}
	data := map[string]any{
		"C": caseHead{CountyCase: c.CountyCase, Tracking: MaskText(c.Tracking), Point: c.Point, Complete: c.Complete, Stored: c.Stored, Attachments: c.Attachments},
		"D": shown, "Point": o.pointName(ctx, c.Point), "Matters": matters, "Clerk": clerk,
		"KioskStatus": MaskText(rc.T(cases.StatusName(cases.Status(c.KioskStatus)))), "CountyStatus": rc.T(countyStatusName(c.CountyStatus)),
		"Accepted": stamp(d.Accepted), "Due": due, "SupplementBy": day(d.SupplementBy), "Urgency": dl.Urgency,
		"Paused": rc.T(dl.Paused), "SupplementLapsed": dl.SupplementLapsed,
		"ApplicantKind": map[bool]string{true: rc.T("企业"), false: rc.T("个人")}[d.Applicant.Kind == protocol.ApplicantEnterprise],
		"ApplicantID":   applicantID, "LegalRepID": show("applicant.legal_rep_id", d.Applicant.LegalRepID, MaskID),
		"Mobile": show("applicant.mobile", d.Applicant.Mobile, MaskMobile), "Revealed": len(revealed) > 0,
		"Fields": fields, "Materials": materials, "Attachments": atts, "Events": events, "History": hist,
		"RevealOpts": revealOpts, "SupplyBy": supplyBy, "Problem": rc.T(problem), "Procedures": procedureOpts(),
	}
	if status != http.StatusOK {
		o.renderStatus(w, r, rc, status, "case", data)
		return
	}
	o.render(w, r, rc, "case", data)
}

func (o *casePages) blobComplete(ctx context.Context, sha string) (bool, error) {
	b, err := o.st.Blob(ctx, sha)
	if errors.Is(err, county.ErrNotFound) {
		return false, nil
	}
	return b.Complete, err
}

// reveal shows one number in full, once, after recording who asked and
// why.
func (o *casePages) reveal(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c, ok := o.loadCase(w, r, rc)
	if !ok {
		return
	}
	d := decodeCase(c)
	field := r.PostFormValue("field")
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	value, name := revealValue(d, field)
	if value == "" {
		o.showCase(w, r, rc, c, nil, "请选择要显示的号码", http.StatusBadRequest)
		return
	}
	if len([]rune(reason)) < 4 {
		o.showCase(w, r, rc, c, nil, "显示完整号码必须填写事由（至少4个字）", http.StatusBadRequest)
		return
	}
	e := rc.audit("case.reveal", c.CountyCase)
	e.CaseID, e.Reason, e.Detail = c.ID, reason, name
	if err := o.st.Audit(r.Context(), e); err != nil {
		o.internal(w, r, rc, "audit reveal", err)
		return
	}
	rc.Flash = "已记录查看事由；完整号码仅本次显示"
	o.showCase(w, r, rc, c, map[string]string{field: value}, "", http.StatusOK)
}

// attachmentTypes are shown in the browser; anything else is downloaded,
// so a crafted upload cannot run as a page of this site.
var attachmentTypes = map[string]bool{"application/pdf": true, "image/jpeg": true, "image/png": true}

// attachment serves a complete attachment of the case, audited.
func (o *casePages) attachment(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c, ok := o.loadCase(w, r, rc)
	if !ok {
		return
	}
	sha := r.PathValue("sha")
	d := decodeCase(c)
	i := slices.IndexFunc(d.Attachments, func(a protocol.Attachment) bool { return a.SHA256 == sha })
	if i < 0 {
		o.fail(w, r, rc, http.StatusNotFound, "该案件没有这个附件")
		return
	}
	a := d.Attachments[i]
	f, _, err := o.st.OpenBlob(r.Context(), sha)
	if errors.Is(err, county.ErrNotFound) {
		o.fail(w, r, rc, http.StatusNotFound, "附件尚未上传完成")
		return
	}
	if err != nil {
		o.internal(w, r, rc, "open attachment", err)
		return
	}
	defer f.Close()
	e := rc.audit("attachment.view", c.CountyCase)
	e.CaseID, e.Detail = c.ID, sha
	if err := o.st.Audit(r.Context(), e); err != nil {
		o.internal(w, r, rc, "audit attachment view", err)
		return
	}
	ct, _, _ := mime.ParseMediaType(a.Type)
	disposition := "inline"
	if !attachmentTypes[ct] {
		ct, disposition = "application/octet-stream", "attachment"
	} else {
		// The browser's PDF and image viewers need no policy of ours.
		w.Header().Del("Content-Security-Policy")
	}
	w.Header().Set("Content-Type", ct)
	// The file's name is the kiosk's, as on the case page: masked. The
	// contents are the audited look.
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": MaskText(a.Name)}))
	http.ServeContent(w, r, "", time.Time{}, f)
}

// pickMaterial finds a checklist line of the correction form: by its place
// in the case's list (what the page sends), or as "matter|material".
func pickMaterial(d protocol.CaseDoc, v string) (matter, material string, ok bool) {
	if i, err := strconv.Atoi(v); err == nil {
		if i < 0 || i >= len(d.Materials) {
			return "", "", false
		}
		return d.Materials[i].Matter, d.Materials[i].Material, true
	}
	matter, material, _ = strings.Cut(v, "|")
	ok = slices.ContainsFunc(d.Materials, func(m protocol.Material) bool { return m.Matter == matter && m.Material == material })
	return matter, material, ok
}

// setStatus records a county decision, sends it to the hall through the
// feed and audits it, in one transaction.
func (o *casePages) setStatus(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c, ok := o.loadCase(w, r, rc)
	if !ok {
		return
	}
	d := decodeCase(c)
	cat := o.catalogFor(r.Context(), d.CatalogVersion)
	form := r.PostForm
	ch := county.StatusChange{Case: c.ID, Status: form.Get("status"), By: rc.Session.Staff.Name}
	problem := ""
	switch ch.Status {
	case protocol.CountyReviewing:
		ch.Procedure = strings.TrimSpace(form.Get("procedure"))
		if ch.Procedure != "" {
			ch.ProcedureReason = strings.TrimSpace(form.Get("procedure_reason"))
			if len([]rune(ch.ProcedureReason)) < 4 {
				problem = county.ErrProcedureReason
			}
		}
	case protocol.CountyCorrection:
		ch.AgainReason = strings.TrimSpace(form.Get("again_reason"))
		for _, v := range form["material"] {
			matter, material, ok := pickMaterial(d, v)
			if !ok {
				problem = "所选材料不在该案件的材料清单中"
				break
			}
			ch.Supplements = append(ch.Supplements, protocol.Supplement{Matter: matter, Material: material,
				Name: cases.MaterialName(cat, matter, material)})
		}
		for _, extra := range splitLines(form.Get("extra")) {
			ch.Supplements = append(ch.Supplements, protocol.Supplement{Name: extra})
		}
		ch.SupplyBy = strings.TrimSpace(form.Get("supply_by"))
		switch t, err := time.Parse(time.DateOnly, ch.SupplyBy); {
		case problem != "":
		case len(ch.Supplements) == 0:
			problem = "需补正必须至少选择或填写一项材料"
		case err != nil:
			problem = "请填写补正期限（日期）"
		case t.Format(time.DateOnly) < day(o.now()):
			problem = "补正期限不能早于今天"
		}
	case protocol.CountyCompleted:
		ch.Pickup = strings.TrimSpace(form.Get("pickup"))
		ch.Reason = strings.TrimSpace(form.Get("result"))
		if ch.Pickup == "" {
			problem = "办结必须写明领取方式和地点"
		}
	case protocol.CountyDenied:
		ch.Reason = strings.TrimSpace(form.Get("reason"))
		if len([]rune(ch.Reason)) < 4 {
			problem = "不予许可必须写明理由（至少4个字）"
		}
	default:
		problem = "请选择一个决定"
	}
	if problem != "" {
		o.showCase(w, r, rc, c, nil, problem, http.StatusBadRequest)
		return
	}
	e := rc.audit("case.status", c.CountyCase)
	e.Reason = ch.Reason
	if ch.AgainReason != "" {
		e.Reason = ch.AgainReason
	}
	e.Detail = ch.Status
	if ch.Procedure != "" {
		e.Reason, e.Detail = ch.ProcedureReason, ch.Status+"；"+ch.Procedure
	}
	for _, s := range ch.Supplements {
		e.Detail += "；" + s.Name
	}
	if ch.SupplyBy != "" {
		e.Detail += "；" + ch.SupplyBy
	}
	if _, err := o.st.SetCaseStatusAudited(r.Context(), ch, e); err != nil {
		var inv *county.InvalidError
		if errors.As(err, &inv) {
			o.showCase(w, r, rc, c, nil, inv.Msg, http.StatusBadRequest)
			return
		}
		o.internal(w, r, rc, "set case status", err)
		return
	}
	http.Redirect(w, r, "/office/cases/"+url.PathEscape(c.CountyCase)+"?done=status", http.StatusSeeOther)
}
