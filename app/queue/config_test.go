package queue

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/workday"
)

func changxing(t *testing.T) HallConfig {
	t.Helper()
	raw, err := os.ReadFile("testdata/changxing-hall.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseHallConfig(raw)
	if err != nil {
		t.Fatalf("ParseHallConfig: %v", err)
	}
	return c
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, workday.China)
	if err != nil {
		panic(err)
	}
	return t
}

// TestTicketsOnlyInServiceHours walks a configured hall (延时 on Tuesday
// and Thursday, 错时 on Saturday morning, a closure) across 2026's
// holidays and 调休 days.
func TestTicketsOnlyInServiceHours(t *testing.T) {
	c, cal := changxing(t), workday.Default()
	tests := []struct {
		name string
		at   string
		want error
		text string // in the message, when refused
	}{
		{"before opening", "2026-12-01 08:10", ErrNotYetOpen, "08:30"},
		{"opening minute", "2026-12-01 08:30", nil, ""},
		{"lunch break", "2026-12-01 12:00", ErrLunch, "13:30后可取号"},
		{"afternoon", "2026-12-01 13:30", nil, ""},
		{"延时 Tuesday evening", "2026-12-01 18:59", nil, ""},
		{"延时 over", "2026-12-01 19:00", ErrServiceEnd, "12月2日 08:30"},
		{"Wednesday has no 延时", "2026-12-02 17:30", ErrServiceEnd, "12月3日 08:30"},
		{"Friday evening: next is Saturday's 错时", "2026-12-04 18:00", ErrServiceEnd, "12月5日 09:00"},
		{"错时 Saturday morning", "2026-12-05 10:00", nil, ""},
		{"错时 Saturday afternoon", "2026-12-05 14:00", ErrServiceEnd, "12月7日 08:30"},
		{"Sunday", "2026-12-06 10:00", ErrClosedDay, "休息日"},
		{"the hall's closure", "2026-12-24 10:00", ErrClosedDay, "大厅设备检修"},
		{"National Day on a Saturday: no 错时", "2026-10-03 10:00", ErrClosedDay, "国庆节"},
		{"National Day: next opening after the holiday", "2026-10-03 10:00", ErrClosedDay, "10月8日 08:30"},
		{"调休 Saturday is a working day, afternoon too", "2026-10-10 14:00", nil, ""},
		{"调休 Saturday has no Saturday 延时", "2026-10-10 18:00", ErrServiceEnd, "10月12日 08:30"},
		{"春节 调休 Saturday", "2026-02-14 15:00", nil, ""},
		{"春节 Sunday", "2026-02-15 10:00", ErrClosedDay, "春节"},
		{"春节 eve: back after the holiday", "2026-02-14 17:30", ErrServiceEnd, "2月24日 08:30"},
		{"元旦", "2026-01-01 09:00", ErrClosedDay, "元旦"},
		{"元旦 调休 Sunday", "2026-01-04 09:00", nil, ""},
		{"劳动节 调休 Saturday", "2026-05-09 16:00", nil, ""},
	}
	for _, tt := range tests {
		err := c.CheckOpen(cal, at(tt.at))
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s (%s): got %v, want open", tt.name, tt.at, err)
			}
			continue
		}
		if !errors.Is(err, tt.want) || !strings.Contains(errText(err), tt.text) {
			t.Errorf("%s (%s): got %q, want %q saying %q", tt.name, tt.at, errText(err), tt.want.Error(), tt.text)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestDefaultHallKeepsTodaysHours: until the county sends a config, the
// hall keeps the hours bookings always had and refuses tickets outside them.
func TestDefaultHallKeepsTodaysHours(t *testing.T) {
	c, cal := DefaultHallConfig(), workday.Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	if got, want := len(c.Sectors), 7; got != want {
		t.Errorf("default sectors: got %d, want %d", got, want)
	}
	for _, tt := range []struct {
		at   string
		want error
	}{
		{"2026-11-26 09:00", nil},
		{"2026-11-26 12:30", ErrLunch},
		{"2026-11-26 17:00", ErrServiceEnd},
		{"2026-11-28 10:00", ErrClosedDay}, // Saturday: no 错时 by default
	} {
		if err := c.CheckOpen(cal, at(tt.at)); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: got %v, want %v", tt.at, err, tt.want)
		}
	}
}

