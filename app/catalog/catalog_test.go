package catalog

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// fixture returns a small valid catalog; tests break one rule at a time.
func fixture() *Catalog {
	id := Material{ID: "id_card", Name: "申请人居民身份证", Required: true, Originals: 1, SharedData: true}
	f := func(key, label string, typ FieldType, req bool, choices ...string) Field {
		return Field{Key: key, Label: label, Type: typ, Required: req, Choices: choices}
	}
	return &Catalog{
		Version: "2026.11-test", Published: "2026-11-01", Issuer: "测试",
		Matters: []Matter{
			{Code: "330000-SS-0001", Name: "个体工商户设立登记", Aliases: []string{"个体工商户登记", "开个体户"},
				Sector: "商事登记", Department: "县市场监督管理局", Levels: []Level{Township, County}, Kind: Promised,
				LegalDays: 15, PromisedDays: 3, Conditions: []string{"有固定经营场所"},
				Materials: []Material{id,
					{ID: "premises_proof", Name: "经营场所使用证明", Required: true, Copies: 1, Commitment: true, Deferrable: true}},
				Fields: []Field{f("applicant_name", "经营者姓名", PersonName, true), f("mobile", "联系电话", Mobile, true),
					f("business_address", "经营场所", Address, true), f("business_scope", "经营范围", Text, false)}},
			{Code: "330000-SS-0002", Name: "食品经营许可（小餐饮）", Sector: "商事登记", Department: "县市场监督管理局",
				Levels: []Level{Township}, Kind: Promised, LegalDays: 20, PromisedDays: 5,
				Fees:      []Fee{{Item: "工本费", Yuan: 1250}},
				Materials: []Material{id}, Conditions: []string{"x"},
				Fields: []Field{f("applicant_name", "申请人", PersonName, false), f("business_address", "经营场所", Address, true),
					f("seats", "座位数", Number, true), f("mobile", "手机", Mobile, false)}},
			{Code: "330000-MS-0001", Name: "社保参保证明查询打印", Aliases: []string{"社保查询打印"}, Sector: "民生服务",
				Department: "县人力资源和社会保障局", Levels: []Level{Township, Village}, Kind: Immediate,
				Materials: []Material{id}, Conditions: []string{"本人"},
				Fields: []Field{f("applicant_id", "身份证号码", ResidentID, true)}},
		},
		Bundles: []Bundle{{Code: "330000-YJS-001", Name: "我要开餐馆", Aliases: []string{"开饭店"},
			Description: "一表申报", Matters: []string{"330000-SS-0001", "330000-SS-0002"}, Lead: "县市场监督管理局"}},
		Departments: []Department{{Name: "县市场监督管理局", Reconsideration: "县人民政府", Court: "县人民法院"},
			{Name: "县人力资源和社会保障局", Reconsideration: "县人民政府", Court: "县人民法院", ReconsiderationDays: 90}},
	}
}

func TestIssuingDepartment(t *testing.T) {
	c, err := Parse(encode(t, fixture()))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		bundle  string
		matters []string
		want    string
		ok      bool
		days    int
	}{
		{"a bundle is issued by its lead", "330000-YJS-001", []string{"330000-SS-0001", "330000-SS-0002"}, "县市场监督管理局", true, 60},
		{"one matter by its department", "", []string{"330000-MS-0001"}, "县人力资源和社会保障局", true, 90},
		{"two departments without a lead", "", []string{"330000-SS-0001", "330000-MS-0001"}, "", false, 60},
	}
	for _, tt := range tests {
		d, ok := c.IssuingDepartment(tt.bundle, tt.matters)
		days, months := d.Periods()
		if d.Name != tt.want || ok != tt.ok || (ok && (days != tt.days || months != 6)) {
			t.Errorf("%s: got %q %v %d days %d months, want %q %v %d days 6 months", tt.name, d.Name, ok, days, months, tt.want, tt.ok, tt.days)
		}
	}
}

