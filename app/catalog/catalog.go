// Package catalog provides the province-unified catalog of government service
// matters (事项目录, "八统一"): each matter's sector, where it can be done,
// time limits, fees, materials and form fields; the bundles (一件事) that
// join several matters into one errand with one combined form; township
// overrides, which may only require less and promise sooner; and the pinyin
// keys and ranking used to find a matter by what a citizen types.
//
// The package is pure Go: parsing, validation and merging never touch a
// database, so the same rules run in the kiosk, in tests and in the county.
package catalog

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Sectors are the business sectors (板块) of a comprehensive window: the five
// of Jiaxing's model plus the two Xiangshan names its halls use.
var Sectors = []string{"不动产登记", "商事登记", "投资项目", "社会事务", "其他综合事务", "公安服务", "民生服务"}

// Level is a tier of the service network where a matter can be done.
type Level string

// Levels of the network.
const (
	County   Level = "county"
	Township Level = "township"
	Village  Level = "village"
)

// Kind says whether a matter is done on the spot or within promised days.
type Kind string

// Matter kinds.
const (
	Immediate Kind = "immediate" // 即办件
	Promised  Kind = "promised"  // 承诺件
)

// FieldType is the type of a form field; it decides validation and the
// widget used to fill it.
type FieldType string

// Field types.
const (
	Text       FieldType = "text"
	PersonName FieldType = "person_name"
	ResidentID FieldType = "resident_id"
	USCC       FieldType = "uscc"
	Mobile     FieldType = "mobile"
	Date       FieldType = "date"
	Choice     FieldType = "choice"
	Number     FieldType = "number"
	Address    FieldType = "address"
)

var fieldTypes = map[FieldType]bool{Text: true, PersonName: true, ResidentID: true, USCC: true,
	Mobile: true, Date: true, Choice: true, Number: true, Address: true}

// Catalog is one published version of the matter catalog.
type Catalog struct {
	Version   string   `json:"version"`
	Published string   `json:"published"`
	Issuer    string   `json:"issuer"`
	Matters   []Matter `json:"matters"`
	Bundles   []Bundle `json:"bundles"`
	// Departments are the competent departments matters name, with where
	// a citizen turns against their decisions. A township center is not a
	// legal subject: it accepts on a department's behalf, and a refusal
	// is that department's decision.
	Departments []Department `json:"departments,omitempty"`
	// SupplementLapse is what a 容缺 case becomes when its supplement
	// deadline passes without the materials, for matters that say nothing
	// (""  means LapseTerminate).
	SupplementLapse Lapse `json:"supplement_lapse,omitempty"`

	byCode map[string]int
}

// Matter is one government service matter (事项).
type Matter struct {
	Code         string     `json:"code"`
	Name         string     `json:"name"`
	Aliases      []string   `json:"aliases,omitempty"`
	Sector       string     `json:"sector"`
	Department   string     `json:"department"`
	Levels       []Level    `json:"levels"`
	Kind         Kind       `json:"kind"`
	LegalDays    int        `json:"legal_days"`
	PromisedDays int        `json:"promised_days"`
	Fees         []Fee      `json:"fees"`
	Conditions   []string   `json:"conditions"`
	Materials    []Material `json:"materials"`
	Fields       []Field    `json:"fields"`
	// SupplementDays is the deadline in working days for materials accepted
	// as missing (容缺); 0 means DefaultSupplementDays.
	SupplementDays int `json:"supplement_days,omitempty"`
	// SupplementLapse overrides the catalog's SupplementLapse for this
	// matter.
	SupplementLapse Lapse `json:"supplement_lapse,omitempty"`
	// SelfService: a citizen may file it at the 24-hour terminal (自助申报);
	// a clerk pre-reviews the filing before it is accepted.
	SelfService bool `json:"self_service,omitempty"`
	// PledgeMandate: for this matter a village agent may file on a
	// resident's written pledge (村民书面承诺) instead of a signed 代办委托书;
	// without it the principal's signature is required.
	PledgeMandate bool `json:"pledge_mandate,omitempty"`
	// Visits is 跑动次数: the most times a citizen must come in person for
	// the matter — 0 零跑腿 (零上门: done online, by post or by an agent),
	// 1 最多跑一次, more where a law requires it. nil means the matter has
	// not been assessed (a catalog from before this field): it counts in a
	// county's 底数 but as neither 最多跑一次 nor 零上门, since a county may
	// not claim what it has not assessed (sync/figures).
	Visits *int `json:"visits,omitempty"`
	// OnlineDepth is 网办深度, the level of online service as the national
	// guide defines it (OnlineDepths); 0 means not assessed.
	OnlineDepth int `json:"online_depth,omitempty"`
}

// MaxVisits bounds 跑动次数: the reform's own figures stop at 最多跑一次, and
// no matter of a township catalog asks a citizen in more than a few times.
const MaxVisits = 5

