package county

// Citizen notices as SMS templates. A Chinese SMS channel does not send
// free text: the provider approves a signature (签名, e.g. 【长兴县政务服务】)
// and each template's words, and the sender names the template by its
// code and fills its named parameters. So each notice is stored with its
// values under our own names (params), the county says once how its
// provider's templates are called and which of our values fill which of
// their parameters (SMSConfig, `countyd set-sms`), and the Chinese text is
// rendered too, for staff to read. docs/sms.md.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Values a notice template offers (the names in SMSTemplate.Params).
const (
	ValTracking  = "tracking"  // the case's query code, in fours
	ValDue       = "due"       // promised completion day, YYYY-MM-DD
	ValReason    = "reason"    // the stated reason (a return, a denial)
	ValPickup    = "pickup"    // where and how to collect the result
	ValMaterials = "materials" // materials to bring, joined by 、
	ValSupplyBy  = "supply_by" // the day to bring them by, YYYY-MM-DD
)

// noticeTemplate is one notice: the values it carries and its words.
type noticeTemplate struct {
	values []string
	words  func(v map[string]string) string
}

// noticeTemplates are the notices the county sends, by template name
// (protocol.Notice*). The words never depend on a kiosk's status name:
// a lapse reads the same whatever the kiosk calls the state it ends in.
var noticeTemplates = map[string]noticeTemplate{
	protocol.NoticePrereviewAccepted: {[]string{ValTracking, ValDue}, func(v map[string]string) string {
		return fmt.Sprintf("您自助申报的事项（查询码%s）已通过预审并受理，承诺办结日期%s。", v[ValTracking], v[ValDue])
	}},
	protocol.NoticePrereviewReturned: {[]string{ValTracking, ValReason}, func(v map[string]string) string {
		return fmt.Sprintf("您自助申报的事项（查询码%s）预审退回：%s。请补正后重新提交，或凭查询码在自助终端查看。", v[ValTracking], v[ValReason])
	}},
	protocol.NoticeCaseCompleted: {[]string{ValTracking, ValPickup}, func(v map[string]string) string {
		return fmt.Sprintf("您申请的事项（查询码%s）已办结。领取方式：%s。", v[ValTracking], v[ValPickup])
	}},
	protocol.NoticeCaseCorrection: {[]string{ValTracking, ValMaterials, ValSupplyBy}, func(v map[string]string) string {
		return fmt.Sprintf("您申请的事项（查询码%s）需补正材料：%s。请于%s前到受理窗口一次补齐。", v[ValTracking], v[ValMaterials], v[ValSupplyBy])
	}},
	protocol.NoticeCaseDenied: {[]string{ValTracking, ValReason}, func(v map[string]string) string {
		return fmt.Sprintf("您申请的事项（查询码%s）经审查决定不予许可，理由：%s。书面决定书请到受理窗口领取，其中载明申请复议和提起诉讼的途径与期限。", v[ValTracking], v[ValReason])
	}},
	protocol.NoticeSupplementLapsed: {[]string{ValTracking, ValMaterials, ValSupplyBy}, func(v map[string]string) string {
		return fmt.Sprintf("您容缺受理的事项（查询码%s）未在%s前补齐材料（%s），已按办事指南的规定结束办理。如需继续办理，请重新申请或咨询受理窗口。", v[ValTracking], v[ValSupplyBy], v[ValMaterials])
	}},
}

// NoticeTemplates lists the template names and the values each offers,
// for the configuration's checks and the documentation.
func NoticeTemplates() map[string][]string {
	out := map[string][]string{}
	for name, t := range noticeTemplates {
		out[name] = slices.Clone(t.values)
	}
	return out
}

// Bounds of a notice's free-text values: a long reason is cut, and the
// citizen reads the rest at the terminal or on the written decision.
const (
	maxNoticeReason    = 100
	maxNoticePickup    = 60
	maxNoticeMaterials = 100
)

// DefaultSMSSignature signs rendered texts until the county configures
// its approved signature.
const DefaultSMSSignature = "一窗"

// noticeFacts are what a notice may say about a case.
type noticeFacts struct {
	tracking  string
	due       time.Time
	reason    string
	pickup    string
	materials []string
	supplyBy  string // YYYY-MM-DD
}

// noticeParams fills a template's values from the facts. Every value
// goes through scrubNumbers: a clerk's reason may quote an ID number or a
// phone, and an SMS is not the place for either.
func noticeParams(tmpl string, f noticeFacts) (map[string]string, bool) {
	t, ok := noticeTemplates[tmpl]
	if !ok {
		return nil, false
	}
	v := map[string]string{}
	for _, name := range t.values {
		var s string
		switch name {
		case ValTracking:
			s = groupTracking(f.tracking)
		case ValDue:
			if !f.due.IsZero() {
				s = f.due.In(workday.China).Format(time.DateOnly)
			}
		case ValReason:
			s = cut(f.reason, maxNoticeReason)
		case ValPickup:
			s = cut(f.pickup, maxNoticePickup)
		case ValMaterials:
			s = cut(strings.Join(f.materials, "、"), maxNoticeMaterials)
		case ValSupplyBy:
			s = f.supplyBy
		}
		v[name] = scrubNumbers(s)
	}
	return v, true
}

// renderNotice is the text the citizen reads: the signature in 【】 and the
// template's words, as the provider will send them.
func renderNotice(signature, tmpl string, params map[string]string) string {
	if signature == "" {
		signature = DefaultSMSSignature
	}
	return "【" + signature + "】" + noticeTemplates[tmpl].words(params)
}