func TestConfiguredBookings(t *testing.T) {
	c, cal := changxing(t), workday.Default()
	now := at("2026-12-03 10:00") // Thursday
	tests := []struct {
		sector, day string
		half        Half
		want        error
	}{
		{"公积金", "2026-12-05", AM, nil},           // 错时 Saturday morning
		{"公积金", "2026-12-05", PM, ErrNoHalf},     // no Saturday afternoon
		{"投资项目", "2026-12-04", PM, ErrNoBooking}, // capacity 0
		{"投资项目", "2026-12-04", AM, nil},
		{"民生服务", "2026-12-06", AM, ErrClosedOn}, // Sunday
		{"民生服务", "2026-12-24", AM, ErrClosedOn}, // the hall's closure
		{"无此板块", "2026-12-04", AM, ErrNoSector},
		{"民生服务", "2026-12-14", AM, nil}, // 7th working day
		{"民生服务", "2026-12-15", AM, ErrTooFar},
	}
	for _, tt := range tests {
		err := c.CheckBookable(cal, now, tt.sector, tt.day, tt.half)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("CheckBookable(%s %s %s): got %v, want %v", tt.sector, tt.day, tt.half, err, tt.want)
		}
	}
	slots, err := c.Bookable(cal, now, "投资项目")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slots {
		if s.Half == PM {
			t.Errorf("投资项目 takes no afternoon bookings, got slot %v", s)
		}
	}
	if len(slots) == 0 {
		t.Fatalf("投资项目: got no slots, want the mornings")
	}
	// Each slot carries its half-day's opening span: the hall's, the
	// Saturday's own (错时) included.
	spans := map[string]string{}
	for _, s := range slots {
		spans[s.Day] = s.From + "–" + s.To
	}
	for day, want := range map[string]string{"2026-12-04": "08:30–12:00", "2026-12-05": "09:00–12:00"} {
		if got := spans[day]; got != want {
			t.Errorf("投资项目 %s AM span: got %q, want %q", day, got, want)
		}
	}
	if got, want := c.Letter("公积金"), byte('J'); got != want {
		t.Errorf("Letter(公积金): got %c, want %c", got, want)
	}
}

func TestHallConfigValidation(t *testing.T) {
	base, err := os.ReadFile("testdata/changxing-hall.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, from, to string }{
		{"no version", `"version": "2026-12-hongqiao"`, `"version": ""`},
		{"letter used twice", `"letter": "B"`, `"letter": "A"`},
		{"letter not A–Z", `"letter": "B"`, `"letter": "b"`},
		{"sector named twice", `"name": "公积金"`, `"name": "商事登记"`},
		{"sessions overlap", `{"from": "13:30", "to": "17:30"}`, `{"from": "11:30", "to": "17:30"}`},
		{"session backwards", `{"from": "13:30", "to": "17:30"}`, `{"from": "17:30", "to": "13:30"}`},
		{"not a time", `"to": "17:30"`, `"to": "5:30pm"`},
		{"延时 before the end", `"weekday": 2, "until": "19:00"`, `"weekday": 2, "until": "17:00"`},
		{"延时 on Saturday", `"weekday": 2, "until"`, `"weekday": 6, "until"`},
		{"weekend on a Wednesday", `{"weekday": 6, "sessions"`, `{"weekday": 3, "sessions"`},
		{"closure without reason", `"reason": "大厅设备检修"`, `"reason": ""`},
		{"closure backwards", `"from": "2026-12-24", "to": "2026-12-24"`, `"from": "2026-12-24", "to": "2026-12-23"`},
		{"capacity negative", `"capacity_am": 5, "capacity_pm": 0`, `"capacity_am": 5, "capacity_pm": -1`},
		{"misspelt field", `"capacity_pm": 0`, `"capacity_p": 0`},
		{"days ahead zero", `"days_ahead": 7`, `"days_ahead": 0`},
		{"hotline with letters", `"days_ahead": 7`, `"hotline": "0572-CALL", "days_ahead": 7`},
		{"hotline too short", `"days_ahead": 7`, `"hotline": "12", "days_ahead": 7`},
		{"hotline too long", `"days_ahead": 7`, `"hotline": "0572-60212340-1234567", "days_ahead": 7`},
		{"hotline with a space", `"days_ahead": 7`, `"hotline": "0572 6021234", "days_ahead": 7`},
		{"hotline ends in a dash", `"days_ahead": 7`, `"hotline": "0572-", "days_ahead": 7`},
		{"serves a sector the catalog lacks", `"name": "公积金", "letter": "J"`, `"name": "公积金", "serves": ["住房公积金"], "letter": "J"`},
		{"catalog sector in two hall sectors", `"name": "公积金", "letter": "J"`, `"name": "公积金", "serves": ["社会事务"], "letter": "J"`},
	}
	for _, tt := range tests {
		doc := strings.Replace(string(base), tt.from, tt.to, 1)
		if doc == string(base) {
			t.Fatalf("%s: %q not in the document", tt.name, tt.from)
		}
		if _, err := ParseHallConfig([]byte(doc)); err == nil {
			t.Errorf("%s: got no error, want the config refused", tt.name)
		}
	}
}

