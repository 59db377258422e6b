package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// built compiles testdata/prog (it links github.com/google/uuid) and
// returns its path with the module cache and GOROOT it was built from.
func built(t *testing.T) (bin, modcache, goroot string) {
	t.Helper()
	bin = filepath.Join(t.TempDir(), "prog")
	cmd := exec.Command("go", "build", "-o", bin, "./testdata/prog")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the test program: %v\n%s", err, out)
	}
	var err error
	if modcache, err = goEnv("GOMODCACHE"); err != nil {
		t.Fatal(err)
	}
	if goroot, err = goEnv("GOROOT"); err != nil {
		t.Fatal(err)
	}
	return bin, modcache, goroot
}

func TestPartsNameWhatIsLinked(t *testing.T) {
	bin, modcache, goroot := built(t)
	parts, err := Parts(bin, "../..", modcache, goroot)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range parts {
		got[p.Name] = p.License
	}
	for name, want := range map[string]string{
		"github.com/yichuang/yichuang":        "Apache-2.0",
		"the Go standard library and runtime": "BSD-3-Clause",
		"github.com/google/uuid":              "BSD-3-Clause",
	} {
		if got[name] != want {
			t.Errorf("%s: got licence %q, want %q (parts: %v)", name, got[name], want, got)
		}
	}
	// Only what the binary links: the project's other dependencies are not.
	if _, ok := got["github.com/mattn/go-sqlite3"]; ok {
		t.Errorf("go-sqlite3 is listed though the program does not link it")
	}
}

// TestDebFormat: every paragraph of the copyright file has its three
// fields, continuation lines are indented, and a licence Debian ships is
// referred to rather than quoted.
func TestDebFormat(t *testing.T) {
	bin, modcache, goroot := built(t)
	var out bytes.Buffer
	if err := write(&out, bin, "deb", "../..", modcache, goroot); err != nil {
		t.Fatal(err)
	}
	paras := strings.Split(strings.TrimSpace(out.String()), "\n\n")
	if !strings.HasPrefix(paras[0], "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/") {
		t.Fatalf("header: got %q", paras[0])
	}
	for _, p := range paras[1:] {
		fields := map[string]bool{}
		for _, l := range strings.Split(p, "\n") {
			if l == "" || l[0] == ' ' {
				continue
			}
			k, _, ok := strings.Cut(l, ":")
			if !ok {
				t.Errorf("a line that is neither a field nor indented: %q in\n%s", l, p)
			}
			fields[k] = true
		}
		for _, f := range []string{"Files", "Copyright", "License"} {
			if !fields[f] {
				t.Errorf("paragraph without %s:\n%s", f, p)
			}
		}
	}
	if !strings.Contains(out.String(), "/usr/share/common-licenses/Apache-2.0") {
		t.Errorf("the project's Apache-2.0 is not referred to common-licenses")
	}
	if strings.Contains(out.String(), "TERMS AND CONDITIONS FOR USE, REPRODUCTION") {
		t.Errorf("the Apache licence is quoted whole (Debian ships it)")
	}
}

func TestTextFormatIsForWindows(t *testing.T) {
	bin, modcache, goroot := built(t)
	var out bytes.Buffer
	if err := write(&out, bin, "text", "../..", modcache, goroot); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if strings.Count(s, "\n") != strings.Count(s, "\r\n") {
		t.Errorf("got bare LF lines, want CRLF throughout (Notepad)")
	}
	for _, want := range []string{"github.com/google/uuid", "Redistribution and use in source and binary forms", "WenQuanYi"} {
		if !strings.Contains(s, want) {
			t.Errorf("the notices lack %q", want)
		}
	}
}

// TestMissingLicenceStopsTheBuild: a module cache where the linked module
// has no licence file gives an error naming the module, not a package that
// ships code under unknown terms.
func TestMissingLicenceStopsTheBuild(t *testing.T) {
	bin, modcache, goroot := built(t)
	parts, err := Parts(bin, "../..", modcache, goroot)
	if err != nil {
		t.Fatal(err)
	}
	var version string
	for _, p := range parts {
		if p.Name == "github.com/google/uuid" {
			version = p.Version
		}
	}
	fake := t.TempDir()
	dir := filepath.Join(fake, "github.com", "google", "uuid@"+version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "uuid.go"), []byte("package uuid\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Parts(bin, "../..", fake, goroot)
	if err == nil || !strings.Contains(err.Error(), "github.com/google/uuid") {
		t.Errorf("got %v, want an error naming github.com/google/uuid", err)
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"Permission is hereby granted, free of charge, to any person", "MIT"},
		{"Redistribution and use in source and binary forms ... Neither the name of Google", "BSD-3-Clause"},
		{"Redistribution and use in source and binary forms, with or without modification", "BSD-2-Clause"},
		{"Apache License\n Version 2.0, January 2004", "Apache-2.0"},
		{"Mozilla Public License Version 2.0", "MPL-2.0"},
		{"SIL OPEN FONT LICENSE Version 1.1 ... Permission is hereby granted, free of charge", "OFL-1.1"},
		{"Bitstream Vera Fonts Copyright ... Permission is hereby granted, free of charge", "Bitstream-Vera"},
		{"Permission to use, copy, modify, and/or distribute this software for any purpose", "ISC"},
		{"This software is provided 'as-is' ... Altered source versions must be plainly marked", "Zlib"},
		{"All rights reserved. You may not use this.", ""},
	} {
		if got := classify(c.text); got != c.want {
			t.Errorf("classify(%.40q): got %q, want %q", c.text, got, c.want)
		}
	}
}

func TestEscapePath(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"github.com/BurntSushi/toml", "github.com/!burnt!sushi/toml"},
		{"golang.org/x/text", "golang.org/x/text"},
	} {
		if got := escapePath(c.in); got != c.want {
			t.Errorf("escapePath(%q): got %q, want %q", c.in, got, c.want)
		}
	}
}
