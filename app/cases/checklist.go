package cases

import (
	"fmt"
	"slices"

	"github.com/yichuang/yichuang/app/catalog"
)

// ChecklistLine is one line the clerk checks: a paper the citizen hands
// over once, standing for every matter's entry it satisfies (一件事: the
// parent's 居民身份证 asked by four matters is looked at once). The case
// still records each matter's entry, so decisions and statistics see every
// matter's material.
type ChecklistLine struct {
	// Name is the material's name as the first matter words it.
	Name string
	// Required: some matter requires it.
	Required bool
	// States are the states every entry allows, in the clerk's order.
	States  []MaterialState
	Entries []MaterialEntry
	// Matters names the matters the line serves, by name.
	Matters []string
}

// ChecklistLines returns the checklist of the matters as lines to check:
// materials the catalog marks as the same paper (Material.Paper), or with
// the same name, are one line when a state fits them all. A paper one
// matter lets the citizen defer (容缺) and another needs at once is still
// one line, offering only what both allow.
func ChecklistLines(cat *catalog.Catalog, codes []string) ([]ChecklistLine, error) {
	return ChecklistLinesFor(cat, codes, AllowedStates)
}

// ChecklistLinesFor is ChecklistLines for a channel that allows fewer
// states than the catalog (AgentStates, SelfStates).
func ChecklistLinesFor(cat *catalog.Catalog, codes []string, allowed func(catalog.Material) []MaterialState) ([]ChecklistLine, error) {
	var out []ChecklistLine
	keys := []string{} // out[i]'s merge key
	for _, code := range codes {
		m, ok := cat.Matter(code)
		if !ok {
			return nil, fmt.Errorf("checklist: no matter %q", code)
		}
		for _, mat := range m.Materials {
			key := "name:" + mat.Name
			if mat.Paper != "" {
				key = "paper:" + mat.Paper
			}
			entry := MaterialEntry{Matter: code, Material: mat.ID}
			states := allowed(mat)
			if i := slices.Index(keys, key); i >= 0 && !slices.ContainsFunc(out[i].Entries, func(e MaterialEntry) bool { return e.Matter == code }) {
				if both := intersect(out[i].States, states); len(both) > 0 {
					out[i].States = both
					out[i].Required = out[i].Required || mat.Required
					out[i].Entries = append(out[i].Entries, entry)
					out[i].Matters = append(out[i].Matters, m.Name)
					continue
				}
			}
			keys = append(keys, key)
			out = append(out, ChecklistLine{Name: mat.Name, Required: mat.Required, States: states,
				Entries: []MaterialEntry{entry}, Matters: []string{m.Name}})
		}
	}
	return out, nil
}

// intersect keeps a's states that b allows too, in a's order. A line that
// some matter requires cannot be marked 不适用 for it: NotApplicable is only
// in AllowedStates of an optional material, so intersecting takes it out.
func intersect(a, b []MaterialState) []MaterialState {
	var out []MaterialState
	for _, s := range a {
		if slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// SetLine records one state for every entry of a line.
func SetLine(materials []MaterialEntry, line ChecklistLine, s MaterialState) []MaterialEntry {
	out := slices.Clone(materials)
	for _, e := range line.Entries {
		i := slices.IndexFunc(out, func(x MaterialEntry) bool { return x.Matter == e.Matter && x.Material == e.Material })
		if i < 0 {
			out = append(out, MaterialEntry{Matter: e.Matter, Material: e.Material, State: s})
			continue
		}
		out[i].State = s
	}
	return out
}
