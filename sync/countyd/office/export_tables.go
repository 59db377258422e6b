package office

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/report"
	"github.com/yichuang/yichuang/sync/countyd/county"
)

// The exports of today's pages, each built from the rows its page shows
// (caseRows, auditRows, noticeRows, deviceRows …), so masked the same way.

// exportCases is the whole filtered case list, read page by page in the
// list's keyset order (exportPage rows at a time) rather than by one
// query over a county's every case.
func (o *casePages) exportCases(r *http.Request, rc *reqCtx) (export, error) {
	ctx := r.Context()
	cal := o.calendar(ctx)
	f := caseFilter(r.URL.Query(), cal, o.now())
	f.After, f.Before, f.Limit = "", "", exportPage
	names := o.pointNames(ctx)
	cats := o.catalogs() // one for the whole export: versions repeat across pages
	t := report.New(rc.T("案件"), rc.T("案件审批")+" "+o.today(), columns(rc,
		report.Column{Header: "县级案件号", Kind: report.Text}, report.Column{Header: "受理编号", Kind: report.Text},
		report.Column{Header: "服务点", Kind: report.Text}, report.Column{Header: "申请人", Kind: report.Text},
		report.Column{Header: "事项", Kind: report.Text}, report.Column{Header: "受理日期", Kind: report.Date},
		report.Column{Header: "承诺办结", Kind: report.Date}, report.Column{Header: "期限", Kind: report.Text},
		report.Column{Header: "窗口状态", Kind: report.Text}, report.Column{Header: "县级状态", Kind: report.Text},
		report.Column{Header: "材料", Kind: report.Text})...)
	for len(t.Rows) < MaxExportRows+1 {
		list, _, err := o.st.CasePage(ctx, f)
		if err != nil {
			return export{}, fmt.Errorf("list cases: %w", err)
		}
		for _, c := range o.caseRows(ctx, rc, cal, names, cats, list) {
			var due []string
			switch c.Urgency {
			case "overdue":
				due = append(due, rc.T("已超期"))
			case "soon":
				due = append(due, rc.T("即将到期"))
			}
			if c.Paused != "" {
				due = append(due, c.Paused)
			}
			if c.SupplementLapsed {
				due = append(due, rc.T("容缺逾期未补正"))
			}
			materials := rc.T("齐全")
			if !c.Complete {
				materials = fmt.Sprintf("%s %d/%d", rc.T("上传中"), c.Stored, c.Attachments)
			}
			t.Add(c.CountyCase, c.Tracking, c.Point, c.Applicant, strings.Join(c.Matters, "；"), dayValue(c.Accepted), dayValue(c.Due),
				strings.Join(due, "；"), c.KioskStatus, c.CountyStatus, materials)
		}
		if len(list) < f.Limit {
			break
		}
		f.After = list[len(list)-1].CountyCase
	}
	cut(rc, t)
	return export{Name: "cases", Period: o.today(), Tables: []*report.Table{t}}, nil
}

// exportAudit is the filtered audit log, newest first.
func (o *adminPages) exportAudit(r *http.Request, rc *reqCtx) (export, error) {
	ctx := r.Context()
	q := r.URL.Query()
	f := county.AuditFilter{Staff: q.Get("staff"), Action: q.Get("action"), From: q.Get("from"), To: q.Get("to"), Limit: 500}
	if ref := strings.TrimSpace(q.Get("case")); ref != "" {
		f.Case = ref
		if c, err := o.st.Case(ctx, ref); err == nil {
			f.Case = c.ID
		}
	}
	o.flushFailedLogins(ctx, false)
	t := report.New(rc.T("审计日志"), rc.T("审计日志")+" "+o.today(), columns(rc,
		report.Column{Header: "时间", Kind: report.DateTime}, report.Column{Header: "人员", Kind: report.Text},
		report.Column{Header: "操作", Kind: report.Text}, report.Column{Header: "对象", Kind: report.Text},
		report.Column{Header: "事由", Kind: report.Text}, report.Column{Header: "详情", Kind: report.Text},
		report.Column{Header: "来源地址", Kind: report.Text})...)
	for len(t.Rows) < MaxExportRows+1 {
		entries, _, err := o.st.AuditLog(ctx, f)
		if err != nil {
			return export{}, err // an InvalidError (a bad day) is the caller's 400
		}
		for _, e := range auditRows(rc, entries) {
			t.Add(stampValue(e.At), e.Staff, e.Action, e.Subject, e.Reason, e.Detail, e.IP)
		}
		if len(entries) < f.Limit {
			break
		}
		f.Offset += len(entries)
	}
	cut(rc, t)
	return export{Name: "audit", Period: o.today(), Tables: []*report.Table{t}}, nil
}

