// Command vulndb lays out the Go vulnerability database for govulncheck
// from a pinned version of the golang.org/x/vulndb module, fetched through
// the Go module proxy like any module, so `make vulncheck` needs no access
// to vuln.go.dev (CI reaches only the proxy).
//
//	go run ./packaging/vulndb -version v0.0.0-… -sum h1:…   prints the database's directory
//	go run ./packaging/vulndb -latest                        prints the pin of the newest data
//
// The module holds every entry of the database as OSV JSON (data/osv/GO-*.json),
// the entries vuln.go.dev serves. They are written in the v1 layout that
// govulncheck -db file:///dir reads (https://go.dev/security/vuln/database#api):
//
//	index/db.json       {"modified": …}, the time of the vulndb commit
//	index/modules.json  each module path with the IDs of the entries that affect it
//	index/vulns.json    each ID with its aliases (CVE, GHSA)
//	ID/<id>.json        the entry, byte for byte as in the module
//
// The index leaves out each entry's optional "fixed" hint, with which a
// client skips entries fixed before the version it has: without it
// govulncheck reads every entry of a module it uses and decides from the
// entry's own ranges, so a wrong hint cannot hide anything.
//
// The module's h1: checksum (-sum) is checked, so one pin always gives the
// same database. The result goes to a directory named after the version in
// the user's cache (or -out) and is reused while it is there.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

const module = "golang.org/x/vulndb"

func main() {
	version := flag.String("version", "", "golang.org/x/vulndb version (a pseudo-version: the module has no tags)")
	sum := flag.String("sum", "", "the module's h1: checksum, as go.sum would have it")
	out := flag.String("out", "", "database directory (default: yichuang/vulndb/<version> in the user's cache)")
	latest := flag.Bool("latest", false, "print the version and checksum of the newest data instead")
	flag.Parse()
	log := func(err error) { fmt.Fprintln(os.Stderr, "vulndb:", err); os.Exit(1) }

	if *latest {
		m, err := download(module + "@latest")
		if err != nil {
			log(err)
		}
		fmt.Printf("VULNDB_VERSION := %s\nVULNDB_SUM     := %s\n", m.Version, m.Sum)
		return
	}
	if *version == "" || *sum == "" {
		log(errors.New("-version and -sum are required (or -latest)"))
	}
	dir := *out
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			log(err)
		}
		dir = filepath.Join(cache, "yichuang", "vulndb", *version)
	}
	if err := ensure(dir, *version, *sum); err != nil {
		log(err)
	}
	fmt.Println(dir)
}

// stamp names the file that marks a complete database and holds its source.
const stamp = "SOURCE"

// ensure leaves the database of module@version in dir, building it unless
// a complete one from the same source is there.
func ensure(dir, version, sum string) error {
	source := fmt.Sprintf("%s@%s %s\n", module, version, sum)
	if complete(dir, source) {
		return nil
	}
	m, err := download(module + "@" + version)
	if err != nil {
		return err
	}
	if m.Sum != sum {
		return fmt.Errorf("%s@%s has checksum %s, the pin says %s", module, version, m.Sum, sum)
	}
	modified, err := commitTime(m.Info)
	if err != nil {
		return err
	}
	// Built next to dir and renamed into place, so an interrupted run
	// leaves no half database that govulncheck would read as complete.
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := build(filepath.Join(m.Dir, "data", "osv"), tmp, modified); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, stamp), []byte(source), 0o644); err != nil {
		return err
	}
	if complete(dir, source) { // another run finished first
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.Rename(tmp, dir)
}

// complete reports whether dir holds a whole database built from source.
func complete(dir, source string) bool {
	b, err := os.ReadFile(filepath.Join(dir, stamp))
	return err == nil && string(b) == source
}

// modInfo is what `go mod download -json` says of a module.
type modInfo struct {
	Version, Sum, Dir, Info, Error string
}

