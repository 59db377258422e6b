// Command notices writes the copyright file of a package from the binary
// it ships: the project's own licence, the font's, and the licence of every
// Go module linked into the binary, read from the module cache.
//
//	go run ./packaging/notices -bin dist/yichuang -format deb  >copyright
//	go run ./packaging/notices -bin Yichuang.exe -format text  >THIRD-PARTY-NOTICES.txt
//
// Go links every dependency statically, so the binary carries their code,
// and their licences (MIT, BSD) ask that their notices travel with it. The
// list comes from the build information inside the binary (debug/buildinfo),
// not from go.mod, so it names exactly what was linked, at the versions
// linked, and a dependency added tomorrow is listed without anyone editing
// a file. A module whose licence cannot be found stops the build: a package
// must not ship code whose terms nobody has read.
//
// The deb format is the machine-readable copyright format 1.0
// (https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/).
// Licences Debian ships in /usr/share/common-licenses (Apache-2.0,
// MPL-2.0, GPL) are referred to there, as Debian policy 12.5 asks; the
// others are quoted whole.
package main

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
)

func main() {
	bin := flag.String("bin", "", "the binary whose linked modules are listed")
	format := flag.String("format", "deb", "deb (copyright format 1.0) or text (a plain notices file)")
	root := flag.String("root", ".", "the project's root (LICENSE, assets/fonts)")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "notices: -bin is required")
		os.Exit(2)
	}
	modcache, err := goEnv("GOMODCACHE")
	if err == nil {
		var goroot string
		goroot, err = goEnv("GOROOT")
		if err == nil {
			err = write(os.Stdout, *bin, *format, *root, modcache, goroot)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "notices:", err)
		os.Exit(1)
	}
}

func goEnv(name string) (string, error) {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Part is one copyright holder's code in the binary, with its licence.
type Part struct {
	Files     string // the copyright format's Files pattern
	Name      string // module path, "the Go standard library", the font
	Version   string
	Copyright []string
	License   string // short name (SPDX where known)
	Text      string // the licence file(s) as found
	// More are the licence files of bundled code below the module's root,
	// each with its own licence.
	More []Piece
	// Notice is the NOTICE file(s) an Apache-2.0 work asks to be passed on
	// with it (its section 4(d)).
	Notice string
	// Bundled names code of others a module carries in its own files
	// without a licence file of its own (SQLite's amalgamation).
	Bundled string
}

// Piece is one more licence file of a part.
type Piece struct {
	Path, License, Text string
}

// bundled: C sources Go modules compile in whose terms are in their source
// headers, not in a licence file this tool can find.
var bundled = map[string]string{
	"github.com/mattn/go-sqlite3": "It compiles in SQLite (sqlite3-binding.c), which is in the public domain: " +
		"https://sqlite.org/copyright.html",
}

// write lists the parts of bin and writes them in format.
func write(w io.Writer, bin, format, root, modcache, goroot string) error {
	parts, err := Parts(bin, root, modcache, goroot)
	if err != nil {
		return err
	}
	switch format {
	case "deb":
		return writeDeb(w, parts)
	case "text":
		return writeText(w, parts)
	}
	return fmt.Errorf("unknown format %q (deb or text)", format)
}

// Parts is the project, the font, the Go standard library and every module
// linked into bin.
func Parts(bin, root, modcache, goroot string) ([]Part, error) {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return nil, fmt.Errorf("read the build information of %s: %w", bin, err)
	}
	own, err := os.ReadFile(filepath.Join(root, "LICENSE"))
	if err != nil {
		return nil, fmt.Errorf("the project's licence: %w", err)
	}
	parts := []Part{{Files: "*", Name: info.Main.Path, Version: info.Main.Version, License: classify(string(own)),
		Copyright: []string{"2026 the Yichuang authors"}, Text: string(own)}}
	font, err := os.ReadFile(filepath.Join(root, "assets", "fonts", "COPYRIGHT-wqy-microhei.txt"))
	if err != nil {
		return nil, fmt.Errorf("the font's licence: %w", err)
	}
	parts = append(parts, Part{Files: "assets/fonts/WenQuanYiMicroHei.ttf", Name: "WenQuanYi Micro Hei (assets/fonts/WenQuanYiMicroHei.ttf, embedded)",
		Version: "0.2.0-beta", License: "Apache-2.0 or GPL-3+ with Font exception",
		Copyright: []string{"2008-2009, The WenQuanYi Project Board of Trustees", "2006-2008, Google Corporation"},
		Text:      string(font)})
	std, err := licenseIn(goroot, false)
	if err != nil {
		return nil, fmt.Errorf("the Go standard library: %w", err)
	}
	std.Files, std.Name, std.Version = "go-modules/std/*", "the Go standard library and runtime", info.GoVersion
	parts = append(parts, std)
	for _, d := range info.Deps {
		m := d
		if d.Replace != nil {
			m = d.Replace
		}
		dir := filepath.Join(modcache, escapePath(m.Path)+"@"+m.Version)
		if strings.HasPrefix(m.Path, ".") || strings.HasPrefix(m.Path, "/") {
			dir = m.Path // a local replacement
		}
		p, err := licenseIn(dir, true)
		if err != nil {
			return nil, fmt.Errorf("module %s %s: %w", d.Path, m.Version, err)
		}
		p.Files, p.Name, p.Version = "go-modules/"+d.Path+"/*", d.Path, m.Version
		p.Bundled = bundled[d.Path]
		parts = append(parts, p)
	}
	return parts, nil
}

