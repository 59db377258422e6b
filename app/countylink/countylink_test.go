package countylink

import (
	"errors"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/client"
)

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
		if got := Explain(tc.err, now).Error(); got != tc.want {
			t.Errorf("Explain(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if Explain(nil, now) != nil {
		t.Error("Explain(nil) is not nil")
	}
}