// OnlineDepths names the levels of 网办深度 (政务服务事项网上办理深度, as the
// State Council's "互联网+政务服务" technical guide grades them), from 1.
var OnlineDepths = []string{"", "一级：网上提供办事指南", "二级：网上预约、下载表格",
	"三级：网上预审、在线申报，窗口一次办结", "四级：全程网办"}

// VisitsKnown says whether the matter's 跑动次数 was assessed, and what it is.
func (m *Matter) VisitsKnown() (int, bool) {
	if m.Visits == nil {
		return 0, false
	}
	return *m.Visits, true
}

// AtMostOnce and ZeroVisit are the reform's two tests of a matter:
// 最多跑一次 and 零上门 (零跑腿). An unassessed matter passes neither.
func (m *Matter) AtMostOnce() bool { v, ok := m.VisitsKnown(); return ok && v <= 1 }

// ZeroVisit: see AtMostOnce.
func (m *Matter) ZeroVisit() bool { v, ok := m.VisitsKnown(); return ok && v == 0 }

// Department is a competent department (实施部门) and its remedies.
type Department struct {
	Name string `json:"name"`
	// Reconsideration is its 复议机关: since 行政复议法 (2023修订) 第24条 the
	// county people's government for a county department; the next higher
	// authority for vertically led ones such as tax (第27条). Empty for a
	// body whose acts are not administrative (a utility company).
	Reconsideration string `json:"reconsideration,omitempty"`
	// Court is the court of first instance for its cases (a 基层人民法院,
	// or the court a province's 集中管辖 designates).
	Court string `json:"court,omitempty"`
	// ReconsiderationDays and LitigationMonths are the periods to apply;
	// 0 means the general ones (DefaultReconsiderationDays, DefaultLitigationMonths).
	ReconsiderationDays int `json:"reconsideration_days,omitempty"`
	LitigationMonths    int `json:"litigation_months,omitempty"`
}

// The general periods: 行政复议法 第20条 (sixty days from knowing of the
// act) and 行政诉讼法 第46条 (six months).
const (
	DefaultReconsiderationDays = 60
	DefaultLitigationMonths    = 6
)

// Periods returns the department's reconsideration days and litigation months.
func (d Department) Periods() (days, months int) {
	days, months = DefaultReconsiderationDays, DefaultLitigationMonths
	if d.ReconsiderationDays > 0 {
		days = d.ReconsiderationDays
	}
	if d.LitigationMonths > 0 {
		months = d.LitigationMonths
	}
	return days, months
}

// Department returns the department of that name; a catalog that does not
// list it yields just the name, with no remedy bodies.
func (c *Catalog) Department(name string) (Department, bool) {
	for _, d := range c.Departments {
		if d.Name == name {
			return d, true
		}
	}
	return Department{Name: name}, false
}

// IssuingDepartment is the department in whose name papers about an errand are
// issued: the bundle's lead department (牵头部门), or the matter's own
// department. ok is false when matters of different departments are filed
// together without a bundle to name a lead.
func (c *Catalog) IssuingDepartment(bundle string, matters []string) (Department, bool) {
	if b, found := c.Bundle(bundle); found && b.Lead != "" {
		d, _ := c.Department(b.Lead)
		return d, true
	}
	name := ""
	for _, code := range matters {
		m, found := c.Matter(code)
		if !found {
			continue
		}
		if name != "" && m.Department != name {
			return Department{}, false
		}
		name = m.Department
	}
	if name == "" {
		return Department{}, false
	}
	d, _ := c.Department(name)
	return d, true
}

// Lapse is what a 容缺 case becomes when the supplement deadline passes
// without the materials: the acceptance was conditional on them.
type Lapse string

// Lapse outcomes.
const (
	// LapseTerminate: 终止办理 — the department ends the procedure.
	LapseTerminate Lapse = "terminate"
	// LapseWithdrawn: 视为撤回 — the application counts as withdrawn; the
	// applicant may file again.
	LapseWithdrawn Lapse = "withdrawn"
)

// LapseOf is what a matter's 容缺 lapse leads to: the matter's own rule,
// else the catalog's, else 终止办理.
func (c *Catalog) LapseOf(m *Matter) Lapse {
	switch {
	case m != nil && m.SupplementLapse != "":
		return m.SupplementLapse
	case c.SupplementLapse != "":
		return c.SupplementLapse
	}
	return LapseTerminate
}

// DefaultSupplementDays is the 容缺 supplement deadline when a matter sets none.
const DefaultSupplementDays = 5

// Supplement returns the matter's supplement deadline in working days.
func (m *Matter) Supplement() int {
	if m.SupplementDays > 0 {
		return m.SupplementDays
	}
	return DefaultSupplementDays
}

// DoneAt reports whether the matter can be done at the given tier.
func (m *Matter) DoneAt(l Level) bool {
	for _, x := range m.Levels {
		if x == l {
			return true
		}
	}
	return false
}

