package cases

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
)

// 2026-11-26 is a Thursday; five working days later is Thursday 3 Dec.
var now = time.Date(2026, 11, 26, 10, 30, 0, 0, workday.China)

func demo(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// restaurant is the 我要开餐馆 bundle filled in as a clerk would: every
// material received, except the premises proof (容缺) and the owner's
// consent for the signboard (告知承诺).
func restaurant(t *testing.T, cat *catalog.Catalog) Draft {
	t.Helper()
	b, ok := cat.Bundle("330000-YJS-001")
	if !ok {
		t.Fatal("no bundle 330000-YJS-001")
	}
	mats, err := Checklist(cat, b.Matters)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range mats {
		m, _ := cat.Matter(e.Matter)
		for _, mat := range m.Materials {
			if mat.ID != e.Material {
				continue
			}
			switch {
			case e.Matter == "330000-SS-0001" && mat.ID == "premises_proof":
				mats[i].State = Deferred
			case e.Matter == "330000-QT-0001" && mat.ID == "owner_consent":
				mats[i].State = Committed
			case mat.SharedData:
				mats[i].State = Shared
			case !mat.Required:
				mats[i].State = NotApplicable
			default:
				mats[i].State = AllowedStates(mat)[0]
			}
		}
	}
	return Draft{
		Bundle:    b.Code,
		Matters:   b.Matters,
		Applicant: Applicant{Kind: Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "138 5720 1234"},
		Fields: map[string]string{
			"enterprise_name": "长兴县洪桥镇小红面馆", "organization_form": "个人经营", "business_address": "洪桥镇洪桥路18号",
			"business_scope": "餐饮服务", "registered_capital": "5", "employees": "3", "delivery": "窗口领取",
			"food_business_type": "餐饮服务经营者", "food_items": "热食类食品制售", "floor_area": "60", "seats": "24",
			"drainer_type": "餐饮", "drainage_volume": "2", "sign_content": "小红面馆", "sign_size": "3米×0.8米",
			"venue_use": "饭店（餐馆）",
		},
		Materials: mats,
	}
}

func TestNormalizeAsksApplicantOnce(t *testing.T) {
	cat := demo(t)
	d := restaurant(t, cat)
	got, err := Normalize(cat, d, now)
	if err != nil {
		fe, _ := err.(FieldErrors)
		t.Fatalf("Normalize: %v %v", err, fe)
	}
	// Keys the applicant step answered are filled from it, normalized.
	want := map[string]string{"applicant_name": "张小红", "applicant_id": "330522199003150024", "mobile": "13857201234",
		"legal_rep_name": "张小红", "legal_rep_id": "330522199003150024"}
	for k, v := range want {
		if got.Fields[k] != v {
			t.Errorf("Fields[%s] = %q, want %q", k, got.Fields[k], v)
		}
	}
}

func TestNormalizeReportsEveryField(t *testing.T) {
	cat := demo(t)
	d := restaurant(t, cat)
	d.Applicant.IDNumber = "330522199003150027" // wrong check digit
	d.Applicant.Mobile = "1385720123"
	d.Fields["floor_area"] = "六十"
	d.Fields["food_business_type"] = "大排档"
	delete(d.Fields, "business_scope")
	_, err := Normalize(cat, d, now)
	var fe FieldErrors
	if !errors.As(err, &fe) || !errors.Is(err, ErrDraftInvalid) {
		t.Fatalf("Normalize = %v, want FieldErrors", err)
	}
	for key, want := range map[string]error{
		KeyApplicantID: nil, KeyApplicantMobile: nil, "floor_area": ErrNumber,
		"food_business_type": ErrChoice, "business_scope": ErrRequired,
	} {
		got, ok := fe[key]
		if !ok {
			t.Errorf("no error for %s; got %v", key, fe)
			continue
		}
		if want != nil && !errors.Is(got, want) {
			t.Errorf("error for %s = %v, want %v", key, got, want)
		}
	}
	if len(fe) != 5 {
		t.Errorf("%d field errors, want 5: %v", len(fe), fe)
	}
}

func TestDecide(t *testing.T) {
	cat := demo(t)
	cal := workday.Default()
	base := restaurant(t, cat)
	day := func(s string) string { return s }
	tests := []struct {
		name     string
		edit     func(d *Draft)
		dec      Decision
		err      error
		status   Status
		due      string
		suppleBy string
	}{
		{"容缺受理 with a commitment", nil, Decision{Kind: AcceptDeferred}, nil, StatusDeferred, day("2026-12-03"), day("2026-12-03")},
		{"plain accept refused while something is deferred", nil, Decision{Kind: Accept}, ErrHasDeferred, "", "", ""},
		{"a promised bundle cannot be completed on the spot", func(d *Draft) { setState(d, "330000-SS-0001", "premises_proof", Original) },
			Decision{Kind: Complete}, ErrNotImmediate, "", "", ""},
		{"accept once everything is in", func(d *Draft) { setState(d, "330000-SS-0001", "premises_proof", Original) },
			Decision{Kind: Accept}, nil, StatusAccepted, "2026-12-03", ""},
		{"容缺 asked with nothing missing", func(d *Draft) { setState(d, "330000-SS-0001", "premises_proof", Copy) },
			Decision{Kind: AcceptDeferred}, ErrNothingDeferred, "", "", ""},
		{"unchecked material", func(d *Draft) { setState(d, "330000-TZ-0011", "drainage_plan", Pending) },
			Decision{Kind: AcceptDeferred}, ErrUnchecked, "", "", ""},
		{"容缺 on a material that may not be missing", func(d *Draft) { setState(d, "330000-TZ-0011", "drainage_plan", Deferred) },
			Decision{Kind: AcceptDeferred}, ErrStateNotAllowed, "", "", ""},
		{"commitment where the catalog allows none", func(d *Draft) { setState(d, "330000-TZ-0011", "application_form", Committed) },
			Decision{Kind: AcceptDeferred}, ErrStateNotAllowed, "", "", ""},
		{"a required material marked not applicable", func(d *Draft) { setState(d, "330000-TZ-0011", "application_form", NotApplicable) },
			Decision{Kind: AcceptDeferred}, ErrMissingMain, "", "", ""},
		{"refusal needs a reason", nil, Decision{Kind: Reject, Reason: " 不行 "}, ErrReasonRequired, "", "", ""},
		{"refusal with a reason", nil, Decision{Kind: Reject, Reason: "经营场所位于居民楼内，不符合餐饮设置要求"}, nil, StatusRejected, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := base
			d.Materials = append([]MaterialEntry(nil), base.Materials...)
			if tt.edit != nil {
				tt.edit(&d)
			}
			out, err := Decide(cat, cal, d, tt.dec, now)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("Decide = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if out.Status != tt.status {
				t.Errorf("status = %s, want %s", out.Status, tt.status)
			}
			if got := dateOr(out.Due); got != tt.due {
				t.Errorf("due = %s, want %s", got, tt.due)
			}
			if got := dateOr(out.SupplementBy); got != tt.suppleBy {
				t.Errorf("supplement by = %s, want %s", got, tt.suppleBy)
			}
		})
	}
}