func encode(t *testing.T, c *Catalog) []byte {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseValidFixture(t *testing.T) {
	c, err := Parse(encode(t, fixture()))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	m, ok := c.Matter("330000-SS-0002")
	if !ok || m.Fees[0].Yuan.String() != "12.5" {
		t.Errorf("Matter(330000-SS-0002) = %+v, %v; want fee 12.5", m, ok)
	}
}

func TestParseRejectsBrokenRules(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(c *Catalog)
		want    string
	}{
		{"no version", func(c *Catalog) { c.Version = "" }, "缺少目录版本号"},
		{"bad date", func(c *Catalog) { c.Published = "2026/11/01" }, "发布日期"},
		{"duplicate code", func(c *Catalog) { c.Matters[1].Code = c.Matters[0].Code }, "编码重复"},
		{"unknown sector", func(c *Catalog) { c.Matters[0].Sector = "税务" }, "板块“税务”"},
		{"unknown level", func(c *Catalog) { c.Matters[0].Levels = []Level{"province"} }, "办理层级“province”"},
		{"promised over legal", func(c *Catalog) { c.Matters[0].PromisedDays = 20 }, "超过法定时限"},
		{"immediate with days", func(c *Catalog) { c.Matters[2].PromisedDays = 1 }, "即办件，承诺时限应为0"},
		{"promised with zero", func(c *Catalog) { c.Matters[0].PromisedDays = 0 }, "承诺件，承诺时限至少1个工作日"},
		{"no materials", func(c *Catalog) { c.Matters[2].Materials = nil }, "没有材料清单"},
		{"duplicate material", func(c *Catalog) { c.Matters[0].Materials[1].ID = "id_card" }, "编号重复"},
		{"bad field type", func(c *Catalog) { c.Matters[0].Fields[0].Type = "photo" }, "类型“photo”不认识"},
		{"choice without choices", func(c *Catalog) { c.Matters[0].Fields[0].Type = Choice }, "选择类字段必须有选项"},
		{"same key two types", func(c *Catalog) { c.Matters[1].Fields[2].Key = "business_scope" }, "同一字段在各事项中必须一致"},
		{"bundle unknown matter", func(c *Catalog) { c.Bundles[0].Matters[1] = "330000-SS-9999" }, "“330000-SS-9999”不在目录中"},
		{"bundle of one", func(c *Catalog) { c.Bundles[0].Matters = c.Bundles[0].Matters[:1] }, "至少要包含2个事项"},
		{"bundle code clashes", func(c *Catalog) { c.Bundles[0].Code = "330000-SS-0001" }, "编码重复"},
		{"lead not a matter's department", func(c *Catalog) { c.Bundles[0].Lead = "县人力资源和社会保障局" }, "牵头部门“县人力资源和社会保障局”不是"},
		{"department twice", func(c *Catalog) { c.Departments = append(c.Departments, c.Departments[0]) }, "重复"},
		{"reconsideration without court", func(c *Catalog) { c.Departments[0].Court = "" }, "没有写管辖法院"},
		{"reconsideration period under 60 days", func(c *Catalog) { c.Departments[0].ReconsiderationDays = 30 }, "少于行政复议法第二十条的六十日"},
		{"unknown catalog lapse", func(c *Catalog) { c.SupplementLapse = "forget" }, "容缺逾期处理（supplement_lapse）“forget”"},
		{"unknown matter lapse", func(c *Catalog) { c.Matters[0].SupplementLapse = "ignore" }, "容缺逾期处理“ignore”"},
		{"bad paper key", func(c *Catalog) { c.Matters[0].Materials[0].Paper = "ID Card" }, "同一证件标识（paper）“ID Card”"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fixture()
			tt.breakIt(c)
			_, err := Parse(encode(t, c))
			var inv *InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("Parse = %v, want *InvalidError", err)
			}
			if got := err.Error(); !strings.Contains(got, tt.want) {
				t.Errorf("error = %q, want it to mention %q", got, tt.want)
			}
		})
	}
}

