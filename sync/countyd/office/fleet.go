package office

import (
	"context"
	"errors"
	"github.com/yichuang/yichuang/sync/protocol"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
)

// offlineAfter is how long without contact makes a kiosk show as offline
// (county.SilentAfter, which the page's 离线 filter uses too).
const offlineAfter = county.SilentAfter

type deviceRow struct {
	ID, Point, PointName, Host, AppVersion string
	Enrolled, LastSeen                     string
	Events                                 int64
	Revoked                                bool
	Offline                                bool
	HasReport                              bool
	Pending, Quarantined, Uploads          int
	LastError                              string
	Printer, PrinterState, PrinterDetail   string
	PrinterProblem                         string // in staff's words ("" when unknown)
	PrinterAt, ReportAt                    string
	// The kiosk's update state (protocol.UpdateStates), the release it is
	// about and, for refused and rolled back, the kiosk's reason.
	UpdateState, UpdateVersion, UpdateReason string
}

type codeRow struct {
	Code, Point, PointName, Level, Created, Expires, State, Device string
}

// fleetPages serve the fleet page.
// Their st, which shadows the Office's shared one, is all of the
// store they reach.
type fleetPages struct {
	*Office
	st fleetStore
}

// fleetStore is the fleet page's store: the devices and the releases
// they report on.
type fleetStore interface {
	county.Fleet
	county.ReleaseAdmin
}

func (o *fleetPages) fleet(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	o.showFleet(w, r, rc, "", "", http.StatusOK)
}

// fleetFilter is the page's filter as its query says it: the page shows
// and the export exports the same devices.
func fleetFilter(q url.Values, now time.Time, limit int) county.FleetFilter {
	f := county.FleetFilter{Point: strings.TrimSpace(q.Get("point")), State: q.Get("state"), Version: q.Get("version"),
		Update: q.Get("update"), After: q.Get("after"), Before: q.Get("before"), Limit: limit, Now: now}
	if f.Before != "" {
		f.After = ""
	}
	return f
}

// updateStates are the kiosks' update states in staff's words, in the
// order a release goes through them.
var updateStates = []option{{protocol.UpdateCurrent, "已是最新"}, {protocol.UpdateDownloading, "下载中"},
	{protocol.UpdateDownloaded, "已下载"}, {protocol.UpdateWaitingNight, "等待夜间安装"}, {protocol.UpdateInstalled, "已安装"},
	{protocol.UpdateRolledBack, "已回退"}, {protocol.UpdateRefused, "已拒绝"}}

// updateLabel is an update state in staff's words ("" for none).
func updateLabel(state string) string {
	for _, s := range updateStates {
		if s.Value == state {
			return s.Label
		}
	}
	return ""
}

// releaseCount is how many kiosks are in one update state for the
// published release.
type releaseCount struct {
	State, Label string
	N            int
}