func TestCompleteImmediateMatterAcrossHoliday(t *testing.T) {
	cat := demo(t)
	m, _ := cat.Matter("330000-SS-0001") // 个体工商户设立登记, 即办件
	d := Draft{Matters: []string{m.Code}}
	for _, mat := range m.Materials {
		d.Materials = append(d.Materials, MaterialEntry{Matter: m.Code, Material: mat.ID, State: AllowedStates(mat)[0]})
	}
	eve := time.Date(2026, 2, 13, 16, 0, 0, 0, workday.China) // the Friday before the Spring Festival
	out, err := Decide(cat, workday.Default(), d, Decision{Kind: Complete}, eve)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != StatusCompleted || dateOr(out.Due) != "2026-02-13" {
		t.Errorf("completed on the spot: %s due %s, want completed due 2026-02-13", out.Status, dateOr(out.Due))
	}
	// The same matter accepted with 容缺 that Friday must be supplemented
	// five working days later: 14 Feb (adjusted Saturday), then 24–27 Feb.
	d.Materials[2].State = Deferred // premises_proof
	out, err = Decide(cat, workday.Default(), d, Decision{Kind: AcceptDeferred}, eve)
	if err != nil {
		t.Fatal(err)
	}
	if got := dateOr(out.SupplementBy); got != "2026-02-27" {
		t.Errorf("supplement by %s, want 2026-02-27", got)
	}
}

