// Package sdt provides an idcard.Reader for the SDT API that certified
// second-generation ID-card readers' vendor libraries implement
// (SDT_OpenPort, SDT_StartFindIDCard, SDT_SelectIDCard, SDT_ReadBaseMsg,
// SDT_ClosePort), loaded at run time from a configured path, and the WLT
// photo decoded by the vendor's decoder library when one is configured.
//
// The library is loaded at run time rather than linked: the kiosk must
// start, and type IDs by hand, on a machine without a reader or its
// library, and each vendor ships its own file. On Linux it is opened with
// dlopen through cgo (reader_dl.go) rather than purego because the kiosk
// already needs cgo (go-sqlite3), so it adds no dependency, and the C
// trampolines keep the calling convention the C compiler's business. On
// Windows, where the SDT API began (sdtapi.dll), it is loaded with
// LoadLibrary and called through syscall (reader_windows.go), no cgo
// needed. A build with neither says plainly that it has no reader
// (reader_other.go). What is asked of the library, and what its answers
// mean, is here, once for every platform.
package sdt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"sync"

	"golang.org/x/image/bmp"

	"github.com/yichuang/yichuang/app/idcard"
)

// bufSize is each buffer handed to the vendor library: the base message is
// 256 bytes and the photo 1024, but a library that writes past what the
// API promises must find room there, not the next thing in memory.
const bufSize = 4096

// bmpSize is the decoded photo as a BMP with its header: 102×126 pixels of
// 24 bits, rows padded to 308 bytes, plus 54 bytes of header.
const bmpSize = 38862

// library is the vendor's SDT entry points as this platform calls them;
// each returns the SDT code.
type library interface {
	openPort(port int) int
	closePort(port int) int
	startFind(port int) int
	selectCard(port int) int
	// readBase returns the code and the text and photo buffers, cut to
	// the lengths the library reported (an error when those lengths are
	// past the buffers).
	readBase(port int) (code int, text, photo []byte, err error)
}

// decoder is the vendor's WLT decoder: unpack(wlt, bmp, 1) writes the
// photo as a BMP with its header and returns 1.
type decoder interface {
	unpack(wlt []byte) (bmp []byte, code int)
}

// Reader reads cards through the vendor's SDT library. Its methods are safe
// for concurrent use; calls into the library are one at a time.
type Reader struct {
	cfg Config

	mu   sync.Mutex
	lib  library
	dec  decoder
	port int // the open port, 0 when none
}

var _ idcard.Reader = (*Reader)(nil)

// New returns a reader for cfg; nothing is loaded until the first Read.
func New(cfg Config) *Reader { return &Reader{cfg: cfg} }

// Read reads the card on the reader.
func (r *Reader) Read(ctx context.Context) (idcard.Card, error) {
	if err := ctx.Err(); err != nil {
		return idcard.Card{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.open(); err != nil {
		return idcard.Card{}, err
	}
	c, err := r.read()
	if errors.Is(err, idcard.ErrNoReader) {
		r.closePort() // open afresh next time: the reader may have been unplugged and plugged back
	}
	return c, err
}

// Close closes the port; the libraries stay loaded (unloading a vendor
// library with threads of its own is not safe).
func (r *Reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closePort()
	return nil
}

// symbols are the entry points every SDT library exports.
var symbols = []string{"SDT_OpenPort", "SDT_ClosePort", "SDT_StartFindIDCard", "SDT_SelectIDCard", "SDT_ReadBaseMsg"}

func (r *Reader) open() error {
	if r.port != 0 {
		return nil
	}
	if r.lib == nil {
		if r.cfg.Library == "" {
			return fmt.Errorf("no reader library configured: %w", idcard.ErrNoReader)
		}
		lib, err := loadLibrary(r.cfg.Library)
		if err != nil {
			return fmt.Errorf("load reader library %s: %v: %w", r.cfg.Library, err, idcard.ErrNoReader)
		}
		r.lib = lib
	}
	last := 0
	for _, p := range ports(r.cfg.Port) {
		if last = r.lib.openPort(p); last == codeOK {
			r.port = p
			return nil
		}
	}
	return fmt.Errorf("SDT_OpenPort returned %#x: %w", last, idcard.ErrNoReader)
}

func (r *Reader) closePort() {
	if r.port != 0 {
		r.lib.closePort(r.port)
		r.port = 0
	}
}

func (r *Reader) read() (idcard.Card, error) {
	if code := r.lib.startFind(r.port); code != codeFound {
		return idcard.Card{}, findError("SDT_StartFindIDCard", code)
	}
	if code := r.lib.selectCard(r.port); code != codeOK {
		return idcard.Card{}, findError("SDT_SelectIDCard", code)
	}
	code, text, photo, err := r.lib.readBase(r.port)
	if code != codeOK {
		return idcard.Card{}, readError(code)
	}
	if err != nil {
		return idcard.Card{}, fmt.Errorf("SDT_ReadBaseMsg: %v: %w", err, idcard.ErrReadFailed)
	}
	c, err := idcard.ParseBase(text)
	if err != nil {
		return idcard.Card{}, err
	}
	if len(photo) >= idcard.PhotoSize {
		// A photo that cannot be decoded leaves the card without one: the
		// card's text is what the counter needs.
		c.Photo, _ = r.decode(photo[:idcard.PhotoSize])
	}
	return c, nil
}

// decode turns the WLT photo into an image with the vendor's decoder, if
// one is configured; a decoder that cannot be loaded costs the photo,
// never the card.
func (r *Reader) decode(wlt []byte) (image.Image, error) {
	if r.dec == nil {
		if r.cfg.Decoder == "" {
			return nil, nil
		}
		dec, err := loadDecoder(r.cfg.Decoder)
		if err != nil {
			return nil, fmt.Errorf("load photo decoder %s: %w", r.cfg.Decoder, err)
		}
		r.dec = dec
	}
	out, code := r.dec.unpack(wlt)
	if code != 1 {
		return nil, fmt.Errorf("unpack returned %d", code)
	}
	img, err := bmp.Decode(bytes.NewReader(out))
	if err != nil {
		return nil, fmt.Errorf("decoded photo: %w", err)
	}
	return img, nil
}

// lengths checks the lengths a library reported against its buffers.
func lengths(text, photo uint32) error {
	if text > bufSize || photo > bufSize {
		return fmt.Errorf("reported %d and %d bytes", text, photo)
	}
	return nil
}

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
