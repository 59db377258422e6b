package office

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
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

// isClosed mirrors the store's closedCase: the clock of a finished case
// stops, so it is never shown as overdue.
func isClosed(c county.Case) bool {
	switch cases.Status(c.KioskStatus) {
	case cases.StatusCompleted, cases.StatusRejected, cases.StatusDelivered, cases.StatusMailed, cases.StatusDenied:
		return true
	}
	return c.CountyStatus == protocol.CountyCompleted || c.CountyStatus == protocol.CountyDenied
}

// urgency classifies a case's due date on the working-day calendar:
// "overdue", "soon" (due within two working days) or "". A year the
// calendar does not cover gives "" rather than a guess.
func (o *Office) urgency(cal *workday.Calendar, c county.Case, due time.Time) string {
	if due.IsZero() || isClosed(c) {
		return ""
	}
	u, err := workday.Deadlines{Calendar: cal, Clock: clockFunc(o.now)}.Classify(due)
	if err != nil {
		return ""
	}
	switch u {
	case workday.Overdue:
		return "overdue"
	case workday.DueSoon:
		return "soon"
	}
	return ""
}

type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f() }

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

type caseRow struct {
	Ref, CountyCase, Tracking string
	Point                     string
	Applicant                 string
	Matters                   []string
	KioskStatus, CountyStatus string
	Accepted, Due             string
	Urgency                   string
	Complete                  bool
	Stored, Attachments       int
}

type option struct{ Value, Label string }

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(china).Format(time.DateOnly)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(china).Format("2006-01-02 15:04")
}