func TestAllowedStates(t *testing.T) {
	tests := []struct {
		m    catalog.Material
		want []MaterialState
	}{
		{catalog.Material{Required: true, Originals: 1, SharedData: true}, []MaterialState{Original, ECopy, Shared}},
		{catalog.Material{Required: true, Originals: 1, Copies: 1, Commitment: true, Deferrable: true}, []MaterialState{Original, Copy, ECopy, Committed, Deferred}},
		{catalog.Material{Copies: 2}, []MaterialState{Copy, ECopy, NotApplicable}},
		{catalog.Material{Required: true}, []MaterialState{Original, ECopy}},
	}
	for _, tt := range tests {
		got := AllowedStates(tt.m)
		if len(got) != len(tt.want) {
			t.Errorf("AllowedStates(%+v) = %v, want %v", tt.m, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("AllowedStates(%+v) = %v, want %v", tt.m, got, tt.want)
			}
		}
	}
}

func TestLaterActions(t *testing.T) {
	cat := demo(t)
	d, err := Normalize(cat, restaurant(t, cat), now)
	if err != nil {
		t.Fatal(err)
	}
	c := Case{Draft: d, Status: StatusDeferred, SupplementBy: now.AddDate(0, 0, 7)}

	if _, err := Supplement(cat, c, []MaterialEntry{{Matter: "330000-SS-0001", Material: "application_form", State: Original}}, now); !errors.Is(err, ErrNotDeferred) {
		t.Errorf("supplementing a material that was not missing: %v", err)
	}
	if _, err := Supplement(cat, c, []MaterialEntry{{Matter: "330000-SS-0001", Material: "premises_proof", State: Committed}}, now); !errors.Is(err, ErrSupplementState) {
		t.Errorf("supplement as commitment: %v", err)
	}
	c2, err := Supplement(cat, c, []MaterialEntry{{Matter: "330000-SS-0001", Material: "premises_proof", State: Copy}}, now)
	if err != nil || c2.Status != StatusAccepted || !c2.SupplementBy.IsZero() || len(c2.MaterialsIn(Deferred)) != 0 {
		t.Fatalf("after 补正: %v %s %v", err, c2.Status, c2.SupplementBy)
	}
	if len(c.MaterialsIn(Deferred)) != 1 {
		t.Error("Supplement modified the original case's materials")
	}

	if _, err := Deliver(c2, Person{Name: "张小红", IDNumber: "330522199003150024"}, now); !errors.Is(err, ErrNotReady) {
		t.Errorf("deliver before completion: %v", err)
	}
	c2.Status = StatusCompleted
	if _, err := Deliver(c2, Person{Name: "李四", IDNumber: "11010519491231002X"}, now); !errors.Is(err, ErrCollector) {
		t.Errorf("deliver to a stranger: %v", err)
	}
	c3, err := Authorize(c2, Person{Name: "李四", IDNumber: "11010519491231002x"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Authorize(c3, Person{Name: "李四", IDNumber: "11010519491231002X"}, now); !errors.Is(err, ErrAlreadyAuth) {
		t.Errorf("authorize twice: %v", err)
	}
	c4, err := Deliver(c3, Person{Name: "李四", IDNumber: "110105 19491231 002X"}, now)
	if err != nil || c4.Status != StatusDelivered || c4.Pickup.As != "authorized" {
		t.Errorf("deliver to the authorized person: %v %+v", err, c4.Pickup)
	}
	c5, err := Deliver(c2, Person{Name: "张小红", IDNumber: "330522199003150024"}, now)
	if err != nil || c5.Pickup.As != "applicant" {
		t.Errorf("deliver to the applicant: %v %+v", err, c5.Pickup)
	}

	if _, err := MailResult(c2, MailRecord{Address: "洪桥镇", Tracking: "EMS1"}, now); !errors.Is(err, ErrMailAddress) {
		t.Errorf("short address: %v", err)
	}
	if _, err := MailResult(c2, MailRecord{Address: "浙江省湖州市长兴县洪桥镇洪桥路18号"}, now); !errors.Is(err, ErrMailTracking) {
		t.Errorf("no tracking number: %v", err)
	}
	c6, err := MailResult(c2, MailRecord{Address: "浙江省湖州市长兴县洪桥镇洪桥路18号", Tracking: "1234567890123"}, now)
	if err != nil || c6.Status != StatusMailed || c6.Mail.Carrier != "中国邮政EMS" {
		t.Errorf("mail: %v %+v", err, c6.Mail)
	}
}

func setState(d *Draft, matter, material string, s MaterialState) {
	for i := range d.Materials {
		if d.Materials[i].Matter == matter && d.Materials[i].Material == material {
			d.Materials[i].State = s
		}
	}
}

func dateOr(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// A foreign national with a 2023 permanent resident ID card is an applicant
// like any other: the number is checked by its own rules and kept as typed.
func TestForeignPermanentResidentApplies(t *testing.T) {
	cat := demo(t)
	d := restaurant(t, cat)
	body := "93339219850701001" // issued in Zhejiang to a Japanese national
	fp := body + string(ids.ResidentIDCheck(body))
	d.Applicant.Name, d.Applicant.IDNumber = "YAMADA HANAKO", fp
	got, err := Normalize(cat, d, now)
	if err != nil {
		t.Fatalf("Normalize(foreign permanent resident) = %v %v, want nil", err, err.(FieldErrors))
	}
	if got.Applicant.IDNumber != fp || got.Fields["applicant_id"] != fp {
		t.Errorf("applicant ID = %q / %q, want %q", got.Applicant.IDNumber, got.Fields["applicant_id"], fp)
	}
	d.Applicant.IDNumber = body + "0"
	if fp[17] == '0' {
		d.Applicant.IDNumber = body + "1"
	}
	_, err = Normalize(cat, d, now)
	var fe FieldErrors
	if !errors.As(err, &fe) || !errors.Is(fe[KeyApplicantID], ids.ErrFPChecksum) {
		t.Errorf("Normalize(bad check digit) = %v, want %v on the applicant's ID", err, ids.ErrFPChecksum)
	}
}

func TestVerifyQueryPINAndLegacyLast4(t *testing.T) {
	pin, hash, err := NewQueryPIN(nil)
	if err != nil {
		t.Fatal(err)
	}
	other := "000000"
	if pin == other {
		other = "000001"
	}
	a := Applicant{Kind: Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "13857201234"}
	withPIN := Case{Draft: Draft{Applicant: a}, QueryPINHash: hash}
	legacy := Case{Draft: Draft{Applicant: a}}
	tests := []struct {
		name   string
		c      Case
		secret string
		want   bool
	}{
		{"the PIN", withPIN, pin, true},
		{"the PIN with spaces", withPIN, " " + pin + " ", true},
		{"another PIN", withPIN, other, false},
		{"ID last four no longer open a PIN case", withPIN, "0024", false},
		{"mobile last four no longer open a PIN case", withPIN, "1234", false},
		{"a legacy case keeps its ID last four", legacy, "0024", true},
		{"a legacy case keeps its mobile last four", legacy, "1234", true},
		{"a legacy case refuses a PIN-looking guess", legacy, pin, false},
	}
	for _, tt := range tests {
		if got := Verify(tt.c, tt.secret); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	if _, h2, _ := NewQueryPIN(nil); h2 == hash {
		t.Errorf("two PINs got the same salted hash %q", hash)
	}
	if strings.Contains(hash, pin) {
		t.Errorf("the hash %q contains the PIN", hash)
	}
}

// TestPromisedDueCountsTheHallsWorkingDays: the date shown before 受理 and
// printed on the receipt skips weekends and holidays (国庆 2026: 1–7
// October off, Saturday 10 October worked) and counts from the day after
// acceptance; an 即办件 is due the same day.
func TestPromisedDueCountsTheHallsWorkingDays(t *testing.T) {
	cal := workday.Default()
	china := workday.China
	for _, tc := range []struct {
		name string
		now  time.Time
		days int
		want time.Time
	}{
		{"across 国庆", time.Date(2026, 9, 28, 10, 0, 0, 0, china), 10, time.Date(2026, 10, 16, 0, 0, 0, 0, china)},
		{"day before the holiday", time.Date(2026, 9, 30, 16, 0, 0, 0, china), 1, time.Date(2026, 10, 8, 0, 0, 0, 0, china)},
		{"make-up Saturday counts", time.Date(2026, 10, 9, 9, 0, 0, 0, china), 1, time.Date(2026, 10, 10, 0, 0, 0, 0, china)},
		{"即办件", time.Date(2026, 12, 1, 9, 0, 0, 0, china), 0, time.Date(2026, 12, 1, 0, 0, 0, 0, china)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PromisedDue(cal, catalog.Matter{Code: "m", PromisedDays: tc.days}, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
