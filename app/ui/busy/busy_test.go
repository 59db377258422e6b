package busy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

func TestOneActionAtATimeOffTheCaller(t *testing.T) {
	test.NewTempApp(t)
	var g Guard
	release := make(chan struct{})
	var got []string
	started := make(chan bool, 1)
	go func() {
		// Run must return while work is still blocked.
		started <- Run(&g, func() { got = append(got, "begin") }, func() (string, error) { <-release; return "printed", nil }, func(v string, err error) {
			got = append(got, v)
		})
	}()
	select {
	case ok := <-started:
		if !ok {
			t.Fatal("the first action was refused")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run blocked until the work finished")
	}
	if !g.Busy() {
		t.Error("not busy while the work runs")
	}
	if Run(&g, func() { got = append(got, "second begin") }, func() (string, error) { return "second", nil }, func(v string, _ error) { got = append(got, v) }) {
		t.Error("a second action started while the first ran")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	if err := g.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait while blocked: %v, want the deadline", err)
	}
	cancel()
	close(release)
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := g.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "begin,printed" || g.Busy() {
		t.Errorf("after the action: calls %q, busy %v; want [begin printed], not busy", got, g.Busy())
	}
	fail := errors.New("jammed")
	var gotErr error
	if !RunErr(&g, nil, func() error { return fail }, func(err error) { gotErr = err }) {
		t.Fatal("the guard stayed busy after done")
	}
	if err := g.Wait(ctx); err != nil || !errors.Is(gotErr, fail) {
		t.Errorf("RunErr: wait %v, done got %v", err, gotErr)
	}
}
