package setup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/idcard"
	"github.com/yichuang/yichuang/app/idcard/sdt"
	"github.com/yichuang/yichuang/app/idcard/sdt/sdttest"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
)

// TestSettingsShowTheReader: 设置 names the reader's library and says
// whether a reader answers — the simulated one, one unplugged, a library
// that is not there — or that none is configured.
func TestSettingsShowTheReader(t *testing.T) {
	busytest.NewApp(t)
	sim := sdttest.New(t)
	probe := func(r idcard.Reader) func(context.Context) error {
		return func(ctx context.Context) error {
			if _, err := r.Read(ctx); errors.Is(err, idcard.ErrNoReader) {
				return err
			}
			return nil
		}
	}
	for _, tc := range []struct {
		name, library, state string
		want                 []string
		imp                  widget.Importance
	}{
		{"found", sim.Library, sdttest.NoCard, []string{sim.Library, "已找到阅读器"}, widget.SuccessImportance},
		{"unplugged", sim.Library, sdttest.Gone, []string{"未找到阅读器", "SDT_OpenPort returned 0x1"}, widget.WarningImportance},
		{"no such library", "/opt/none/libsdtapi.so", sdttest.NoCard, []string{"未找到阅读器", "/opt/none/libsdtapi.so"}, widget.WarningImportance},
		{"not configured", "", sdttest.NoCard, []string{"未配置读卡库"}, widget.MediumImportance},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim.Set(tc.state)
			s := New(context.Background(), &fakeConfigurer{}, servicepoint.Kiosk{}, func(servicepoint.Kiosk) {})
			test.NewTempWindow(t, s.Content())
			r := sdt.New(sdt.Config{Library: tc.library})
			defer r.Close()
			s.ShowReader(context.Background(), tc.library, probe(r))
			busytest.Until(t, fmt.Sprintf("the reader's row to say %q", tc.want), func() bool {
				for _, w := range tc.want {
					if !strings.Contains(s.Reader.Text, w) {
						return false
					}
				}
				return s.Reader.Importance == tc.imp
			})
		})
	}
}
