package store

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/app/catalog"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadMini(t *testing.T, db *DB) {
	t.Helper()
	if _, err := db.LoadCatalog(context.Background(), readTestdata(t, "mini.json")); err != nil {
		t.Fatalf("LoadCatalog(mini): %v", err)
	}
}

func codes(hits []catalog.Hit) string {
	var s []string
	for _, h := range hits {
		s = append(s, h.Code)
	}
	return strings.Join(s, " ")
}

func TestSearch(t *testing.T) {
	db, _ := openTemp(t)
	loadMini(t, db)
	ctx := context.Background()
	tests := []struct {
		name  string
		q     string
		opt   SearchOptions
		want  string // codes in order
		first catalog.Rank
	}{
		{"exact alias first", "不动产查询打印", SearchOptions{}, "330000-BDC-0001", catalog.RankExact},
		{"two characters use LIKE", "登记", SearchOptions{}, "330000-SH-0001 330000-SS-0001 330000-BDC-0001", catalog.RankExact},
		{"one character", "证", SearchOptions{}, "330000-BDC-0001", catalog.RankSubstring},
		{"substring of 3+ uses trigram", "工商户", SearchOptions{}, "330000-SS-0001", catalog.RankSubstring},
		{"prefix", "个体工商", SearchOptions{}, "330000-SS-0001", catalog.RankPrefix},
		{"initials", "gtgsh", SearchOptions{}, "330000-SS-0001", catalog.RankInitials},
		{"initials with polyphonic 银行", "sbkyh", SearchOptions{}, "330000-MS-0001", catalog.RankInitials},
		{"full pinyin with polyphonic 重新", "chongxin", SearchOptions{}, "330000-MS-0002", catalog.RankPrefix},
		{"wrong reading does not match", "zhongxin", SearchOptions{}, "", 0},
		{"Latin run", "ktv", SearchOptions{}, "330000-QT-0001", catalog.RankSubstring},
		{"bundle by alias", "开饭店", SearchOptions{}, "330000-YJS-001", catalog.RankExact},
		{"spaces and full-width ignored", " 社保卡　银行 ", SearchOptions{}, "330000-MS-0001", catalog.RankPrefix},
		{"village level filter", "登记", SearchOptions{Level: catalog.Village}, "330000-BDC-0001", catalog.RankSubstring},
		{"limit", "登记", SearchOptions{Limit: 1}, "330000-SH-0001", catalog.RankExact},
		{"LIKE wildcards are literal", "%", SearchOptions{}, "", 0},
		{"quotes are literal", `"登记`, SearchOptions{}, "330000-SH-0001 330000-SS-0001 330000-BDC-0001", catalog.RankExact},
		{"nothing", "户口迁移", SearchOptions{}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := db.Search(ctx, tt.q, tt.opt)
			if err != nil {
				t.Fatalf("Search(%q): %v", tt.q, err)
			}
			if got := codes(hits); got != tt.want {
				t.Errorf("Search(%q) = %q, want %q", tt.q, got, tt.want)
			}
			if len(hits) > 0 && hits[0].Rank != tt.first {
				t.Errorf("Search(%q) first rank = %v, want %v", tt.q, hits[0].Rank, tt.first)
			}
		})
	}
	if hits, _ := db.Search(ctx, "开饭店", SearchOptions{}); len(hits) != 1 || !hits[0].Bundle || hits[0].Name != "我要开餐馆" {
		t.Errorf("bundle hit = %+v", hits)
	}
}

func TestSearchBeforeAnyCatalog(t *testing.T) {
	db, _ := openTemp(t)
	if _, err := db.Search(context.Background(), "登记", SearchOptions{}); !errors.Is(err, ErrNoCatalog) {
		t.Errorf("Search without catalog: %v, want ErrNoCatalog", err)
	}
}

