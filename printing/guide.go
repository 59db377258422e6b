package printing

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"

	"github.com/yichuang/yichuang/app/catalog"
)

// GuideInput is what a printed service guide (办事指南, 一次性告知单) shows.
type GuideInput struct {
	Matter       *catalog.Matter
	ServicePoint string // hall name printed in the header
	CatalogVer   string
	PrintedAt    time.Time
}

// Guide writes the one-page guide a citizen takes home so the next visit is
// the only one needed (一次告知): conditions, time limits, fees and every
// material with how many originals and copies, and what may be replaced by
// shared data, a written commitment or supplemented later.
func Guide(w io.Writer, in GuideInput) error {
	m := in.Matter
	if m == nil {
		return fmt.Errorf("guide: no matter")
	}
	pdf := newDocument("办事指南 "+m.Name, in.PrintedAt)
	pdf.AddPage()

	setFont(pdf, 10)
	pdf.SetTextColor(90, 90, 90)
	pdf.CellFormat(bodyW/2, 6, in.ServicePoint, "", 0, "L", false, 0, "")
	pdf.CellFormat(bodyW/2, 6, "打印时间 "+in.PrintedAt.Format("2006-01-02 15:04"), "", 1, "R", false, 0, "")
	pdf.SetTextColor(0, 0, 0)

	setFont(pdf, 18)
	paragraph(pdf, bodyW, 9, m.Name, "C")
	setFont(pdf, 10)
	pdf.CellFormat(bodyW, 6, "办事指南 · 一次性告知单", "", 1, "C", false, 0, "")
	pdf.Ln(3)

	kind := "承诺件"
	promised := fmt.Sprintf("%d 个工作日", m.PromisedDays)
	if m.Kind == catalog.Immediate {
		kind, promised = "即办件", "当场办结"
	}
	legal := "—"
	if m.LegalDays > 0 {
		legal = fmt.Sprintf("%d 个工作日", m.LegalDays)
	}
	rows := [][2]string{
		{"事项编码", m.Code},
		{"所属板块", m.Sector},
		{"实施部门", m.Department},
		{"可办理地点", levelsText(m.Levels)},
		{"办件类型", kind},
		{"法定时限", legal},
		{"承诺时限", promised},
		{"收费", feesText(m.Fees)},
	}
	for _, r := range rows {
		keyValue(pdf, r[0], r[1])
	}
	if len(m.Conditions) > 0 {
		section(pdf, "办理条件")
		for i, c := range m.Conditions {
			paragraph(pdf, bodyW, 6, fmt.Sprintf("%d. %s", i+1, c), "L")
		}
	}

	section(pdf, "申请材料")
	materialsTable(pdf, m.Materials)
	pdf.Ln(2)
	setFont(pdf, 9)
	paragraph(pdf, bodyW, 5, "“数据共享”的材料无需提交，窗口通过共享数据核验；“可承诺”的材料可签署告知承诺书代替；"+
		fmt.Sprintf("“可容缺”的材料缺少时可先受理，请在受理后 %d 个工作日内补齐。", m.Supplement()), "L")
	paragraph(pdf, bodyW, 5, "本告知单依据事项目录版本 "+in.CatalogVer+" 生成，以窗口最新告知为准。", "L")
	return finish(pdf, w)
}

func section(pdf *gofpdf.Fpdf, title string) {
	pdf.Ln(3)
	setFont(pdf, 12)
	pdf.SetFillColor(232, 240, 250)
	pdf.CellFormat(bodyW, 8, " "+title, "", 1, "L", true, 0, "")
	setFont(pdf, 10)
	pdf.Ln(1)
}

func keyValue(pdf *gofpdf.Fpdf, k, v string) {
	setFont(pdf, 10)
	pdf.SetTextColor(90, 90, 90)
	pdf.CellFormat(28, 6.5, k, "", 0, "L", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	paragraph(pdf, bodyW-28, 6.5, v, "L")
	pdf.SetX(marginL)
}

func materialsTable(pdf *gofpdf.Fpdf, mats []catalog.Material) {
	cols := []struct {
		title string
		w     float64
	}{{"序号", 12}, {"材料名称", 86}, {"原件", 14}, {"复印件", 16}, {"说明", bodyW - 128}}
	setFont(pdf, 9.5)
	pdf.SetFillColor(245, 245, 245)
	for _, c := range cols {
		pdf.CellFormat(c.w, 7, c.title, "1", 0, "C", true, 0, "")
	}
	pdf.Ln(-1)
	for i, mat := range mats {
		name := mat.Name
		if !mat.Required {
			name += "（如有）"
		}
		cells := []string{fmt.Sprint(i + 1), name, count(mat.Originals), count(mat.Copies), materialNotes(mat)}
		// Row height: the tallest wrapped cell.
		lines := 1
		for j, c := range cells {
			if n := len(wrap(pdf, c, cols[j].w)); n > lines {
				lines = n
			}
		}
		h := 5.5 * float64(lines)
		if pdf.GetY()+h > 297-22 {
			pdf.AddPage()
		}
		x, y := pdf.GetXY()
		for j, c := range cells {
			pdf.Rect(x, y, cols[j].w, h, "D")
			align := "C"
			if j == 1 || j == 4 {
				align = "L"
			}
			pdf.SetXY(x, y)
			paragraph(pdf, cols[j].w, 5.5, c, align)
			x += cols[j].w
		}
		pdf.SetXY(marginL, y+h)
	}
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
