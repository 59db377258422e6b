package pinyinime

import "strings"

// PageSize is how many candidates one page shows: few enough for big
// touch targets in one row.
const PageSize = 6

// Composer is one composition: the letters typed so far and the page of
// candidates shown for them. Picking a candidate takes it and the
// syllables it covers; the rest stays as pinyin for the next pick.
type Composer struct {
	dict  *Dict
	input string
	cands []Candidate
	page  int
}

// NewComposer starts an empty composition over d.
func NewComposer(d *Dict) *Composer { return &Composer{dict: d} }

// Input is the pinyin not yet turned into characters.
func (c *Composer) Input() string { return c.input }

// Composition is the input as the composition line shows it, split into
// syllables.
func (c *Composer) Composition() string { return c.dict.Segment(c.input) }

// Type adds letters (a "ü" or an apostrophe too).
func (c *Composer) Type(s string) {
	c.set(Normalize(c.input + s))
}

// Backspace removes the last letter; it says false when there was none,
// so the key goes on to the text field.
func (c *Composer) Backspace() bool {
	if c.input == "" {
		return false
	}
	c.set(c.input[:len(c.input)-1])
	return true
}

// Reset drops the composition.
func (c *Composer) Reset() { c.set("") }

// Candidates returns the page shown.
func (c *Composer) Candidates() []Candidate {
	lo := c.page * PageSize
	return c.cands[lo:min(lo+PageSize, len(c.cands))]
}

// HasPrev and HasNext say whether there are pages before and after.
func (c *Composer) HasPrev() bool { return c.page > 0 }
func (c *Composer) HasNext() bool { return (c.page+1)*PageSize < len(c.cands) }

// Next and Prev turn the page.
func (c *Composer) Next() {
	if c.HasNext() {
		c.page++
	}
}
func (c *Composer) Prev() {
	if c.HasPrev() {
		c.page--
	}
}

// Pick takes the i-th candidate of the page shown and returns its text;
// the pinyin it covered leaves the composition.
func (c *Composer) Pick(i int) string {
	page := c.Candidates()
	if i < 0 || i >= len(page) {
		return ""
	}
	cand := page[i]
	c.set(strings.TrimLeft(c.input[cand.Len:], "'"))
	return cand.Text
}

// Commit ends the composition with the letters as typed, for a citizen
// who wanted Latin letters after all (a village named in pinyin).
func (c *Composer) Commit() string {
	s := c.input
	c.set("")
	return s
}

func (c *Composer) set(input string) {
	c.input, c.page = input, 0
	c.cands = c.dict.Lookup(input)
}
