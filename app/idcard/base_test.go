package idcard

import (
	"errors"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/yichuang/yichuang/app/workday"
)

// message lays UCS-2LE strings at byte offsets of a blank (space-filled)
// base message, the way a reader's firmware does, independent of
// EncodeBase.
func message(at map[int]string) []byte {
	b := make([]byte, BaseSize)
	for i := 0; i < BaseSize; i += 2 {
		b[i] = ' '
	}
	for off, s := range at {
		for i, u := range utf16.Encode([]rune(s)) {
			b[off+2*i], b[off+2*i+1] = byte(u), byte(u>>8)
		}
	}
	return b
}

func TestParseBase(t *testing.T) {
	zeroed := message(map[int]string{0: "李四", 30: "2", 32: "03", 36: "19800101", 52: "浙江省长兴县", 122: "330522198001010020",
		158: "长兴县公安局", 188: "20100101", 204: "长期"})
	zeroed[flagAt] = 0 // some firmware leaves the reserved area zeroed
	for _, tc := range []struct {
		name string
		in   []byte
		want Card
	}{
		{"resident", message(map[int]string{0: "张三", 30: "1", 32: "01", 36: "19900307", 52: "浙江省湖州市长兴县雉城街道金陵北路18号",
			122: "330522199003071234", 158: "长兴县公安局", 188: "20200101", 204: "20400101"}),
			Card{Kind: Resident, Name: "张三", Sex: "男", Nation: "汉", Birth: "19900307", Address: "浙江省湖州市长兴县雉城街道金陵北路18号",
				IDNumber: "330522199003071234", Authority: "长兴县公安局", ValidFrom: "20200101", ValidTo: "20400101"}},
		{"resident with a zeroed flag, valid for life", zeroed,
			Card{Kind: Resident, Name: "李四", Sex: "女", Nation: "回", Birth: "19800101", Address: "浙江省长兴县",
				IDNumber: "330522198001010020", Authority: "长兴县公安局", ValidFrom: "20100101", ValidTo: Permanent}},
		{"unknown nation code kept as it is", message(map[int]string{0: "王五", 30: "9", 32: "99", 122: "330522198001010020"}),
			Card{Kind: Resident, Name: "王五", Sex: "未知", Nation: "99", IDNumber: "330522198001010020"}},
		{"HK/Macao/Taiwan residence permit", message(map[int]string{0: "陈大文", 30: "1", 36: "19850505", 52: "浙江省杭州市",
			122: "810000198505050019", 158: "杭州市公安局", 188: "20210101", 204: "20260101", 220: "H12345678", 238: "01", flagAt: "J"}),
			Card{Kind: HKMacaoTaiwan, Name: "陈大文", Sex: "男", Birth: "19850505", Address: "浙江省杭州市", IDNumber: "810000198505050019",
				Authority: "杭州市公安局", ValidFrom: "20210101", ValidTo: "20260101", PassNumber: "H12345678", IssueCount: "01"}},
		{"2017 foreign card", message(map[int]string{0: "SMITH, JOHN", 120: "1", 122: "CAN110075010101", 152: "CAN", 158: "史密斯",
			188: "20170601", 204: "20270601", 220: "19750101", 236: "20", 240: "1100", flagAt: "I"}),
			Card{Kind: Foreign2017, Name: "史密斯", EnglishName: "SMITH, JOHN", Sex: "男", Nation: "CAN", Birth: "19750101",
				IDNumber: "CAN110075010101", Authority: "1100", ValidFrom: "20170601", ValidTo: "20270601"}},
		{"2017 foreign card without a Chinese name", message(map[int]string{0: "DOE, JANE", 120: "2", 122: "USA330080020202", flagAt: "I"}),
			Card{Kind: Foreign2017, Name: "DOE, JANE", EnglishName: "DOE, JANE", Sex: "女", IDNumber: "USA330080020202"}},
		{"2023 foreign card with a long English name", message(map[int]string{0: "马丁", 30: "1", 32: "00", 36: "19820202",
			52: "MARTIN-GONZALEZ, ALEXANDER MAXIMI", 122: "933124198202020012", 188: "20230601", 204: "20330601", 220: "LIAN ROBERT",
			242: "ESP", flagAt: "Y"}),
			Card{Kind: Foreign2023, Name: "马丁", EnglishName: "MARTIN-GONZALEZ, ALEXANDER MAXIMI  LIAN ROBERT", Sex: "男", Nation: "ESP",
				Birth: "19820202", IDNumber: "933124198202020012", IssueCount: "00", ValidFrom: "20230601", ValidTo: "20330601"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseBase(tc.in)
			if err != nil {
				t.Fatalf("ParseBase: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %+v,\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseBaseRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"short", message(map[int]string{122: "330522199003071234"})[:200]},
		{"unknown flag", message(map[int]string{122: "330522199003071234", flagAt: "Q"})},
		{"no number", message(map[int]string{0: "张三"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseBase(tc.in)
			if !errors.Is(err, ErrBadMessage) {
				t.Errorf("got %+v, %v; want ErrBadMessage", got, err)
			}
		})
	}
}

func TestEncodeBaseRoundTrips(t *testing.T) {
	for _, c := range []Card{
		{Kind: Resident, Name: "张三", Sex: "男", Nation: "汉", Birth: "19900307", Address: "浙江省长兴县", IDNumber: "330522199003071234",
			Authority: "长兴县公安局", ValidFrom: "20200101", ValidTo: Permanent},
		{Kind: HKMacaoTaiwan, Name: "陈大文", Sex: "女", IDNumber: "810000198505050019", PassNumber: "H12345678", IssueCount: "02"},
		{Kind: Foreign2017, Name: "DOE", EnglishName: "DOE", Sex: "女", IDNumber: "USA330080020202", Authority: "3300"},
		{Kind: Foreign2023, Name: "马丁", EnglishName: "MARTIN-GONZALEZ, ALEXANDER MAXIMILIAN ROBERT", Sex: "男",
			IDNumber: "933124198202020012", Nation: "ESP", IssueCount: "01"},
	} {
		b, err := EncodeBase(c)
		if err != nil {
			t.Fatalf("EncodeBase(%+v): %v", c, err)
		}
		got, err := ParseBase(b)
		if err != nil || got != c {
			t.Errorf("got %+v, %v; want %+v", got, err, c)
		}
	}
	if _, err := EncodeBase(Card{Kind: Resident, Name: "一二三四五六七八九十一二三四五六", IDNumber: "1"}); err == nil {
		t.Error("a 16-character name fit a 15-character slot")
	}
}

// FuzzParseBase: whatever the reader sends, parsing does not panic, yields
// valid text, and a card it accepts writes back to the same card.
func FuzzParseBase(f *testing.F) {
	f.Add(message(map[int]string{0: "张三", 30: "1", 32: "01", 122: "330522199003071234", 204: Permanent}))
	f.Add(message(map[int]string{0: "SMITH", 122: "CAN110075010101", flagAt: "I"}))
	f.Add(message(map[int]string{0: "马丁", 52: "MARTIN", 122: "933124198202020012", flagAt: "Y"}))
	f.Add(message(map[int]string{0: "陈", 122: "810000198505050019", flagAt: "J"}))
	f.Add([]byte{0xff, 0xd8})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseBase(b)
		if err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("error %v is not ErrBadMessage", err)
			}
			return
		}
		re, err := EncodeBase(c)
		if err != nil {
			t.Fatalf("EncodeBase of a parsed card %+v: %v", c, err)
		}
		again, err := ParseBase(re)
		if err != nil || again != c {
			t.Fatalf("got %+v, %v after a round trip; want %+v", again, err, c)
		}
		c.Expired(time.Now()) // any validity text is judged without panic
	})
}

func TestExpired(t *testing.T) {
	at := func(s string) time.Time {
		d, err := time.ParseInLocation("2006-01-02 15:04", s, workday.China)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		to   string
		now  time.Time
		want bool
	}{
		{"20260101", at("2025-12-31 23:59"), false},
		{"20260101", at("2026-01-01 23:59"), false}, // valid through its last day
		{"20260101", at("2026-01-02 00:00"), true},
		{"20260101", at("2026-01-02 07:00").UTC(), true}, // the 2nd in China, still the 1st in UTC
		{Permanent, at("2099-01-01 00:00"), false},
		{"", at("2026-01-01 00:00"), true}, // unreadable: not accepted silently
	} {
		if got := (Card{ValidTo: tc.to}).Expired(tc.now); got != tc.want {
			t.Errorf("Expired(%q at %v) = %v, want %v", tc.to, tc.now, got, tc.want)
		}
	}
}
