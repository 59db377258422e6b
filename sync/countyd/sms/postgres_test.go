package sms_test

import (
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/sms"
)

// Every countyd instance on PostgreSQL runs a sender on the shared queue.
var _ sms.Store = (*county.Postgres)(nil)
