package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
)

// InvalidError lists every problem found in a catalog or override document.
// A document with any problem is rejected whole: a half-loaded catalog would
// show clerks a matter list that matches no published version.
type InvalidError struct {
	What     string // "目录" or "覆盖文件"
	Problems []string
}

func (e *InvalidError) Error() string {
	const show = 8
	var b strings.Builder
	fmt.Fprintf(&b, "%s有%d处错误，未载入，原有版本继续使用：", e.What, len(e.Problems))
	for i, p := range e.Problems {
		if i == show {
			fmt.Fprintf(&b, "；……另有%d处", len(e.Problems)-show)
			break
		}
		if i > 0 {
			b.WriteString("；")
		}
		b.WriteString(p)
	}
	return b.String()
}

type problems struct{ list []string }

func (p *problems) add(format string, a ...any) { p.list = append(p.list, fmt.Sprintf(format, a...)) }

func (p *problems) err(what string) error {
	if len(p.list) == 0 {
		return nil
	}
	return &InvalidError{What: what, Problems: p.list}
}

// decodeStrict decodes exactly one JSON value, rejecting unknown keys and
// trailing data, and turns the decoder's English into a sentence a county
// administrator can act on.
func decodeStrict(raw []byte, v any, what string) error { return decode(raw, v, what, true) }

// decode is decodeStrict, or with strict false the same but keys it does
// not know are passed over (ParseReceived).
func decode(raw []byte, v any, what string, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return &InvalidError{What: what, Problems: []string{jsonProblem(raw, err)}}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &InvalidError{What: what, Problems: []string{"文件在第一个JSON对象之后还有多余内容"}}
	}
	return nil
}

func jsonProblem(raw []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line := 1 + bytes.Count(raw[:min(int(syn.Offset), len(raw))], []byte("\n"))
		return fmt.Sprintf("第%d行JSON格式错误（%v）", line, syn)
	case errors.As(err, &typ):
		return fmt.Sprintf("字段“%s”的值类型不对：应为%s", typ.Field, typ.Type)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "文件为空或不完整"
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Sprintf("不认识的字段%s", f)
	}
	return err.Error()
}

var (
	codeRE = regexp.MustCompile(`^[0-9A-Z][0-9A-Z-]{2,39}$`)
	keyRE  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
)

// Parse reads and validates a catalog document. Nothing is returned unless
// the whole document is valid.
func Parse(raw []byte) (*Catalog, error) { return parse(raw, true) }

// ParseReceived is Parse for a catalog the county published: a key this
// release does not know is passed over instead of refusing the whole
// catalog. The county checked the document with its own, newer rules
// (Parse) before publishing it, so an unknown key is a field added after
// this kiosk's release (跑动次数 and 网办深度 were), not a typing mistake;
// refusing it would leave the hall on an old catalog until every kiosk is
// upgraded. Everything this release knows is checked as strictly as ever.
func ParseReceived(raw []byte) (*Catalog, error) { return parse(raw, false) }

