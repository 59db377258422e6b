package kiosk

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/internal/uitest"
	"github.com/yichuang/yichuang/app/ui/accounts"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/ui/kiosktheme"
	"github.com/yichuang/yichuang/app/ui/selfservice"
)

// The screens a hall uses, at the screen sizes halls have (issue 17: forms
// wider than the screen after first setup, a failed print widening the
// window, 长辈模式 cutting off its own pages). Each screen's content must
// ask for no more than the screen, and no visible object may lie outside
// the window: a screen that asks for more grows the real window past the
// screen and its bottom row or right column is lost. The Xvfb half, the
// real window's geometry, is TestEveryScreenFits in app/.

var screens = []fyne.Size{{Width: 1280, Height: 800}, {Width: 1366, Height: 768}}

// fits checks the window as it is now.
func fits(t *testing.T, w fyne.Window, screen fyne.Size, name string) {
	t.Helper()
	busytest.Settle(t, noWait{})
	w.Content().Refresh()
	if got := w.Content().MinSize(); got.Width > screen.Width || got.Height > screen.Height {
		t.Errorf("%s needs %v, more than the screen %v", name, got, screen)
	}
	w.Resize(screen) // the test window grows to its content as a real one would; back to the screen
	if got := w.Canvas().Size(); got.Width > screen.Width || got.Height > screen.Height {
		t.Errorf("%s: the window is %v, more than the screen %v", name, got, screen)
	}
	bad := uitest.OffScreen(w)
	if len(bad) > 8 {
		bad = append(bad[:8], fmt.Sprintf("… and %d more", len(bad)-8))
	}
	for _, b := range bad {
		t.Errorf("%s: off the screen: %s", name, b)
	}
}

// tapText taps the first tappable object showing exactly text.
func tapText(t *testing.T, w fyne.Window, text string) {
	t.Helper()
	if !tapFirst(t, w, text) {
		t.Fatalf("nothing to tap showing %q on:\n%s", text, shown(w))
	}
}

// tapFirst taps the first of texts that the window shows.
func tapFirst(t *testing.T, w fyne.Window, texts ...string) bool {
	t.Helper()
	for _, text := range texts {
		if tapOne(t, w, text) {
			return true
		}
	}
	return false
}

func tapOne(t *testing.T, w fyne.Window, text string) bool {
	t.Helper()
	target, ok := uitest.Find(w, text)
	if !ok {
		return false
	}
	target.Tap()
	busytest.Settle(t, noWait{})
	return true
}

func TestEveryScreenFits(t *testing.T) {
	for _, screen := range screens {
		t.Run(fmt.Sprintf("%.0fx%.0f", screen.Width, screen.Height), func(t *testing.T) {
			t.Run("first setup", func(t *testing.T) {
				k, w := start(t, t.TempDir(), "")
				w.Resize(screen)
				fits(t, w, screen, "first setup")
				_ = k
			})
			k, w := start(t, halltest.ConfiguredData(t), "")
			w.Resize(screen)
			fits(t, w, screen, "lock screen")
			unlock(t, k, w)
			fits(t, w, screen, "home")
			for _, elderly := range []bool{false, true} {
				k.showSelfService()
				name := "自助服务"
				if elderly {
					tapText(t, w, "长辈模式：大字")
					name += " 长辈模式"
				}
				fits(t, w, screen, name)
				for _, tile := range []string{"取号", "预约", "进度查询", "自助申报"} {
					tapText(t, w, tile)
					fits(t, w, screen, name+" "+tile)
					if !tapFirst(t, w, "首页", "返回") {
						t.Fatalf("no way home from %s:\n%s", tile, shown(w))
					}
				}
				tapText(t, w, "办事指南")
				fits(t, w, screen, name+" 办事指南")
				tapText(t, w, "其他综合事务")
				fits(t, w, screen, name+" 办事指南 其他综合事务")
				// The longest name in the demo catalog.
				if !tapFirst(t, w, "设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批") {
					t.Fatalf("the longest matter is not on the sector's first page:\n%s", shown(w))
				}
				fits(t, w, screen, name+" 办事指南 the longest matter")
				k.app.Settings().SetTheme(kiosktheme.New())
			}
			_ = selfservice.ElderlyTheme
			k.showHome()
			fits(t, w, screen, "home after the terminal")
			sup, err := k.db.Authenticate(context.Background(), halltest.SupervisorLogin, halltest.SupervisorSecret)
			if err != nil {
				t.Fatal(err)
			}
			k.clerk = sup
			k.showCounter()
			fits(t, w, screen, "窗口受理")
			for _, tool := range []string{"统计", "差评回访", "县中心连接", "设置"} {
				k.showCounter()
				tapText(t, w, tool)
				fits(t, w, screen, "窗口受理 "+tool)
			}
			k.showCounter()
			for _, step := range []string{"2 申请人", "3 表单", "4 材料", "5 决定", "1 事项"} {
				tapText(t, w, step)
				fits(t, w, screen, "窗口受理 "+step)
			}
			for _, tool := range []string{"查询办件", "预审"} {
				k.showCounter()
				tapText(t, w, tool)
				fits(t, w, screen, "窗口受理 "+tool)
			}
			k.showFatalBack(strings.Repeat("数据库文件无法打开：磁盘已满或没有写入权限。", 12), k.showHome)
			fits(t, w, screen, "a long error")
			ctx := context.Background()
			k.win.SetContent(accounts.NewFirstSupervisor(ctx, k.accountsService(), k.hallSectors(ctx), func(clerks.Account) {}).Content())
			fits(t, w, screen, "first supervisor")
			k.showPeople()
			fits(t, w, screen, "人员管理")
			tapText(t, w, "添加人员")
			fits(t, w, screen, "人员管理 添加人员")
			k.showBoard()
			fits(t, w, screen, "大厅显示屏")
			k.clerk = clerks.Account{}
			k.showAgent()
			fits(t, w, screen, "村代办 sign-in")
		})
	}
}
