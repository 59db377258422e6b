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
// matter names and aliases, and a few more that county catalogs commonly
// carry. Each entry differs from the per-character default (a test keeps it
// so). It was reviewed by listing every polyphonic character in the demo
// catalog with its contexts; TestPolyphonicCharactersAreReviewed fails when
// the catalog gains one nobody has looked at.
var phraseReadings = map[string][]string{
	"银行": {"yin", "hang"},
	"行业": {"hang", "ye"},
	"重新": {"chong", "xin"},
	"重建": {"chong", "jian"},
	"还款": {"huan", "kuan"},
	"还贷": {"huan", "dai"},
	"偿还": {"chang", "huan"},
	"会计": {"kuai", "ji"},
	"调解": {"tiao", "jie"},
	"调整": {"tiao", "zheng"},
	"给付": {"ji", "fu"},
	"供给": {"gong", "ji"},
	"长期": {"chang", "qi"},
	"长兴": {"chang", "xing"},
	"音乐": {"yin", "yue"},
	"了解": {"liao", "jie"},
	"出差": {"chu", "chai"},
	"大夫": {"dai", "fu"},
	"标识": {"biao", "zhi"},
	"校验": {"jiao", "yan"},
	"模具": {"mu", "ju"},
	"没收": {"mo", "shou"},
	"率先": {"shuai", "xian"},
	"着装": {"zhuo", "zhuang"},
	"薄膜": {"bo", "mo"},
	"西藏": {"xi", "zang"},
	"角色": {"jue", "se"},
	"都市": {"du", "shi"},
	"首都": {"shou", "du"},
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
