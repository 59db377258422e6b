//go:build !cgo || windows

package sdt

import (
	"context"
	"fmt"
	"runtime"

	"github.com/yichuang/yichuang/app/idcard"
)

// Reader is the stand-in where this build cannot load the vendor's library
// (Windows, whose readers ship sdtapi.dll with __stdcall entry points, is
// not wired yet; a build without cgo cannot dlopen): it always reports no
// reader, saying why, so the counter types IDs as before.
type Reader struct{ cfg Config }

var _ idcard.Reader = (*Reader)(nil)

// New returns the stand-in.
func New(cfg Config) *Reader { return &Reader{cfg: cfg} }

// Supported says whether this build can load a reader library.
const Supported = false

// Read reports that there is no reader.
func (r *Reader) Read(ctx context.Context) (idcard.Card, error) {
	return idcard.Card{}, fmt.Errorf("ID-card readers are not supported on %s in this build: %w", runtime.GOOS, idcard.ErrNoReader)
}

// Close does nothing.
func (r *Reader) Close() error { return nil }
