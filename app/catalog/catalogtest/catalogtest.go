// Package catalogtest provides catalogs for tests and benchmarks.
package catalogtest

import (
	"encoding/json"
	"fmt"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/assets"
)

// Replicated returns the demo catalog grown to at least n matters by
// copying every matter under new codes with a place name in brackets: the
// size of a county catalog (Tongxiang lists 1,525 matters).
func Replicated(n int) ([]byte, error) {
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		return nil, err
	}
	places := []string{"洪桥", "林城", "泗安", "李家巷", "和平", "煤山", "夹浦", "虹星桥", "水口", "吕山", "小浦", "画溪"}
	base := cat.Matters
	for i := 0; len(cat.Matters) < n; i++ {
		for _, m := range base {
			c := m
			c.Code = fmt.Sprintf("%s-R%02d", m.Code, i)
			c.Name = m.Name + "（" + places[i%len(places)] + "）"
			c.Aliases = nil
			cat.Matters = append(cat.Matters, c)
		}
	}
	cat.Version = "bench"
	return json.Marshal(cat)
}
