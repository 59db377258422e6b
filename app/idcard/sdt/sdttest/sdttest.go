// Package sdttest provides a simulated ID-card reader for tests: the C
// simulator in testdata built with gcc into an SDT library and a WLT
// decoder, a test card, and the control the test holds over them (no card,
// a card, taken away mid-read, a failing card, the reader unplugged). Tests
// of screens drive the real driver (package sdt) through it.
package sdttest

import (
	"bytes"
	_ "embed"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/app/idcard"
	"github.com/yichuang/yichuang/app/idcard/sdt"
)

//go:embed testdata/sdtsim.c
var sdtSource []byte

//go:embed testdata/wltsim.c
var wltSource []byte

// Reader states the simulator can be put in.
const (
	NoCard  = "none"
	Present = "present"
	Removed = "removed" // found and selected, gone before SDT_ReadBaseMsg
	Failing = "fail"    // the card does not authenticate
	Gone    = "gone"    // the reader is unplugged
)

// Sim is one simulated reader with its control file.
type Sim struct {
	t       testing.TB
	Control string
	// Library and Decoder are the built .so files, for a sdt.Config.
	Library, Decoder string
}

// Prebuilt names a directory holding the simulator already built as
// sdtsim.dll and wltsim.dll: a Windows test binary run under Wine has no
// compiler, so packaging/test-install.sh builds them with mingw.
const Prebuilt = "SDTSIM_PREBUILT"

// New builds the simulator into the test's temporary directory (or takes
// it from $SDTSIM_PREBUILT) and points SDTSIM_CONTROL at its control file;
// the reader starts with no card. It skips the test where it can neither
// build nor find it, or cannot load it (sdt.Supported).
func New(t testing.TB) *Sim {
	t.Helper()
	if !sdt.Supported {
		t.Skip("this build cannot load a reader library")
	}
	dir := tempDir(t)
	s := &Sim{t: t, Control: filepath.Join(dir, "reader"), Library: filepath.Join(dir, "libsdtsim.so"), Decoder: filepath.Join(dir, "libwltsim.so")}
	if pre := os.Getenv(Prebuilt); pre != "" {
		s.Library, s.Decoder = filepath.Join(pre, "sdtsim.dll"), filepath.Join(pre, "wltsim.dll")
		t.Setenv("SDTSIM_CONTROL", s.Control)
		s.Set(NoCard)
		return s
	}
	gcc, err := exec.LookPath("gcc")
	if err != nil || runtime.GOOS == "windows" {
		t.Skip("gcc is needed to build the reader simulator (on Windows: set " + Prebuilt + ")")
	}
	for _, b := range []struct {
		src []byte
		out string
	}{{sdtSource, s.Library}, {wltSource, s.Decoder}} {
		c := strings.TrimSuffix(b.out, ".so") + ".c"
		if err := os.WriteFile(c, b.src, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(gcc, "-Wall", "-Werror", "-shared", "-fPIC", "-o", b.out, c).CombinedOutput(); err != nil {
			t.Fatalf("gcc %s: %v\n%s", c, err, out)
		}
	}
	t.Setenv("SDTSIM_CONTROL", s.Control)
	s.Set(NoCard)
	return s
}

// tempDir is t.TempDir, but one Wine can clean: Go's RemoveAll on Windows
// asks for a way of deleting Wine 8 does not have ("Invalid function"),
// so under Windows the simulator's few files are removed one by one.
func tempDir(t testing.TB) string {
	if runtime.GOOS != "windows" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp("", "sdtsim")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			os.Remove(filepath.Join(dir, e.Name()))
		}
		os.Remove(dir)
	})
	return dir
}

// Reader is the real driver on the simulator, photos decoded.
func (s *Sim) Reader() *sdt.Reader {
	r := sdt.New(sdt.Config{Library: s.Library, Decoder: s.Decoder})
	s.t.Cleanup(func() { r.Close() })
	return r
}

// Set puts the reader in a state.
func (s *Sim) Set(state string) {
	s.t.Helper()
	if err := os.WriteFile(s.Control, []byte(state+"\n"), 0o600); err != nil {
		s.t.Fatal(err)
	}
}

// Put lays a card on the reader, its photo painted in col.
func (s *Sim) Put(c idcard.Card, col color.RGBA) {
	s.t.Helper()
	base, err := idcard.EncodeBase(c)
	if err != nil {
		s.t.Fatalf("test card: %v", err)
	}
	wlt := make([]byte, idcard.PhotoSize)
	wlt[0], wlt[1], wlt[2] = col.R, col.G, col.B
	if err := os.WriteFile(s.Control+".base", base, 0o600); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(s.Control+".wlt", wlt, 0o600); err != nil {
		s.t.Fatal(err)
	}
	s.Set(Present)
}

// PutUndecodable lays a card whose photo the decoder refuses.
func (s *Sim) PutUndecodable(c idcard.Card) {
	s.t.Helper()
	s.Put(c, color.RGBA{})
	wlt := bytes.Repeat([]byte{0}, idcard.PhotoSize)
	copy(wlt, "BAD!")
	if err := os.WriteFile(s.Control+".wlt", wlt, 0o600); err != nil {
		s.t.Fatal(err)
	}
}

// Calls returns the SDT calls made so far, one "name port code" a line.
func (s *Sim) Calls() []string {
	b, err := os.ReadFile(s.Control + ".log")
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// Card is the test card: a resident of 长兴县, valid until 2040.
func Card() idcard.Card {
	return idcard.Card{Kind: idcard.Resident, Name: "张三", Sex: "男", Nation: "汉", Birth: "19900307",
		Address: "浙江省湖州市长兴县雉城街道金陵北路18号", IDNumber: "330522199003071238", Authority: "长兴县公安局",
		ValidFrom: "20200101", ValidTo: "20400101"}
}

// ExpiredCard is the test card's holder with a card that ran out in 2020.
func ExpiredCard() idcard.Card {
	c := Card()
	c.ValidFrom, c.ValidTo = "20100101", "20200101"
	return c
}
