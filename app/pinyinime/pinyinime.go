// Package pinyinime provides a pinyin input method for the terminal's
// on-screen keyboard: from the letters a villager taps it proposes 字 and
// 词, most likely first. It accepts full syllables ("zhangxiaohong"), a
// syllable still being typed ("zhan" for 张), initials ("zhx" for 中心),
// "v" or "ü" for ü ("lv", "lü", "nue"), and an apostrophe to split
// syllables ("xi'an"). It knows nothing of the screen.
package pinyinime

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/yichuang/yichuang/assets"
)

// maxCandidates bounds one lookup: a single letter matches thousands of
// characters, and nobody pages past the first few hundred.
const maxCandidates = 300

// Candidate is one proposal: Text replaces the first Len bytes of the
// input; the rest stays as pinyin.
type Candidate struct {
	Text string
	Len  int
}

type entry struct {
	text   string
	syl    []string
	weight int64
}

// Dict is a table of 字/词 with their pinyin and frequencies.
type Dict struct {
	// byKey holds the entries by the first letters of their syllables
	// ("zxh" for 张小红), so a lookup only reads entries of that shape.
	byKey map[string][]*entry
	// keyPrefixes holds every prefix of every key, to stop splitting the
	// input where no entry could follow.
	keyPrefixes map[string]bool
	// sylPrefixes holds every prefix of every syllable ("z", "zh", "zha" …).
	sylPrefixes map[string]bool
	syllables   map[string]bool
}

var (
	loadOnce sync.Once
	builtin  *Dict
	loadErr  error
)

// Builtin returns the dictionary embedded in assets (Luna Pinyin), read on
// first use.
func Builtin() (*Dict, error) {
	loadOnce.Do(func() { builtin, loadErr = Load(assets.PinyinTable()) })
	return builtin, loadErr
}

// Load reads a gzip'd table: "text<TAB>syllables<TAB>weight" per line.
func Load(gz []byte) (*Dict, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("open pinyin table: %w", err)
	}
	d := &Dict{byKey: map[string][]*entry{}, keyPrefixes: map[string]bool{}, sylPrefixes: map[string]bool{}, syllables: map[string]bool{}}
	sc := bufio.NewScanner(zr)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("pinyin table line %d: %d fields, want 3", n, len(f))
		}
		w, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("pinyin table line %d: weight: %w", n, err)
		}
		d.add(&entry{text: f[0], syl: strings.Fields(f[1]), weight: w})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read pinyin table: %w", err)
	}
	return d, nil
}

func (d *Dict) add(e *entry) {
	key := make([]byte, len(e.syl))
	for i, s := range e.syl {
		key[i] = s[0]
		d.syllables[s] = true
		for j := 1; j <= len(s); j++ {
			d.sylPrefixes[s[:j]] = true
		}
	}
	k := string(key)
	d.byKey[k] = append(d.byKey[k], e)
	for j := 1; j <= len(k); j++ {
		d.keyPrefixes[k[:j]] = true
	}
}

// Normalize turns what was tapped or typed into the letters the
// dictionary uses: lower case, ü as v, and the usual spelling "lue"/"nue"
// of lüe/nüe as "lve"/"nve". Anything else but letters and apostrophes is
// dropped.
func Normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r == 'ü':
			b.WriteByte('v')
		case r >= 'a' && r <= 'z', r == '\'':
			b.WriteRune(r)
		}
	}
	out := b.String()
	out = strings.ReplaceAll(out, "lue", "lve")
	return strings.ReplaceAll(out, "nue", "nve")
}

// match is how an entry was found: how much input it covers, and how
// well its syllables fit the pieces the input was split into.
type match struct {
	e    *entry
	len  int
	tier int // 0: whole syllables; 1: the last one still being typed; 2: initials
}

