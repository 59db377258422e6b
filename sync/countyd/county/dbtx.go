package county

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// dbtx is what the code shared by both stores runs its queries on: a
// *sql.Tx for SQLite, a pgTx for PostgreSQL. Queries are written once,
// with ? placeholders; pgTx rebinds them.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var _ dbtx = (*sql.Tx)(nil)

// pgTx is a PostgreSQL transaction (or pool) that takes ?-queries.
type pgTx struct{ q dbtx }

func (t pgTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.q.ExecContext(ctx, rebind(query), args...)
}

func (t pgTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.q.QueryContext(ctx, rebind(query), args...)
}

func (t pgTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.q.QueryRowContext(ctx, rebind(query), args...)
}

// rebind numbers the ? placeholders of a query $1, $2, … as PostgreSQL
// wants them. A ? inside a string literal, a quoted identifier or a
// comment is text, not a placeholder, and stays.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			// To the closing quote; a doubled quote inside ('it''s') closes
			// and reopens, which this loop treats the same way.
			j := strings.IndexByte(q[i+1:], c)
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+2])
			i += j + 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+1])
			i += j
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+4])
			i += j + 3
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
