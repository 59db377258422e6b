package office

import (
	"context"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county"
)

// ExportPage lets the external tests page an export through a few cases.
var ExportPage = &exportPage

func TestExportQueryDropsPersonalData(t *testing.T) {
	q, _ := url.ParseQuery("point=330522101000&point=330522101201&case=330522199003070024&staff=13812345678&page=3&after=330522-2026-000009&deadline=overdue")
	got := exportQuery(q).Encode()
	if want := "deadline=overdue&point=330522101000&point=330522101201"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestContentDisposition(t *testing.T) {
	got := contentDisposition("cases-2026-11-26.csv", "案件 (2026)-11.csv")
	want := `attachment; filename="cases-2026-11-26.csv"; filename*=UTF-8''%E6%A1%88%E4%BB%B6%20%282026%29-11.csv`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestAuditQueryMasksButThePoint(t *testing.T) {
	q, _ := url.ParseQuery("format=csv&point=330522101000&case=330522199003070024&deadline=overdue")
	got := auditQuery(q).Encode()
	if want := "case=330522%2A%2A%2A%2A%2A%2A%2A%2A0024&deadline=overdue&point=330522101000"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestUnknownCatalogVersionIsParsedOnce: a case whose catalog version the
// county does not hold falls back to the embedded demo catalog, parsed once
// per process, not once per case (a 1,220-case export took 31 s so).
func TestUnknownCatalogVersionIsParsedOnce(t *testing.T) {
	st, err := county.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "county.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o := New(st, Options{})
	a, b := o.catalogFor(context.Background(), "2026.11-demo"), o.catalogFor(context.Background(), "2026.11-demo")
	if a != b || len(a.Matters) == 0 {
		t.Errorf("got two parses (%p, %p) of the demo catalog, want one", a, b)
	}
	cs := o.catalogs()
	if cs.get(context.Background(), "never-stored") != cs.get(context.Background(), "never-stored") {
		t.Errorf("a request's catalogs parsed an unknown version twice")
	}
}
