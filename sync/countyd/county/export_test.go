package county

import "database/sql"

// For the external tests: the embedded migrations, and the PostgreSQL
// store's pool to read its catalog.
var MigrationFS = migrationFS

func (s *Postgres) DB() *sql.DB { return s.db }