// exportStaff is the staff list.
func (o *adminPages) exportStaff(r *http.Request, rc *reqCtx) (export, error) {
	staff, err := o.st.StaffMembers(r.Context())
	if err != nil {
		return export{}, fmt.Errorf("list staff: %w", err)
	}
	t := report.New(rc.T("人员管理"), rc.T("人员管理")+" "+o.today(), columns(rc,
		report.Column{Header: "登录名", Kind: report.Text}, report.Column{Header: "姓名", Kind: report.Text},
		report.Column{Header: "角色", Kind: report.Text}, report.Column{Header: "创建时间", Kind: report.DateTime},
		report.Column{Header: "状态", Kind: report.Text})...)
	for _, s := range staff {
		state := rc.T("在用")
		if !s.Active {
			state = rc.T("已停用")
		}
		t.Add(s.Login, s.Name, rc.T(roleName(s.Role)), stampValue(stamp(s.Created)), state)
	}
	return export{Name: "staff", Period: o.today(), Tables: []*report.Table{t}}, nil
}

// noticeStateName is a notice's state as the page's chip says it.
func noticeStateName(state string) string {
	switch state {
	case "sent":
		return "已发送"
	case "failed":
		return "发送失败"
	case "held":
		return "超出每日限额暂停"
	case "legacy":
		return "旧版本记录"
	}
	return "排队"
}

// exportNotices is the notices the page lists (the latest maxNoticeRows).
func (o *noticePages) exportNotices(r *http.Request, rc *reqCtx) (export, error) {
	ns, err := o.st.Notices(r.Context(), "", maxNoticeRows)
	if err != nil {
		return export{}, fmt.Errorf("list notices: %w", err)
	}
	t := report.New(rc.T("短信通知"), rc.T("短信通知")+" "+o.today(), columns(rc,
		report.Column{Header: "时间", Kind: report.DateTime}, report.Column{Header: "案件", Kind: report.Text},
		report.Column{Header: "通知", Kind: report.Text}, report.Column{Header: "来源", Kind: report.Text},
		report.Column{Header: "手机号", Kind: report.Text}, report.Column{Header: "内容", Kind: report.Text},
		report.Column{Header: "状态", Kind: report.Text}, report.Column{Header: "发送时间", Kind: report.DateTime},
		report.Column{Header: "尝试次数", Kind: report.Integer}, report.Column{Header: "最近错误", Kind: report.Text})...)
	for _, n := range noticeRows(ns) {
		origin := rc.T("窗口请求")
		if n.Origin == "county" {
			origin = rc.T("县级决定")
		}
		t.Add(stampValue(n.Created), n.Case, n.Template, origin, n.Mobile, n.Text, rc.T(noticeStateName(n.State)), stampValue(n.Sent),
			n.Tries, n.LastError)
	}
	return export{Name: "notices", Period: o.today(), Tables: []*report.Table{t}}, nil
}

