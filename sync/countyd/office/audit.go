package office

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/sync/countyd/county"
)

// auditActions are the actions the audit page filters by, with their names.
var auditActions = []option{
	{"case.view", "查看案件"},
	{"case.reveal", "显示完整号码"},
	{"attachment.view", "查看附件"},
	{"case.status", "审批决定"},
	{"catalog.import", "导入目录"},
	{"catalog.edit", "编辑事项"},
	{"catalog.publish", "发布目录"},
	{"catalog.override", "乡镇覆盖"},
	{"enroll.create", "生成登记码"},
	{"device.revoke", "停用设备"},
	{"staff.add", "新增人员"},
	{"staff.active", "启用/停用人员"},
	{"login", "登录"},
	{"login.failed", "登录失败"},
	{"login.locked", "锁定期间尝试登录"},
	{"logout", "退出登录"},
	{"export", "导出"},
}

func actionName(a string) string {
	for _, o := range auditActions {
		if o.Value == a {
			return o.Label
		}
	}
	return a
}

const auditPageSize = 100

// adminPages serve the staff and audit pages.
// Their st, which shadows the Office's shared one, is all of the
// store they reach.
type adminPages struct {
	*Office
	st interface {
		county.StaffRoster
		county.AuditTrail
		// Case turns an audited case id into its tracking code.
		Case(ctx context.Context, ref string) (county.Case, error)
	}
}

func (o *adminPages) auditPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	ctx := r.Context()
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	f := county.AuditFilter{Staff: q.Get("staff"), Action: q.Get("action"), From: q.Get("from"), To: q.Get("to"),
		Limit: auditPageSize, Offset: (page - 1) * auditPageSize}
	if ref := strings.TrimSpace(q.Get("case")); ref != "" {
		f.Case = ref
		if c, err := o.st.Case(ctx, ref); err == nil {
			f.Case = c.ID
		}
	}
	o.flushFailedLogins(ctx, false)
	entries, total, err := o.st.AuditLog(ctx, f)
	var inv *county.InvalidError
	if errors.As(err, &inv) {
		o.fail(w, r, rc, http.StatusBadRequest, "日期格式应为 2026-01-31")
		return
	}
	if err != nil {
		o.internal(w, r, rc, "read audit log", err)
		return
	}
	rows := auditRows(rc, entries)
	staff, err := o.st.StaffMembers(ctx)
	if err != nil {
		o.internal(w, r, rc, "list staff", err)
		return
	}
	var actions []option
	for _, a := range auditActions {
		actions = append(actions, option{a.Value, rc.T(a.Label)})
	}
	pages := max((total+auditPageSize-1)/auditPageSize, 1)
	link := func(p int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(p))
		return "/office/audit?" + v.Encode()
	}
	data := map[string]any{"Rows": rows, "Total": total, "Page": page, "Pages": pages, "Staff": staff, "Actions": actions,
		"Q": map[string]string{"staff": q.Get("staff"), "action": q.Get("action"), "from": q.Get("from"), "to": q.Get("to"), "case": q.Get("case")}}
	if page > 1 {
		data["Prev"] = link(page - 1)
	}
	if page < pages {
		data["Next"] = link(page + 1)
	}
	o.render(w, r, rc, "audit", data)
}

// auditRow is an audit entry as the page shows it.
type auditRow struct {
	At, Staff, Action, Subject, Reason, Detail, IP string
}

// auditRows are the entries as the page shows them, masked: the page and
// its export both show these.
func auditRows(rc *reqCtx, entries []county.AuditEntry) []auditRow {
	var rows []auditRow
	for _, e := range entries {
		who := e.StaffLogin
		if e.StaffName != "" {
			who = e.StaffName + "（" + e.StaffLogin + "）"
		}
		// Logins are typed by anyone at the login form, reasons by staff
		// about an applicant: all of it is masked. The address is the
		// county's own record.
		rows = append(rows, auditRow{At: stamp(e.At), Staff: MaskText(who), Action: MaskText(rc.T(actionName(e.Action))), Subject: MaskText(e.Subject),
			Reason: MaskText(e.Reason), Detail: MaskText(e.Detail), IP: e.ClientIP})
	}
	return rows
}

func roleName(role string) string {
	switch role {
	case county.RoleReviewer:
		return "审核人员"
	case county.RoleCatalogEditor:
		return "目录管理员"
	case county.RoleAdmin:
		return "系统管理员"
	}
	return role
}

