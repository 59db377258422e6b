//go:build windows

package sdt

import (
	"fmt"
	"syscall"
	"unsafe"
)

// Supported says whether this build can load a reader library.
const Supported = true

// winLibrary is an SDT library (the vendor's sdtapi.dll) loaded with
// LoadLibrary. Its entry points are __stdcall on 32-bit Windows and the one
// x64 convention on 64-bit, both of which syscall's Call makes. The
// buffers are Go memory with room to spare (bufSize): Go's heap does not
// move, and they stay alive through each call.
type winLibrary map[string]*syscall.Proc

func loadLibrary(path string) (library, error) {
	dll, err := syscall.LoadDLL(path)
	if err != nil {
		return nil, err
	}
	fns := winLibrary{}
	for _, name := range symbols {
		if fns[name], err = dll.FindProc(name); err != nil {
			return nil, fmt.Errorf("no symbol %s", name)
		}
	}
	return fns, nil
}

func (l winLibrary) call(name string, args ...uintptr) int {
	r, _, _ := l[name].Call(args...)
	return int(int32(r))
}

func (l winLibrary) openPort(p int) int  { return l.call("SDT_OpenPort", uintptr(p)) }
func (l winLibrary) closePort(p int) int { return l.call("SDT_ClosePort", uintptr(p)) }

func (l winLibrary) startFind(p int) int  { return l.find("SDT_StartFindIDCard", p) }
func (l winLibrary) selectCard(p int) int { return l.find("SDT_SelectIDCard", p) }

func (l winLibrary) find(name string, p int) int {
	info := make([]byte, bufSize)
	return l.call(name, uintptr(p), uintptr(unsafe.Pointer(&info[0])), 0)
}

func (l winLibrary) readBase(p int) (int, []byte, []byte, error) {
	ch, ph := make([]byte, bufSize), make([]byte, bufSize)
	var chLen, phLen uint32
	code := l.call("SDT_ReadBaseMsg", uintptr(p), uintptr(unsafe.Pointer(&ch[0])), uintptr(unsafe.Pointer(&chLen)),
		uintptr(unsafe.Pointer(&ph[0])), uintptr(unsafe.Pointer(&phLen)), 0)
	if code != codeOK {
		return code, nil, nil, nil
	}
	if err := lengths(chLen, phLen); err != nil {
		return code, nil, nil, err
	}
	return code, ch[:chLen], ph[:phLen], nil
}

type winDecoder struct{ unpackFn *syscall.Proc }

// loadDecoder loads a WLT decoder exporting unpack, as the Linux ones do.
// (Some Windows vendors ship WltRS.dll, whose GetBmp writes a file; such a
// reader is read without its photo.)
func loadDecoder(path string) (decoder, error) {
	dll, err := syscall.LoadDLL(path)
	if err != nil {
		return nil, err
	}
	f, err := dll.FindProc("unpack")
	if err != nil {
		return nil, err
	}
	return winDecoder{f}, nil
}

func (d winDecoder) unpack(wlt []byte) ([]byte, int) {
	src := append(make([]byte, 0, bufSize), wlt...)[:bufSize]
	dst := make([]byte, bmpSize+bufSize)
	r, _, _ := d.unpackFn.Call(uintptr(unsafe.Pointer(&src[0])), uintptr(unsafe.Pointer(&dst[0])), 1)
	return dst[:bmpSize], int(int32(r))
}
