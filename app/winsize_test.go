package main

import (
	"testing"

	"fyne.io/fyne/v2"
)

func TestFitWindow(t *testing.T) {
	want := fyne.NewSize(1280, 800)
	for _, c := range []struct {
		screen, out fyne.Size
	}{
		{fyne.NewSize(1366, 768), fyne.NewSize(1280, 768)},
		{fyne.NewSize(1280, 800), fyne.NewSize(1280, 800)},
		{fyne.NewSize(1920, 1080), fyne.NewSize(1280, 800)},
		{fyne.NewSize(1024, 600), fyne.NewSize(1024, 600)},
		{fyne.Size{}, fyne.NewSize(1280, 800)}, // unknown screen
	} {
		if got := fitWindow(want, c.screen); got != c.out {
			t.Errorf("fitWindow(%v, %v) = %v, want %v", want, c.screen, got, c.out)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want fyne.Size
		ok   bool
	}{
		{"1366x768", fyne.NewSize(1366, 768), true},
		{" 1280X720 ", fyne.NewSize(1280, 720), true},
		{"1366", fyne.Size{}, false},
		{"axb", fyne.Size{}, false},
		{"100x100", fyne.Size{}, false},
	} {
		got, err := parseSize(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseSize(%q) = %v, %v; want %v, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}