func TestLapseOf(t *testing.T) {
	tests := []struct {
		name            string
		catalog, matter Lapse
		want            Lapse
	}{
		{"nothing said: 终止办理", "", "", LapseTerminate},
		{"the catalog's default", LapseWithdrawn, "", LapseWithdrawn},
		{"the matter's own rule wins", LapseWithdrawn, LapseTerminate, LapseTerminate},
		{"the matter's own rule without a default", "", LapseWithdrawn, LapseWithdrawn},
	}
	for _, tt := range tests {
		c := fixture()
		c.SupplementLapse, c.Matters[0].SupplementLapse = tt.catalog, tt.matter
		if _, err := Parse(encode(t, c)); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := c.LapseOf(&c.Matters[0]); got != tt.want {
			t.Errorf("%s: LapseOf = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestParseRejectsMalformedDocuments(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"empty", ``, "文件为空"},
		{"syntax", "{\n\"version\": \"x\",\n\"matters\": [}\n", "第3行JSON格式错误"},
		{"unknown key", `{"version":"x","published":"2026-01-01","matters":[],"bundles":[],"colour":"red"}`, `不认识的字段"colour"`},
		{"wrong type", `{"version":1}`, "字段“version”的值类型不对"},
		{"trailing data", `{"version":"x","published":"2026-01-01"} {}`, "多余内容"},
		{"negative fee", `{"version":"x","published":"2026-01-01","matters":[{"fees":[{"item":"x","yuan":-1}]}]}`, "不是有效的元数"},
		{"fee with fractions of fen", `{"version":"x","published":"2026-01-01","matters":[{"fees":[{"item":"x","yuan":1.234}]}]}`, "最多两位小数"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Parse error = %v, want it to mention %q", tt.name, err, tt.want)
		}
	}
}

func TestCombinedFormAsksEachFieldOnce(t *testing.T) {
	c := fixture()
	got, err := c.CombinedForm("330000-SS-0001", "330000-SS-0002")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, f := range got {
		keys = append(keys, f.Key)
	}
	if want := "applicant_name mobile business_address business_scope seats"; strings.Join(keys, " ") != want {
		t.Errorf("combined keys = %q, want %q", strings.Join(keys, " "), want)
	}
	// applicant_name is required in the first matter only: still required.
	if !got[0].Required || got[0].Label != "经营者姓名" {
		t.Errorf("applicant_name = %+v, want required with the first label", got[0])
	}
	if _, err := c.CombinedForm("330000-XX-0000"); err == nil {
		t.Error("CombinedForm of an unknown code: want an error")
	}
}

func TestOverrideMayOnlyRequireLessAndPromiseSooner(t *testing.T) {
	base := fixture()
	tests := []struct {
		name string
		doc  string
		want string // "" = accepted
	}{
		{"drop a material and shorten", `{"base_version":"2026.11-test","service_point":"330522101000","matters":[{"code":"330000-SS-0001","promised_days":2,"drop_materials":["premises_proof"]}]}`, ""},
		{"longer promise", `{"base_version":"2026.11-test","service_point":"330522101000","matters":[{"code":"330000-SS-0001","promised_days":5}]}`, "长于省目录的3天"},
		{"promised to zero", `{"base_version":"2026.11-test","service_point":"330522101000","matters":[{"code":"330000-SS-0001","promised_days":0}]}`, "至少1个工作日"},
		{"add a fee", `{"base_version":"2026.11-test","service_point":"330522101000","matters":[{"code":"330000-SS-0001","fees":[{"item":"x","yuan":1}]}]}`, "只能精简材料"},
		{"add a material", `{"base_version":"2026.11-test","service_point":"330522101000","matters":[{"code":"330000-SS-0001","add_materials":["x"]}]}`, "只能精简材料"},
		{"unknown material", `{"base_version":"2026.11-test","service_point":"330522101000","matters":[{"code":"330000-SS-0001","drop_materials":["photo"]}]}`, "“photo”不在该事项"},
		{"unknown matter", `{"base_version":"2026.11-test","service_point":"330522101000","matters":[{"code":"330000-SS-0404","promised_days":1}]}`, "不在目录版本"},
		{"wrong base", `{"base_version":"2025.01","service_point":"330522101000","matters":[]}`, "针对目录版本“2025.01”"},
		{"drops everything", `{"base_version":"2026.11-test","service_point":"330522101000","matters":[{"code":"330000-MS-0001","drop_materials":["id_card"]}]}`, "去掉了全部材料"},
		{"nothing to do", `{"base_version":"2026.11-test","service_point":"330522101000","matters":[{"code":"330000-MS-0001"}]}`, "没有任何调整"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ov, err := ParseOverride([]byte(tt.doc))
			var got *Catalog
			if err == nil {
				got, err = ov.Apply(base)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("override rejected: %v", err)
				}
				m, _ := got.Matter("330000-SS-0001")
				if m.PromisedDays != 2 || len(m.Materials) != 1 {
					t.Errorf("after override: promised %d, %d materials; want 2 and 1", m.PromisedDays, len(m.Materials))
				}
				if orig, _ := base.Matter("330000-SS-0001"); orig.PromisedDays != 3 || len(orig.Materials) != 2 {
					t.Error("Apply modified the base catalog")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestPinyinKeys(t *testing.T) {
	tests := []struct {
		in, full, initials string
	}{
		{"不动产登记", "budongchandengji", "bdcdj"},
		{"银行卡变更", "yinhangkabiangeng", "yhkbg"},
		{"重新申领", "chongxinshenling", "cxsl"},
		{"娱乐场所（KTV）经营许可", "yulechangsuoktvjingyingxuke", "ylcsktvjyxk"},
		{"住房公积金离职提取", "zhufanggongjijinlizhitiqu", "zfgjjlztq"},
		{"B2驾照", "b2jiazhao", "b2jz"},
	}
	for _, tt := range tests {
		full, ini := PinyinKeys(tt.in)
		if full != tt.full || ini != tt.initials {
			t.Errorf("PinyinKeys(%q) = %q, %q; want %q, %q", tt.in, full, ini, tt.full, tt.initials)
		}
	}
}

func TestRankTerm(t *testing.T) {
	tests := []struct {
		q    string
		term Term
		want Rank
	}{
		{"个体工商户登记", Term{TermAlias, "个体工商户登记"}, RankExact},
		{"个体", Term{TermName, "个体工商户设立登记"}, RankPrefix},
		{"gtgsh", Term{TermInitials, "gtgshsldj"}, RankInitials},
		{"gtgshsldj", Term{TermInitials, "gtgshsldj"}, RankInitials},
		{"geti", Term{TermPinyin, "getigongshanghu"}, RankPrefix},
		{"工商", Term{TermName, "个体工商户设立登记"}, RankSubstring},
		{"sldj", Term{TermInitials, "gtgshsldj"}, RankSubstring},
		{"餐馆", Term{TermName, "个体工商户设立登记"}, RankNone},
	}
	for _, tt := range tests {
		if got := RankTerm(tt.q, tt.term); got != tt.want {
			t.Errorf("RankTerm(%q, %v) = %v, want %v", tt.q, tt.term, got, tt.want)
		}
	}
}

func TestNormalizeQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{" 不动产 查询 ", "不动产查询"},
		{"查询（打印）", "查询打印"},
		{"ＢＤＣ", "bdc"},
		{"KTV!", "ktv"},
	}
	for _, tt := range tests {
		if got := NormalizeQuery(tt.in); got != tt.want {
			t.Errorf("NormalizeQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVisitsAndOnlineDepth(t *testing.T) {
	n := func(v int) *int { return &v }
	tests := []struct {
		name   string
		visits *int
		depth  int
		want   string // a word of the problem, "" when valid
	}{
		{"not assessed (an older catalog)", nil, 0, ""},
		{"零跑腿, 全程网办", n(0), 4, ""},
		{"最多跑一次, 三级", n(1), 3, ""},
		{"two visits, 二级", n(2), 2, ""},
		{"negative visits", n(-1), 0, "跑动次数"},
		{"too many visits", n(MaxVisits + 1), 0, "跑动次数"},
		{"depth five", nil, 5, "网办深度"},
		{"negative depth", nil, -1, "网办深度"},
		{"全程网办 yet a visit", n(1), 4, "全程网办"},
	}
	for _, tt := range tests {
		c := fixture()
		c.Matters[0].Visits, c.Matters[0].OnlineDepth = tt.visits, tt.depth
		_, err := Parse(encode(t, c))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if (tt.want == "") != (err == nil) || !strings.Contains(got, tt.want) {
			t.Errorf("%s: got %q, want a problem naming %q", tt.name, got, tt.want)
		}
	}
}

func TestVisitsMeaning(t *testing.T) {
	n := func(v int) *int { return &v }
	tests := []struct {
		visits           *int
		atMostOnce, zero bool
	}{
		{nil, false, false}, // unassessed: claims neither
		{n(0), true, true},
		{n(1), true, false},
		{n(2), false, false},
	}
	for _, tt := range tests {
		m := Matter{Visits: tt.visits}
		if got, got0 := m.AtMostOnce(), m.ZeroVisit(); got != tt.atMostOnce || got0 != tt.zero {
			t.Errorf("visits %v: got 最多跑一次 %v 零上门 %v, want %v %v", tt.visits, got, got0, tt.atMostOnce, tt.zero)
		}
	}
	// A catalog written before the fields loads, unassessed; one written
	// after keeps an explicit 0 (零跑腿) apart from "not assessed".
	c := fixture()
	c.Matters[1].Visits = n(0)
	got, err := Parse(encode(t, c))
	if err != nil {
		t.Fatal(err)
	}
	if got.Matters[0].Visits != nil || got.Matters[1].Visits == nil || *got.Matters[1].Visits != 0 {
		t.Errorf("got visits %v and %v, want nil and 0", got.Matters[0].Visits, got.Matters[1].Visits)
	}
}

// TestParseReceivedPassesOverNewKeys: keys of a later release are passed
// over in a catalog the county published, and refused in one typed by hand;
// known fields are checked the same way by both.
func TestParseReceivedPassesOverNewKeys(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(encode(t, fixture()), &doc); err != nil {
		t.Fatal(err)
	}
	doc["a_field_of_2028"] = 1
	doc["matters"].([]any)[0].(map[string]any)["another"] = "x"
	newer, _ := json.Marshal(doc)
	if _, err := Parse(newer); err == nil {
		t.Error("Parse took unknown keys; want them refused")
	}
	c, err := ParseReceived(newer)
	if err != nil {
		t.Fatalf("ParseReceived: %v", err)
	}
	if _, ok := c.Matter("330000-SS-0002"); !ok {
		t.Error("ParseReceived lost a matter")
	}
	doc["matters"].([]any)[0].(map[string]any)["promised_days"] = 999
	broken, _ := json.Marshal(doc)
	if _, err := ParseReceived(broken); err == nil {
		t.Error("ParseReceived took a promised time over the legal one")
	}
	if _, err := ParseReceived(append(newer, []byte(` {}`)...)); err == nil {
		t.Error("ParseReceived took trailing data")
	}
}
