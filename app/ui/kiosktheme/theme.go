// Package kiosktheme provides the kiosk's Fyne theme: the embedded CJK+Latin
// font for every text style (the kiosk must not depend on fonts installed on
// the machine), larger text and touch targets for a hall, and a fixed light
// palette in the blue of government service signage.
package kiosktheme

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/yichuang/yichuang/assets"
)

// Font is the embedded font as a Fyne resource.
var Font = fyne.NewStaticResource(assets.FontName, assets.Font())

// Theme is the kiosk theme.
type Theme struct {
	// Scale multiplies text and padding sizes (elderly mode uses > 1).
	Scale float32
	// HighContrast draws black text on white (长辈模式).
	HighContrast bool
}

var _ fyne.Theme = (*Theme)(nil)

// New returns the kiosk theme at normal scale.
func New() *Theme { return &Theme{Scale: 1} }

// Primary is the accent colour (service-hall blue).
var Primary = color.NRGBA{R: 0x1a, G: 0x5f, B: 0xb4, A: 0xff}

// Color keeps the light variant whatever the desktop prefers: a hall's
// screens should look the same at every window and on every photo of it.
func (t *Theme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	if t.HighContrast {
		switch n {
		case theme.ColorNameForeground, theme.ColorNamePlaceHolder:
			return color.Black
		case theme.ColorNameBackground, theme.ColorNameInputBackground:
			return color.White
		}
	}
	switch n {
	case theme.ColorNamePrimary, theme.ColorNameFocus:
		if n == theme.ColorNameFocus {
			return color.NRGBA{R: 0x1a, G: 0x5f, B: 0xb4, A: 0x55}
		}
		return Primary
	case theme.ColorNameBackground:
		return color.NRGBA{R: 0xf4, G: 0xf6, B: 0xf9, A: 0xff}
	case theme.ColorNameHeaderBackground:
		return color.NRGBA{R: 0xe6, G: 0xee, B: 0xf8, A: 0xff}
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

// Font returns the embedded font for every style, monospace included: the
// default monospace font has no CJK glyphs.
//
// Fyne parses the font once per text style it is asked for, and go-text
// parses every glyph of this 4.6 MB CJK font up front: about 12 MB of heap
// per style. Screens therefore use the regular style only and show emphasis
// with size and colour (app/archtest keeps it so); bold would cost a second
// copy of the font for a little thickness.
func (t *Theme) Font(fyne.TextStyle) fyne.Resource { return Font }

// Icon returns the default icons.
func (t *Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size enlarges text and padding: clerks read at arm's length and citizens
// touch the screen with a finger, not a mouse pointer.
func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
	s := t.Scale
	if s <= 0 {
		s = 1
	}
	base := theme.DefaultTheme().Size(n)
	switch n {
	case theme.SizeNameText:
		return 16 * s
	case theme.SizeNameHeadingText:
		return 26 * s
	case theme.SizeNameSubHeadingText:
		return 19 * s
	case theme.SizeNameCaptionText:
		return 13 * s
	case theme.SizeNameInnerPadding, theme.SizeNamePadding:
		return base * s * 1.25
	}
	return base * s
}
