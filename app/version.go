package main

import (
	_ "embed"
	"fmt"
	"regexp"
	"runtime/debug"
)

// FyneApp.toml is the one place the version is written: fyne package puts
// it in the installers' metadata, and the binary reads it from here.
//
//go:embed FyneApp.toml
var fyneApp string

// version, when stamped with -ldflags "-X main.version=…", overrides
// FyneApp.toml's: a test builds "the next release" of the real kiosk this
// way (TestLauncherRunsTheInstalledRelease).
var version = ""

// commit may be stamped with -ldflags "-X main.commit=…"; otherwise it comes
// from the VCS information Go records (go build -buildvcs=true).
var commit = ""

var versionField = regexp.MustCompile(`(?m)^Version\s*=\s*"([^"]+)"`)

// Version is the kiosk's version, reported to the county at enrollment and
// after every sync round.
func Version() string {
	if version != "" {
		return version
	}
	if m := versionField.FindStringSubmatch(fyneApp); m != nil {
		return m[1]
	}
	return "unknown"
}

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
