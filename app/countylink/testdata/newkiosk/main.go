// Command newkiosk stands in for a new kiosk release in TestSignedUpdate:
// it answers --version and --self-check as the kiosk does (the version
// and whether the self-check passes are stamped with -ldflags -X), so the
// test builds several releases in seconds rather than the kiosk's Fyne
// binary.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

var (
	version = "0.0.0"
	broken  = "" // "yes": the self-check fails, as a release that cannot open the data would
)

func main() {
	showVersion := flag.Bool("version", false, "print the version")
	check := flag.Bool("self-check", false, "check the data directory")
	data := flag.String("data", "", "data directory")
	flag.Parse()
	switch {
	case *showVersion:
		fmt.Printf("yichuang %s (test)\n", version)
	case *check:
		head := make([]byte, 16)
		f, err := os.Open(filepath.Join(*data, "yichuang.db"))
		if err == nil {
			_, err = f.Read(head)
			f.Close()
		}
		if err == nil && !bytes.HasPrefix(head, []byte("SQLite format 3")) {
			err = fmt.Errorf("not an SQLite database")
		}
		if err == nil && broken == "yes" {
			err = fmt.Errorf("database schema version 99 is newer than this kiosk knows")
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "自检失败 self-check failed: %v\n", err)
			os.Exit(1)
		}
		fmt.Println("自检通过 self-check passed")
	}
}
