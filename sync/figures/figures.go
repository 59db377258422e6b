// Package figures provides the one definition of each figure the county
// dashboard and the hall's 统计 screen show (即办率, 按时办结率, 最多跑一次率,
// waits, 满意率 …): what is counted over what, its names in Chinese and
// English, and the one rule for turning counts into a rate or an average.
//
// It holds counts, never rows: the county adds them up in SQL from its
// daily rollup, the kiosk from its own tickets and ratings, and both hand
// the sums to Value. Two places that count the same things therefore show
// the same figure, rounded the same way. Standard library only, so the
// kiosk's UI and the county's store may both import it.
package figures

import (
	"strconv"
	"time"
)

// Counts are the sums a figure is computed from, over a period and a group
// (a service point, a sector, a matter, a department, a whole county).
// Every field is a plain sum, so the counts of two groups add up to the
// counts of both (Add): a total row is the sum of its groups' counts, and
// its rates are computed from that sum, never averaged from the groups'.
type Counts struct {
	// Cases, by the day they were accepted (受理) in Beijing time. Only
	// accepted cases count: a refusal (不予受理) or a filing returned at
	// pre-review is not a case the office took on.
	Accepted   int64 // 受理: decisions 受理, 当场办结, 容缺受理
	Immediate  int64 // 即办: 办结 on the spot at intake (only a 即办件 may be)
	Deficient  int64 // 容缺受理
	Commitment int64 // with at least one material replaced by a 告知承诺
	Proxy      int64 // filed by a village agent (代办)
	AtMostOnce int64 // of a matter whose 跑动次数 is 0 or 1 (catalog)
	ZeroVisit  int64 // of a matter whose 跑动次数 is 0 (零上门)
	Refused    int64 // 不予受理
	Returned   int64 // filings returned at pre-review (预审退回), by the day returned

	// Decisions, by the day of the final decision (办结 or 不予许可, at the
	// hall or at the county) in Beijing time.
	Decided int64
	// Promised are the decided cases with a promised day; OnTime those of
	// them decided on or before it, the day moved by every working day
	// the clock was stopped (补正 owed by the citizen, a 特别程序), as the
	// county's deadline rules move it (county.CasePauses).
	Promised, OnTime int64
	// DecideDays sums the working days from acceptance to decision, less
	// the stopped days: a 当场办结 takes 0.
	DecideDays int64

	// Queue, by the ticket's day. Waits and services are counted on closed
	// tickets (the county learns a ticket's times when it closes).
	Tickets     int64 // issued
	Closed      int64 // done or 过号
	Served      int64 // done
	NoShows     int64 // 过号
	Called      int64 // closed tickets that were called at least once
	WaitSecs    int64 // issue to first call, over Called
	ServiceSecs int64 // start to finish, over Served

	// Ratings (好差评) by level, [1] 非常不满意 … [5] 非常满意, by the day given.
	Ratings [6]int64
}

// Add adds o's counts to c.
func (c *Counts) Add(o Counts) {
	c.Accepted += o.Accepted
	c.Immediate += o.Immediate
	c.Deficient += o.Deficient
	c.Commitment += o.Commitment
	c.Proxy += o.Proxy
	c.AtMostOnce += o.AtMostOnce
	c.ZeroVisit += o.ZeroVisit
	c.Refused += o.Refused
	c.Returned += o.Returned
	c.Decided += o.Decided
	c.Promised += o.Promised
	c.OnTime += o.OnTime
	c.DecideDays += o.DecideDays
	c.Tickets += o.Tickets
	c.Closed += o.Closed
	c.Served += o.Served
	c.NoShows += o.NoShows
	c.Called += o.Called
	c.WaitSecs += o.WaitSecs
	c.ServiceSecs += o.ServiceSecs
	for i := range c.Ratings {
		c.Ratings[i] += o.Ratings[i]
	}
}

