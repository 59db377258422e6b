package link

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

type fake struct {
	info     Info
	refused  []Refused
	enrolled []string
	retried  []string
	syncs    int
	// round, when set, is a sync round SyncNow runs at once.
	round func(*Info)
}

func (f *fake) Info(context.Context) (Info, error) { return f.info, nil }
func (f *fake) Enroll(_ context.Context, url, code string) error {
	f.enrolled = append(f.enrolled, url+" "+code)
	f.info = Info{Enrolled: true, CountyURL: url, DeviceID: "d_9", Online: true}
	return nil
}
func (f *fake) Refused(context.Context) ([]Refused, error) { return f.refused, nil }
func (f *fake) Retry(_ context.Context, id string) error {
	f.retried = append(f.retried, id)
	f.refused = nil
	return nil
}
func (f *fake) SyncNow() {
	f.syncs++
	if f.round != nil {
		f.round(&f.info)
	}
}

func TestEnrollChecksInputFirst(t *testing.T) {
	test.NewTempApp(t)
	f := &fake{}
	s := New(context.Background(), f, func() {})
	test.NewTempWindow(t, s.Content())
	if !strings.Contains(s.State.Text, "尚未在县中心登记") || !s.SyncBtn.Disabled() {
		t.Errorf("not enrolled: state %q, 立即同步 disabled %v", s.State.Text, s.SyncBtn.Disabled())
	}
	for _, tc := range []struct{ url, code, want string }{
		{"county.example", "K7QX-2M9D-PLTA", "以 https:// 开头"},
		{"https://county.example", "K7", "登记码"},
	} {
		s.URL.SetText(tc.url)
		s.Code.SetText(tc.code)
		test.Tap(s.EnrollBtn)
		if got := s.Message.Text; !strings.Contains(got, tc.want) {
			t.Errorf("%q %q: message %q, want it to mention %q", tc.url, tc.code, got, tc.want)
		}
	}
	if len(f.enrolled) != 0 {
		t.Fatalf("bad input reached the county: %v", f.enrolled)
	}
	s.Async = func(work func() error, done func(error)) { done(work()) }
	s.URL.SetText("https://county.example")
	s.Code.SetText("K7QX-2M9D-PLTA")
	test.Tap(s.EnrollBtn)
	if len(f.enrolled) != 1 || s.Code.Text != "" || !strings.Contains(s.State.Text, "d_9") || s.SyncBtn.Disabled() {
		t.Errorf("after enrolling: calls %v, code %q, state %q", f.enrolled, s.Code.Text, s.State.Text)
	}
}

func TestRefusedEventsCanBeRetried(t *testing.T) {
	test.NewTempApp(t)
	f := &fake{info: Info{Enrolled: true, CountyURL: "https://county.example", DeviceID: "d_9", Note: "无法连接县中心"},
		refused: []Refused{{ID: "ev-7", Kind: "case.accepted", Tracking: "47U8BPC811Y2000H", Reason: "bad_payload: 缺少申请人", At: time.Now()}}}
	s := New(context.Background(), f, func() {})
	test.NewTempWindow(t, s.Content())
	if !strings.Contains(s.State.Text, "离线（无法连接县中心）") {
		t.Errorf("state %q", s.State.Text)
	}
	btn, ok := s.Retry["ev-7"]
	if !ok {
		t.Fatal("no retry button for the refused event")
	}
	test.Tap(btn)
	if len(f.retried) != 1 || f.syncs != 1 || len(s.Retry) != 0 {
		t.Errorf("retried %v, syncs %d, buttons left %d", f.retried, f.syncs, len(s.Retry))
	}
}

// TestLinkStateFollowsSync: the state line is read again after 立即同步
// and whenever the link says it changed (a round in the background), and
// the wrapped text never overlaps what follows it.
func TestLinkStateFollowsSync(t *testing.T) {
	test.NewTempApp(t)
	pushed := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC) // 17:30 in China
	f := &fake{info: Info{Enrolled: true, CountyURL: "https://county.example", DeviceID: "d_9", Pending: 3, Uploads: 2,
		Note: "无法连接县中心：网络不通，请检查本机网络或稍后再试；若一直如此，请联系县中心信息科"}}
	f.round = func(i *Info) { i.Online, i.Note, i.LastPush, i.Pending = true, "", pushed, 0 }
	s := New(context.Background(), f, func() {})
	w := test.NewTempWindow(t, s.Content())
	w.Resize(fyne.NewSize(700, 700))
	if !strings.Contains(s.State.Text, "最近上传 从未") {
		t.Fatalf("before: got %q", s.State.Text)
	}
	test.Tap(s.SyncBtn)
	if got := s.State.Text; !strings.Contains(got, "在线") || !strings.Contains(got, "最近上传 2026-12-01 17:30") || !strings.Contains(got, "待上传记录 0 条") {
		t.Errorf("after 立即同步: got %q, want 在线, the upload's time and nothing pending", got)
	}
	// A kiosk that takes updates says its version and where the release is.
	f.info.Version, f.info.Update = "0.7.0", "0.8.0 已下载，将在夜间无人办理时安装"
	s.Changed()
	if got := s.State.Text; !strings.Contains(got, "本机版本 0.7.0；更新：0.8.0 已下载") {
		t.Errorf("with an update: got %q, want the version and the update's state", got)
	}
	// A round in the background: the county went away again.
	f.info.Online, f.info.Note, f.info.Uploads = false, "县中心暂时无法访问", 0
	s.Changed()
	if got := s.State.Text; !strings.Contains(got, "离线（县中心暂时无法访问）") || !strings.Contains(got, "最近上传 2026-12-01 17:30") {
		t.Errorf("after a background round: got %q", got)
	}
	// The state grows from one line to several: what follows moves down.
	f.info = Info{}
	s.Reload()
	f.info = Info{Enrolled: true, CountyURL: "https://county.example/" + strings.Repeat("a", 120), DeviceID: "d_9",
		Note: strings.Repeat("网络不通，请稍后再试；", 12)}
	s.Changed()
	next := s.body.Objects[1]
	bottom := s.State.Position().Y + s.State.Size().Height
	if bottom > next.Position().Y {
		t.Errorf("the state text (bottom %v) overlaps the next line (top %v)", bottom, next.Position().Y)
	}
	if got, want := s.State.Size().Height, s.State.MinSize().Height; got < want {
		t.Errorf("state label: got height %v, want at least its text's %v", got, want)
	}
}
