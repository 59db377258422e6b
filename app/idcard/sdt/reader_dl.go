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
	"errors"
	"fmt"
	"unsafe"
)

// Supported says whether this build can load a reader library.
const Supported = true

// dlLibrary is an SDT library opened with dlopen. Buffers handed to it are
// C memory, so a library writing past what the API promises never writes
// into Go's heap.
type dlLibrary map[string]unsafe.Pointer

func loadLibrary(path string) (library, error) {
	h, err := dlopen(path)
	if err != nil {
		return nil, err
	}
	fns := dlLibrary{}
	for _, name := range symbols {
		if fns[name], err = dlsym(h, name); err != nil {
			return nil, err
		}
	}
	return fns, nil
}

func (l dlLibrary) openPort(p int) int  { return int(C.call_port(l["SDT_OpenPort"], C.int(p))) }
func (l dlLibrary) closePort(p int) int { return int(C.call_port(l["SDT_ClosePort"], C.int(p))) }

func (l dlLibrary) startFind(p int) int  { return l.find("SDT_StartFindIDCard", p) }
func (l dlLibrary) selectCard(p int) int { return l.find("SDT_SelectIDCard", p) }

func (l dlLibrary) find(name string, p int) int {
	info := C.calloc(1, bufSize)
	defer C.free(info)
	return int(C.call_find(l[name], C.int(p), (*C.uchar)(info), 0))
}

func (l dlLibrary) readBase(p int) (int, []byte, []byte, error) {
	ch := C.calloc(1, bufSize)
	defer C.free(ch)
	ph := C.calloc(1, bufSize)
	defer C.free(ph)
	var chLen, phLen C.uint
	code := int(C.call_read(l["SDT_ReadBaseMsg"], C.int(p), (*C.uchar)(ch), &chLen, (*C.uchar)(ph), &phLen, 0))
	if code != codeOK {
		return code, nil, nil, nil
	}
	if err := lengths(uint32(chLen), uint32(phLen)); err != nil {
		return code, nil, nil, err
	}
	return code, C.GoBytes(ch, C.int(chLen)), C.GoBytes(ph, C.int(phLen)), nil
}

type dlDecoder struct{ unpackFn unsafe.Pointer }

func loadDecoder(path string) (decoder, error) {
	h, err := dlopen(path)
	if err != nil {
		return nil, err
	}
	f, err := dlsym(h, "unpack")
	if err != nil {
		return nil, err
	}
	return dlDecoder{f}, nil
}

func (d dlDecoder) unpack(wlt []byte) ([]byte, int) {
	src := C.CBytes(wlt)
	defer C.free(src)
	dst := C.calloc(1, bmpSize+bufSize)
	defer C.free(dst)
	code := int(C.call_unpack(d.unpackFn, (*C.char)(src), (*C.char)(dst), 1))
	return C.GoBytes(dst, bmpSize), code
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
