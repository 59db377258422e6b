package services

import (
	"context"
	"strings"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/countylink"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/ui/link"
	"github.com/yichuang/yichuang/sync/protocol"
)

// County gives the supervisor's 县中心连接 screen the kiosk's standing with
// the county, enrollment, and the events the county refused.
type County struct {
	DB   *store.DB
	Link *countylink.Link
}

var _ link.Service = County{}

// Info is the enrollment, what waits to go, and how the last round went.
func (c County) Info(ctx context.Context) (link.Info, error) {
	e, ok, err := c.DB.Enrollment(ctx)
	if err != nil {
		return link.Info{}, err
	}
	st, err := c.DB.SyncStatus(ctx)
	if err != nil {
		return link.Info{}, err
	}
	state, _ := c.Link.Snapshot()
	info := link.Info{Enrolled: ok, CountyURL: e.CountyURL, DeviceID: e.DeviceID, Online: state.Online,
		LastPush: st.LastPush, LastPull: st.LastPull, Pending: st.Pending, Uploads: st.Uploads}
	if p := c.Link.Problem(); p != nil {
		info.Note = p.Error()
	}
	var us *protocol.UpdateStatus
	info.Version, us = c.Link.Version()
	info.Update = updateState(us)
	return info, nil
}

// updateState is the kiosk's update state in the supervisor's words (""
// when it takes no updates).
func updateState(us *protocol.UpdateStatus) string {
	if us == nil {
		return ""
	}
	v := map[string]any{"V": us.Version}
	switch us.State {
	case protocol.UpdateDownloading:
		return l10n.L("正在下载 {{.V}}", v)
	case protocol.UpdateDownloaded, protocol.UpdateWaitingNight:
		return l10n.L("{{.V}} 已下载，将在夜间无人办理时安装", v)
	case protocol.UpdateInstalled:
		return l10n.L("已安装 {{.V}}", v)
	case protocol.UpdateRolledBack:
		return l10n.L("{{.V}} 未通过自检，已退回原版本", v)
	case protocol.UpdateRefused:
		return l10n.L("{{.V}} 未通过校验，已拒绝", v)
	}
	return l10n.L("已是最新")
}

// Enroll exchanges the county's one-time code and starts syncing.
func (c County) Enroll(ctx context.Context, countyURL, code string) error {
	return c.Link.Enroll(ctx, countyURL, code)
}

// Refused lists the events the county set aside, in the supervisor's words.
func (c County) Refused(ctx context.Context) ([]link.Refused, error) {
	q, err := c.DB.Quarantined(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]link.Refused, len(q))
	for i, e := range q {
		out[i] = link.Refused{ID: e.ID, Kind: refusedKind(e.Kind), Tracking: e.Tracking, Reason: refusal(e.Reason), At: e.At}
	}
	return out, nil
}

// refusedKind names a refused event's kind: a case action by its name, a
// follow-up step (which a county before them refuses as unknown) as
// 差评回访 / 差评整改.
func refusedKind(kind string) string {
	switch protocol.Kind(kind) {
	case protocol.FollowUpCalled:
		return l10n.L("差评回访")
	case protocol.FollowUpRectified:
		return l10n.L("差评整改")
	}
	return l10n.L(cases.EventName(cases.EventKind(kind)))
}

// Retry sends a refused event again with the next round.
func (c County) Retry(ctx context.Context, eventID string) error { return c.Link.Retry(ctx, eventID) }

// SyncNow asks for a round at once.
func (c County) SyncNow() { c.Link.SyncNow() }

// Why the county refuses an event, in the supervisor's words; the county's
// own text follows in brackets for whoever they call at the county.
var refusals = map[string]*msg.Error{
	protocol.CodeWrongPoint:  msg.New("不属于本服务点"),
	protocol.CodeBadPayload:  msg.New("内容不完整或格式不对"),
	protocol.CodeUnknownKind: msg.New("县中心尚不能接收此类记录"),
	protocol.CodeOutOfOrder:  msg.New("同一办件的前一条记录未被接收"),
	protocol.CodeMalformed:   msg.New("记录无法读取"),
	protocol.CodeTooLarge:    msg.New("记录过大"),
}

func refusal(reason string) string {
	code, detail, _ := strings.Cut(reason, ": ")
	if m, ok := refusals[code]; ok {
		return l10n.Error(m) + "（" + code + "：" + detail + "）"
	}
	return reason
}
