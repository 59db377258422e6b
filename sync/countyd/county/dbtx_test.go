package county

import "testing"

func TestRebind(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE x = ? AND y = ?`, `SELECT a FROM t WHERE x = $1 AND y = $2`},
		{`INSERT INTO t (a, b, c) VALUES (?, ?, ?)`, `INSERT INTO t (a, b, c) VALUES ($1, $2, $3)`},
		// A ? in a string literal is text, also after an escaped quote.
		{`SELECT '?' , ? FROM t WHERE s = 'it''s ?' AND n = ?`, `SELECT '?' , $1 FROM t WHERE s = 'it''s ?' AND n = $2`},
		{`UPDATE t SET secret = '' WHERE id = ?`, `UPDATE t SET secret = '' WHERE id = $1`},
		// Quoted identifiers and comments too.
		{`SELECT "a?b" FROM t WHERE x = ?`, `SELECT "a?b" FROM t WHERE x = $1`},
		{"SELECT ? -- what?\nFROM t WHERE y = ?", "SELECT $1 -- what?\nFROM t WHERE y = $2"},
		{`SELECT /* ? */ ? FROM t`, `SELECT /* ? */ $1 FROM t`},
		// An unclosed literal is left as written (the server reports it).
		{`SELECT ? WHERE s = 'oops ?`, `SELECT $1 WHERE s = 'oops ?`},
		{`SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?`, `SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10`},
	} {
		if got := rebind(tt.in); got != tt.want {
			t.Errorf("rebind(%q):\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}
