package catalog

import (
	"sort"
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// go-pinyin gives each character its most common reading and has no phrase
// dictionary, so a polyphonic character inside a phrase can come out wrong
// (银行 would be "yinxing"). phraseReadings fixes the phrases that occur in
// matter names and aliases. It was reviewed by listing every polyphonic
// character in the demo catalog (TestPolyphonicCharactersAreReviewed fails
// when a new one appears) and checking each phrase by hand.
var phraseReadings = map[string][]string{
	"银行":  {"yin", "hang"},
	"行业":  {"hang", "ye"},
	"重新":  {"chong", "xin"},
	"重建":  {"chong", "jian"},
	"补发":  {"bu", "fa"},
	"还款":  {"huan", "kuan"},
	"还贷":  {"huan", "dai"},
	"偿还":  {"chang", "huan"},
	"会计":  {"kuai", "ji"},
	"调解":  {"tiao", "jie"},
	"调整":  {"tiao", "zheng"},
	"给付":  {"ji", "fu"},
	"供给":  {"gong", "ji"},
	"村长":  {"cun", "zhang"},
	"家长":  {"jia", "zhang"},
	"长期":  {"chang", "qi"},
	"娱乐":  {"yu", "le"},
	"音乐":  {"yin", "yue"},
	"单位":  {"dan", "wei"},
	"种植":  {"zhong", "zhi"},
	"种类":  {"zhong", "lei"},
	"参保":  {"can", "bao"},
	"参加":  {"can", "jia"},
	"处理":  {"chu", "li"},
	"处罚":  {"chu", "fa"},
	"着装":  {"zhuo", "zhuang"},
	"转移":  {"zhuan", "yi"},
	"转入":  {"zhuan", "ru"},
	"转出":  {"zhuan", "chu"},
	"转接":  {"zhuan", "jie"},
	"传染":  {"chuan", "ran"},
	"降低":  {"jiang", "di"},
	"差额":  {"cha", "e"},
	"出差":  {"chu", "chai"},
	"宿舍":  {"su", "she"},
	"民宿":  {"min", "su"},
	"藏书":  {"cang", "shu"},
	"西藏":  {"xi", "zang"},
	"朝阳":  {"chao", "yang"},
	"省内":  {"sheng", "nei"},
	"校验":  {"jiao", "yan"},
	"学校":  {"xue", "xiao"},
	"更正":  {"geng", "zheng"},
	"变更":  {"bian", "geng"},
	"更换":  {"geng", "huan"},
	"更名":  {"geng", "ming"},
	"数据":  {"shu", "ju"},
	"数量":  {"shu", "liang"},
	"创业":  {"chuang", "ye"},
	"营业":  {"ying", "ye"},
	"几个":  {"ji", "ge"},
	"没收":  {"mo", "shou"},
	"难民":  {"nan", "min"},
	"吸收":  {"xi", "shou"},
	"强制":  {"qiang", "zhi"},
	"角色":  {"jue", "se"},
	"提取":  {"ti", "qu"},
	"提供":  {"ti", "gong"},
	"供养":  {"gong", "yang"},
	"供水":  {"gong", "shui"},
	"供电":  {"gong", "dian"},
	"供气":  {"gong", "qi"},
	"都市":  {"du", "shi"},
	"首都":  {"shou", "du"},
	"曾用名": {"ceng", "yong", "ming"},
	"亲属":  {"qin", "shu"},
	"子女":  {"zi", "nv"},
	"车辆":  {"che", "liang"},
	"长兴":  {"chang", "xing"},
	"行政":  {"xing", "zheng"},
	"行驶":  {"xing", "shi"},
	"执行":  {"zhi", "xing"},
	"发行":  {"fa", "xing"},
	"通行":  {"tong", "xing"},
	"旅行":  {"lv", "xing"},
	"调查":  {"diao", "cha"},
	"调动":  {"diao", "dong"},
	"了解":  {"liao", "jie"},
	"解除":  {"jie", "chu"},
	"大夫":  {"dai", "fu"},
	"露天":  {"lu", "tian"},
	"薄膜":  {"bo", "mo"},
	"干部":  {"gan", "bu"},
	"干线":  {"gan", "xian"},
	"结婚":  {"jie", "hun"},
	"结果":  {"jie", "guo"},
	"累计":  {"lei", "ji"},
	"地下":  {"di", "xia"},
	"应急":  {"ying", "ji"},
	"应当":  {"ying", "dang"},
	"相应":  {"xiang", "ying"},
	"担保":  {"dan", "bao"},
	"分担":  {"fen", "dan"},
	"场所":  {"chang", "suo"},
	"广场":  {"guang", "chang"},
	"模具":  {"mu", "ju"},
	"模式":  {"mo", "shi"},
	"规模":  {"gui", "mo"},
	"率先":  {"shuai", "xian"},
	"效率":  {"xiao", "lv"},
	"标识":  {"biao", "zhi"},
	"落户":  {"luo", "hu"},
	"占用":  {"zhan", "yong"},
	"占地":  {"zhan", "di"},
	"尽快":  {"jin", "kuai"},
	"称号":  {"cheng", "hao"},
	"名称":  {"ming", "cheng"},
	"殡葬":  {"bin", "zang"},
	"安葬":  {"an", "zang"},
	"宅基地": {"zhai", "ji", "di"},
}

// longest phrase first, so 曾用名 wins over a two-character match.
var phraseList = func() []string {
	l := make([]string, 0, len(phraseReadings))
	for p := range phraseReadings {
		l = append(l, p)
	}
	sort.Slice(l, func(i, j int) bool {
		if a, b := len([]rune(l[i])), len([]rune(l[j])); a != b {
			return a > b
		}
		return l[i] < l[j]
	})
	return l
}()

var pinyinArgs = pinyin.NewArgs() // Normal style: no tones

// syllable is one unit of a name's reading: the pinyin of a Han character,
// or a run of Latin letters and digits kept as typed (KTV, B2).
type syllable struct {
	text string
	han  bool
}

func syllables(s string) []syllable {
	r := []rune(s)
	var out []syllable
	for i := 0; i < len(r); {
		if unicode.Is(unicode.Han, r[i]) {
			if ph, n := phraseAt(r, i); n > 0 {
				for _, p := range ph {
					out = append(out, syllable{p, true})
				}
				i += n
				continue
			}
			if py := pinyin.SinglePinyin(r[i], pinyinArgs); len(py) > 0 {
				out = append(out, syllable{py[0], true})
			}
			i++
			continue
		}
		j := i
		for j < len(r) && r[j] < unicode.MaxASCII && (unicode.IsLetter(r[j]) || unicode.IsDigit(r[j])) {
			j++
		}
		if j > i {
			out = append(out, syllable{strings.ToLower(string(r[i:j])), false})
			i = j
			continue
		}
		i++ // punctuation, brackets, spaces
	}
	return out
}

func phraseAt(r []rune, i int) ([]string, int) {
	for _, p := range phraseList {
		pr := []rune(p)
		if i+len(pr) <= len(r) && string(r[i:i+len(pr)]) == p {
			return phraseReadings[p], len(pr)
		}
	}
	return nil, 0
}

// PinyinKeys returns the full pinyin ("budongchandengji") and the initials
// ("bdcdj") of a name, as matched against what people type on a Latin
// keyboard. A Latin run (KTV) stays whole in both.
func PinyinKeys(s string) (full, initials string) {
	var f, in strings.Builder
	for _, syl := range syllables(s) {
		f.WriteString(syl.text)
		if syl.han {
			in.WriteByte(syl.text[0])
		} else {
			in.WriteString(syl.text)
		}
	}
	return f.String(), in.String()
}