// download fetches a module through GOPROXY into the module cache (go.sum
// checks apply: GOSUMDB verifies it when it is first downloaded).
func download(query string) (modInfo, error) {
	goCmd := os.Getenv("GO")
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.Command(goCmd, "mod", "download", "-json", query)
	cmd.Dir = os.TempDir() // outside any module: only the query counts
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	var m modInfo
	if jerr := json.Unmarshal(b, &m); jerr == nil && m.Error != "" {
		return m, fmt.Errorf("go mod download %s: %s", query, m.Error)
	}
	if err != nil {
		return m, fmt.Errorf("go mod download %s: %v\n%s", query, err, stderr.Bytes())
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("go mod download %s: %v", query, err)
	}
	return m, nil
}

// commitTime is the time of the module's commit, from its .info file.
func commitTime(infoFile string) (time.Time, error) {
	b, err := os.ReadFile(infoFile)
	if err != nil {
		return time.Time{}, err
	}
	var info struct{ Time time.Time }
	if err := json.Unmarshal(b, &info); err != nil {
		return time.Time{}, fmt.Errorf("%s: %v", infoFile, err)
	}
	return info.Time.UTC(), nil
}

// entry is the part of an OSV entry the index needs.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases"`
	Affected []struct {
		Package struct {
			Name string `json:"name"` // the module path, or stdlib / toolchain
		} `json:"package"`
	} `json:"affected"`
}

// The v1 index files.
type (
	dbMeta struct {
		Modified time.Time `json:"modified"`
	}
	moduleMeta struct {
		Path  string       `json:"path"`
		Vulns []moduleVuln `json:"vulns"`
	}
	moduleVuln struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
	}
	vulnMeta struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		Aliases  []string  `json:"aliases,omitempty"`
	}
)

// minEntries guards against a module whose layout changed under us: an
// almost empty database would pass every check while checking nothing.
var minEntries = 1000

// build writes the database of the OSV files in osvDir to out.
func build(osvDir, out string, commit time.Time) error {
	names, err := filepath.Glob(filepath.Join(osvDir, "*.json"))
	if err != nil {
		return err
	}
	if len(names) < minEntries {
		return fmt.Errorf("%s holds %d entries, fewer than %d: not the database this expects", osvDir, len(names), minEntries)
	}
	sort.Strings(names)
	if err := os.MkdirAll(filepath.Join(out, "ID"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(out, "index"), 0o755); err != nil {
		return err
	}
	db := dbMeta{Modified: commit}
	modules := map[string]*moduleMeta{}
	var vulns []vulnMeta
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		if e.ID == "" || filepath.Base(name) != e.ID+".json" {
			return fmt.Errorf("%s holds entry %q: file and ID must agree", name, e.ID)
		}
		if e.Modified.After(db.Modified) {
			db.Modified = e.Modified
		}
		vulns = append(vulns, vulnMeta{ID: e.ID, Modified: e.Modified, Aliases: e.Aliases})
		// An entry may affect a module in several blocks (ranges per
		// package); the index names it once per module.
		for _, a := range e.Affected {
			path := a.Package.Name
			if path == "" {
				return fmt.Errorf("%s: an affected block without a module", name)
			}
			m := modules[path]
			if m == nil {
				m = &moduleMeta{Path: path}
				modules[path] = m
			}
			if n := len(m.Vulns); n == 0 || m.Vulns[n-1].ID != e.ID {
				m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: e.Modified})
			}
		}
		if err := os.WriteFile(filepath.Join(out, "ID", e.ID+".json"), raw, 0o644); err != nil {
			return err
		}
	}
	if modules["stdlib"] == nil {
		return errors.New("no entry for the standard library: not the database this expects")
	}
	index := make([]*moduleMeta, 0, len(modules))
	for _, m := range modules {
		index = append(index, m)
	}
	// Entries were read in ID order, so each module's list is sorted too.
	sort.Slice(index, func(i, j int) bool { return index[i].Path < index[j].Path })
	for file, v := range map[string]any{"db.json": db, "modules.json": index, "vulns.json": vulns} {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "index", file), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func init() {
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "%s", strings.TrimLeft(`
usage: go run ./packaging/vulndb -version v0.0.0-… -sum h1:… [-out dir]
       go run ./packaging/vulndb -latest

Lays out the Go vulnerability database from the golang.org/x/vulndb module
for govulncheck -db file:///dir and prints the directory; -latest prints
the pin of the newest data for the Makefile.
`, "\n"))
		flag.PrintDefaults()
	}
}