func TestMalformedCatalogKeepsPreviousVersion(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	loadMini(t, db)
	before, _ := db.PendingCount(ctx)
	bad := strings.Replace(string(readTestdata(t, "mini-next.json")), `"promised_days": 5`, `"promised_days": 50`, 1)
	for name, doc := range map[string]string{
		"rule broken":  bad,
		"cut in half":  string(readTestdata(t, "mini-next.json"))[:300],
		"not json":     "版本：2026.12",
		"unknown keys": `{"version":"2026.12","published":"2026-12-01","issuer":"x","matters":[],"bundles":[],"extra":1}`,
	} {
		if _, err := db.LoadCatalog(ctx, []byte(doc)); err == nil {
			t.Errorf("%s: LoadCatalog succeeded", name)
		}
	}
	cat, err := db.ActiveCatalog(ctx)
	if err != nil || cat.Version != "2026.11-mini" {
		t.Fatalf("active catalog after rejects = %v, %v; want 2026.11-mini", cat, err)
	}
	if hits, _ := db.Search(ctx, "开饭店", SearchOptions{}); len(hits) != 1 {
		t.Error("search lost the previous version's bundle after a rejected load")
	}
	if after, _ := db.PendingCount(ctx); after != before {
		t.Errorf("rejected loads wrote %d outbox events", after-before)
	}
}

func TestLoadCatalogVersions(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	loadMini(t, db)
	res, err := db.LoadCatalog(ctx, readTestdata(t, "mini.json"))
	if err != nil || !res.AlreadyActive {
		t.Errorf("reloading the active version: %+v, %v; want AlreadyActive", res, err)
	}
	res, err = db.LoadCatalog(ctx, readTestdata(t, "mini-next.json"))
	if err != nil || res.Version != "2026.12-mini" || res.Matters != 4 {
		t.Fatalf("load next version: %+v, %v", res, err)
	}
	if hits, _ := db.Search(ctx, "开饭店", SearchOptions{}); len(hits) != 0 {
		t.Errorf("bundle of the old version still found: %+v", hits)
	}
	// The same version number with other content is refused.
	changed := strings.Replace(string(readTestdata(t, "mini.json")), "无房证明", "无房屋证明", 1)
	if _, err := db.LoadCatalog(ctx, []byte(changed)); !errors.Is(err, ErrVersionConflict) {
		t.Errorf("same version, other content: %v, want ErrVersionConflict", err)
	}
	// Going back to the older version (a rollback the county ordered) works.
	if _, err := db.LoadCatalog(ctx, readTestdata(t, "mini.json")); err != nil {
		t.Errorf("re-activate older version: %v", err)
	}
	evs, _ := db.PendingEvents(ctx, 10)
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, string(e.Kind))
	}
	if got := strings.Join(kinds, " "); got != "catalog.activated catalog.activated catalog.activated" {
		t.Errorf("outbox = %q, want one catalog.activated per activation", got)
	}
}

func TestLoadOverride(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	loadMini(t, db)
	ok := `{"base_version":"2026.11-mini","service_point":"330522101000","matters":[{"code":"330000-SS-0001","promised_days":1,"drop_materials":["premises_proof"]}]}`
	if err := db.LoadOverride(ctx, []byte(ok)); err != nil {
		t.Fatalf("LoadOverride: %v", err)
	}
	cat, _ := db.ActiveCatalog(ctx)
	m, _ := cat.Matter("330000-SS-0001")
	if m.PromisedDays != 1 || len(m.Materials) != 1 {
		t.Errorf("after override: %d days, %d materials; want 1 and 1", m.PromisedDays, len(m.Materials))
	}
	longer := `{"base_version":"2026.11-mini","service_point":"330522101000","matters":[{"code":"330000-SS-0001","promised_days":9}]}`
	if err := db.LoadOverride(ctx, []byte(longer)); err == nil || !strings.Contains(err.Error(), "只能缩短") {
		t.Errorf("longer promise: %v", err)
	}
	cat, _ = db.ActiveCatalog(ctx)
	if m, _ := cat.Matter("330000-SS-0001"); m.PromisedDays != 1 {
		t.Errorf("a rejected override changed the active catalog: %d days", m.PromisedDays)
	}
	res, err := db.LoadCatalog(ctx, readTestdata(t, "mini-next.json"))
	if err != nil || !res.OverrideDropped {
		t.Errorf("new version: %+v, %v; want OverrideDropped", res, err)
	}
}