var (
	licenseName = regexp.MustCompile(`(?i)^(licen[cs]e|copying|unlicense)([-._].*)?$`)
	noticeName  = regexp.MustCompile(`(?i)^notice([-._].*)?$`)
)

// licenseIn reads the licence files of a module's tree. deep also reads
// those of bundled sources below the root (go-sqlite3 carries SQLite, the
// GLFW bindings carry GLFW's C code under its own licence); test data and
// example trees are not part of the binary and are skipped.
func licenseIn(dir string, deep bool) (Part, error) {
	var files, notices []string
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			n := e.Name()
			if path != dir && (!deep || n == "testdata" || n == "examples" || n == "example" || n == "_examples" ||
				n == "vendor" || strings.HasPrefix(n, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(e.Name(), ".go") {
			return nil
		}
		if licenseName.MatchString(e.Name()) {
			files = append(files, path)
		}
		if noticeName.MatchString(e.Name()) {
			notices = append(notices, path)
		}
		return nil
	})
	if err != nil {
		return Part{}, fmt.Errorf("look for its licence in %s: %w", dir, err)
	}
	if len(files) == 0 {
		return Part{}, errors.New("no licence file (LICENSE, COPYING) in " + dir)
	}
	sort.Slice(files, func(i, j int) bool { // the root's first
		di, dj := strings.Count(files[i], string(filepath.Separator)), strings.Count(files[j], string(filepath.Separator))
		if di != dj {
			return di < dj
		}
		return files[i] < files[j]
	})
	var p Part
	var texts []string
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return Part{}, fmt.Errorf("read %s: %w", f, err)
		}
		t := strings.TrimSpace(strings.ReplaceAll(string(b), "\r\n", "\n"))
		if seen[t] {
			continue
		}
		seen[t] = true
		if len(texts) > 0 {
			rel, _ := filepath.Rel(dir, f)
			p.More = append(p.More, Piece{Path: filepath.ToSlash(rel), License: classify(t), Text: t})
		}
		texts = append(texts, t)
		for _, c := range copyrightLines(t) {
			if !slices.Contains(p.Copyright, c) {
				p.Copyright = append(p.Copyright, c)
			}
		}
	}
	p.Text = texts[0]
	for _, f := range notices {
		b, err := os.ReadFile(f)
		if err != nil {
			return Part{}, fmt.Errorf("read %s: %w", f, err)
		}
		n := strings.TrimSpace(strings.ReplaceAll(string(b), "\r\n", "\n"))
		p.Notice = strings.TrimSpace(p.Notice + "\n\n" + n)
		for _, c := range copyrightLines(n) {
			if !slices.Contains(p.Copyright, c) {
				p.Copyright = append(p.Copyright, c)
			}
		}
	}
	p.License = classify(texts[0])
	if p.License == "" {
		return Part{}, fmt.Errorf("the licence in %s is not one this tool recognises: read it and add it to classify", files[0])
	}
	return p, nil
}

var copyrightLine = regexp.MustCompile(`(?i)^\s*copyright\s*(\(c\)|©)?\s*(.+)$`)

// copyrightLines are a licence's "Copyright (c) 2012 Someone" lines, without
// the word; the templates' placeholders ("[yyyy] [name of copyright owner]")
// are not holders.
func copyrightLines(text string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		m := copyrightLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		c := strings.TrimSpace(m[2])
		low := strings.ToLower(c)
		if c == "" || strings.Contains(c, "[") || strings.Contains(c, "{") || strings.Contains(c, "<") ||
			strings.HasPrefix(low, "notice") || strings.HasPrefix(low, "license") || strings.HasPrefix(low, "holder") ||
			strings.HasPrefix(low, "owner") || strings.HasPrefix(low, "and ") || !strings.ContainsFunc(c, unicode.IsDigit) {
			continue
		}
		out = append(out, strings.TrimRight(c, ".,"))
	}
	return out
}

