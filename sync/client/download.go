package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// DownloadRelease appends to w the bytes of a published release from
// offset from, as many as the county sends in one answer, and returns
// the release's total size. A download resumes from whatever the kiosk
// already holds: the caller passes that length as from, and a broken
// answer costs only what it did not deliver.
func (c *Client) DownloadRelease(ctx context.Context, sha string, from int64, w io.Writer) (total int64, err error) {
	h := http.Header{"Range": {fmt.Sprintf("bytes=%d-", from)}}
	resp, err := c.do(ctx, http.MethodGet, "/api/v1/releases/"+sha, nil, h, true, w)
	if resp == nil {
		return 0, err
	}
	if resp.StatusCode == http.StatusPartialContent {
		// Content-Range: bytes first-last/total
		cr := resp.Header.Get("Content-Range")
		if i := strings.LastIndexByte(cr, '/'); i >= 0 {
			total, _ = strconv.ParseInt(cr[i+1:], 10, 64)
		}
		if !strings.HasPrefix(cr, fmt.Sprintf("bytes %d-", from)) && err == nil {
			return total, fmt.Errorf("county sent %q for bytes %d-", cr, from)
		}
	}
	return total, err
}
