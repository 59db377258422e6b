package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/yichuang/yichuang/sync/protocol"
)

// BlobState is what the county holds of a file.
type BlobState struct {
	Stored   int64
	Complete bool
}

// HeadBlob asks how much of a file the county holds (zero when none).
func (c *Client) HeadBlob(ctx context.Context, sha string) (BlobState, error) {
	resp, err := c.do(ctx, http.MethodHead, "/api/v1/blobs/"+sha, nil, nil, true, nil)
	if err != nil {
		// A HEAD answer has no body, so a 404 comes without its code.
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return BlobState{}, nil
		}
		return BlobState{}, err
	}
	return blobState(resp), nil
}

func blobState(resp *http.Response) BlobState {
	n, _ := strconv.ParseInt(resp.Header.Get(protocol.HeaderStoredLength), 10, 64)
	return BlobState{Stored: n, Complete: resp.Header.Get(protocol.HeaderComplete) == "true"}
}

// Upload sends a file to the county in chunks, resuming from whatever the
// county already holds, and returns when the county has verified it.
// progress (may be nil) is told the bytes the county holds after each chunk.
func (c *Client) Upload(ctx context.Context, sha string, size int64, r io.ReaderAt, chunk int, progress func(stored, total int64)) error {
	if chunk <= 0 || chunk > protocol.MaxChunk {
		chunk = protocol.MaxChunk
	}
	st, err := c.HeadBlob(ctx, sha)
	if err != nil {
		return err
	}
	buf := make([]byte, chunk)
	for !st.Complete {
		if st.Stored > size {
			return fmt.Errorf("county holds %d bytes of %s, more than its %d", st.Stored, sha, size)
		}
		n, err := r.ReadAt(buf[:min(int64(chunk), size-st.Stored)], st.Stored)
		if err != nil && err != io.EOF {
			return fmt.Errorf("read %s at %d: %w", sha, st.Stored, err)
		}
		h := http.Header{protocol.HeaderTotalLength: {strconv.FormatInt(size, 10)}, "Content-Type": {"application/octet-stream"}}
		resp, err := c.do(ctx, http.MethodPut, fmt.Sprintf("/api/v1/blobs/%s?offset=%d", sha, st.Stored), buf[:n], h, true, nil)
		switch {
		case err == nil:
			st = blobState(resp)
		case Code(err) == protocol.CodeOffset && resp != nil:
			// The county holds a different length (an earlier attempt
			// landed after all): resume from there.
			st = blobState(resp)
		default:
			return fmt.Errorf("upload %s at %d: %w", sha, st.Stored, err)
		}
		if progress != nil {
			progress(st.Stored, size)
		}
	}
	return nil
}
