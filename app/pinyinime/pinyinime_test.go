package pinyinime

import (
	"slices"
	"testing"
)

func dict(t *testing.T) *Dict {
	t.Helper()
	d, err := Builtin()
	if err != nil {
		t.Fatalf("load the embedded table: %v", err)
	}
	return d
}

func texts(cs []Candidate, n int) []string {
	var out []string
	for _, c := range cs[:min(n, len(cs))] {
		out = append(out, c.Text)
	}
	return out
}

// TestLookupRanks checks that what a villager means comes on the first
// page (PageSize candidates), and before what they do not mean.
func TestLookupRanks(t *testing.T) {
	d := dict(t)
	tests := []struct {
		name, in string
		want     string // on the first page
		before   string // if set, want comes before this one
		len      int    // the input the want candidate covers
	}{
		{"a surname", "zhang", "张", "", 5},
		{"another surname", "wang", "王", "", 4},
		{"a word before its characters", "xiaohong", "小红", "小", 8},
		{"a word before a shorter word", "daqian", "大钱", "大", 6},
		{"initials spell a word", "dqc", "大气层", "", 3},
		{"initials of two syllables", "zhx", "中心", "", 3},
		{"ü typed as v", "lv", "绿", "", 2},
		{"ü typed as ü", "lü", "绿", "", 2},
		{"lüe typed as lue", "lue", "略", "", 3},
		{"nüe typed as nue", "nue", "虐", "", 3},
		{"xian is one syllable first", "xian", "先", "西安", 4},
		{"xian may be xi an", "xian", "西安", "", 4},
		{"an apostrophe splits xi'an", "xi'an", "西安", "先", 5},
		{"two whole syllables", "wangming", "王明", "", 8},
		{"whole syllables before a guess from initials", "zhangan", "张", "长高", 5},
		{"a syllable still being typed", "xiaoh", "小孩", "小", 5},
		{"an initial", "zh", "中", "", 2},
		{"capital letters", "ZHANG", "张", "", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d.Lookup(Normalize(tt.in))
			i := slices.IndexFunc(got, func(c Candidate) bool { return c.Text == tt.want })
			if i < 0 || i >= PageSize {
				t.Fatalf("Lookup(%q) first page = %v, want %s on it", tt.in, texts(got, PageSize), tt.want)
			}
			if got[i].Len != tt.len {
				t.Errorf("Lookup(%q): %s covers %d, want %d", tt.in, tt.want, got[i].Len, tt.len)
			}
			if tt.before != "" {
				j := slices.IndexFunc(got, func(c Candidate) bool { return c.Text == tt.before })
				if j >= 0 && j < i {
					t.Errorf("Lookup(%q) = %v: %s at %d before %s at %d", tt.in, texts(got, 10), tt.before, j, tt.want, i)
				}
			}
		})
	}
}

// TestLookupNothing: no candidates for nothing, or for what no syllable
// begins with; the citizen keeps the letters.
func TestLookupNothing(t *testing.T) {
	d := dict(t)
	for _, in := range []string{"", "'", "''", "i", "uuu", "123", "张"} {
		if got := d.Lookup(Normalize(in)); len(got) != 0 {
			t.Errorf("Lookup(%q) = %v, want none", in, texts(got, 5))
		}
	}
}

// TestLookupWordsOfWholeInputFirst: every candidate that covers the whole
// input comes before any that covers less.
func TestLookupWordsOfWholeInputFirst(t *testing.T) {
	d := dict(t)
	for _, in := range []string{"xiaohong", "zhangsan", "cunweihui", "shenfenzheng"} {
		got := d.Lookup(in)
		for i := 1; i < len(got); i++ {
			if got[i].Len > got[i-1].Len {
				t.Fatalf("Lookup(%q): %v covers %d after %v covers %d", in, got[i], got[i].Len, got[i-1], got[i-1].Len)
			}
		}
		if len(got) == 0 || got[0].Len != len(in) {
			t.Errorf("Lookup(%q) = %v, want a word for all of it first", in, texts(got, 5))
		}
	}
}

func TestNormalize(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"LÜ", "lv"}, {"nüe", "nve"}, {"lue", "lve"}, {"xi'an", "xi'an"}, {"zhang 3", "zhang"}, {"", ""},
	} {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSegment(t *testing.T) {
	d := dict(t)
	for _, tt := range []struct{ in, want string }{
		{"xiaohong", "xiao'hong"}, {"xian", "xian"}, {"xi'an", "xi'an"}, {"zhangxiaoh", "zhang'xiao'h"}, {"zhx", "zhx"}, {"", ""},
	} {
		if got := d.Segment(tt.in); got != tt.want {
			t.Errorf("Segment(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestComposerPicksInTurn types a whole name as one run of pinyin and
// picks it piece by piece: each pick takes its syllables, the rest stays.
func TestComposerPicksInTurn(t *testing.T) {
	c := NewComposer(dict(t))
	c.Type("zhang")
	c.Type("xiaohong")
	var got string
	for _, want := range []string{"张", "小红"} {
		i := slices.IndexFunc(c.Candidates(), func(x Candidate) bool { return x.Text == want })
		for i < 0 && c.HasNext() {
			c.Next()
			i = slices.IndexFunc(c.Candidates(), func(x Candidate) bool { return x.Text == want })
		}
		if i < 0 {
			t.Fatalf("input %q: %s on no page", c.Input(), want)
		}
		got += c.Pick(i)
	}
	if got != "张小红" || c.Input() != "" {
		t.Errorf("picked %q leaving %q, want 张小红 leaving nothing", got, c.Input())
	}
}

func TestComposerBackspaceAndPages(t *testing.T) {
	c := NewComposer(dict(t))
	if c.Backspace() {
		t.Errorf("Backspace on an empty composition = true, want false (the field's text is next)")
	}
	c.Type("zhan")
	if !c.Backspace() || c.Input() != "zha" {
		t.Errorf("after a backspace input = %q, want zha", c.Input())
	}
	if c.HasPrev() || !c.HasNext() {
		t.Fatalf("first page: HasPrev %v HasNext %v, want false true", c.HasPrev(), c.HasNext())
	}
	first := c.Candidates()[0]
	c.Next()
	if !c.HasPrev() || c.Candidates()[0] == first {
		t.Errorf("second page starts with %v, want other than the first page's %v", c.Candidates()[0], first)
	}
	c.Prev()
	if c.Candidates()[0] != first {
		t.Errorf("back on page one: %v, want %v", c.Candidates()[0], first)
	}
	c.Type("ng")
	if c.HasPrev() {
		t.Errorf("typing keeps the page turned, want page one")
	}
	if got := c.Pick(PageSize + 1); got != "" || c.Input() != "zhang" {
		t.Errorf("Pick off the page = %q leaving %q, want nothing taken", got, c.Input())
	}
	if got := c.Commit(); got != "zhang" || c.Input() != "" {
		t.Errorf("Commit = %q leaving %q, want zhang and nothing", got, c.Input())
	}
}
