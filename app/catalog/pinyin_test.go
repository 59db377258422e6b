package catalog

import (
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/mozillazg/go-pinyin"

	"github.com/yichuang/yichuang/assets"
)

// reviewedPolyphonic lists every character with several readings that occurs
// in the demo catalog's names and aliases, each checked in its contexts: the
// default reading is right for all of them except in the phrases of
// phraseReadings (行业, 偿还/还贷, 调解 here).
const reviewedPolyphonic = "不个乐乘了事亡亲仅件价任份休众会传体便信假儿免共内册划刻前助包化占卡印参受可号司吃合听告员和售土地圾坏增大失女姓宅完家容宿居属市年广度式得怀房扶承投抵押拆招排掘接提揭援施族无明最有服期机析查核格次款歇殖母池注活游烟由畜登盾省离种租积称移税立童簿籍系约缴育草落行见解许调超跨路身车转还适遇遗部重限除零食餐"

func TestPolyphonicCharactersAreReviewed(t *testing.T) {
	cat, err := Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	args := pinyin.NewArgs()
	args.Heteronym = true
	var texts []string
	for _, m := range cat.Matters {
		texts = append(append(texts, m.Name), m.Aliases...)
	}
	for _, b := range cat.Bundles {
		texts = append(append(texts, b.Name), b.Aliases...)
	}
	unreviewed := map[rune][]string{}
	for _, s := range texts {
		for _, r := range s {
			if !unicode.Is(unicode.Han, r) || strings.ContainsRune(reviewedPolyphonic, r) {
				continue
			}
			readings := map[string]bool{}
			for _, p := range pinyin.SinglePinyin(r, args) {
				readings[p] = true
			}
			if len(readings) > 1 {
				unreviewed[r] = append(unreviewed[r], s)
			}
		}
	}
	var list []string
	for r, ctx := range unreviewed {
		list = append(list, string(r)+" in "+ctx[0])
	}
	sort.Strings(list)
	for _, l := range list {
		t.Errorf("polyphonic character not reviewed: %s — check its reading, add a phrase to phraseReadings if the default is wrong, then add it to reviewedPolyphonic", l)
	}
}

func TestPhraseReadingsDifferFromDefault(t *testing.T) {
	args := pinyin.NewArgs()
	for phrase, want := range phraseReadings {
		var def []string
		for _, r := range phrase {
			def = append(def, pinyin.SinglePinyin(r, args)[0])
		}
		if strings.Join(def, " ") == strings.Join(want, " ") {
			t.Errorf("phraseReadings[%q] equals the default reading %v; remove it", phrase, def)
		}
		if len(want) != len([]rune(phrase)) {
			t.Errorf("phraseReadings[%q] has %d syllables for %d characters", phrase, len(want), len([]rune(phrase)))
		}
	}
}

func TestDemoCatalog(t *testing.T) {
	cat, err := Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatalf("demo catalog: %v", err)
	}
	if len(cat.Matters) < 120 || len(cat.Bundles) < 5 {
		t.Errorf("demo catalog has %d matters and %d bundles, want ≥120 and ≥5", len(cat.Matters), len(cat.Bundles))
	}
	sectors := map[string]int{}
	for _, m := range cat.Matters {
		sectors[m.Sector]++
	}
	for _, s := range Sectors[:5] {
		if sectors[s] < 10 {
			t.Errorf("sector %s has %d matters, want at least 10", s, sectors[s])
		}
	}
	// The seed document's examples must be findable by their short names.
	names := map[string]bool{}
	for _, m := range cat.Matters {
		names[m.Name] = true
		for _, a := range m.Aliases {
			names[a] = true
		}
	}
	for _, want := range []string{"不动产查询打印", "社保查询打印", "外省人员身份证申领", "公积金离职提取", "个体工商户登记", "婚姻登记预约"} {
		if !names[want] {
			t.Errorf("demo catalog has no matter named or aliased %q", want)
		}
	}
	for _, want := range []string{"我要开餐馆", "我要开民宿", "新生儿出生一件事", "退休一件事"} {
		found := false
		for _, b := range cat.Bundles {
			found = found || b.Name == want || strings.Contains(b.Name, strings.TrimPrefix(want, "我要"))
		}
		if !found {
			t.Errorf("demo catalog has no bundle %q", want)
		}
	}
	// Every bundle's combined form asks each field once.
	for _, b := range cat.Bundles {
		form, err := cat.CombinedForm(b.Matters...)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, f := range form {
			if seen[f.Key] {
				t.Errorf("bundle %s asks %s twice", b.Code, f.Key)
			}
			seen[f.Key] = true
		}
	}
}
