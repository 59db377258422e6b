package servicepoint

import (
	"errors"
	"testing"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/ids"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   ServicePoint
		err  error
	}{
		{"township", ServicePoint{" 330522101000 ", " 洪桥镇便民服务中心 ", catalog.Township}, nil},
		{"village", ServicePoint{"330522101201", "洪桥村便民服务站", catalog.Village}, nil},
		{"short code", ServicePoint{"3305221010", "x", catalog.Township}, ErrCodeFormat},
		{"letters", ServicePoint{"33052210100A", "x", catalog.Township}, ErrCodeFormat},
		{"village code as township", ServicePoint{"330522101201", "x", catalog.Township}, ErrCodeTownship},
		{"county code as township", ServicePoint{"330522000000", "x", catalog.Township}, ids.ErrDivisionTownship},
		{"township out of the national ranges", ServicePoint{"330522601000", "x", catalog.Township}, ids.ErrDivisionTownship},
		{"village out of the national ranges", ServicePoint{"330522101600", "x", catalog.Village}, ids.ErrDivisionVillage},
		{"no such province", ServicePoint{"990522101000", "x", catalog.Township}, ids.ErrDivisionProvince},
		{"township code as village", ServicePoint{"330522101000", "x", catalog.Village}, ErrCodeVillage},
		{"county level not allowed", ServicePoint{"330522101000", "x", catalog.County}, ErrLevel},
		{"no name", ServicePoint{"330522101000", "  ", catalog.Township}, ErrNameEmpty},
		{"long name", ServicePoint{"330522101000", "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一", catalog.Township}, ErrNameLong},
	}
	for _, tt := range tests {
		got, err := tt.in.Normalize()
		if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
			t.Errorf("%s: Normalize() error = %v, want %v", tt.name, err, tt.err)
		}
		if err == nil && (got.Code != "330522101000" && got.Code != "330522101201" || got.Name[0] == ' ') {
			t.Errorf("%s: Normalize() = %+v, want trimmed", tt.name, got)
		}
	}
	if got := (ServicePoint{Code: "330522101000"}).County(); got != "330522" {
		t.Errorf("County() = %q, want 330522", got)
	}
}
