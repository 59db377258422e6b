package cardread

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/idcard"
	"github.com/yichuang/yichuang/app/workday"
)

func TestDescribe(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, workday.China)
	card := idcard.Card{Kind: idcard.Resident, Name: "张三丰", IDNumber: "330522199003071238", ValidFrom: "20200101", ValidTo: "20400101"}
	expired := card
	expired.ValidTo = "20261201"
	for _, tc := range []struct {
		name    string
		e       idcard.Event
		want    string
		imp     widget.Importance
		notWant string
	}{
		{"card", idcard.Event{Card: card}, "已读取居民身份证：张*丰，330522********12**，有效期2020.01.01-2040.01.01", widget.SuccessImportance, "199003071238"},
		{"expired yesterday", idcard.Event{Card: expired}, "证件已过期（有效期2020.01.01-2026.12.01）", widget.DangerImportance, "199003071238"},
		{"no card", idcard.Event{Err: idcard.ErrNoCard}, "可刷身份证", widget.MediumImportance, ""},
		{"no reader", idcard.Event{Err: fmt.Errorf("SDT_OpenPort returned 0x1: %w", idcard.ErrNoReader)}, "未找到身份证阅读器，请手工录入", widget.WarningImportance, "0x1"},
		{"removed", idcard.Event{Err: fmt.Errorf("SDT_ReadBaseMsg returned 0x41: %w", idcard.ErrRemoved)}, "读卡时身份证被移开", widget.WarningImportance, "0x41"},
	} {
		got, imp := Describe(tc.e, now)
		if !strings.Contains(got, tc.want) || imp != tc.imp || (tc.notWant != "" && strings.Contains(got, tc.notWant)) {
			t.Errorf("%s: got %q (%v), want %q (%v) without %q", tc.name, got, imp, tc.want, tc.imp, tc.notWant)
		}
	}
}
