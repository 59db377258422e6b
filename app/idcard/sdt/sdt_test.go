package sdt_test

import (
	"context"
	"errors"
	"image/color"
	"slices"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/app/idcard"
	"github.com/yichuang/yichuang/app/idcard/sdt"
	"github.com/yichuang/yichuang/app/idcard/sdt/sdttest"
)

func TestReadsTheCardAndItsPhoto(t *testing.T) {
	sim := sdttest.New(t)
	r := sim.Reader()
	ctx := context.Background()
	if _, err := r.Read(ctx); !errors.Is(err, idcard.ErrNoCard) {
		t.Fatalf("empty reader: got %v, want ErrNoCard", err)
	}
	want := sdttest.Card()
	sim.Put(want, color.RGBA{R: 200, G: 100, B: 40, A: 255})
	got, err := r.Read(ctx)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	photo := got.Photo
	got.Photo = nil
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if photo == nil {
		t.Fatal("no photo, though a decoder is configured")
	}
	if b := photo.Bounds(); b.Dx() != 102 || b.Dy() != 126 {
		t.Errorf("photo is %v, want 102×126", b)
	}
	if r, g, b, _ := photo.At(2, 2).RGBA(); r>>8 != 200 || g>>8 != 100 || b>>8 != 40 {
		t.Errorf("photo corner is %d,%d,%d, want the card's 200,100,40", r>>8, g>>8, b>>8)
	}
}

func TestPhotoIsOptional(t *testing.T) {
	sim := sdttest.New(t)
	ctx := context.Background()
	sim.Put(sdttest.Card(), color.RGBA{R: 1})
	r := sdt.New(sdt.Config{Library: sim.Library}) // no decoder configured
	defer r.Close()
	if c, err := r.Read(ctx); err != nil || c.Photo != nil || c.IDNumber != sdttest.Card().IDNumber {
		t.Errorf("without a decoder: got photo %v, %v; want the card without a photo", c.Photo != nil, err)
	}
	sim.PutUndecodable(sdttest.Card())
	if c, err := sim.Reader().Read(ctx); err != nil || c.Photo != nil {
		t.Errorf("undecodable photo: got photo %v, %v; want the card without a photo", c.Photo != nil, err)
	}
}

func TestReaderStates(t *testing.T) {
	sim := sdttest.New(t)
	r := sim.Reader()
	ctx := context.Background()
	for _, tc := range []struct {
		state string
		want  error
	}{
		{sdttest.NoCard, idcard.ErrNoCard},
		{sdttest.Removed, idcard.ErrRemoved},
		{sdttest.Failing, idcard.ErrReadFailed},
		{sdttest.Gone, idcard.ErrNoReader},
		{sdttest.Gone, idcard.ErrNoReader}, // still gone: OpenPort fails
		{sdttest.NoCard, idcard.ErrNoCard}, // plugged back in
	} {
		sim.Set(tc.state)
		if _, err := r.Read(ctx); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.state, err, tc.want)
		}
	}
	// The port was opened once, closed when the reader stopped answering,
	// and opened again once it came back.
	var opens []string
	for _, c := range sim.Calls() {
		if strings.HasPrefix(c, "SDT_OpenPort") || strings.HasPrefix(c, "SDT_ClosePort") {
			opens = append(opens, c)
		}
	}
	want := []string{"SDT_OpenPort 1001 0x90", "SDT_ClosePort 1001 0x90", "SDT_OpenPort 1001 0x1", "SDT_OpenPort 1001 0x90"}
	// Port 0 tries every port while the reader is gone: only the USB port's
	// attempts are compared.
	opens = slices.DeleteFunc(opens, func(c string) bool { return !strings.Contains(c, " 1001 ") })
	if !slices.Equal(opens, want) {
		t.Errorf("got port calls %q, want %q", opens, want)
	}
}

func TestNoLibrary(t *testing.T) {
	for _, cfg := range []sdt.Config{{}, {Library: "/nonexistent/libsdtapi.so"}, {Library: "libc.so.6"}} {
		_, err := sdt.New(cfg).Read(context.Background())
		if !errors.Is(err, idcard.ErrNoReader) {
			t.Errorf("%+v: got %v, want ErrNoReader", cfg, err)
		}
	}
}

func TestForeignCard(t *testing.T) {
	sim := sdttest.New(t)
	want := idcard.Card{Kind: idcard.Foreign2023, Name: "马丁", EnglishName: "MARTIN, ROBERT", Sex: "男", Nation: "CAN",
		Birth: "19820202", IDNumber: "933124198202020012", ValidFrom: "20230601", ValidTo: "20330601", IssueCount: "00"}
	sim.Put(want, color.RGBA{})
	got, err := sim.Reader().Read(context.Background())
	got.Photo = nil
	if err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
}