// RatingTotal is how many ratings there are.
func (c Counts) RatingTotal() int64 {
	var n int64
	for _, r := range c.Ratings[1:] {
		n += r
	}
	return n
}

// Wait is a ticket's wait as the figures count it: from issue to its first
// call; ok is false for a ticket never called.
func Wait(issued, called time.Time) (time.Duration, bool) {
	if called.IsZero() || issued.IsZero() || called.Before(issued) {
		return 0, false
	}
	return called.Sub(issued), true
}

// Service is a served ticket's service time: from the clerk starting to
// the end; ok is false when either is missing.
func Service(started, finished time.Time) (time.Duration, bool) {
	if started.IsZero() || finished.IsZero() || finished.Before(started) {
		return 0, false
	}
	return finished.Sub(started), true
}

// Kind is how a figure is shown.
type Kind int

// Kinds of figure.
const (
	Count   Kind = iota // a whole number
	Rate                // a share, in percent with two decimals (99.13%)
	Average             // a mean with one decimal (2.4)
)

// ID names a figure; it is stable (URLs, exports, tests).
type ID string

// Figure is one figure's definition.
type Figure struct {
	ID     ID
	Zh, En string
	// Unit is shown after an average ("工作日", "分钟").
	UnitZh, UnitEn string
	Kind           Kind
	// Over and OverEn say in words what is counted over what.
	Over, OverEn string
	// num and den give the figure's numerator and denominator from the
	// counts (den is unused for a Count).
	num, den func(Counts) int64
}

