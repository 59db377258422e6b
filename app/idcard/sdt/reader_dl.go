//go:build cgo && !windows

package sdt

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

typedef int (*port_fn)(int);
typedef int (*find_fn)(int, unsigned char *, int);
typedef int (*read_fn)(int, unsigned char *, unsigned int *, unsigned char *, unsigned int *, int);
typedef int (*unpack_fn)(char *, char *, int);

// Trampolines: Go cannot call a C function pointer itself.
static int call_port(void *f, int port) { return ((port_fn)f)(port); }
static int call_find(void *f, int port, unsigned char *info, int if_open) { return ((find_fn)f)(port, info, if_open); }
static int call_read(void *f, int port, unsigned char *ch, unsigned int *ch_len, unsigned char *ph, unsigned int *ph_len, int if_open) {
	return ((read_fn)f)(port, ch, ch_len, ph, ph_len, if_open);
}
static int call_unpack(void *f, char *wlt, char *bmp, int with_header) { return ((unpack_fn)f)(wlt, bmp, with_header); }
*/
import "C"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"sync"
	"unsafe"

	"golang.org/x/image/bmp"

	"github.com/yichuang/yichuang/app/idcard"
)

// bufSize is each buffer handed to the vendor library: the base message is
// 256 bytes and the photo 1024, but a library that writes past what the
// API promises must not write into Go's heap, so the buffers are C memory
// with room to spare.
const bufSize = 4096

// bmpSize is the decoded photo as a BMP with its header: 102×126 pixels of
// 24 bits, rows padded to 308 bytes, plus 54 bytes of header.
const bmpSize = 38862

// Reader reads cards through the vendor's SDT library. Its methods are safe
// for concurrent use; calls into the library are one at a time.
type Reader struct {
	cfg Config

	mu      sync.Mutex
	lib     unsafe.Pointer
	fns     map[string]unsafe.Pointer
	decoder unsafe.Pointer
	unpack  unsafe.Pointer
	port    int // the open port, 0 when none
}

var _ idcard.Reader = (*Reader)(nil)

// New returns a reader for cfg; nothing is loaded until the first Read.
func New(cfg Config) *Reader { return &Reader{cfg: cfg} }

// Supported says whether this build can load a reader library.
const Supported = true

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

// Close closes the port; the libraries stay loaded (dlclose of a vendor
// library with threads of its own is not safe).
func (r *Reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closePort()
	return nil
}

var symbols = []string{"SDT_OpenPort", "SDT_ClosePort", "SDT_StartFindIDCard", "SDT_SelectIDCard", "SDT_ReadBaseMsg"}

// load opens the library and looks its functions up, once.
func (r *Reader) load() error {
	if r.lib != nil {
		return nil
	}
	if r.cfg.Library == "" {
		return fmt.Errorf("no reader library configured: %w", idcard.ErrNoReader)
	}
	lib, err := dlopen(r.cfg.Library)
	if err != nil {
		return fmt.Errorf("load reader library: %v: %w", err, idcard.ErrNoReader)
	}
	fns := map[string]unsafe.Pointer{}
	for _, name := range symbols {
		f, err := dlsym(lib, name)
		if err != nil {
			return fmt.Errorf("reader library %s: %v: %w", r.cfg.Library, err, idcard.ErrNoReader)
		}
		fns[name] = f
	}
	r.lib, r.fns = lib, fns
	return nil
}

// loadDecoder opens the WLT decoder, if configured; a decoder that cannot
// be loaded costs the photo, never the card.
func (r *Reader) loadDecoder() error {
	if r.unpack != nil || r.cfg.Decoder == "" {
		return nil
	}
	lib, err := dlopen(r.cfg.Decoder)
	if err != nil {
		return fmt.Errorf("load photo decoder: %w", err)
	}
	f, err := dlsym(lib, "unpack")
	if err != nil {
		return fmt.Errorf("photo decoder %s: %w", r.cfg.Decoder, err)
	}
	r.decoder, r.unpack = lib, f
	return nil
}

