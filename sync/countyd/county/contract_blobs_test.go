package county_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
)

// Attachments in the store contract: SQLite keeps them in files, PostgreSQL
// in chunk rows; the rules a kiosk sees are the same.

// openBlob reads a complete attachment through the store's OpenBlob.
func openBlob(t *testing.T, st county.Store, sha string) ([]byte, error) {
	t.Helper()
	o, ok := st.(interface {
		OpenBlob(ctx context.Context, sha string) (*os.File, county.BlobState, error)
	})
	if !ok {
		t.Fatal("the store cannot open attachments")
	}
	f, _, err := o.OpenBlob(context.Background(), sha)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func contractFile(n int) ([]byte, string) {
	b := make([]byte, n)
	rand.Read(b)
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

func enrollAt(t *testing.T, st county.Store, p county.ServicePoint, host string) county.Device {
	t.Helper()
	d, err := st.Enroll(context.Background(), mustCode(t, st, p), host, "0.9.0")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var farPoint = county.ServicePoint{Code: "330522102000", Name: "溪口镇", Level: county.LevelTownship}

func contractBlobUpload(t *testing.T, open opener) {
	ctx := context.Background()
	st := open(t, newStepClock().now)
	dev := enrollAt(t, st, countytest.TestPoint, "hall-1")
	mate := enrollAt(t, st, countytest.TestPoint, "hall-2")
	far := enrollAt(t, st, farPoint, "far-1")
	file, sha := contractFile(2<<20 + 12345) // more than one chunk row
	total := int64(len(file))
	if _, err := st.DeviceBlob(ctx, dev, sha); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("before: got %v, want ErrNotFound", err)
	}
	cut := int64(1<<20 + 7)
	got, err := st.PutBlob(ctx, dev, sha, 0, total, file[:cut])
	if err != nil || got.Stored != cut || got.Complete {
		t.Fatalf("first chunk: got %+v, %v, want %d stored", got, err, cut)
	}
	var off *county.OffsetError
	if _, err := st.PutBlob(ctx, dev, sha, 0, total, file[:cut]); !errors.As(err, &off) || off.Stored != cut {
		t.Errorf("the first chunk again: got %v, want OffsetError at %d", err, cut)
	}
	if _, err := st.PutBlob(ctx, dev, sha, cut, total, append(bytes.Clone(file[cut:]), 0)); err == nil {
		t.Error("a chunk past the total was taken")
	}
	if got, err := st.DeviceBlob(ctx, dev, sha); err != nil || got.Stored != cut {
		t.Errorf("progress: got %+v, %v, want %d stored", got, err, cut)
	}
	if _, err := st.DeviceBlob(ctx, mate, sha); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("another device's unfinished upload: got %v, want ErrNotFound", err)
	}
	if _, err := openBlob(t, st, sha); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("open unfinished: got %v, want ErrNotFound", err)
	}
	got, err = st.PutBlob(ctx, dev, sha, cut, total, file[cut:])
	if err != nil || !got.Complete || got.Stored != total {
		t.Fatalf("last chunk: got %+v, %v", got, err)
	}
	if b, err := st.Blob(ctx, sha); err != nil || !b.Complete || b.Total != total {
		t.Errorf("blob: got %+v, %v", b, err)
	}
	if b, err := openBlob(t, st, sha); err != nil || !bytes.Equal(b, file) {
		t.Errorf("open: got %d bytes, %v, want the %d uploaded", len(b), err, len(file))
	}
	if b, err := st.DeviceBlob(ctx, mate, sha); err != nil || !b.Complete {
		t.Errorf("a device of the same point: got %+v, %v, want complete", b, err)
	}
	if _, err := st.DeviceBlob(ctx, far, sha); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("a device of another point: got %v, want ErrNotFound", err)
	}
	// Another point sends the same file: it has to send it whole, and
	// then has it; the county keeps one copy.
	if _, err := st.PutBlob(ctx, far, sha, 0, total, file); err != nil {
		t.Fatal(err)
	}
	if b, err := st.DeviceBlob(ctx, far, sha); err != nil || !b.Complete {
		t.Errorf("after its own upload: got %+v, %v", b, err)
	}
	if b, err := openBlob(t, st, sha); err != nil || !bytes.Equal(b, file) {
		t.Errorf("open after a second upload: got %d bytes, %v", len(b), err)
	}
	if n := mustStats(t, st).Blobs; n != 1 {
		t.Errorf("blobs: got %d, want 1", n)
	}
}