func parse(raw []byte, strict bool) (*Catalog, error) {
	var c Catalog
	if err := decode(raw, &c, "目录", strict); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks every rule of the catalog and reports all problems at once.
func (c *Catalog) Validate() error {
	var p problems
	if strings.TrimSpace(c.Version) == "" {
		p.add("缺少目录版本号（version）")
	}
	if _, err := time.Parse("2006-01-02", c.Published); err != nil {
		p.add("发布日期（published）“%s”应写成 2006-01-02 的格式", c.Published)
	}
	if len(c.Matters) == 0 {
		p.add("目录中没有事项")
	}
	if !validLapse(c.SupplementLapse) {
		p.add("目录的容缺逾期处理（supplement_lapse）“%s”应为 terminate（终止办理）或 withdrawn（视为撤回）", c.SupplementLapse)
	}
	codes := map[string]bool{}
	// A field key means the same thing in every matter, so bundles can
	// merge forms by key; the first use of a key sets its shape.
	shape := map[string]Field{}
	shapeOwner := map[string]string{}
	for i := range c.Matters {
		m := &c.Matters[i]
		where := fmt.Sprintf("事项“%s”", m.Code)
		if !codeRE.MatchString(m.Code) {
			where = fmt.Sprintf("第%d个事项", i+1)
			p.add("%s的编码“%s”格式不对（大写字母、数字和连字符）", where, m.Code)
		} else if codes[m.Code] {
			p.add("%s编码重复", where)
		}
		codes[m.Code] = true
		validateMatter(&p, where, m)
		for _, f := range m.Fields {
			first, seen := shape[f.Key]
			switch {
			case !seen:
				shape[f.Key], shapeOwner[f.Key] = f, m.Code
			case first.Type != f.Type:
				p.add("%s的字段“%s”类型为%s，但事项“%s”中同名字段为%s；同一字段在各事项中必须一致，一件事才能合并成一张表",
					where, f.Key, f.Type, shapeOwner[f.Key], first.Type)
			case !slices.Equal(first.Choices, f.Choices):
				p.add("%s的字段“%s”的选项与事项“%s”中同名字段不同", where, f.Key, shapeOwner[f.Key])
			}
		}
	}
	bcodes := map[string]bool{}
	for i := range c.Bundles {
		b := &c.Bundles[i]
		where := fmt.Sprintf("一件事“%s”", b.Code)
		switch {
		case !codeRE.MatchString(b.Code):
			p.add("第%d个一件事的编码“%s”格式不对", i+1, b.Code)
		case bcodes[b.Code] || codes[b.Code]:
			p.add("%s编码重复", where)
		}
		bcodes[b.Code] = true
		if strings.TrimSpace(b.Name) == "" {
			p.add("%s缺少名称", where)
		}
		validateAliases(&p, where, b.Aliases)
		if len(b.Matters) < 2 {
			p.add("%s至少要包含2个事项", where)
		}
		in := map[string]bool{}
		for _, code := range b.Matters {
			if !codes[code] {
				p.add("%s引用的事项“%s”不在目录中", where, code)
			}
			if in[code] {
				p.add("%s重复列出事项“%s”", where, code)
			}
			in[code] = true
		}
		if b.Lead != "" && !slices.ContainsFunc(b.Matters, func(code string) bool {
			m, ok := c.Matter(code)
			return ok && m.Department == b.Lead
		}) {
			p.add("%s的牵头部门“%s”不是其任一事项的实施部门", where, b.Lead)
		}
	}
	depts := map[string]bool{}
	for i, d := range c.Departments {
		where := fmt.Sprintf("部门第%d项（%s）", i+1, d.Name)
		switch {
		case strings.TrimSpace(d.Name) == "":
			p.add("%s缺少名称", where)
		case depts[d.Name]:
			p.add("%s重复", where)
		}
		depts[d.Name] = true
		if d.Reconsideration != "" && strings.TrimSpace(d.Court) == "" {
			p.add("%s写了复议机关却没有写管辖法院", where)
		}
		// A shorter period than the law's would mislead a citizen into
		// losing the remedy; a special law may give more, never less here.
		if d.ReconsiderationDays != 0 && d.ReconsiderationDays < DefaultReconsiderationDays {
			p.add("%s的复议期限%d日少于行政复议法第二十条的六十日", where, d.ReconsiderationDays)
		}
		if d.LitigationMonths < 0 || d.LitigationMonths > 24 {
			p.add("%s的起诉期限%d个月不在1–24个月之间", where, d.LitigationMonths)
		}
	}
	c.byCode = nil
	return p.err("目录")
}

func validLapse(l Lapse) bool { return l == "" || l == LapseTerminate || l == LapseWithdrawn }

func validateMatter(p *problems, where string, m *Matter) {
	if strings.TrimSpace(m.Name) == "" {
		p.add("%s缺少名称", where)
	}
	validateAliases(p, where, m.Aliases)
	if !slices.Contains(Sectors, m.Sector) {
		p.add("%s的板块“%s”不是%s之一", where, m.Sector, strings.Join(Sectors, "、"))
	}
	if strings.TrimSpace(m.Department) == "" {
		p.add("%s缺少实施部门", where)
	}
	if len(m.Levels) == 0 {
		p.add("%s没有写可办理层级（levels）", where)
	}
	seenLevel := map[Level]bool{}
	for _, l := range m.Levels {
		if l != County && l != Township && l != Village {
			p.add("%s的办理层级“%s”应为 county、township 或 village", where, l)
		}
		if seenLevel[l] {
			p.add("%s的办理层级“%s”重复", where, l)
		}
		seenLevel[l] = true
	}
	switch m.Kind {
	case Immediate:
		if m.PromisedDays != 0 {
			p.add("%s是即办件，承诺时限应为0，写的是%d", where, m.PromisedDays)
		}
	case Promised:
		if m.PromisedDays < 1 {
			p.add("%s是承诺件，承诺时限至少1个工作日", where)
		}
	default:
		p.add("%s的办件类型“%s”应为 immediate（即办件）或 promised（承诺件）", where, m.Kind)
	}
	if m.LegalDays < 0 || m.PromisedDays < 0 {
		p.add("%s的时限不能为负数", where)
	}
	if m.LegalDays > 0 && m.PromisedDays > m.LegalDays {
		p.add("%s的承诺时限%d天超过法定时限%d天", where, m.PromisedDays, m.LegalDays)
	}
	if m.SupplementDays < 0 || m.SupplementDays > 30 {
		p.add("%s的容缺补正期限%d天应在1到30个工作日之间", where, m.SupplementDays)
	}
	if !validLapse(m.SupplementLapse) {
		p.add("%s的容缺逾期处理“%s”应为 terminate（终止办理）或 withdrawn（视为撤回）", where, m.SupplementLapse)
	}
	if v, ok := m.VisitsKnown(); ok && (v < 0 || v > MaxVisits) {
		p.add("%s的跑动次数（visits）%d应在0到%d之间（0为零跑腿，1为最多跑一次）", where, v, MaxVisits)
	}
	if m.OnlineDepth < 0 || m.OnlineDepth >= len(OnlineDepths) {
		p.add("%s的网办深度（online_depth）%d应为1到4级（不填表示未评定）", where, m.OnlineDepth)
	}
	// 四级 is 全程网办: the citizen never comes in, so the matter cannot ask
	// for a visit — a catalog claiming both would count the matter twice
	// over in the reform's figures, once as online and once as not 零上门.
	if v, ok := m.VisitsKnown(); ok && m.OnlineDepth == 4 && v > 0 {
		p.add("%s的网办深度为四级（全程网办），跑动次数应为0，写的是%d", where, v)
	}
	for _, f := range m.Fees {
		if strings.TrimSpace(f.Item) == "" {
			p.add("%s有收费项目缺少名称", where)
		}
	}
	if len(m.Materials) == 0 {
		p.add("%s没有材料清单", where)
	}
	ids := map[string]bool{}
	for _, mat := range m.Materials {
		w := fmt.Sprintf("%s的材料“%s”", where, mat.ID)
		if !keyRE.MatchString(mat.ID) {
			p.add("%s编号格式不对（小写字母、数字和下划线）", w)
		}
		if ids[mat.ID] {
			p.add("%s编号重复", w)
		}
		ids[mat.ID] = true
		if mat.Paper != "" && !keyRE.MatchString(mat.Paper) {
			p.add("%s的同一证件标识（paper）“%s”格式不对（小写字母、数字和下划线）", w, mat.Paper)
		}
		if strings.TrimSpace(mat.Name) == "" {
			p.add("%s缺少名称", w)
		}
		if mat.Originals < 0 || mat.Copies < 0 || mat.Originals > 20 || mat.Copies > 20 {
			p.add("%s的原件/复印件份数应在0到20之间", w)
		}
	}
	keys := map[string]bool{}
	for _, f := range m.Fields {
		w := fmt.Sprintf("%s的字段“%s”", where, f.Key)
		if !keyRE.MatchString(f.Key) {
			p.add("%s名称格式不对（小写字母、数字和下划线）", w)
		}
		if keys[f.Key] {
			p.add("%s重复", w)
		}
		keys[f.Key] = true
		if strings.TrimSpace(f.Label) == "" {
			p.add("%s缺少标签", w)
		}
		if !fieldTypes[f.Type] {
			p.add("%s的类型“%s”不认识", w, f.Type)
		}
		if (f.Type == Choice) != (len(f.Choices) > 0) {
			p.add("%s：只有选择类字段有选项，且选择类字段必须有选项", w)
		}
		if f.Max < 0 {
			p.add("%s的长度上限不能为负数", w)
		}
	}
}

func validateAliases(p *problems, where string, aliases []string) {
	for _, a := range aliases {
		if strings.TrimSpace(a) == "" {
			p.add("%s有空的别名", where)
		}
	}
}
