package services

import (
	"testing"

	"github.com/yichuang/yichuang/sync/protocol"
)

func TestRefusalInTheSupervisorsWords(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"wrong_point: case belongs to service point 330522102000", "不属于本服务点（wrong_point：case belongs to service point 330522102000）"},
		{"out_of_order: version 2 after 3", "同一办件的前一条记录未被接收（out_of_order：version 2 after 3）"},
		{"something_new: from a newer county", "something_new: from a newer county"},
	} {
		if got := refusal(tc.in); got != tc.want {
			t.Errorf("refusal(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestRefusedKindNamesFollowUps: a county before the follow-up kinds
// refuses them; the supervisor reads what was refused in words.
func TestRefusedKindNamesFollowUps(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"followup.called", "差评回访"},
		{"followup.rectified", "差评整改"},
		{"case.accepted", "受理"},
	} {
		if got := refusedKind(tc.in); got != tc.want {
			t.Errorf("refusedKind(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestUpdateStateInTheSupervisorsWords: the 县中心连接 screen says where
// the county's latest release is; a kiosk without updates says nothing.
func TestUpdateStateInTheSupervisorsWords(t *testing.T) {
	for _, tc := range []struct {
		in   *protocol.UpdateStatus
		want string
	}{
		{nil, ""},
		{&protocol.UpdateStatus{State: protocol.UpdateCurrent}, "已是最新"},
		{&protocol.UpdateStatus{State: protocol.UpdateDownloading, Version: "0.8.0"}, "正在下载 0.8.0"},
		{&protocol.UpdateStatus{State: protocol.UpdateWaitingNight, Version: "0.8.0"}, "0.8.0 已下载，将在夜间无人办理时安装"},
		{&protocol.UpdateStatus{State: protocol.UpdateRolledBack, Version: "0.8.0", Reason: "self-check failed"}, "0.8.0 未通过自检，已退回原版本"},
		{&protocol.UpdateStatus{State: protocol.UpdateRefused, Version: "0.6.0", Reason: "not-newer"}, "0.6.0 未通过校验，已拒绝"},
	} {
		if got := updateState(tc.in); got != tc.want {
			t.Errorf("updateState(%+v): got %q, want %q", tc.in, got, tc.want)
		}
	}
}