func contractBlobRefused(t *testing.T, open opener) {
	ctx := context.Background()
	st := open(t, newStepClock().now)
	dev := enrollAt(t, st, countytest.TestPoint, "hall-1")
	file, sha := contractFile(1000)
	if _, err := st.PutBlob(ctx, dev, "ABC", 0, 10, []byte("x")); err == nil {
		t.Error("an attachment name that is not a hash was taken")
	}
	if _, err := st.PutBlob(ctx, dev, sha, 0, county.MaxBlob+1, file); !errors.Is(err, county.ErrTooLarge) {
		t.Errorf("too large: got %v, want ErrTooLarge", err)
	}
	bad := bytes.Clone(file)
	bad[0] ^= 1
	if _, err := st.PutBlob(ctx, dev, sha, 0, int64(len(bad)), bad); !errors.Is(err, county.ErrHashMismatch) {
		t.Errorf("wrong bytes: got %v, want ErrHashMismatch", err)
	}
	if _, err := st.DeviceBlob(ctx, dev, sha); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("after a mismatch: got %v, want ErrNotFound (dropped)", err)
	}
	// A restart with another total starts over.
	if _, err := st.PutBlob(ctx, dev, sha, 0, 2000, file[:500]); err != nil {
		t.Fatal(err)
	}
	if got, err := st.PutBlob(ctx, dev, sha, 0, int64(len(file)), file[:500]); err != nil || got.Stored != 500 || got.Total != 1000 {
		t.Errorf("restart with another total: got %+v, %v", got, err)
	}
	if got, err := st.PutBlob(ctx, dev, sha, 500, int64(len(file)), file[500:]); err != nil || !got.Complete {
		t.Errorf("finish: got %+v, %v", got, err)
	}
	if b, err := openBlob(t, st, sha); err != nil || !bytes.Equal(b, file) {
		t.Errorf("open: got %d bytes, %v", len(b), err)
	}
}

// The same chunk sent several times at once (a retry overtaking its
// original, on any instance): one is stored, the others get the
// OffsetError with the new length.
func contractBlobRace(t *testing.T, open opener) {
	ctx := context.Background()
	st := open(t, newStepClock().now)
	dev := enrollAt(t, st, countytest.TestPoint, "hall-1")
	file, sha := contractFile(3000)
	for round, at := range []int64{0, 1000} {
		errs := race(8, func(int) error {
			_, err := st.PutBlob(ctx, dev, sha, at, int64(len(file)), file[at:at+1000])
			return err
		})
		n := 0
		for _, err := range errs {
			var off *county.OffsetError
			switch {
			case err == nil:
				n++
			case !errors.As(err, &off) || off.Stored != at+1000:
				t.Errorf("round %d: got %v, want nil or OffsetError at %d", round, err, at+1000)
			}
		}
		if n != 1 {
			t.Errorf("round %d: got %d stored, want 1", round, n)
		}
	}
	if got, err := st.PutBlob(ctx, dev, sha, 2000, int64(len(file)), file[2000:]); err != nil || !got.Complete {
		t.Fatalf("finish: got %+v, %v", got, err)
	}
	if b, err := openBlob(t, st, sha); err != nil || !bytes.Equal(b, file) {
		t.Errorf("open: got %d bytes, %v", len(b), err)
	}
}

// Devices of two points finishing the same file at once: both have it,
// the county one copy.
func contractBlobFinishRace(t *testing.T, open opener) {
	ctx := context.Background()
	st := open(t, newStepClock().now)
	devs := []county.Device{enrollAt(t, st, countytest.TestPoint, "hall-1"), enrollAt(t, st, farPoint, "far-1")}
	file, sha := contractFile(5000)
	errs := race(len(devs), func(i int) error {
		_, err := st.PutBlob(ctx, devs[i], sha, 0, int64(len(file)), file)
		return err
	})
	if n := wins(t, errs, nil); n != len(devs) {
		t.Errorf("got %d finished, want %d", n, len(devs))
	}
	for _, d := range devs {
		if b, err := st.DeviceBlob(ctx, d, sha); err != nil || !b.Complete {
			t.Errorf("%s: got %+v, %v, want complete", d.Hostname, b, err)
		}
	}
	if b, err := openBlob(t, st, sha); err != nil || !bytes.Equal(b, file) {
		t.Errorf("open: got %d bytes, %v", len(b), err)
	}
}

// contractBlobs runs the attachments' part of the contract.
func contractBlobs(t *testing.T, open opener) {
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, open opener)
	}{
		{"Upload", contractBlobUpload},
		{"Refused", contractBlobRefused},
		{"Race", contractBlobRace},
		{"FinishRace", contractBlobFinishRace},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open) })
	}
}
