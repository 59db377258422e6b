package protocol

import (
	"strings"
	"testing"
	"time"
)

func TestFollowUpPayloadCheck(t *testing.T) {
	good := FollowUpPayload{Rating: "ev-1", ByID: 2, ByName: "王主管", Reached: true, Text: "已致电，群众认可解释",
		At: time.Date(2026, 10, 9, 10, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name string
		f    func(*FollowUpPayload)
		ok   bool
	}{
		{"complete", func(*FollowUpPayload) {}, true},
		{"an unanswered call", func(f *FollowUpPayload) { f.Reached = false }, true},
		{"no rating", func(f *FollowUpPayload) { f.Rating = "" }, false},
		{"a rating id with a space", func(f *FollowUpPayload) { f.Rating = "ev 1" }, false},
		{"nobody recorded it", func(f *FollowUpPayload) { f.ByName = " " }, false},
		{"a negative clerk", func(f *FollowUpPayload) { f.ByID = -1 }, false},
		{"nothing said", func(f *FollowUpPayload) { f.Text = "  " }, false},
		{"text at the limit", func(f *FollowUpPayload) { f.Text = strings.Repeat("改", MaxFollowUpText) }, true},
		{"text over the limit", func(f *FollowUpPayload) { f.Text = strings.Repeat("改", MaxFollowUpText+1) }, false},
		{"no time", func(f *FollowUpPayload) { f.At = time.Time{} }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := good
			tc.f(&f)
			err := f.Check()
			if got := err == nil; got != tc.ok {
				t.Errorf("got ok %v (%v), want %v", got, err, tc.ok)
			}
		})
	}
}