func (r *Reader) open() error {
	if r.port != 0 {
		return nil
	}
	if err := r.load(); err != nil {
		return err
	}
	last := 0
	for _, p := range ports(r.cfg.Port) {
		if last = int(C.call_port(r.fns["SDT_OpenPort"], C.int(p))); last == codeOK {
			r.port = p
			return nil
		}
	}
	return fmt.Errorf("SDT_OpenPort returned %#x: %w", last, idcard.ErrNoReader)
}

func (r *Reader) closePort() {
	if r.port != 0 {
		C.call_port(r.fns["SDT_ClosePort"], C.int(r.port))
		r.port = 0
	}
}

func (r *Reader) read() (idcard.Card, error) {
	info := (*C.uchar)(C.calloc(1, bufSize))
	defer C.free(unsafe.Pointer(info))
	port := C.int(r.port)
	if code := int(C.call_find(r.fns["SDT_StartFindIDCard"], port, info, 0)); code != codeFound {
		return idcard.Card{}, findError("SDT_StartFindIDCard", code)
	}
	if code := int(C.call_find(r.fns["SDT_SelectIDCard"], port, info, 0)); code != codeOK {
		return idcard.Card{}, findError("SDT_SelectIDCard", code)
	}
	ch := (*C.uchar)(C.calloc(1, bufSize))
	defer C.free(unsafe.Pointer(ch))
	ph := (*C.uchar)(C.calloc(1, bufSize))
	defer C.free(unsafe.Pointer(ph))
	var chLen, phLen C.uint
	if code := int(C.call_read(r.fns["SDT_ReadBaseMsg"], port, ch, &chLen, ph, &phLen, 0)); code != codeOK {
		return idcard.Card{}, readError(code)
	}
	if chLen > bufSize || phLen > bufSize {
		return idcard.Card{}, fmt.Errorf("SDT_ReadBaseMsg reported %d and %d bytes: %w", chLen, phLen, idcard.ErrReadFailed)
	}
	c, err := idcard.ParseBase(C.GoBytes(unsafe.Pointer(ch), C.int(chLen)))
	if err != nil {
		return idcard.Card{}, err
	}
	if phLen >= idcard.PhotoSize {
		// A photo that cannot be decoded leaves the card without one: the
		// card's text is what the counter needs.
		c.Photo, _ = r.decode(C.GoBytes(unsafe.Pointer(ph), idcard.PhotoSize))
	}
	return c, nil
}

// decode turns the WLT photo into an image with the vendor's decoder; nil
// without one.
func (r *Reader) decode(wlt []byte) (image.Image, error) {
	if err := r.loadDecoder(); err != nil || r.unpack == nil {
		return nil, err
	}
	src := C.CBytes(wlt)
	defer C.free(src)
	dst := C.calloc(1, bmpSize+bufSize)
	defer C.free(dst)
	if code := int(C.call_unpack(r.unpack, (*C.char)(src), (*C.char)(dst), 1)); code != 1 {
		return nil, fmt.Errorf("unpack returned %d", code)
	}
	img, err := bmp.Decode(bytes.NewReader(C.GoBytes(dst, bmpSize)))
	if err != nil {
		return nil, fmt.Errorf("decoded photo: %w", err)
	}
	return img, nil
}

func dlopen(path string) (unsafe.Pointer, error) {
	p := C.CString(path)
	defer C.free(unsafe.Pointer(p))
	h := C.dlopen(p, C.RTLD_NOW|C.RTLD_LOCAL)
	if h == nil {
		return nil, errors.New(C.GoString(C.dlerror()))
	}
	return h, nil
}

func dlsym(h unsafe.Pointer, name string) (unsafe.Pointer, error) {
	n := C.CString(name)
	defer C.free(unsafe.Pointer(n))
	f := C.dlsym(h, n)
	if f == nil {
		return nil, fmt.Errorf("no symbol %s", name)
	}
	return f, nil
}
