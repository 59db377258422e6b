// Package sdt provides an idcard.Reader for the SDT API that certified
// second-generation ID-card readers' vendor libraries implement
// (SDT_OpenPort, SDT_StartFindIDCard, SDT_SelectIDCard, SDT_ReadBaseMsg,
// SDT_ClosePort), loaded at run time from a configured path, and the WLT
// photo decoded by the vendor's decoder library when one is configured.
//
// The library is opened with dlopen through cgo rather than linked: the
// kiosk must start, and type IDs by hand, on a machine without a reader or
// its library, and each vendor ships its own file. cgo rather than purego
// because the kiosk already needs cgo (go-sqlite3), so it adds no
// dependency, and the C trampolines keep the calling convention the C
// compiler's business. On Windows (and without cgo) the reader says plainly
// that it is not supported there yet: see reader_other.go.
package sdt

import (
	"fmt"

	"github.com/yichuang/yichuang/app/idcard"
)

// Config says where the reader's libraries are.
type Config struct {
	// Library is the vendor's SDT library (e.g. /usr/lib/libsdtapi.so);
	// "" means no reader is configured.
	Library string
	// Decoder is the vendor's WLT photo decoder (e.g. libwlt.so, exporting
	// unpack); "" reads cards without their photo.
	Decoder string
	// Port is the SDT port number: 1001–1016 for USB readers, 1–16 for
	// serial ones; 0 tries 1001–1016, then 1–16.
	Port int
}

// Return codes of the SDT API (GA 467's terminal interface).
const (
	codeOK       = 0x90 // 操作成功
	codeFound    = 0x9F // 寻找证/卡成功
	codeNotFound = 0x80 // 寻找证/卡失败: no card
	codeNoSelect = 0x81 // 选取证/卡失败
	codeReadFail = 0x41 // 读证/卡操作失败
)

// ports are the ones tried when Config.Port is 0: USB first, as almost
// every reader sold since 2010 is.
func ports(p int) []int {
	if p != 0 {
		return []int{p}
	}
	var out []int
	for i := 1001; i <= 1016; i++ {
		out = append(out, i)
	}
	for i := 1; i <= 16; i++ {
		out = append(out, i)
	}
	return out
}

// findError maps SDT_StartFindIDCard's and SDT_SelectIDCard's codes: no
// card is the common answer; anything else means the reader itself did not
// answer as a reader does, and the port is opened afresh.
func findError(call string, code int) error {
	if code == codeNotFound || code == codeNoSelect {
		return fmt.Errorf("%s returned %#x: %w", call, code, idcard.ErrNoCard)
	}
	return fmt.Errorf("%s returned %#x: %w", call, code, idcard.ErrNoReader)
}

// readError maps SDT_ReadBaseMsg's codes once a card was found and
// selected: losing it now means it was taken away during the read.
func readError(code int) error {
	switch code {
	case codeReadFail, codeNotFound, codeNoSelect:
		return fmt.Errorf("SDT_ReadBaseMsg returned %#x: %w", code, idcard.ErrRemoved)
	}
	return fmt.Errorf("SDT_ReadBaseMsg returned %#x: %w", code, idcard.ErrReadFailed)
}
