// Package cardread brings the ID-card reader to screens: a Feed runs one
// idcard.Poller for a screen's lifetime and hands each change to whichever
// part of the screen is showing, on the UI goroutine; a Line shows the
// reader's state and the photo of the card read.
//
// Screens get the reader as an idcard.Reader injected from app/main.go and
// never load the vendor library themselves (package idcard/sdt).
package cardread

import (
	"context"
	"time"

	"fyne.io/fyne/v2"

	"github.com/yichuang/yichuang/app/idcard"
	"github.com/yichuang/yichuang/app/msg"
)

// Feed delivers a reader's events to one handler at a time. A nil *Feed
// (no reader configured) delivers nothing, so screens need no checks.
type Feed struct {
	to    func(idcard.Event)
	owner any
	last  idcard.Event
	seen  bool
}

// Start polls r until ctx ends; nil r gives a nil Feed. every is the
// pause between reads (0: the poller's default).
func Start(ctx context.Context, r idcard.Reader, every time.Duration) *Feed {
	if r == nil {
		return nil
	}
	f := &Feed{}
	go idcard.Poller{Reader: r, Every: every}.Run(ctx, func(e idcard.Event) {
		fyne.Do(func() {
			if ctx.Err() != nil {
				return
			}
			f.last, f.seen = e, true
			if f.to != nil {
				f.to(e)
			}
		})
	})
	return f
}

// Route sends the events to owner's h from now on (nil: to nobody), on
// the UI goroutine. h gets the reader's state at once, but never a card
// read for an earlier handler: a card read for the applicant must not fill
// the collector's fields because the clerk switched screens.
func (f *Feed) Route(owner any, h func(idcard.Event)) {
	if f == nil {
		return
	}
	f.to, f.owner = h, owner
	if h != nil && f.seen {
		if f.last.Err != nil {
			h(f.last)
		} else {
			h(idcard.Event{Err: ErrReadElsewhere})
		}
	}
}

// Release stops the events to owner, if they still go there: a page the
// citizen leaves lets go without cutting off the page that came next.
func (f *Feed) Release(owner any) {
	if f != nil && f.owner == owner {
		f.to, f.owner = nil, nil
	}
}

// ErrReadElsewhere is a card that lies on the reader but was read for
// another part of the screen: it is read again when put down again.
var ErrReadElsewhere = msg.New("证件已读取过；如需在此读取，请拿起后重新放置")
