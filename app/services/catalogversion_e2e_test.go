package services_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/printing"
	"github.com/yichuang/yichuang/sync/protocol"
)

// TestCaseKeepsItsCatalogVersion: the county publishes a catalog that
// renames a matter and drops one of its materials; a case accepted under
// the older version still prints with its own names and can still be
// supplemented, while new cases use the new version.
func TestCaseKeepsItsCatalogVersion(t *testing.T) {
	ctx := context.Background()
	h := halltest.Open(t, halltest.ConfiguredData(t), nil)
	db := h.DB
	sup, _ := db.Authenticate(ctx, "zhuguan", "hq-2026-chen")
	svc, old := h.AcceptDeferredCase(t, sup)

	var doc map[string]any
	json.Unmarshal(assets.DemoCatalog(), &doc)
	doc["version"] = "2026.12-county"
	for _, m := range doc["matters"].([]any) {
		m := m.(map[string]any)
		if m["code"] == "330000-SS-0001" {
			m["name"] = "个体工商户登记（新版）"
			var kept []any
			for _, mat := range m["materials"].([]any) {
				if mat.(map[string]any)["id"] != "premises_proof" {
					kept = append(kept, mat)
				}
			}
			m["materials"] = kept
		}
	}
	raw, _ := json.Marshal(doc)
	item, _ := json.Marshal(protocol.DocumentPayload{Version: "2026.12-county", Document: raw})
	if err := db.ApplyFeed(ctx, []protocol.FeedItem{{Cursor: 1, Kind: protocol.FeedCatalog, At: time.Now(), Payload: item}}); err != nil {
		t.Fatal(err)
	}
	if cat, _ := db.ActiveCatalog(ctx); cat.Version != "2026.12-county" {
		t.Fatalf("active catalog %s", cat.Version)
	}

	pdf, _, err := svc.Counter.Render(ctx, old, printing.SupplementNotice)
	if err != nil {
		t.Fatalf("old case's notice under the new catalog: %v", err)
	}
	text := halltest.PDFText(t, pdf)
	if !strings.Contains(text, "个体工商户设立登记") || !strings.Contains(text, "经营场所") {
		t.Errorf("old case's notice lost its own names:\n%s", text)
	}
	got, err := svc.Counter.Supplement(ctx, sup, old, []cases.MaterialEntry{{Matter: "330000-SS-0001", Material: "premises_proof", State: cases.Original}})
	if err != nil || got.Status != cases.StatusAccepted {
		t.Fatalf("supplement under the old version: %s, %v", got.Status, err)
	}
	fresh, err := svc.Counter.Submit(ctx, sup, h.RestaurantDraft(t, ""), cases.Decision{Kind: cases.Accept})
	if err != nil || fresh.CatalogVer != "2026.12-county" {
		t.Fatalf("a new case: version %q, %v", fresh.CatalogVer, err)
	}
}
