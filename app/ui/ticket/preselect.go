package ticket

import (
	"slices"

	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/ui/cardread"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// Option changes how a ticket or booking screen starts.
type Option func(*options)

type options struct {
	sector string
	cards  *cardread.Feed
}

// WithCards lets the ticket and booking screens take the resident ID from
// the ID-card reader (刷身份证) instead of the keypad; a nil feed changes
// nothing.
func WithCards(f *cardread.Feed) Option { return func(o *options) { o.cards = f } }

// WithSector starts the screen with a hall sector chosen: the one a guide
// page's matter is handled in, so a citizen coming from 办事指南 does not
// have to know which of the hall's sectors that is. The ticket machine
// marks that sector's button (the citizen still taps it: a ticket is
// paper and a place in a line); the booking screen selects it and lists
// its slots. A sector the hall does not have is ignored.
func WithSector(sector string) Option { return func(o *options) { o.sector = sector } }

func collect(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}

// highlight marks the suggested sector's button and lowers the others, so
// the one to tap stands out among up to a dozen.
func (s *Screen) highlight() {
	if s.suggest == "" {
		return
	}
	i := slices.Index(s.names, s.suggest)
	if i < 0 {
		return // the hall has no such sector (any more): all stay equal
	}
	for j, btn := range s.Sectors {
		btn.Importance = widget.MediumImportance
		if j == i {
			btn.Importance = widget.HighImportance
			btn.SetIcon(theme.NavigateNextIcon())
		}
		btn.Refresh()
	}
	s.Suggested = s.suggest
}

// preselect chooses a sector on the booking screen, which then lists its
// free slots as a citizen's tap would.
func (b *Booker) preselect(sector string) {
	if sector == "" || !slices.Contains(b.sectors, sector) {
		return
	}
	b.Sector.SetSelected(l10n.L(sector))
}
