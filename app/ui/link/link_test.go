package link

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

type fake struct {
	info     Info
	refused  []Refused
	enrolled []string
	retried  []string
	syncs    int
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
func (f *fake) SyncNow() { f.syncs++ }

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