// The figures, in the order the dashboard shows them.
var All = []Figure{
	{ID: "accepted", Zh: "受理件数", En: "Cases accepted", Kind: Count,
		OverEn: "Cases accepted, completed on the spot or accepted with deficiencies, by the day accepted",
		Over:   "受理、当场办结和容缺受理的件数（按受理日）", num: func(c Counts) int64 { return c.Accepted }},
	{ID: "immediate_rate", Zh: "即办率", En: "Done on the spot", Kind: Rate,
		OverEn: "Cases completed on the spot ÷ cases accepted",
		Over:   "当场办结的即办件 ÷ 受理件数", num: func(c Counts) int64 { return c.Immediate }, den: func(c Counts) int64 { return c.Accepted }},
	{ID: "at_most_once_rate", Zh: "最多跑一次率", En: "At most one visit", Kind: Rate,
		OverEn: "Cases of matters needing at most one visit ÷ cases accepted",
		Over:   "跑动次数为0或1的事项的受理件 ÷ 受理件数", num: func(c Counts) int64 { return c.AtMostOnce }, den: func(c Counts) int64 { return c.Accepted }},
	{ID: "zero_visit_rate", Zh: "零上门率", En: "No visit", Kind: Rate,
		OverEn: "Cases of matters needing no visit ÷ cases accepted",
		Over:   "跑动次数为0的事项的受理件 ÷ 受理件数", num: func(c Counts) int64 { return c.ZeroVisit }, den: func(c Counts) int64 { return c.Accepted }},
	{ID: "decided", Zh: "办结件数", En: "Cases decided", Kind: Count,
		OverEn: "Cases completed or denied, by the day decided",
		Over:   "办结或不予许可的件数（按办结日）", num: func(c Counts) int64 { return c.Decided }},
	{ID: "on_time_rate", Zh: "按时办结率", En: "Decided on time", Kind: Rate,
		OverEn: "Cases decided on or before the promised day (moved by the working days stopped for 补正 and special procedures) ÷ decided cases with a promised day",
		Over:   "在承诺日（扣除补正、特别程序暂停的工作日）当日或之前办结的件数 ÷ 有承诺时限的办结件数",
		num:    func(c Counts) int64 { return c.OnTime }, den: func(c Counts) int64 { return c.Promised }},
	{ID: "overdue", Zh: "超期办结", En: "Decided late", Kind: Count,
		OverEn: "Decided cases with a promised day decided after the moved day",
		Over:   "有承诺时限、晚于顺延后承诺日办结的件数", num: func(c Counts) int64 { return c.Promised - c.OnTime }},
	{ID: "avg_days", Zh: "平均办理用时", En: "Average time to decision", UnitZh: "工作日", UnitEn: "working days", Kind: Average,
		OverEn: "Working days from acceptance to decision, less stopped days ÷ cases decided",
		Over:   "受理到办结的工作日（扣除暂停）之和 ÷ 办结件数", num: func(c Counts) int64 { return c.DecideDays }, den: func(c Counts) int64 { return c.Decided }},
	{ID: "deficient_rate", Zh: "容缺受理率", En: "Accepted with deficiencies", Kind: Rate,
		OverEn: "Cases accepted with deficiencies ÷ cases accepted",
		Over:   "容缺受理件数 ÷ 受理件数", num: func(c Counts) int64 { return c.Deficient }, den: func(c Counts) int64 { return c.Accepted }},
	{ID: "commitment_rate", Zh: "告知承诺率", En: "Written commitment used", Kind: Rate,
		OverEn: "Accepted cases with a material replaced by a written commitment ÷ cases accepted",
		Over:   "有材料以告知承诺代替的受理件 ÷ 受理件数", num: func(c Counts) int64 { return c.Commitment }, den: func(c Counts) int64 { return c.Accepted }},
	{ID: "returned", Zh: "预审退回", En: "Returned at pre-review", Kind: Count,
		OverEn: "Self-service filings returned at pre-review and not filed again, by the day filed",
		Over:   "自助申报预审退回、尚未重新提交的件数（按申报日）", num: func(c Counts) int64 { return c.Returned }},
	{ID: "proxy", Zh: "代办件数", En: "Filed by agents", Kind: Count,
		OverEn: "Accepted cases filed by a village agent",
		Over:   "村代办员代为申报的受理件数", num: func(c Counts) int64 { return c.Proxy }},
	{ID: "tickets", Zh: "取号", En: "Tickets", Kind: Count,
		OverEn: "Tickets issued, by their day",
		Over:   "取号张数（按取号日）", num: func(c Counts) int64 { return c.Tickets }},
	{ID: "avg_wait", Zh: "平均等候", En: "Average wait", UnitZh: "分钟", UnitEn: "min", Kind: Average,
		OverEn: "Minutes from ticket to first call ÷ closed tickets that were called",
		Over:   "取号到首次叫号的分钟数之和 ÷ 已叫号的已结束号数", num: func(c Counts) int64 { return c.WaitSecs }, den: func(c Counts) int64 { return c.Called * 60 }},
	{ID: "avg_service", Zh: "平均办理", En: "Average service", UnitZh: "分钟", UnitEn: "min", Kind: Average,
		OverEn: "Minutes from start to end of service ÷ tickets served",
		Over:   "开始办理到办结的分钟数之和 ÷ 已办号数", num: func(c Counts) int64 { return c.ServiceSecs }, den: func(c Counts) int64 { return c.Served * 60 }},
	{ID: "no_shows", Zh: "过号", En: "No-shows", Kind: Count,
		OverEn: "Tickets closed as no-shows",
		Over:   "叫号未到、以过号结束的号数", num: func(c Counts) int64 { return c.NoShows }},
	{ID: "ratings", Zh: "评价数", En: "Ratings", Kind: Count,
		OverEn: "Ratings given, by their day",
		Over:   "好差评条数（按评价日）", num: func(c Counts) int64 { return c.RatingTotal() }},
	{ID: "satisfied_rate", Zh: "满意率", En: "Satisfied", Kind: Rate,
		OverEn: "Satisfied and very satisfied ÷ ratings",
		Over:   "满意和非常满意的评价 ÷ 评价数", num: func(c Counts) int64 { return c.Ratings[4] + c.Ratings[5] }, den: func(c Counts) int64 { return c.RatingTotal() }},
}