func (o *Office) pointNames(ctx context.Context) map[string]string {
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

func matterName(cat *catalog.Catalog, code string) string {
	if m, ok := cat.Matter(code); ok {
		return m.Name
	}
	return code
}

func (o *Office) caseList(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	ctx := r.Context()
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	cal := o.calendar(ctx)
	now := o.now()
	soon, err := cal.AddWorkdays(now, workday.DefaultSoonDays)
	if err != nil {
		soon = now.AddDate(0, 0, workday.DefaultSoonDays)
	}
	f := county.CasePageFilter{Point: q.Get("point"), Matter: q.Get("matter"), Status: q.Get("status"), Deadline: q.Get("deadline"),
		DueBy: q.Get("due_by"), Today: day(now), SoonDay: day(soon), Limit: PageSize, Offset: (page - 1) * PageSize}
	if f.DueBy != "" {
		if _, err := time.Parse(time.DateOnly, f.DueBy); err != nil {
			f.DueBy = ""
		}
	}
	switch f.Deadline {
	case "", county.DueOpen, county.DueOverdue, county.DueSoon:
	default:
		f.Deadline = ""
	}
	list, total, err := o.st.CasePage(ctx, f)
	if err != nil {
		o.internal(w, r, rc, "list cases", err)
		return
	}
	names := o.pointNames(ctx)
	cat := o.catalogFor(ctx, "")
	rows := make([]caseRow, 0, len(list))
	for _, c := range list {
		d := decodeCase(c)
		row := caseRow{Ref: c.CountyCase, CountyCase: c.CountyCase, Tracking: c.Tracking, Point: names[c.Point],
			Applicant: d.Applicant.Name, KioskStatus: rc.T(cases.StatusName(cases.Status(c.KioskStatus))),
			CountyStatus: rc.T(countyStatusName(c.CountyStatus)), Accepted: day(d.Accepted), Due: day(d.Due),
			Urgency: o.urgency(cal, c, d.Due), Complete: c.Complete, Stored: c.Stored, Attachments: c.Attachments}
		if row.Point == "" {
			row.Point = c.Point
		}
		if d.CatalogVersion != "" {
			cat = o.catalogFor(ctx, d.CatalogVersion)
		}
		for _, m := range d.Matters {
			row.Matters = append(row.Matters, matterName(cat, m))
		}
		rows = append(rows, row)
	}
	codes, err := o.st.CaseMatterCodes(ctx)
	if err != nil {
		o.internal(w, r, rc, "list matters", err)
		return
	}
	var matters []option
	for _, code := range codes {
		matters = append(matters, option{code, code + " " + matterName(cat, code)})
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
	pages := max((total+PageSize-1)/PageSize, 1)
	link := func(p int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(p))
		return "/office/cases?" + v.Encode()
	}
	data := map[string]any{"Rows": rows, "Total": total, "Page": page, "Pages": pages, "F": f,
		"PointOpts": points, "MatterOpts": matters, "StatusOpts": statuses, "Today": f.Today}
	if page > 1 {
		data["Prev"] = link(page - 1)
	}
	if page < pages {
		data["Next"] = link(page + 1)
	}
	o.render(w, r, rc, "cases", data)
}

// loadCase finds the case of the URL; it answers 404 itself.
func (o *Office) loadCase(w http.ResponseWriter, r *http.Request, rc *reqCtx) (county.Case, bool) {
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

type fieldRow struct{ Key, Label, Value string }

type materialRow struct {
	Matter, MatterName, Material, Name, State string
	Deferred                                  bool
}

type attachmentRow struct {
	SHA256, Name, Type, Size string
	Complete                 bool
}

// Numbers a staff member may reveal, by form value.
var revealable = []string{"applicant.id_number", "applicant.legal_rep_id", "applicant.mobile"}

func revealValue(d protocol.CaseDoc, field string) string {
	switch field {
	case "applicant.id_number":
		return d.Applicant.IDNumber
	case "applicant.legal_rep_id":
		return d.Applicant.LegalRepID
	case "applicant.mobile":
		return d.Applicant.Mobile
	}
	if key, ok := strings.CutPrefix(field, "fields."); ok {
		return d.Fields[key]
	}
	return ""
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
func (o *Office) casePage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
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
func (o *Office) showCase(w http.ResponseWriter, r *http.Request, rc *reqCtx, c county.Case, revealed map[string]string, problem string, status int) {
	ctx := r.Context()
	d := decodeCase(c)
	cat := o.catalogFor(ctx, d.CatalogVersion)
	cal := o.calendar(ctx)
	show := func(field, value string, mask func(string) string) string {
		if v, ok := revealed[field]; ok {
			return v
		}
		return mask(value)
	}
	applicantID := d.Applicant.IDNumber
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
	for k, v := range d.Fields {
		label := labels[k]
		if label == "" {
			label = k
		}
		fields = append(fields, fieldRow{Key: k, Label: label, Value: show("fields."+k, v, MaskText)})
	}
	slices.SortFunc(fields, func(a, b fieldRow) int { return strings.Compare(a.Key, b.Key) })
	var materials []materialRow
	for _, m := range d.Materials {
		// The wire's state names are the domain's; the domain names them
		// in Chinese.
		st := cases.MaterialState(m.State)
		state := cases.StateName(st)
		if state == "未核验" && st != cases.Pending {
			state = m.State
		}
		materials = append(materials, materialRow{Matter: m.Matter, MatterName: matterName(cat, m.Matter), Material: m.Material,
			Name: cases.MaterialName(cat, m.Matter, m.Material), State: rc.T(state), Deferred: st == cases.Deferred})
	}
	var atts []attachmentRow
	for _, a := range d.Attachments {
		row := attachmentRow{SHA256: a.SHA256, Name: a.Name, Type: a.Type, Size: sizeText(a.Size)}
		if b, err := o.blobComplete(ctx, a.SHA256); err == nil {
			row.Complete = b
		}
		atts = append(atts, row)
	}
	var matters []string
	for _, m := range d.Matters {
		matters = append(matters, m+" "+matterName(cat, m))
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
		Supplements                              []string
	}
	var hist []histRow
	for _, h := range history {
		row := histRow{At: stamp(h.Status.At), Status: rc.T(countyStatusName(h.Status.Status)), By: h.Status.By,
			SupplyBy: h.Status.SupplyBy, Pickup: h.Status.Pickup, Reason: h.Status.Reason}
		for _, s := range h.Status.Supplements {
			row.Supplements = append(row.Supplements, s.Name)
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
	for _, f := range fields {
		if MaskText(d.Fields[f.Key]) != d.Fields[f.Key] {
			revealOpts = append(revealOpts, option{"fields." + f.Key, rc.T("表单字段") + "：" + f.Label})
		}
	}
	var clerk string
	if d.Clerk.Name != "" {
		clerk = fmt.Sprintf("%s（%s%d）", d.Clerk.Name, rc.T("窗口"), d.Clerk.Window)
	}
	due := day(d.Due)
	data := map[string]any{
		"C": c, "D": d, "Point": o.pointNames(ctx)[c.Point], "Matters": matters, "Clerk": clerk,
		"KioskStatus": rc.T(cases.StatusName(cases.Status(c.KioskStatus))), "CountyStatus": rc.T(countyStatusName(c.CountyStatus)),
		"Accepted": stamp(d.Accepted), "Due": due, "SupplementBy": day(d.SupplementBy), "Urgency": o.urgency(cal, c, d.Due),
		"ApplicantKind": map[bool]string{true: rc.T("企业"), false: rc.T("个人")}[d.Applicant.Kind == protocol.ApplicantEnterprise],
		"ApplicantID":   applicantID, "LegalRepID": show("applicant.legal_rep_id", d.Applicant.LegalRepID, MaskID),
		"Mobile": show("applicant.mobile", d.Applicant.Mobile, MaskMobile), "Revealed": len(revealed) > 0,
		"Fields": fields, "Materials": materials, "Attachments": atts, "Events": events, "History": hist,
		"RevealOpts": revealOpts, "SupplyBy": supplyBy, "Problem": rc.T(problem), "Form": r.PostForm,
	}
	if status != http.StatusOK {
		o.renderStatus(w, r, rc, status, "case", data)
		return
	}
	o.render(w, r, rc, "case", data)
}

func (o *Office) blobComplete(ctx context.Context, sha string) (bool, error) {
	b, err := o.st.Blob(ctx, sha)
	if errors.Is(err, county.ErrNotFound) {
		return false, nil
	}
	return b.Complete, err
}

// reveal shows one number in full, once, after recording who asked and
// why.
func (o *Office) reveal(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c, ok := o.loadCase(w, r, rc)
	if !ok {
		return
	}
	d := decodeCase(c)
	field := r.PostFormValue("field")
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	value := revealValue(d, field)
	if !slices.Contains(revealable, field) && !strings.HasPrefix(field, "fields.") || value == "" {
		o.showCase(w, r, rc, c, nil, "请选择要显示的号码", http.StatusBadRequest)
		return
	}
	if len([]rune(reason)) < 4 {
		o.showCase(w, r, rc, c, nil, "显示完整号码必须填写事由（至少4个字）", http.StatusBadRequest)
		return
	}
	e := rc.audit("case.reveal", c.CountyCase)
	e.CaseID, e.Reason, e.Detail = c.ID, reason, field
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
func (o *Office) attachment(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
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
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": a.Name}))
	http.ServeContent(w, r, "", time.Time{}, f)
}

// setStatus records a county decision, sends it to the hall through the
// feed and audits it, in one transaction.
func (o *Office) setStatus(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
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
	case protocol.CountyCorrection:
		for _, v := range form["material"] {
			matter, material, _ := strings.Cut(v, "|")
			if !slices.ContainsFunc(d.Materials, func(m protocol.Material) bool { return m.Matter == matter && m.Material == material }) {
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
	e.Detail = ch.Status
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
