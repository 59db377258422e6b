package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/app/internal/halltest"
)

func TestSelfCheckWithoutADisplay(t *testing.T) {
	dir := halltest.ConfiguredData(t)
	var out bytes.Buffer
	if err := selfCheck(context.Background(), dir, &out); err != nil {
		t.Fatalf("self-check: %v\n%s", err, out.String())
	}
	for _, want := range []string{Version(), "schema", "catalog: 2026.11-demo", "working days", "自检通过"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("self-check output lacks %q:\n%s", want, out.String())
		}
	}
	if got := strings.Count(out.String(), "database check: integrity_check ok"); got != 1 {
		t.Errorf("self-check ran the full check %d times, want once:\n%s", got, out.String())
	}
}