// publishedRelease is the newest published release and its kiosks'
// update states, for the head of the fleet page (nil when none).
func (o *fleetPages) publishedRelease(ctx context.Context, rc *reqCtx) (map[string]any, error) {
	rels, err := o.st.ReleaseList(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rels {
		if r.Channel == "" {
			continue
		}
		counts, err := o.st.UpdateCounts(ctx, r.Version)
		if err != nil {
			return nil, err
		}
		var cs []releaseCount
		for _, s := range updateStates {
			if counts[s.Value] > 0 {
				cs = append(cs, releaseCount{s.Value, rc.T(s.Label), counts[s.Value]})
			}
		}
		channel := "全部设备"
		if r.Channel == county.ChannelPilot {
			channel = "试点"
		}
		return map[string]any{"Version": r.Version, "Platform": r.OS + "/" + r.Arch, "Channel": rc.T(channel),
			"Published": stamp(r.Published), "Counts": cs}, nil
	}
	return nil, nil
}

// releaseRow is an uploaded release as the fleet page lists it.
type releaseRow struct {
	Version, OS, Arch, Channel, ChannelLabel, Expires, AddedBy string
}

// releaseRows lists the uploaded releases, newest first, for publishing.
func (o *fleetPages) releaseRows(ctx context.Context, rc *reqCtx) ([]releaseRow, string, error) {
	rels, err := o.st.ReleaseList(ctx)
	if err != nil {
		return nil, "", err
	}
	var rows []releaseRow
	for _, r := range rels {
		label := "未发布"
		switch r.Channel {
		case county.ChannelPilot:
			label = "试点"
		case county.ChannelAll:
			label = "全部设备"
		}
		rows = append(rows, releaseRow{Version: r.Version, OS: r.OS, Arch: r.Arch, Channel: r.Channel, ChannelLabel: rc.T(label),
			Expires: stamp(r.Expires), AddedBy: r.AddedBy})
	}
	pilots, err := o.st.ReleasePilots(ctx)
	return rows, strings.Join(pilots, ","), err
}

// publishRelease offers an uploaded release to the pilot or to all, or
// withdraws it; the store writes the audit row in the same transaction.
// Signing is never done here: the county holds no release key.
func (o *fleetPages) publishRelease(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	v, goos, arch, ch := r.PostFormValue("version"), r.PostFormValue("os"), r.PostFormValue("arch"), r.PostFormValue("channel")
	_, err := o.st.PublishRelease(r.Context(), v, goos, arch, ch, rc.audit("", ""))
	switch {
	case errors.Is(err, county.ErrNotFound):
		o.showFleet(w, r, rc, "", "没有这个版本", http.StatusNotFound)
		return
	case errors.As(err, new(*county.InvalidError)):
		o.showFleet(w, r, rc, "", "发布范围无效", http.StatusBadRequest)
		return
	case err != nil:
		o.internal(w, r, rc, "publish release", err)
		return
	}
	http.Redirect(w, r, "/office/fleet", http.StatusSeeOther)
}

// setPilots replaces the pilot's service points and devices (audited).
func (o *fleetPages) setPilots(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	var members []string
	for _, m := range strings.FieldsFunc(r.PostFormValue("members"), func(c rune) bool { return c == ',' || c == '，' || c == ' ' || c == '\n' }) {
		members = append(members, strings.TrimSpace(m))
	}
	if err := o.st.SetReleasePilots(r.Context(), members, rc.audit("", "")); err != nil {
		o.internal(w, r, rc, "set pilots", err)
		return
	}
	http.Redirect(w, r, "/office/fleet", http.StatusSeeOther)
}

// fleetStates are the state filter's choices.
var fleetStates = []option{{county.FleetOnline, "在线"}, {county.FleetSilent, "离线超过一天"},
	{county.FleetRefused, "有被拒收的事件"}, {county.FleetPrinter, "打印机故障"}}

func (o *fleetPages) showFleet(w http.ResponseWriter, r *http.Request, rc *reqCtx, newCode, problem string, status int) {
	ctx := r.Context()
	q := r.URL.Query()
	now := o.now()
	f := fleetFilter(q, now, PageSize)
	list, err := o.st.DevicePage(ctx, f)
	if errors.As(err, new(*county.InvalidError)) {
		o.fail(w, r, rc, http.StatusBadRequest, "筛选条件无效")
		return
	}
	if err != nil {
		o.internal(w, r, rc, "list devices", err)
		return
	}
	counts, err := o.st.FleetCounts(ctx)
	if err != nil {
		o.internal(w, r, rc, "count devices", err)
		return
	}
	versions, err := o.st.DeviceVersions(ctx)
	if err != nil {
		o.internal(w, r, rc, "list device versions", err)
		return
	}
	var versionOpts []option
	for _, v := range versions {
		// A version is the kiosk's text: one hiding a number is not offered.
		if MaskText(v) == v {
			versionOpts = append(versionOpts, option{v, v})
		}
	}
	var states []option
	for _, s := range fleetStates {
		states = append(states, option{s.Value, rc.T(s.Label)})
	}
	var updates []option
	for _, s := range updateStates {
		updates = append(updates, option{s.Value, rc.T(s.Label)})
	}
	rel, err := o.publishedRelease(ctx, rc)
	if err != nil {
		o.internal(w, r, rc, "read published release", err)
		return
	}
	releases, pilots, err := o.releaseRows(ctx, rc)
	if err != nil {
		o.internal(w, r, rc, "list releases", err)
		return
	}
	spent := q.Get("codes") == "spent"
	codes, nextCodes, err := o.st.CodePage(ctx, county.CodeFilter{Spent: spent, After: q.Get("codes_after"), Limit: PageSize, Now: now})
	if errors.As(err, new(*county.InvalidError)) {
		o.fail(w, r, rc, http.StatusBadRequest, "筛选条件无效")
		return
	}
	if err != nil {
		o.internal(w, r, rc, "list enrollment codes", err)
		return
	}
	link := func(set map[string]string, drop ...string) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		for _, k := range drop {
			v.Del(k)
		}
		for k, x := range set {
			v.Set(k, x)
		}
		return "/office/fleet?" + v.Encode()
	}
	data := map[string]any{"Devices": o.fleetRows(list, now), "Counts": counts, "F": f, "StateOpts": states, "VersionOpts": versionOpts,
		"UpdateOpts": updates, "Release": rel, "Releases": releases, "Pilots": pilots,
		"Codes": codeRows(codes, now), "Spent": spent, "NewCode": newCode, "Problem": rc.T(problem), "Form": r.PostForm}
	// Devices page by the boundary row's id (never a code: see CodePage).
	if len(list) > 0 && (f.After != "" || f.Before != "" && len(list) == f.Limit) {
		data["Prev"] = link(map[string]string{"before": list[0].ID}, "after")
	}
	if len(list) > 0 && (len(list) == f.Limit || f.Before != "") {
		data["Next"] = link(map[string]string{"after": list[len(list)-1].ID}, "before")
	}
	if nextCodes != "" {
		data["NextCodes"] = link(map[string]string{"codes_after": nextCodes})
	}
	if q.Get("codes_after") != "" {
		data["FirstCodes"] = link(nil, "codes_after")
	}
	if status != http.StatusOK {
		o.renderStatus(w, r, rc, status, "fleet", data)
		return
	}
	o.render(w, r, rc, "fleet", data)
}

