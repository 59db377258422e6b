package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSizes(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    plan
		wantErr bool
	}{
		{"small", presets["small"], false},
		{"full", presets["full"], false},
		{"c20k,k10000,k1000", plan{kiosk: []int{1000, 10000}, county: []int{20000}}, false},
		{"k250k", plan{kiosk: []int{250000}}, false},
		{"x1000", plan{}, true},
		{"k", plan{}, true},
		{"k-5", plan{}, true},
		{"medium", plan{}, true},
	} {
		got, err := parseSizes(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: got error %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if !tc.wantErr && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestMedianAndNumber(t *testing.T) {
	for _, tc := range []struct {
		runs []float64
		want string
	}{
		{[]float64{9000, 12.5, 8223.4}, "8,223"},
		{[]float64{0.3, 0.1, 0.2}, "0.20"},
		{[]float64{4, 6}, "5.0"},
		{[]float64{1234567}, "1,234,567"},
	} {
		if got := number(median(tc.runs)); got != tc.want {
			t.Errorf("%v: got %s, want %s", tc.runs, got, tc.want)
		}
	}
}

// TestWriteTable: a column a size, the median in each cell, a dash where
// a size was not measured, and the percentile a row names beside its
// median (the 99th of 100 runs is the 99th slowest: 7, not the worst 40).
func TestWriteTable(t *testing.T) {
	rows := []row{
		{Side: "kiosk", Size: 1000, Op: "open", Runs: []float64{5, 4, 30}},
		{Side: "kiosk", Size: 10000, Op: "open", Runs: []float64{150, 160, 140}},
		{Side: "county", Size: 1000, Op: "open", Runs: []float64{1, 1, 1}},
		{Side: "kiosk", Size: 1000, Op: "held", Runs: []float64{1000}},
		{Side: "kiosk", Size: 10000, Op: "query", Pct: 99, Runs: append(ones(98), 7, 40)},
	}
	var b strings.Builder
	writeTable(&b, rows, "kiosk", []int{1000, 10000}, []op{{"open", "open"}, {"held", "held"}, {"backup", "backup"}, {"query", "query"}})
	want := "| kiosk, cases | 1,000 | 10,000 |\n" +
		"|---|---|---|\n" +
		"| open | 5.0 | 150 |\n" +
		"| held | 1,000 | – |\n" +
		"| backup | – | – |\n" +
		"| query | – | 1.0 (p99 7.0) |\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func ones(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 1
	}
	return out
}

func TestPercentile(t *testing.T) {
	runs := []float64{5, 1, 4, 2, 3}
	for _, tc := range []struct {
		p    int
		want float64
	}{{50, 3}, {95, 5}, {99, 5}, {20, 1}, {21, 2}} {
		if got := percentile(runs, tc.p); got != tc.want {
			t.Errorf("p%d of %v: got %v, want %v", tc.p, runs, got, tc.want)
		}
	}
}
