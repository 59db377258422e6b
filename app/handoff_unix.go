//go:build unix

package main

import (
	"os"
	"syscall"
)

// execBinary replaces this process with bin: the same process id, so the
// service manager that started the kiosk keeps watching it.
func execBinary(bin string, args []string) error {
	return syscall.Exec(bin, append([]string{bin}, args[1:]...), os.Environ())
}