// exportFleet is the devices the page's filter selects (every page of
// them) and the enrollment codes of the page's view (unused, or used and
// expired). Every code is cut to its tail, unused ones too: a file is
// copied and forwarded, and an unused code in it would enroll a stranger's
// PC.
func (o *fleetPages) exportFleet(r *http.Request, rc *reqCtx) (export, error) {
	ctx := r.Context()
	q := r.URL.Query()
	now := o.now()
	var list []county.FleetDevice
	f := fleetFilter(q, now, county.FleetPageMax)
	f.After, f.Before = "", ""
	for {
		page, err := o.st.DevicePage(ctx, f)
		if err != nil {
			return export{}, fmt.Errorf("list devices: %w", err)
		}
		list = append(list, page...)
		if len(page) < f.Limit {
			break
		}
		f.After = page[len(page)-1].ID
	}
	t := report.New(rc.T("设备"), rc.T("设备管理")+" "+o.today(), columns(rc,
		report.Column{Header: "服务点", Kind: report.Text}, report.Column{Header: "服务点编码", Kind: report.Text},
		report.Column{Header: "主机名", Kind: report.Text}, report.Column{Header: "设备号", Kind: report.Text},
		report.Column{Header: "版本", Kind: report.Text}, report.Column{Header: "登记时间", Kind: report.DateTime},
		report.Column{Header: "最近联系", Kind: report.DateTime}, report.Column{Header: "已接收事件", Kind: report.Integer},
		report.Column{Header: "待发送", Kind: report.Integer}, report.Column{Header: "隔离", Kind: report.Integer},
		report.Column{Header: "待上传", Kind: report.Integer}, report.Column{Header: "打印机", Kind: report.Text},
		report.Column{Header: "打印机状态", Kind: report.Text}, report.Column{Header: "最近错误", Kind: report.Text},
		report.Column{Header: "状态", Kind: report.Text}, report.Column{Header: "更新", Kind: report.Text})...)
	for _, d := range o.fleetRows(list, now) {
		state := rc.T("在用")
		switch {
		case d.Revoked:
			state = rc.T("已停用")
		case d.Offline:
			state = rc.T("离线")
		}
		var pending, quarantined, uploads any
		printerState := ""
		if d.HasReport {
			pending, quarantined, uploads = d.Pending, d.Quarantined, d.Uploads
			printerState = rc.T(printerStateName(d.PrinterState))
			if d.PrinterProblem != "" {
				printerState += "：" + rc.T(d.PrinterProblem)
			}
		}
		t.Add(d.PointName, d.Point, d.Host, d.ID, d.AppVersion, stampValue(d.Enrolled), stampValue(d.LastSeen), int(d.Events),
			pending, quarantined, uploads, d.Printer, printerState, d.LastError, state, updateCell(rc, d))
	}
	var codes []county.EnrollCodeInfo
	cf := county.CodeFilter{Spent: q.Get("codes") == "spent", Limit: county.FleetPageMax, Now: now}
	for {
		page, next, err := o.st.CodePage(ctx, cf)
		if err != nil {
			return export{}, fmt.Errorf("list enrollment codes: %w", err)
		}
		codes = append(codes, page...)
		if next == "" {
			break
		}
		cf.After = next
	}
	ct := report.New(rc.T("登记码"), rc.T("登记码")+" "+o.today(), columns(rc,
		report.Column{Header: "登记码", Kind: report.Text}, report.Column{Header: "服务点", Kind: report.Text},
		report.Column{Header: "服务点编码", Kind: report.Text}, report.Column{Header: "有效期至", Kind: report.DateTime},
		report.Column{Header: "状态", Kind: report.Text})...)
	for _, c := range codes {
		state := rc.T("未使用")
		switch {
		case !c.Used.IsZero():
			state = rc.T("已使用")
		case !now.Before(c.Expires):
			state = rc.T("已过期")
		}
		ct.Add("••••-••••-"+c.Code[max(len(c.Code)-4, 0):], c.Point.Name, c.Point.Code, stampValue(stamp(c.Expires)), state)
	}
	return export{Name: "fleet", Period: o.today(), Tables: []*report.Table{t, ct}}, nil
}

// printerStateName is a printer state as the fleet page's chip says it.
func printerStateName(s string) string {
	switch s {
	case "ok":
		return "正常"
	case "error":
		return "故障"
	}
	return "未知"
}