// Lookup returns the candidates for input (already normalized), best
// first: those covering more of the input first (a word the letters spell
// before its first character); among those covering as much, whole
// syllables before a syllable still being typed before initials, then
// the more frequent. When the input reads as whole syllables, guesses
// from initials come last, so "wangming" is never taken for three words'
// initials.
func (d *Dict) Lookup(input string) []Candidate {
	if input == "" {
		return nil
	}
	best := map[string]match{}
	spelled := d.spelled(input)
	var pieces []string
	var walk func(pos int)
	walk = func(pos int) {
		if len(pieces) > 0 {
			d.collect(input, pos, pieces, best)
		}
		if pos < len(input) && input[pos] == '\'' {
			if len(pieces) > 0 {
				walk(pos + 1) // a split the citizen asked for
			}
			return
		}
		key := keyOf(pieces)
		for end := pos + 1; end <= len(input) && input[end-1] != '\''; end++ {
			p := input[pos:end]
			if !d.sylPrefixes[p] {
				break // no syllable starts this way, nor with anything longer
			}
			if !d.keyPrefixes[key+p[:1]] {
				break
			}
			pieces = append(pieces, p)
			walk(end)
			pieces = pieces[:len(pieces)-1]
		}
	}
	walk(0)
	ms := make([]match, 0, len(best))
	for _, m := range best {
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if spelled && (a.tier == 2) != (b.tier == 2) {
			return b.tier == 2
		}
		if a.len != b.len {
			return a.len > b.len
		}
		if a.tier != b.tier {
			return a.tier < b.tier
		}
		if a.e.weight != b.e.weight {
			return a.e.weight > b.e.weight
		}
		return a.e.text < b.e.text
	})
	if len(ms) > maxCandidates {
		ms = ms[:maxCandidates]
	}
	out := make([]Candidate, len(ms))
	for i, m := range ms {
		out[i] = Candidate{Text: m.e.text, Len: m.len}
	}
	return out
}

func keyOf(pieces []string) string {
	k := make([]byte, len(pieces))
	for i, p := range pieces {
		k[i] = p[0]
	}
	return string(k)
}

// collect adds the entries whose syllables begin with the pieces, one
// each, keeping for each text the best way it was found.
func (d *Dict) collect(input string, end int, pieces []string, best map[string]match) {
	tier := 0
	for i, p := range pieces {
		if d.syllables[p] {
			continue
		}
		if i == len(pieces)-1 {
			tier = max(tier, 1)
		} else {
			tier = 2
		}
	}
	for _, e := range d.byKey[keyOf(pieces)] {
		t, ok := fit(pieces, e.syl, tier)
		if !ok {
			continue
		}
		m := match{e: e, len: end, tier: t}
		if old, seen := best[e.text]; !seen || better(m, old) {
			best[e.text] = m
		}
	}
}

// fit says whether each piece begins its syllable, and how well they fit:
// a piece that is a whole syllable but only the start of this one ("zhan"
// of "zhang") counts as still being typed, or as an initial.
func fit(pieces, syl []string, tier int) (int, bool) {
	for i, p := range pieces {
		if !strings.HasPrefix(syl[i], p) {
			return 0, false
		}
		if p != syl[i] {
			if i == len(pieces)-1 {
				tier = max(tier, 1)
			} else {
				tier = 2
			}
		}
	}
	return tier, true
}

func better(a, b match) bool {
	if a.len != b.len {
		return a.len > b.len
	}
	return a.tier < b.tier
}

// spelled says whether the whole input reads as whole syllables, the last
// perhaps still being typed.
func (d *Dict) spelled(input string) bool {
	ok := make([]bool, len(input)+1) // ok[i]: input[:i] is whole syllables
	ok[0] = true
	for i := 0; i < len(input); i++ {
		if !ok[i] {
			continue
		}
		if input[i] == '\'' {
			ok[i+1] = true
			continue
		}
		for j := i + 1; j <= len(input) && input[j-1] != '\''; j++ {
			p := input[i:j]
			if !d.sylPrefixes[p] {
				break
			}
			if d.syllables[p] {
				ok[j] = true
			}
			if j == len(input) {
				return true // the last syllable may be unfinished
			}
		}
	}
	return ok[len(input)]
}

// Segment shows the input split into syllables for the composition line
// ("xiao'hong"), the way the dictionary reads it: the longest whole
// syllable first, as long as the rest still reads.
func (d *Dict) Segment(input string) string {
	var parts []string
	for _, chunk := range strings.Split(input, "'") {
		parts = append(parts, d.segment(chunk)...)
	}
	return strings.Join(parts, "'")
}

func (d *Dict) segment(s string) []string {
	if s == "" {
		return nil
	}
	for j := len(s); j > 0; j-- {
		p := s[:j]
		if d.syllables[p] && (j == len(s) || d.sylPrefixes[s[j:j+1]]) {
			if rest := d.segment(s[j:]); j == len(s) || rest != nil {
				return append([]string{p}, rest...)
			}
		}
	}
	return []string{s}
}
