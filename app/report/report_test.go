package report_test

import (
	"bytes"
	"encoding/csv"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/report"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/figures"
)

func sample() *report.Table {
	t := report.New("案件", "案件 · 全部",
		report.Column{Header: "县级案件号", Kind: report.Text}, report.Column{Header: "件数", Kind: report.Integer},
		report.Column{Header: "按时办结率", Kind: report.Percent}, report.Column{Header: "平均用时（工作日）", Kind: report.Days},
		report.Column{Header: "受理日期", Kind: report.Date}, report.Column{Header: "最近联系", Kind: report.DateTime})
	at := time.Date(2026, 11, 26, 10, 30, 0, 0, workday.China)
	t.Add("330522-2026-000001", 12, 0.9913, 3.5, at, at)
	t.Add("=HYPERLINK(\"http://x\")", int64(-3), math.NaN(), 2, nil, time.Time{})
	t.Add("+1 (555)", 0, 1.0, nil, at.AddDate(0, 0, 1), nil)
	return t
}

func TestCSVReadsBackWithBOMAndNeutralisedFormulas(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	if !bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatalf("csv starts %q, want the UTF-8 byte-order mark", raw[:min(len(raw), 3)])
	}
	if !bytes.Contains(raw, []byte("\r\n")) {
		t.Errorf("csv lines end without CRLF")
	}
	recs, err := csv.NewReader(bytes.NewReader(raw[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"县级案件号", "件数", "按时办结率", "平均用时（工作日）", "受理日期", "最近联系"},
		{"330522-2026-000001", "12", "99.13%", "3.5", "2026-11-26", "2026-11-26 10:30"},
		{"'=HYPERLINK(\"http://x\")", "-3", "", "2", "", ""},
		{"'+1 (555)", "0", "100.00%", "", "2026-11-27", ""},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d", len(recs), len(want))
	}
	for i := range want {
		if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d: got %q, want %q", i, recs[i], want[i])
		}
	}
}

func TestNeutralise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=1+1", "'=1+1"}, {"+86", "'+86"}, {"-2", "'-2"}, {"@SUM(A1)", "'@SUM(A1)"}, {"\tx", "'\tx"}, {"\rx", "'\rx"},
		{"洪桥镇", "洪桥镇"}, {"a=b", "a=b"}, {"", ""},
	}
	for _, tt := range tests {
		if got := report.Neutralise(tt.in); got != tt.want {
			t.Errorf("Neutralise(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCheckRefusesAValueOfTheWrongKind(t *testing.T) {
	tests := []struct {
		name string
		kind report.Kind
		v    any
		ok   bool
	}{
		{"count as text", report.Integer, "12", false},
		{"count", report.Integer, 12, true},
		{"rate as int", report.Percent, 1, true},
		{"rate as text", report.Percent, "99%", false},
		{"date as text", report.Date, "2026-11-26", false},
		{"text as number", report.Text, 5, false},
		{"empty", report.Date, nil, true},
	}
	for _, tt := range tests {
		tab := report.New("t", "t", report.Column{Header: "c", Kind: tt.kind})
		tab.Add(tt.v)
		if got := tab.Check() == nil; got != tt.ok {
			t.Errorf("%s: got ok %v, want %v (%v)", tt.name, got, tt.ok, tab.Check())
		}
	}
	short := report.New("t", "t", report.Column{Header: "a"}, report.Column{Header: "b"})
	short.Add("x")
	if err := report.WriteCSV(&bytes.Buffer{}, short); err == nil {
		t.Errorf("a row of 1 cell for 2 columns was written")
	}
}

func TestFileName(t *testing.T) {
	tests := []struct{ name, period, ext, want string }{
		{"案件", "2026-11-26", "csv", "案件-2026-11-26.csv"},
		{"月报", "2026-11", "pdf", "月报-2026-11.pdf"},
		{"a/b:c", "", "xlsx", "a_b_c.xlsx"},
	}
	for _, tt := range tests {
		if got := report.FileName(tt.name, tt.period, tt.ext); got != tt.want {
			t.Errorf("FileName(%q, %q): got %q, want %q", tt.name, tt.period, got, tt.want)
		}
	}
}

// A figure keeps sync/figures' rounding in a table: its text is
// Value.Text whatever the column (1/32 is 3.13%, half away from zero, where
// the float 0.03125 would print 3.12%), its number is that rounded figure,
// and a figure with nothing to divide by is an empty cell that a page
// shows as "—".
func TestFiguresKeepTheirRounding(t *testing.T) {
	rate, _ := figures.ByID("immediate_rate")
	avg, _ := figures.ByID("avg_days")
	count, _ := figures.ByID("accepted")
	tab := report.New("f", "f", report.Column{Header: "受理", Kind: report.Integer},
		report.Column{Header: "即办率", Kind: report.Percent}, report.Column{Header: "平均", Kind: report.Average})
	tests := []struct {
		c        figures.Counts
		wantRate float64
	}{
		{figures.Counts{Accepted: 32, Immediate: 1, Decided: 8, DecideDays: 2}, 0.0313},
		{figures.Counts{Accepted: 687, Immediate: 681, Decided: 3, DecideDays: 7}, 0.9913},
		{figures.Counts{Accepted: 5, Immediate: 2, Decided: 1, DecideDays: 2}, 0.4},
		{figures.Counts{}, 0},
	}
	for _, tt := range tests {
		tab.Add(count.Of(tt.c), rate.Of(tt.c), avg.Of(tt.c))
	}
	if err := tab.Check(); err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		for j, f := range []figures.Figure{count, rate, avg} {
			if got, want := tab.Shown(i, j), f.Of(tt.c).Text(); got != want {
				t.Errorf("row %d %s shown: got %q, want %q", i, f.ID, got, want)
			}
		}
		if tt.c.Accepted == 0 {
			if got := tab.Value(i, 1); got != nil {
				t.Errorf("row %d: got rate %v, want an empty cell", i, got)
			}
			if got := tab.Text(i, 1); got != "" {
				t.Errorf("row %d: got CSV text %q, want empty", i, got)
			}
			continue
		}
		if got := tab.Value(i, 1); got != tt.wantRate {
			t.Errorf("row %d: got rate %v, want %v", i, got, tt.wantRate)
		}
	}
	wrong := report.New("w", "w", report.Column{Header: "件数", Kind: report.Integer})
	wrong.Add(rate.Of(figures.Counts{Accepted: 1}))
	if err := wrong.Check(); err == nil {
		t.Errorf("a rate in a count column was taken")
	}
}