// exportCatalog is the catalog page's tables: versions, publications and
// township overrides.
func (o *catalogPages) exportCatalog(r *http.Request, rc *reqCtx) (export, error) {
	ctx := r.Context()
	versions, err := o.st.CatalogVersions(ctx)
	if err != nil {
		return export{}, fmt.Errorf("list catalog versions: %w", err)
	}
	pubs, err := o.st.CatalogPublications(ctx)
	if err != nil {
		return export{}, fmt.Errorf("list publications: %w", err)
	}
	ovs, err := o.st.Overrides(ctx)
	if err != nil {
		return export{}, fmt.Errorf("list overrides: %w", err)
	}
	vt := report.New(rc.T("目录版本"), rc.T("目录版本")+" "+o.today(), columns(rc,
		report.Column{Header: "版本", Kind: report.Text}, report.Column{Header: "来源", Kind: report.Text},
		report.Column{Header: "服务点", Kind: report.Text}, report.Column{Header: "基于", Kind: report.Text},
		report.Column{Header: "事项数", Kind: report.Integer}, report.Column{Header: "创建时间", Kind: report.DateTime},
		report.Column{Header: "创建人", Kind: report.Text})...)
	for _, v := range versions {
		source := rc.T("乡镇覆盖")
		switch v.Source {
		case county.SourceImport:
			source = rc.T("导入")
		case county.SourceEdit:
			source = rc.T("编辑")
		}
		vt.Add(v.Version, source, v.Point, v.BaseVersion, v.Matters, stampValue(stamp(v.Created)), v.CreatedBy)
	}
	pt := report.New(rc.T("发布记录"), rc.T("发布记录")+" "+o.today(), columns(rc,
		report.Column{Header: "时间", Kind: report.DateTime}, report.Column{Header: "版本", Kind: report.Text},
		report.Column{Header: "服务点", Kind: report.Text}, report.Column{Header: "发布人", Kind: report.Text})...)
	for _, p := range pubs {
		point := p.Point
		if point == "*" {
			point = rc.T("全部")
		}
		pt.Add(stampValue(stamp(p.At)), p.Version, point, p.By)
	}
	ot := report.New(rc.T("乡镇覆盖"), rc.T("乡镇覆盖")+" "+o.today(), columns(rc,
		report.Column{Header: "服务点", Kind: report.Text}, report.Column{Header: "基于", Kind: report.Text},
		report.Column{Header: "生效版本", Kind: report.Text}, report.Column{Header: "更新时间", Kind: report.DateTime})...)
	for _, ov := range ovs {
		ot.Add(ov.Point, ov.BaseVersion, ov.EffectiveVersion, stampValue(stamp(ov.Updated)))
	}
	return export{Name: "catalog", Period: o.today(), Tables: []*report.Table{vt, pt, ot}}, nil
}

// exportMatters is one catalog version's matters (?version=).
func (o *catalogPages) exportMatters(r *http.Request, rc *reqCtx) (export, error) {
	v, err := o.st.CatalogVersion(r.Context(), r.URL.Query().Get("version"))
	if err != nil {
		if errors.Is(err, county.ErrNotFound) {
			return export{}, &county.InvalidError{Msg: "没有这个目录版本"}
		}
		return export{}, fmt.Errorf("read catalog version: %w", err)
	}
	cat, err := catalog.Parse(v.Doc)
	if err != nil {
		return export{}, fmt.Errorf("parse stored catalog: %w", err)
	}
	t := report.New(rc.T("事项目录"), rc.T("事项目录")+" "+v.Version, columns(rc,
		report.Column{Header: "编码", Kind: report.Text}, report.Column{Header: "名称", Kind: report.Text},
		report.Column{Header: "板块", Kind: report.Text}, report.Column{Header: "实施部门", Kind: report.Text},
		report.Column{Header: "类型", Kind: report.Text}, report.Column{Header: "法定时限（工作日）", Kind: report.Days},
		report.Column{Header: "承诺时限（工作日）", Kind: report.Days}, report.Column{Header: "材料数", Kind: report.Integer})...)
	for _, m := range cat.Matters {
		kind := rc.T("承诺件")
		if m.Kind == catalog.Immediate {
			kind = rc.T("即办件")
		}
		var legal any
		if m.LegalDays > 0 {
			legal = m.LegalDays
		}
		t.Add(m.Code, m.Name, m.Sector, m.Department, kind, legal, m.PromisedDays, len(m.Materials))
	}
	return export{Name: "catalog-" + v.Version, Period: o.today(), Tables: []*report.Table{t}}, nil
}

// updateCell is a kiosk's update state as the export writes it: the
// state in staff's words, the release, and the kiosk's reason.
func updateCell(rc *reqCtx, d deviceRow) string {
	if d.UpdateState == "" {
		return ""
	}
	out := rc.T(d.UpdateState)
	if d.UpdateVersion != "" {
		out += " " + d.UpdateVersion
	}
	if d.UpdateReason != "" {
		out += "（" + d.UpdateReason + "）"
	}
	return out
}
