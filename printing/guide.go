package printing

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/workday"
)

// GuideInput is what a printed service guide (办事指南, 一次性告知单) shows.
type GuideInput struct {
	Matter       *catalog.Matter
	ServicePoint string // hall name printed in the header
	CatalogVer   string
	PrintedAt    time.Time
}

// Guide writes the guide a citizen takes home so the next visit is the only
// one needed (一次告知): conditions, time limits, fees and every material
// with how many originals and copies, and what may be replaced by shared
// data, a written commitment or supplemented later.
func Guide(w io.Writer, layout Layout, in GuideInput) error {
	m := in.Matter
	if m == nil {
		return fmt.Errorf("guide: no matter")
	}
	kind, promised := "承诺件", fmt.Sprintf("%d 个工作日", m.PromisedDays)
	if m.Kind == catalog.Immediate {
		kind, promised = "即办件", "当场办结"
	}
	legal := "—"
	if m.LegalDays > 0 {
		legal = fmt.Sprintf("%d 个工作日", m.LegalDays)
	}
	b := []block{
		header{in.ServicePoint, "打印时间 " + in.PrintedAt.In(workday.China).Format("2006-01-02 15:04")},
		heading{m.Name, "办事指南 · 一次性告知单"},
		kv{"事项编码", m.Code},
		kv{"所属板块", m.Sector},
		kv{"实施部门", m.Department},
		kv{"可办理地点", levelsText(m.Levels)},
		kv{"办件类型", kind},
		kv{"法定时限", legal},
		kv{"承诺时限", promised},
		kv{"收费", feesText(m.Fees)},
	}
	if len(m.Conditions) > 0 {
		b = append(b, section("办理条件"))
		for i, c := range m.Conditions {
			b = append(b, para{text: fmt.Sprintf("%d. %s", i+1, c)})
		}
	}
	rows := make([][]string, 0, len(m.Materials))
	for i, mat := range m.Materials {
		name := mat.Name
		if !mat.Required {
			name += "（如有）"
		}
		rows = append(rows, []string{fmt.Sprint(i + 1), name, count(mat.Originals), count(mat.Copies), materialNotes(mat)})
	}
	b = append(b, section("申请材料"),
		table{cols: []string{"序号", "材料名称", "原件", "复印件", "说明"}, width: []float64{0.07, 0.48, 0.09, 0.1, 0.26}, rows: rows},
		para{text: "“数据共享”的材料无需提交，窗口通过共享数据核验；“可承诺”的材料可签署告知承诺书代替；" +
			fmt.Sprintf("“可容缺”的材料缺少时可先受理，请在受理后 %d 个工作日内补齐。", m.Supplement()), small: true},
		para{text: "本告知单依据事项目录版本 " + in.CatalogVer + " 生成，以窗口最新告知为准。", small: true},
	)
	_, err := renderDoc(w, layout, "办事指南 "+m.Name, in.PrintedAt, b)
	return err
}

func count(n int) string {
	if n == 0 {
		return "—"
	}
	return fmt.Sprintf("%d 份", n)
}

func materialNotes(m catalog.Material) string {
	var notes []string
	if m.SharedData {
		notes = append(notes, "数据共享")
	}
	if m.Commitment {
		notes = append(notes, "可承诺")
	}
	if m.Deferrable {
		notes = append(notes, "可容缺")
	}
	if m.Sample != "" {
		notes = append(notes, m.Sample)
	}
	return strings.Join(notes, "；")
}

func levelsText(ls []catalog.Level) string {
	names := map[catalog.Level]string{catalog.County: "县行政服务中心", catalog.Township: "乡镇（街道）便民服务中心", catalog.Village: "村（社区）便民服务站"}
	var out []string
	for _, l := range ls {
		out = append(out, names[l])
	}
	return strings.Join(out, "、")
}

func feesText(fees []catalog.Fee) string {
	if len(fees) == 0 {
		return "不收费"
	}
	var out []string
	for _, f := range fees {
		s := fmt.Sprintf("%s %s 元", f.Item, f.Yuan)
		if f.Basis != "" {
			s += "（" + f.Basis + "）"
		}
		out = append(out, s)
	}
	return strings.Join(out, "；")
}
