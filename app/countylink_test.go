package main

import (
	"errors"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/client"
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

func TestLinkErrorSaysWhatToDo(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	county := now.Add(-7 * time.Minute)
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&client.StatusError{Status: 401, Code: "clock_skew", ServerTime: &county}, "时钟不准：本机时间与县中心相差7分钟，请校准本机时间后再同步"},
		{&client.StatusError{Status: 401, Code: "revoked"}, "本机未在县中心登记或已被停用，请联系县中心重新登记"},
		{&client.StatusError{Status: 403, Code: "bad_enrollment"}, "登记码无效、已使用或已过期，请向县中心重新申请"},
		{&client.StatusError{Status: 503, Code: "internal"}, "县中心暂时无法处理（503），稍后自动重试"},
		{errors.New("dial tcp 10.0.0.1:443: connect: network is unreachable"), "无法连接县中心，办件已保存在本机，联网后自动上传"},
	} {
		if got := linkError(tc.err, now).Error(); got != tc.want {
			t.Errorf("linkError(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
