package office_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

func (b *browser) upload(path, token string, file []byte) (int, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", token)
	fw, _ := mw.CreateFormFile("file", "catalog.json")
	fw.Write(file)
	mw.Close()
	resp, err := b.c.Post(b.base+path, mw.FormDataContentType(), &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestCatalogImportEditPublishOverride(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.client(t)
	b.mustLogin("mulu")
	token := b.csrf("/office/catalog")
	before := e.stats(t)

	// An invalid file changes nothing and lists its problems.
	bad := strings.Replace(string(assets.DemoCatalog()), `"promised_days": 3`, `"promised_days": -3`, 1)
	bad = strings.Replace(bad, `"version": "2026.11-demo"`, `"version": "2026.12-bad"`, 1)
	status, body := b.upload("/office/catalog/import", token, []byte(bad))
	if status != http.StatusBadRequest {
		t.Fatalf("invalid import: got %d, want 400", status)
	}
	mustContain(t, body, "未保存，原有版本不变")
	if vs, _ := e.st.CatalogVersions(ctx); len(vs) != 0 {
		t.Errorf("versions after an invalid import: got %d, want 0", len(vs))
	}
	if got := e.stats(t); got != before {
		t.Errorf("store after an invalid import: got %+v, want %+v", got, before)
	}
	// Without the token the upload is refused before it is read.
	if status, _ := b.upload("/office/catalog/import", "", assets.DemoCatalog()); status != http.StatusForbidden {
		t.Errorf("import without token: got %d, want 403", status)
	}

	if status, _ := b.upload("/office/catalog/import", token, assets.DemoCatalog()); status != http.StatusSeeOther {
		t.Fatalf("import: got %d, want 303", status)
	}
	if status, body := b.get("/office/catalog/versions/2026.11-demo"); status != http.StatusOK || !strings.Contains(body, "食品经营许可（新办）") {
		t.Fatalf("version page: %d", status)
	}

	// Edit a matter: a new version with the change, the old one kept.
	status, _ = b.post("/office/catalog/versions/2026.11-demo/matters/330000-SS-0012", url.Values{"csrf": {token},
		"new_version": {"2026.12-county"}, "name": {"食品经营许可（新办）"}, "promised_days": {"2"},
		"fees": {""}, "drop": {"safety_rules"}, "add_id": {"fire_check"}, "add_name": {"消防安全检查合格意见"},
		"add_originals": {"1"}, "add_copies": {"0"}, "add_required": {"on"}})
	if status != http.StatusSeeOther {
		t.Fatalf("edit matter: got %d, want 303", status)
	}
	v, err := e.st.CatalogVersion(ctx, "2026.12-county")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Parse(v.Doc)
	if err != nil {
		t.Fatalf("edited version does not parse: %v", err)
	}
	m, _ := cat.Matter("330000-SS-0012")
	var ids []string
	for _, x := range m.Materials {
		ids = append(ids, x.ID)
	}
	if got, want := strings.Join(ids, ","), "id_card,application_form,business_license,layout,health_certs,fire_check"; m.PromisedDays != 2 || got != want {
		t.Errorf("edited matter: got %d days, materials %s; want 2 days, %s", m.PromisedDays, got, want)
	}

	// Publish to all points: the kiosk pulls it.
	if status, _ := b.post("/office/catalog/publish", url.Values{"csrf": {token}, "version": {"2026.12-county"}, "scope": {"all"}}); status != http.StatusSeeOther {
		t.Fatalf("publish: got %d", status)
	}
	var published []string
	for _, it := range e.feed(t) {
		var d protocol.DocumentPayload
		if it.Kind == protocol.FeedCatalog && json.Unmarshal(it.Payload, &d) == nil {
			published = append(published, d.Version)
		}
	}
	if len(published) != 1 || published[0] != "2026.12-county" {
		t.Errorf("catalogs in the kiosk's feed: got %v, want [2026.12-county]", published)
	}

	// An override that promises more than the province is refused whole.
	afterPublish := e.stats(t)
	ov := `{"base_version": "2026.11-demo", "matters": [{"code": "330000-SS-0012", "promised_days": 9}]}`
	status, body = b.post("/office/catalog/override", url.Values{"csrf": {token}, "point": {countytest.TestPoint.Code}, "override": {ov}})
	if status != http.StatusBadRequest {
		t.Fatalf("longer override: got %d, want 400", status)
	}
	mustContain(t, body, "乡镇只能缩短")
	if got := e.stats(t); got != afterPublish {
		t.Errorf("store after a refused override: got %+v, want %+v", got, afterPublish)
	}
	ov = `{"base_version": "2026.11-demo", "matters": [{"code": "330000-SS-0012", "promised_days": 2, "drop_materials": ["safety_rules"]}]}`
	status, _ = b.post("/office/catalog/override", url.Values{"csrf": {token}, "point": {countytest.TestPoint.Code}, "override": {ov}})
	if status != http.StatusSeeOther {
		t.Fatalf("override: got %d, want 303", status)
	}
	var eff *catalog.Catalog
	for _, it := range e.feed(t) {
		var d protocol.DocumentPayload
		if it.Kind == protocol.FeedCatalog && json.Unmarshal(it.Payload, &d) == nil && strings.HasPrefix(d.Version, "2026.11-demo+") {
			if eff, err = catalog.Parse(d.Document); err != nil {
				t.Fatalf("effective catalog does not parse: %v", err)
			}
		}
	}
	if eff == nil {
		t.Fatal("no effective catalog in the point's feed")
	}
	if m, _ := eff.Matter("330000-SS-0012"); m.PromisedDays != 2 || len(m.Materials) != 5 {
		t.Errorf("effective matter: got %d days, %d materials; want 2 days, 5 materials", m.PromisedDays, len(m.Materials))
	}
}

// The county sets a matter's 跑动次数 and 网办深度 on the matter page; the
// new version carries them down the feed like any other field, and
// catalog.Parse's rule (全程网办 means no visit) refuses a contradiction.
func TestCatalogEditVisitsAndDepth(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.client(t)
	b.mustLogin("mulu")
	token := b.csrf("/office/catalog")
	if status, _ := b.upload("/office/catalog/import", token, assets.DemoCatalog()); status != http.StatusSeeOther {
		t.Fatalf("import: got %d, want 303", status)
	}
	page := "/office/catalog/versions/2026.11-demo/matters/330000-SS-0012"
	status, body := b.get(page)
	if status != http.StatusOK {
		t.Fatalf("matter page: got %d", status)
	}
	mustContain(t, body, `<option value="1" selected>1次（最多跑一次）</option>`)
	mustContain(t, body, "四级：全程网办")
	form := func(version, visits, depth string) url.Values {
		return url.Values{"csrf": {token}, "new_version": {version}, "name": {"食品经营许可（新办）"}, "promised_days": {"3"},
			"fees": {""}, "visits": {visits}, "online_depth": {depth}}
	}
	status, body = b.post(page, form("2026.12-bad", "1", "4"))
	if status != http.StatusBadRequest {
		t.Fatalf("全程网办 with a visit: got %d, want 400", status)
	}
	mustContain(t, body, "全程网办")
	if _, err := e.st.CatalogVersion(ctx, "2026.12-bad"); err == nil {
		t.Error("a refused edit stored a version")
	}
	if status, _ := b.post(page, form("2026.12-online", "0", "4")); status != http.StatusSeeOther {
		t.Fatalf("edit: got %d, want 303", status)
	}
	if status, _ := b.post("/office/catalog/publish", url.Values{"csrf": {token}, "version": {"2026.12-online"}, "scope": {"all"}}); status != http.StatusSeeOther {
		t.Fatalf("publish: got %d", status)
	}
	var m *catalog.Matter
	for _, it := range e.feed(t) {
		var d protocol.DocumentPayload
		if it.Kind == protocol.FeedCatalog && json.Unmarshal(it.Payload, &d) == nil && d.Version == "2026.12-online" {
			cat, err := catalog.Parse(d.Document)
			if err != nil {
				t.Fatal(err)
			}
			m, _ = cat.Matter("330000-SS-0012")
		}
	}
	if m == nil {
		t.Fatal("the edited catalog is not in the kiosk's feed")
	}
	if v, ok := m.VisitsKnown(); !ok || v != 0 || m.OnlineDepth != 4 {
		t.Errorf("matter in the feed: got visits %v (%v), depth %d; want 0, 4", v, ok, m.OnlineDepth)
	}
	// "" is unassessed: the county may take a value back.
	if status, _ := b.post("/office/catalog/versions/2026.12-online/matters/330000-SS-0012", form("2026.12-unset", "", "")); status != http.StatusSeeOther {
		t.Fatalf("unset: got %d, want 303", status)
	}
	v, _ := e.st.CatalogVersion(ctx, "2026.12-unset")
	cat, err := catalog.Parse(v.Doc)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := cat.Matter("330000-SS-0012"); m.Visits != nil || m.OnlineDepth != 0 {
		t.Errorf("unset matter: got visits %v, depth %d; want nil, 0", m.Visits, m.OnlineDepth)
	}
}
