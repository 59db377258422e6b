package countylink

import (
	"context"

	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/sync/client"
)

// SetClock moves the link to another clock (a kiosk whose clock is off).
func (l *Link) SetClock(c clock.Clock) {
	l.mu.Lock()
	l.clock = c
	l.mu.Unlock()
}

// SetClientOptions tunes the HTTP client of the next rounds.
func (l *Link) SetClientOptions(o client.Options) {
	l.mu.Lock()
	l.opts = o
	l.mu.Unlock()
}

// Syncer is the round runner the link would use now.
func (l *Link) Syncer(ctx context.Context) (*client.Syncer, error) { return l.syncer(ctx) }
