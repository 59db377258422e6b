package catalog

import (
	"fmt"
	"slices"
	"strings"
)

// Override is a township's local adjustment of the province catalog. The
// province sets the ceiling; a township may only ask for fewer materials and
// promise shorter times (DOMAIN: "可以少于，不能多于"). The document can
// express nothing else, and anything else in it is rejected.
type Override struct {
	BaseVersion  string           `json:"base_version"`
	ServicePoint string           `json:"service_point"`
	Note         string           `json:"note,omitempty"`
	Matters      []MatterOverride `json:"matters"`
}

// MatterOverride adjusts one matter.
type MatterOverride struct {
	Code          string   `json:"code"`
	PromisedDays  *int     `json:"promised_days,omitempty"`
	DropMaterials []string `json:"drop_materials,omitempty"`
}

// ParseOverride reads an override document. Keys other than those above are
// rejected with a sentence saying what an override may change.
func ParseOverride(raw []byte) (*Override, error) {
	var o Override
	if err := decodeStrict(raw, &o, "覆盖文件"); err != nil {
		if inv, ok := err.(*InvalidError); ok && len(inv.Problems) == 1 && strings.HasPrefix(inv.Problems[0], "不认识的字段") {
			inv.Problems[0] += "：乡镇覆盖只能精简材料（drop_materials）或缩短承诺时限（promised_days），其他内容以省目录为准"
		}
		return nil, err
	}
	return &o, nil
}

// Apply returns a copy of base with the override applied, or an error listing
// every change the override is not allowed to make. base is not modified.
func (o *Override) Apply(base *Catalog) (*Catalog, error) {
	var p problems
	if o.BaseVersion != base.Version {
		p.add("覆盖文件针对目录版本“%s”，当前目录版本是“%s”", o.BaseVersion, base.Version)
	}
	out := base.clone()
	seen := map[string]bool{}
	for _, mo := range o.Matters {
		where := fmt.Sprintf("覆盖事项“%s”", mo.Code)
		if seen[mo.Code] {
			p.add("%s重复出现", where)
			continue
		}
		seen[mo.Code] = true
		m, ok := out.Matter(mo.Code)
		if !ok {
			p.add("%s不在目录版本“%s”中", where, base.Version)
			continue
		}
		if mo.PromisedDays == nil && len(mo.DropMaterials) == 0 {
			p.add("%s没有任何调整", where)
		}
		if d := mo.PromisedDays; d != nil {
			switch {
			case *d > m.PromisedDays:
				p.add("%s的承诺时限%d天长于省目录的%d天，乡镇只能缩短", where, *d, m.PromisedDays)
			case m.Kind == Promised && *d < 1:
				p.add("%s是承诺件，承诺时限至少1个工作日", where)
			case m.Kind == Immediate && *d != 0:
				p.add("%s是即办件，不能设承诺时限", where)
			default:
				m.PromisedDays = *d
			}
		}
		for _, id := range mo.DropMaterials {
			i := slices.IndexFunc(m.Materials, func(x Material) bool { return x.ID == id })
			if i < 0 {
				p.add("%s要去掉的材料“%s”不在该事项的材料清单中", where, id)
				continue
			}
			m.Materials = slices.Delete(m.Materials, i, i+1)
		}
		if len(m.Materials) == 0 {
			p.add("%s去掉了全部材料，至少要保留一项（如身份证明）", where)
		}
	}
	if err := p.err("覆盖文件"); err != nil {
		return nil, err
	}
	return out, nil
}

// clone deep-copies the parts an override can change.
func (c *Catalog) clone() *Catalog {
	out := *c
	out.byCode = nil
	out.Matters = slices.Clone(c.Matters)
	for i := range out.Matters {
		out.Matters[i].Materials = slices.Clone(c.Matters[i].Materials)
	}
	return &out
}