// fleetRows are a page of devices as the page shows them.
func (o *fleetPages) fleetRows(list []county.FleetDevice, now time.Time) []deviceRow {
	devs := make([]county.Device, 0, len(list))
	reports := map[string]county.DeviceReport{}
	for _, d := range list {
		devs = append(devs, d.Device)
		if d.HasReport {
			reports[d.ID] = d.Report
		}
	}
	return deviceRows(devs, reports, now)
}

// codeRows are enrollment codes as the page shows them.
func codeRows(codes []county.EnrollCodeInfo, now time.Time) []codeRow {
	var crows []codeRow
	for _, c := range codes {
		row := codeRow{Code: c.Code, Point: c.Point.Code, PointName: c.Point.Name, Level: c.Point.Level,
			Created: stamp(c.Created), Expires: stamp(c.Expires), Device: c.DeviceID}
		switch {
		case !c.Used.IsZero():
			row.State = "used"
		case !now.Before(c.Expires):
			row.State = "expired"
		default:
			row.State = "unused"
		}
		if row.State != "unused" {
			// A used or expired code is worthless, but showing it whole
			// invites reading it out by mistake; the tail identifies it.
			row.Code = "••••-••••-" + c.Code[len(c.Code)-4:]
		}
		crows = append(crows, row)
	}
	return crows
}

