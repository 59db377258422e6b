package intake

import "github.com/yichuang/yichuang/app/ui/private"

// privateEntry shows an ID number or a mobile only while the clerk types
// it (package private, shared with the account form).
type privateEntry = private.Entry

func newPrivateEntry() *privateEntry { return private.NewEntry() }
