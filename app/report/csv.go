package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// bom starts every CSV: Excel on Windows reads a CSV without it in the
// system's ANSI code page (GBK on a Chinese Windows), and every Chinese
// word would come out garbled.
const bom = "\uFEFF"

// WriteCSV writes the table as CSV: a byte-order mark, the header row,
// then the rows, CRLF line ends (RFC 4180). Text cells that a spreadsheet
// would take for a formula are neutralised (Neutralise).
func WriteCSV(w io.Writer, t *Table) error {
	if err := t.Check(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(bom); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	rec := make([]string, len(t.Columns))
	for j, c := range t.Columns {
		rec[j] = Neutralise(c.Header)
	}
	if err := cw.Write(rec); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for i := range t.Rows {
		for j, c := range t.Columns {
			rec[j] = t.Text(i, j)
			if c.Kind == Text {
				rec[j] = Neutralise(rec[j])
			}
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// Neutralise keeps a text cell from being run as a formula when the CSV
// is opened in a spreadsheet (CSV injection): a cell starting with = + - @,
// a tab or a carriage return gets a leading apostrophe, as OWASP
// recommends. A kiosk's host name or a clerk's note ends up in these
// files, and a county officer opens them on a PC with Excel. Numbers are
// never text cells here, so a negative count is not touched.
func Neutralise(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