func (o *fleetPages) createCode(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	p := county.ServicePoint{Code: strings.TrimSpace(r.PostFormValue("point")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Level: r.PostFormValue("level")}
	if err := county.ValidatePoint(p); err != nil {
		o.showFleet(w, r, rc, "", "服务点编码应为12位数字，名称必填，层级为乡镇或村", http.StatusBadRequest)
		return
	}
	c, err := o.st.CreateEnrollCodeAudited(r.Context(), p, rc.audit("enroll.create", p.Code))
	if err != nil {
		o.internal(w, r, rc, "create enrollment code", err)
		return
	}
	rc.Flash = "已生成登记码（一次性，72小时内有效）"
	r.PostForm = nil
	o.showFleet(w, r, rc, c.Code, "", http.StatusOK)
}

func (o *fleetPages) device(w http.ResponseWriter, r *http.Request, rc *reqCtx) (county.Device, bool) {
	d, err := o.st.FleetDevice(r.Context(), r.PathValue("id"))
	if errors.Is(err, county.ErrNotFound) {
		o.fail(w, r, rc, http.StatusNotFound, "没有这台设备")
		return county.Device{}, false
	}
	if err != nil {
		o.internal(w, r, rc, "read device", err)
		return county.Device{}, false
	}
	return d, true
}

// revokeConfirm is the confirm step before a revoke: revoking stops a
// hall's kiosk syncing until it is enrolled again.
func (o *fleetPages) revokeConfirm(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	d, ok := o.device(w, r, rc)
	if !ok {
		return
	}
	o.render(w, r, rc, "revoke", map[string]any{"ID": d.ID, "Point": d.Point, "Host": MaskText(d.Hostname), "LastSeen": stamp(d.LastSeen)})
}

func (o *fleetPages) revoke(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id := r.PathValue("id")
	if r.PostFormValue("confirm") != "yes" {
		http.Redirect(w, r, "/office/fleet/devices/"+url.PathEscape(id)+"/revoke", http.StatusSeeOther)
		return
	}
	err := o.st.RevokeDeviceAudited(r.Context(), id, rc.audit("device.revoke", id))
	if errors.Is(err, county.ErrNotFound) {
		o.fail(w, r, rc, http.StatusNotFound, "没有这台设备")
		return
	}
	if err != nil {
		o.internal(w, r, rc, "revoke device", err)
		return
	}
	http.Redirect(w, r, "/office/fleet", http.StatusSeeOther)
}

// deviceRows are the fleet's rows as the page shows them: the page and
// its export both show these.
func deviceRows(devs []county.Device, reports map[string]county.DeviceReport, now time.Time) []deviceRow {
	var rows []deviceRow
	for _, d := range devs {
		// The device id, point and point name are the county's; the host
		// name, version and every word of a status report are the
		// device's, masked like any text from a kiosk.
		row := deviceRow{ID: d.ID, Point: d.Point.Code, PointName: d.Point.Name, Host: MaskText(d.Hostname), AppVersion: MaskText(d.AppVersion),
			Enrolled: stamp(d.Created), LastSeen: stamp(d.LastSeen), Events: d.Events, Revoked: !d.Revoked.IsZero(),
			Offline: d.LastSeen.IsZero() || now.Sub(d.LastSeen) > offlineAfter}
		if rep, ok := reports[d.ID]; ok {
			s := rep.Status
			row.HasReport = true
			if s.AppVersion != "" {
				row.AppVersion = MaskText(s.AppVersion)
			}
			row.Pending, row.Quarantined, row.Uploads = s.Pending, s.Quarantined, s.Uploads
			// Kiosk error texts may quote what a clerk typed.
			row.LastError = MaskText(s.LastError)
			row.Printer, row.PrinterState, row.PrinterDetail = MaskText(s.Printer.Queue), MaskText(s.Printer.State), MaskText(s.Printer.Detail)
			row.PrinterProblem = printerProblem(s.Printer.Problem)
			if !s.Printer.At.IsZero() {
				row.PrinterAt = stamp(s.Printer.At)
			}
			row.ReportAt = stamp(rep.Received)
			if u := s.Update; u != nil {
				row.UpdateState, row.UpdateVersion, row.UpdateReason = updateLabel(u.State), MaskText(u.Version), MaskText(u.Reason)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// printerProblem is a kiosk's printer problem (protocol.PrinterProblems)
// in staff's words; the print command's own text stays behind 详情.
func printerProblem(code string) string {
	switch code {
	case protocol.PrinterNoCommand:
		return "未安装打印服务"
	case protocol.PrinterNoDefault:
		return "没有默认打印机，本机也未选择打印机"
	case protocol.PrinterUnknownQueue:
		return "本机设置的打印机不存在"
	case protocol.PrinterNotAccepting:
		return "打印机已暂停或离线"
	case protocol.PrinterNoSpooler:
		return "打印服务没有运行"
	case protocol.PrinterTimedOut:
		return "打印机长时间没有响应"
	case protocol.PrinterRefused:
		return "打印机拒绝了打印任务"
	case protocol.PrinterPaperOut:
		return "热敏打印机缺纸"
	case protocol.PrinterCoverOpen:
		return "热敏打印机纸仓盖未合上"
	case protocol.PrinterOffline:
		return "热敏打印机离线或未开机"
	case protocol.PrinterFault:
		return "热敏打印机故障（切刀或机芯）"
	}
	return ""
}