// TestMatterSectorToHallSector maps a catalog sector (what a matter names)
// to the hall sector that takes it: listed in serves, else by name, else
// none.
func TestMatterSectorToHallSector(t *testing.T) {
	base, err := os.ReadFile("testdata/changxing-hall.json")
	if err != nil {
		t.Fatal(err)
	}
	// This hall folds 社会事务 into 民生服务 and has no sector of that name.
	doc := strings.Replace(string(base), `{"name": "社会事务", "letter": "D", "capacity_am": 20, "capacity_pm": 20},`, "", 1)
	doc = strings.Replace(doc, `"name": "民生服务", "letter": "F"`, `"name": "民生服务", "serves": ["社会事务"], "letter": "F"`, 1)
	folded, err := ParseHallConfig([]byte(doc))
	if err != nil {
		t.Fatalf("ParseHallConfig: %v", err)
	}
	tests := []struct {
		name    string
		cfg     HallConfig
		catalog string
		want    string
	}{
		{"default hall: same name", DefaultHallConfig(), "社会事务", "社会事务"},
		{"default hall: every catalog sector has its own", DefaultHallConfig(), "其他综合事务", "其他综合事务"},
		{"长兴: same name", changxing(t), "不动产登记", "不动产登记"},
		{"folded: listed in serves", folded, "社会事务", "民生服务"},
		{"folded: the serving sector keeps its own name", folded, "民生服务", "民生服务"},
		{"a hall sector the catalog does not know takes nothing by itself", changxing(t), "公积金", "公积金"},
		{"no hall sector", HallConfig{Sectors: []SectorConfig{{Name: "综合受理", Letter: "A"}}}, "商事登记", ""},
	}
	for _, tt := range tests {
		if got := tt.cfg.SectorFor(tt.catalog); got != tt.want {
			t.Errorf("%s: SectorFor(%s): got %q, want %q", tt.name, tt.catalog, got, tt.want)
		}
	}
}

// TestMissingSectors names a clerk's sectors the hall no longer has.
func TestMissingSectors(t *testing.T) {
	tests := []struct {
		cfg     HallConfig
		sectors []string
		want    []string
	}{
		{DefaultHallConfig(), []string{"商事登记", "公积金"}, []string{"公积金"}},
		{changxing(t), []string{"商事登记", "公积金"}, nil},
		{changxing(t), nil, nil},
	}
	for _, tt := range tests {
		if got := tt.cfg.Missing(tt.sectors); !slices.Equal(got, tt.want) {
			t.Errorf("%s: Missing(%v): got %v, want %v", tt.cfg.Version, tt.sectors, got, tt.want)
		}
	}
}