// cut trims s to n runes, marking the cut, and folds line breaks (an SMS
// parameter is one line).
func cut(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return s
}

// longNumber is 11 or more digits, half- or full-width, each maybe one
// space, dash or underscore from the last, and an ID's X check character:
// a mobile, a resident or permanent-residence ID, however a clerk typed it
// ("330522 19550505 0017"). The whole run is hidden, its last four too,
// because they are what the progress query asks for. It errs towards
// hiding; a date (8 digits) or a county case number's groups are left.
var longNumber = regexp.MustCompile(`[0-9０-９](?:[ \-_]?[0-9０-９]){10,}[XxＸ]?`)

// scrubNumbers hides long numbers in a notice value.
func scrubNumbers(s string) string {
	return longNumber.ReplaceAllStringFunc(s, func(m string) string {
		if isCountyCase(m) {
			return m
		}
		return "***"
	})
}

// SMSConfig is the county's SMS channel as its provider approved it.
type SMSConfig struct {
	// Signature is the approved signature, without 【】 (they are added).
	Signature string `json:"signature"`
	// Templates maps our template names to the provider's.
	Templates map[string]SMSTemplate `json:"templates"`
}

// SMSTemplate is one approved provider template.
type SMSTemplate struct {
	// Code is the provider's template code, e.g. SMS_123456789.
	Code string `json:"code"`
	// Params maps each of the provider template's parameter names to the
	// value of ours that fills it (ValTracking, ValDue, …).
	Params map[string]string `json:"params"`
}

var (
	templateCode = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	paramName    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,31}$`)
)

// NormalizeSMSConfig trims the signature of its 【】 and checks the whole
// configuration: a signature of 2 to 20 characters (providers approve
// short names of the sending body), known templates only, codes and
// parameter names as providers spell them, and each parameter filled by a
// value the template has.
func NormalizeSMSConfig(c SMSConfig) (SMSConfig, error) {
	sig := strings.TrimSpace(c.Signature)
	sig = strings.TrimSuffix(strings.TrimPrefix(sig, "【"), "】")
	if n := utf8.RuneCountInString(sig); n < 2 || n > 20 {
		return c, invalid("signature %q: want 2 to 20 characters", sig)
	}
	if strings.ContainsFunc(sig, func(r rune) bool {
		return r == '【' || r == '】' || r == '[' || r == ']' || unicode.IsSpace(r) || unicode.IsControl(r)
	}) {
		return c, invalid("signature %q: no brackets or spaces inside", sig)
	}
	out := SMSConfig{Signature: sig, Templates: map[string]SMSTemplate{}}
	names := make([]string, 0, len(c.Templates))
	for name := range c.Templates {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t := c.Templates[name]
		def, ok := noticeTemplates[name]
		if !ok {
			return c, invalid("template %q: no such notice (want one of %s)", name, strings.Join(templateNames(), ", "))
		}
		if !templateCode.MatchString(t.Code) {
			return c, invalid("template %s: code %q: want the provider's code, e.g. SMS_123456789", name, t.Code)
		}
		params := map[string]string{}
		for p, val := range t.Params {
			if !paramName.MatchString(p) {
				return c, invalid("template %s: parameter name %q: want letters, digits and _ from a letter", name, p)
			}
			if !slices.Contains(def.values, val) {
				return c, invalid("template %s: parameter %s: value %q: want one of %s", name, p, val, strings.Join(def.values, ", "))
			}
			params[p] = val
		}
		out.Templates[name] = SMSTemplate{Code: t.Code, Params: params}
	}
	return out, nil
}

func templateNames() []string {
	var out []string
	for n := range noticeTemplates {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// SetSMSConfig checks and stores the county's SMS configuration, with its
// audit row. The sender reads it every round: no restart is needed.
func (s *SQLite) SetSMSConfig(ctx context.Context, c SMSConfig, e AuditEntry) (SMSConfig, error) {
	var out SMSConfig
	err := s.update(ctx, func(tx *sql.Tx) (err error) {
		out, err = setSMSConfig(ctx, tx, c, e, s.now())
		return err
	})
	return out, err
}

func setSMSConfig(ctx context.Context, tx dbtx, c SMSConfig, e AuditEntry, now time.Time) (SMSConfig, error) {
	c, err := NormalizeSMSConfig(c)
	if err != nil {
		return c, err
	}
	doc, err := json.Marshal(c)
	if err != nil {
		return c, fmt.Errorf("encode sms configuration: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sms_config (id, doc, updated_at, updated_by) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		string(doc), ts(now), e.StaffLogin); err != nil {
		return c, fmt.Errorf("store sms configuration: %w", err)
	}
	e.Action, e.Subject = "sms.configure", c.Signature
	return c, writeAudit(ctx, tx, e, now)
}

// SMSConfig returns the county's SMS configuration; ErrNotFound before
// one is set.
func (s *SQLite) SMSConfig(ctx context.Context) (SMSConfig, error) {
	return smsConfig(ctx, s.r)
}

func smsConfig(ctx context.Context, q rowQueryer) (SMSConfig, error) {
	var c SMSConfig
	var doc string
	err := q.QueryRowContext(ctx, `SELECT doc FROM sms_config WHERE id = 1`).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("read sms configuration: %w", err)
	}
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		return c, fmt.Errorf("decode sms configuration: %w", err)
	}
	return c, nil
}