// Fee is one charge of a matter, in fen so sums are exact.
type Fee struct {
	Item  string `json:"item"`
	Yuan  Yuan   `json:"yuan"`
	Basis string `json:"basis,omitempty"`
}

// Yuan is an amount of money held in fen (分) and written in yuan in JSON.
type Yuan int64

// UnmarshalJSON reads a non-negative amount in yuan with at most two decimals.
func (y *Yuan) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f < 0 || f > 1e9 {
		return fmt.Errorf("金额“%s”不是有效的元数", b)
	}
	fen := math.Round(f * 100)
	if math.Abs(fen-f*100) > 1e-6 {
		return fmt.Errorf("金额“%s”最多两位小数", b)
	}
	*y = Yuan(fen)
	return nil
}

// MarshalJSON writes the amount in yuan.
func (y Yuan) MarshalJSON() ([]byte, error) { return []byte(y.String()), nil }

// String formats the amount in yuan without trailing zeros: 80, 12.5.
func (y Yuan) String() string {
	s := strconv.FormatFloat(float64(y)/100, 'f', 2, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Material is one item of a matter's materials list (材料清单).
type Material struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Required  bool   `json:"required"`
	Originals int    `json:"originals"`
	Copies    int    `json:"copies"`
	// Sample names the sample filled form (示范样表) or a filling note.
	Sample string `json:"sample,omitempty"`
	// SharedData: the data is available by data sharing; the citizen need
	// not bring it (数据共享免提交).
	SharedData bool `json:"shared_data"`
	// Commitment: a written commitment (告知承诺) may replace it.
	Commitment bool `json:"commitment"`
	// Deferrable: it may be missing at intake and supplemented later (容缺).
	Deferrable bool `json:"deferrable"`
	// Paper names the document itself when several matters ask for the
	// same one (居民身份证, 户口簿): a bundle asks for it once. Materials of
	// different matters with the same Paper are one sheet at the window.
	Paper string `json:"paper,omitempty"`
	// PersonalOriginal: the original is a document the person keeps and
	// needs (居民身份证, 户口簿, 银行卡, 社会保障卡): a village agent never
	// takes it away; they photograph it (电子副本, verified).
	PersonalOriginal bool `json:"personal_original,omitempty"`
}

// Field is one typed field of a matter's application form.
type Field struct {
	Key      string    `json:"key"`
	Label    string    `json:"label"`
	Type     FieldType `json:"type"`
	Required bool      `json:"required"`
	Choices  []string  `json:"choices,omitempty"`
	Max      int       `json:"max,omitempty"`
}

// Bundle is an errand as the citizen sees it (一件事), made of matters.
type Bundle struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	Aliases     []string `json:"aliases,omitempty"`
	Description string   `json:"description"`
	Matters     []string `json:"matters"`
	// Lead is the lead department (牵头部门): papers about the whole
	// errand are issued in its name. It is one of its matters' departments.
	Lead string `json:"lead,omitempty"`
}

// Matter returns the matter with the given code.
func (c *Catalog) Matter(code string) (*Matter, bool) {
	c.index()
	i, ok := c.byCode[code]
	if !ok {
		return nil, false
	}
	return &c.Matters[i], true
}

// Bundle returns the bundle with the given code.
func (c *Catalog) Bundle(code string) (*Bundle, bool) {
	for i := range c.Bundles {
		if c.Bundles[i].Code == code {
			return &c.Bundles[i], true
		}
	}
	return nil, false
}

func (c *Catalog) index() {
	if c.byCode != nil && len(c.byCode) == len(c.Matters) {
		return
	}
	c.byCode = make(map[string]int, len(c.Matters))
	for i := range c.Matters {
		c.byCode[c.Matters[i].Code] = i
	}
}

// CombinedForm returns the one form (一表申报) for the given matters: fields
// merged by key in order of first appearance, each asked once, required when
// any matter requires it, with the strictest Max. The
// catalog's validation guarantees a key has one type and one choice list.
func (c *Catalog) CombinedForm(codes ...string) ([]Field, error) {
	var out []Field
	seen := map[string]int{}
	for _, code := range codes {
		m, ok := c.Matter(code)
		if !ok {
			return nil, fmt.Errorf("combined form: no matter %q in catalog %s", code, c.Version)
		}
		for _, f := range m.Fields {
			i, dup := seen[f.Key]
			if !dup {
				seen[f.Key] = len(out)
				out = append(out, f)
				continue
			}
			if f.Required {
				out[i].Required = true
			}
			if f.Max > 0 && (out[i].Max == 0 || f.Max < out[i].Max) {
				out[i].Max = f.Max
			}
		}
	}
	return out, nil
}

// Encode returns the catalog as JSON (the form it is stored and shipped in).
func (c *Catalog) Encode() ([]byte, error) { return json.Marshal(c) }