// Label is the figure's name in a language ("en", else Chinese).
func (f Figure) Label(lang string) string {
	if lang == "en" {
		return f.En
	}
	return f.Zh
}

// Unit is the unit of an average in a language ("" for none).
func (f Figure) Unit(lang string) string {
	if lang == "en" {
		return f.UnitEn
	}
	return f.UnitZh
}

// Definition says what the figure counts over what, in a language.
func (f Figure) Definition(lang string) string {
	if lang == "en" {
		return f.OverEn
	}
	return f.Over
}

// ByID returns the figure with that id.
func ByID(id ID) (Figure, bool) {
	for _, f := range All {
		if f.ID == id {
			return f, true
		}
	}
	return Figure{}, false
}

// Value is a figure worked out from counts.
type Value struct {
	Num, Den int64
	// OK is false when there is nothing to divide by: shown as None.
	OK bool
	// Scaled is the figure in hundredths of a percent (Rate: 9913 is
	// 99.13%), in tenths (Average: 24 is 2.4), or the Count itself.
	Scaled int64
	Kind   Kind
}

// None is what a figure with nothing to count over shows: a rate of no
// cases is not 0%.
const None = "—"

// Of works out the figure from the counts.
func (f Figure) Of(c Counts) Value {
	v := Value{Num: f.num(c), Kind: f.Kind, OK: true}
	switch f.Kind {
	case Count:
		v.Scaled = v.Num
	case Rate:
		v.Den = f.den(c)
		v.Scaled, v.OK = Ratio(v.Num, v.Den, 10000)
	case Average:
		v.Den = f.den(c)
		v.Scaled, v.OK = Ratio(v.Num, v.Den, 10)
	}
	return v
}

// Ratio is num/den×scale rounded half away from zero, in integers so
// that every place rounds 681/687 to the same 99.13%; ok is false when
// den is 0.
func Ratio(num, den, scale int64) (int64, bool) {
	if den == 0 {
		return 0, false
	}
	if den < 0 {
		num, den = -num, -den
	}
	n := num * scale
	if n < 0 {
		return -((-n*2 + den) / (2 * den)), true
	}
	return (n*2 + den) / (2 * den), true
}

// Text is the value as shown: "99.13%", "2.4", "123", or None.
func (v Value) Text() string {
	if !v.OK {
		return None
	}
	switch v.Kind {
	case Rate:
		return decimal(v.Scaled, 2) + "%"
	case Average:
		return decimal(v.Scaled, 1)
	}
	return strconv.FormatInt(v.Scaled, 10)
}

// Float is the value as a number (a percent for a rate), for charts.
func (v Value) Float() float64 {
	switch v.Kind {
	case Rate:
		return float64(v.Scaled) / 100
	case Average:
		return float64(v.Scaled) / 10
	}
	return float64(v.Scaled)
}

func decimal(n int64, places int) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	for len(s) <= places {
		s = "0" + s
	}
	s = s[:len(s)-places] + "." + s[len(s)-places:]
	if neg {
		s = "-" + s
	}
	return s
}

// Coverage is the reform's own measure of a catalog (长兴: "实现“最多跑一次”
// 事项681项，“零上门”事项424项，覆盖率分别达到99.13%和61.72%", of 687): the
// share of matters, not of cases. A matter whose 跑动次数 was not assessed
// counts in Matters and in neither share.
type Coverage struct {
	Matters, AtMostOnce, ZeroVisit int64
}

// AtMostOnceRate and ZeroVisitRate are Coverage's two shares.
func (c Coverage) AtMostOnceRate() Value { return share(c.AtMostOnce, c.Matters) }

// ZeroVisitRate: see AtMostOnceRate.
func (c Coverage) ZeroVisitRate() Value { return share(c.ZeroVisit, c.Matters) }

func share(num, den int64) Value {
	v := Value{Num: num, Den: den, Kind: Rate}
	v.Scaled, v.OK = Ratio(num, den, 10000)
	return v
}
