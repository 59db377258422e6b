package l10n

import "time"

// Weekday names a day of the week in the user's language (星期四,
// Thursday), for dates a citizen plans around: a booking slot, the
// terminal's clock.
func Weekday(d time.Weekday) string {
	return []string{L("星期日"), L("星期一"), L("星期二"), L("星期三"), L("星期四"), L("星期五"), L("星期六")}[d]
}