func (o *adminPages) staffPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	o.showStaff(w, r, rc, "", http.StatusOK)
}

func (o *adminPages) showStaff(w http.ResponseWriter, r *http.Request, rc *reqCtx, problem string, status int) {
	staff, err := o.st.StaffMembers(r.Context())
	if err != nil {
		o.internal(w, r, rc, "list staff", err)
		return
	}
	type row struct {
		county.Staff
		RoleName, Created, Locked string
	}
	var rows []row
	now := o.now()
	for _, s := range staff {
		x := row{Staff: s, RoleName: rc.T(roleName(s.Role)), Created: stamp(s.Created)}
		// Browsers that never signed in as the account may be held back
		// after wrong passwords; its own browsers are not (throttle.go).
		ok, retry, err := o.guard.login.Check(r.Context(), s.Login, now)
		if err != nil {
			o.internal(w, r, rc, "check login budget", err)
			return
		}
		if !ok {
			x.Locked = stamp(now.Add(retry))
		}
		rows = append(rows, x)
	}
	var roles []option
	for _, ro := range county.Roles {
		roles = append(roles, option{ro, rc.T(roleName(ro))})
	}
	data := map[string]any{"Rows": rows, "Roles": roles, "Problem": rc.T(problem), "Form": r.PostForm}
	if status != http.StatusOK {
		o.renderStatus(w, r, rc, status, "staff", data)
		return
	}
	o.render(w, r, rc, "staff", data)
}

func (o *adminPages) addStaff(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	st := county.Staff{Login: r.PostFormValue("login"), Name: r.PostFormValue("name"), Role: r.PostFormValue("role")}
	pw := r.PostFormValue("password")
	if st2, err := county.NormalizeStaff(st); err != nil {
		o.showStaff(w, r, rc, "登录名为2–32位小写字母、数字或 _ . -，姓名必填，并选择角色", http.StatusBadRequest)
		return
	} else {
		st = st2
	}
	if err := CheckPassword(pw); err != nil {
		o.showStaff(w, r, rc, err.Error(), http.StatusBadRequest)
		return
	}
	if pw != r.PostFormValue("password2") {
		o.showStaff(w, r, rc, "两次输入的密码不一致", http.StatusBadRequest)
		return
	}
	hash, err := clerks.Hash(pw)
	if err != nil {
		o.internal(w, r, rc, "hash password", err)
		return
	}
	created, err := o.st.CreateStaff(r.Context(), st, hash)
	if errors.Is(err, county.ErrExists) {
		o.showStaff(w, r, rc, "该登录名已被使用", http.StatusBadRequest)
		return
	}
	if err != nil {
		o.internal(w, r, rc, "create staff", err)
		return
	}
	e := rc.audit("staff.add", created.Login)
	e.Detail = created.Role
	if err := o.st.Audit(r.Context(), e); err != nil {
		o.internal(w, r, rc, "audit staff add", err)
		return
	}
	http.Redirect(w, r, "/office/staff", http.StatusSeeOther)
}

func (o *adminPages) staffActive(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		o.fail(w, r, rc, http.StatusNotFound, "没有这个人员")
		return
	}
	active := r.PostFormValue("active") == "1"
	if id == rc.Session.Staff.ID && !active {
		o.showStaff(w, r, rc, "不能停用自己的账号", http.StatusBadRequest)
		return
	}
	e := rc.audit("staff.active", strconv.FormatInt(id, 10))
	e.Detail = strconv.FormatBool(active)
	err = o.st.SetStaffActive(r.Context(), id, active, e)
	if errors.Is(err, county.ErrNotFound) {
		o.fail(w, r, rc, http.StatusNotFound, "没有这个人员")
		return
	}
	if err != nil {
		o.internal(w, r, rc, "set staff active", err)
		return
	}
	http.Redirect(w, r, "/office/staff", http.StatusSeeOther)
}

// MinPassword is the shortest staff password: staff accounts see every
// township's cases, so they get more than the kiosk's 6-digit PINs.
const MinPassword = 10

// errPasswordShort is the message for a short password (translated by the
// page).
var errPasswordShort = errors.New("密码至少10位")

// CheckPassword rejects staff passwords that are too short or trivially
// guessable (clerks.CheckSecret's rules on top of the length).
func CheckPassword(pw string) error {
	if len([]rune(pw)) < MinPassword {
		return errPasswordShort
	}
	if err := clerks.CheckSecret(pw); err != nil {
		return errors.New("密码太容易猜到，请换一个")
	}
	return nil
}
