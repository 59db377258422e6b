package main

import (
	"fmt"
	"runtime/debug"
)

// version and commit are stamped by the release build (make package:
// -ldflags "-X main.version=… -X main.commit=…"); a plain go build takes the
// commit from the VCS information Go records.
var (
	version = "0.6.0-dev"
	commit  = ""
)

// Version is the kiosk's version, reported to the county at enrollment and
// after every sync round.
func Version() string { return version }

// Commit is the source revision the binary was built from ("unknown"
// outside a checkout).
func Commit() string {
	if commit != "" {
		return commit
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" && dirty {
			rev += "-dirty"
		}
		if rev != "" {
			return rev
		}
	}
	return "unknown"
}

func versionLine() string { return fmt.Sprintf("yichuang %s (%s)", Version(), Commit()) }