func TestNumbersSortNumerically(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"A999", "A1000", -1},
		{"A1000", "A999", 1},
		{"A001", "A002", -1},
		{"A010", "A009", 1},
		{"B001", "A999", 1},
		{"A1000", "A1000", 0},
	}
	for _, tt := range tests {
		got := CompareNumbers(tt.a, tt.b)
		if (got < 0) != (tt.want < 0) || (got > 0) != (tt.want > 0) {
			t.Errorf("CompareNumbers(%s, %s): got %d, want sign %d", tt.a, tt.b, got, tt.want)
		}
	}
	// Two tickets issued at the same instant: the calling rule's tie-break.
	p := DefaultPolicy
	a, b := ticket("x", "商事登记", 0, ""), ticket("y", "商事登记", 0, "")
	a.Number, b.Number = "B1000", "B999"
	if !p.Less(b, a) || p.Less(a, b) {
		t.Errorf("Less: got B1000 before B999, want B999 first")
	}
}

// TestTicketsWithoutNextYearsCalendar: a hall whose holiday notice for the
// year has not arrived keeps issuing tickets Monday to Friday.
func TestTicketsWithoutNextYearsCalendar(t *testing.T) {
	c, cal := changxing(t), workday.Default()
	if years := cal.Years(); years[len(years)-1] >= 2030 {
		t.Skipf("the embedded calendar covers 2030 (%v): pick a later year", years)
	}
	tests := []struct {
		at   string
		want error
	}{
		{"2030-01-08 09:00", nil},          // a Tuesday
		{"2030-01-08 12:30", ErrLunch},     // its lunch break
		{"2030-01-06 10:00", ErrClosedDay}, // a Sunday
	}
	for _, tt := range tests {
		if err := c.CheckOpen(cal, at(tt.at)); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: got %v, want %v", tt.at, err, tt.want)
		}
	}
}

// TestHallHotline: a hotline is optional and, when set, digits and dashes
// that a citizen can dial.
func TestHallHotline(t *testing.T) {
	base, err := os.ReadFile("testdata/changxing-hall.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, hotline := range []string{"12345", "0572-6021234", "400-800-1234"} {
		doc := strings.Replace(string(base), `"days_ahead": 7`, `"hotline": "`+hotline+`", "days_ahead": 7`, 1)
		c, err := ParseHallConfig([]byte(doc))
		if err != nil {
			t.Errorf("hotline %s: got %v, want accepted", hotline, err)
			continue
		}
		if got, want := c.Hotline, hotline; got != want {
			t.Errorf("hotline: got %q, want %q", got, want)
		}
	}
	c, err := ParseHallConfig(base)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Hotline; got != "" {
		t.Errorf("no hotline configured: got %q, want none", got)
	}
}

// TestReceivedHallConfigPassesOverNewKeys: a config the county published
// with a key of a later release is read; typed in by hand it is refused.
func TestReceivedHallConfigPassesOverNewKeys(t *testing.T) {
	raw, err := os.ReadFile("testdata/changxing-hall.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["a_field_of_2028"] = true
	newer, _ := json.Marshal(doc)
	if _, err := ParseHallConfig(newer); err == nil {
		t.Error("ParseHallConfig took an unknown key; want it refused")
	}
	got, err := ParseReceivedHallConfig(newer)
	if err != nil {
		t.Fatalf("ParseReceivedHallConfig: %v", err)
	}
	if want := changxing(t); got.Version != want.Version || len(got.Sectors) != len(want.Sectors) {
		t.Errorf("got version %q with %d sectors, want %q with %d", got.Version, len(got.Sectors), want.Version, len(want.Sectors))
	}
	doc["version"] = ""
	broken, _ := json.Marshal(doc)
	if _, err := ParseReceivedHallConfig(broken); err == nil {
		t.Error("ParseReceivedHallConfig took a config without a version")
	}
}
