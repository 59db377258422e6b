package office_test

import (
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/office"
)

// The PostgreSQL store serves the back office too (its case reads answer
// "not yet" until the cases aggregate is built on it).
var _ office.Store = (*county.Postgres)(nil)
