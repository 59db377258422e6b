package office

import (
	"net/url"
	"testing"
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