// classify names a licence by its words. The checks look for each licence's
// own distinctive sentences, so a text that merely mentions another licence
// is not mistaken for it.
func classify(text string) string {
	t := strings.Join(strings.Fields(strings.ToLower(text)), " ")
	has := func(s string) bool { return strings.Contains(t, s) }
	switch {
	case has("apache license") && has("version 2.0"):
		return "Apache-2.0"
	case has("mozilla public license") && has("version 2.0"):
		return "MPL-2.0"
	// The font licences reuse MIT's first sentence, so they come before it.
	case has("sil open font license"):
		return "OFL-1.1"
	case has("bitstream vera"):
		return "Bitstream-Vera"
	case has("permission is hereby granted, free of charge"):
		return "MIT"
	case has("redistribution and use in source and binary forms"):
		if has("neither the name") || has("names of its contributors") || has("name of the copyright holder") {
			return "BSD-3-Clause"
		}
		return "BSD-2-Clause"
	case has("permission to use, copy, modify, and/or distribute this software for any purpose"),
		has("permission to use, copy, modify, and distribute this software for any purpose"):
		return "ISC"
	case has("this software is provided 'as-is'") && has("altered source versions must be plainly marked"):
		return "Zlib"
	case has("this is free and unencumbered software released into the public domain"):
		return "Unlicense"
	case has("the author disclaims copyright to this source code"):
		return "public-domain"
	}
	return ""
}

func orUnknown(l string) string {
	if l == "" {
		return "see its text"
	}
	return l
}

// commonLicense is the file under /usr/share/common-licenses Debian ships
// for a licence, or "".
func commonLicense(l string) string {
	switch l {
	case "Apache-2.0", "MPL-2.0":
		return "/usr/share/common-licenses/" + l
	}
	return ""
}

func writeDeb(w io.Writer, parts []Part) error {
	var b bytes.Buffer
	b.WriteString("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n")
	b.WriteString("Upstream-Name: yichuang\n")
	b.WriteString("Comment: Go links every library into the binary; each paragraph below is one of them,\n")
	b.WriteString(" written from the binary's own build information by packaging/notices.\n")
	for i, p := range parts {
		b.WriteString("\n")
		fmt.Fprintf(&b, "Files: %s\n", p.Files)
		holders := p.Copyright
		if len(holders) == 0 {
			holders = []string{"the authors of " + p.Name}
		}
		fmt.Fprintf(&b, "Copyright: %s\n", holders[0])
		for _, h := range holders[1:] {
			fmt.Fprintf(&b, " %s\n", h)
		}
		lic := p.License
		fmt.Fprintf(&b, "License: %s\n", lic)
		if f := commonLicense(lic); f != "" {
			fmt.Fprintf(&b, " On Debian systems the full text of this licence is in %s.\n", f)
		} else {
			b.WriteString(debText(p.Text))
		}
		for _, m := range p.More {
			fmt.Fprintf(&b, " .\n Its %s (%s):\n .\n", m.Path, orUnknown(m.License))
			if f := commonLicense(m.License); f != "" {
				fmt.Fprintf(&b, " On Debian systems the full text of this licence is in %s.\n", f)
			} else {
				b.WriteString(debText(m.Text))
			}
		}
		if p.Notice != "" {
			b.WriteString(" .\n Its NOTICE:\n .\n" + debText(p.Notice))
		}
		if i > 0 {
			fmt.Fprintf(&b, "Comment: %s %s\n", p.Name, p.Version)
			if p.Bundled != "" {
				fmt.Fprintf(&b, " %s\n", p.Bundled)
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// debText is a licence as a copyright-format continuation: each line
// indented by one space, empty lines as " .".
func debText(t string) string {
	var b strings.Builder
	for _, l := range strings.Split(t, "\n") {
		l = strings.TrimRightFunc(l, unicode.IsSpace)
		if l == "" {
			b.WriteString(" .\n")
			continue
		}
		b.WriteString(" " + l + "\n")
	}
	return b.String()
}

func writeText(w io.Writer, parts []Part) error {
	var b bytes.Buffer
	b.WriteString("Yichuang (一窗) and the software inside it\r\n")
	b.WriteString("==========================================\r\n\r\n")
	b.WriteString("This program links the libraries below into one executable; each keeps its own licence.\r\n")
	for _, p := range parts {
		fmt.Fprintf(&b, "\r\n----------------------------------------------------------------------\r\n%s %s\r\nLicence: %s\r\n\r\n",
			p.Name, p.Version, p.License)
		// A Windows reader opens this in Notepad: CRLF lines.
		texts := []string{p.Bundled, p.Text}
		for _, m := range p.More {
			texts = append(texts, "("+m.Path+")\n"+m.Text)
		}
		for _, t := range append(texts, p.Notice) {
			if t != "" {
				b.WriteString(strings.ReplaceAll(strings.TrimSpace(t), "\n", "\r\n") + "\r\n\r\n")
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// escapePath is the module cache's spelling of a module path: every upper
// case letter as '!' and its lower case (golang.org/x/mod/module's
// EscapePath), so paths differing only in case stay apart on file systems
// that fold case.
func escapePath(path string) string {
	var b strings.Builder
	for _, r := range path {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
