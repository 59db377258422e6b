package office

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
)

// catalogPages serve the catalog pages.
// Their st, which shadows the Office's shared one, is all of the
// store they reach.
type catalogPages struct {
	*Office
	st interface {
		county.Catalog
		county.Directory // publication targets
	}
}

func (o *catalogPages) catalogPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	o.showCatalog(w, r, rc, nil, http.StatusOK)
}

// showCatalog renders the catalog overview; problems are the errors of a
// refused import, edit or override.
func (o *catalogPages) showCatalog(w http.ResponseWriter, r *http.Request, rc *reqCtx, problems []string, status int) {
	ctx := r.Context()
	versions, err := o.st.CatalogVersions(ctx)
	if err != nil {
		o.internal(w, r, rc, "list catalog versions", err)
		return
	}
	pubs, err := o.st.CatalogPublications(ctx)
	if err != nil {
		o.internal(w, r, rc, "list publications", err)
		return
	}
	ovs, err := o.st.Overrides(ctx)
	if err != nil {
		o.internal(w, r, rc, "list overrides", err)
		return
	}
	points, err := o.st.ServicePoints(ctx)
	if err != nil {
		o.internal(w, r, rc, "list service points", err)
		return
	}
	example := ""
	if len(versions) > 0 {
		example = fmt.Sprintf("{\n  \"base_version\": %q,\n  \"matters\": [\n    {\"code\": \"330000-SS-0012\", \"promised_days\": 2, \"drop_materials\": [\"safety_rules\"]}\n  ]\n}", baseVersions(versions)[0])
	}
	type vrow struct {
		county.CatalogVersion
		CreatedAt string
	}
	var vrows []vrow
	for _, v := range versions {
		vrows = append(vrows, vrow{v, stamp(v.Created)})
	}
	type prow struct {
		county.Publication
		AtText string
	}
	var prows []prow
	for _, p := range pubs {
		prows = append(prows, prow{p, stamp(p.At)})
	}
	type orow struct {
		county.OverrideRecord
		UpdatedAt string
	}
	var orows []orow
	for _, ov := range ovs {
		orows = append(orows, orow{ov, stamp(ov.Updated)})
	}
	form := r.PostForm
	overrideDoc := form.Get("override")
	if overrideDoc == "" {
		overrideDoc = example
	}
	data := map[string]any{"Versions": vrows, "Bases": baseVersions(versions), "Publications": prows, "Overrides": orows,
		"Points": points, "Problems": problems, "OverrideDoc": overrideDoc}
	if status != http.StatusOK {
		o.renderStatus(w, r, rc, status, "catalog", data)
		return
	}
	o.render(w, r, rc, "catalog", data)
}

// baseVersions are the versions an override may start from: every
// version that is not itself an override's effective catalog.
func baseVersions(vs []county.CatalogVersion) []string {
	var out []string
	for _, v := range vs {
		if v.Source != county.SourceOverride {
			out = append(out, v.Version)
		}
	}
	return out
}

// problemsOf lists a catalog error's problems (catalog.InvalidError has
// them one by one) or the error's text.
func problemsOf(err error) []string {
	var inv *catalog.InvalidError
	if errors.As(err, &inv) {
		return inv.Problems
	}
	return []string{err.Error()}
}

func (o *catalogPages) loadVersion(w http.ResponseWriter, r *http.Request, rc *reqCtx) (county.CatalogVersion, *catalog.Catalog, bool) {
	v, err := o.st.CatalogVersion(r.Context(), r.PathValue("version"))
	if errors.Is(err, county.ErrNotFound) {
		o.fail(w, r, rc, http.StatusNotFound, "没有这个目录版本")
		return v, nil, false
	}
	if err != nil {
		o.internal(w, r, rc, "read catalog version", err)
		return v, nil, false
	}
	cat, err := catalog.Parse(v.Doc)
	if err != nil {
		o.internal(w, r, rc, "parse stored catalog", err)
		return v, nil, false
	}
	return v, cat, true
}

func (o *catalogPages) versionPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	v, cat, ok := o.loadVersion(w, r, rc)
	if !ok {
		return
	}
	o.render(w, r, rc, "version", map[string]any{"V": v, "Cat": cat, "Created": stamp(v.Created),
		"ExportQuery": url.Values{"version": {v.Version}}.Encode()})
}

func (o *catalogPages) matterPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	v, cat, ok := o.loadVersion(w, r, rc)
	if !ok {
		return
	}
	m, found := cat.Matter(r.PathValue("code"))
	if !found {
		o.fail(w, r, rc, http.StatusNotFound, "该版本中没有这个事项")
		return
	}
	o.showMatter(w, r, rc, v, m, nil, http.StatusOK)
}

func feesText(fees []catalog.Fee) string {
	var b strings.Builder
	for _, f := range fees {
		fmt.Fprintf(&b, "%s | %s | %s\n", f.Item, f.Yuan, f.Basis)
	}
	return b.String()
}

// parseFees reads one fee per line: item | yuan | basis (basis optional).
func parseFees(text string) ([]catalog.Fee, error) {
	fees := []catalog.Fee{}
	for _, line := range splitLines(text) {
		parts := strings.Split(line, "|")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, fmt.Errorf("收费“%s”应写成：项目 | 金额 | 依据", line)
		}
		var y catalog.Yuan
		if err := json.Unmarshal([]byte(strings.TrimSpace(parts[1])), &y); err != nil {
			return nil, fmt.Errorf("收费“%s”：%v", line, err)
		}
		f := catalog.Fee{Item: strings.TrimSpace(parts[0]), Yuan: y}
		if len(parts) == 3 {
			f.Basis = strings.TrimSpace(parts[2])
		}
		fees = append(fees, f)
	}
	return fees, nil
}

func (o *catalogPages) showMatter(w http.ResponseWriter, r *http.Request, rc *reqCtx, v county.CatalogVersion, m *catalog.Matter, problems []string, status int) {
	newVersion := r.PostFormValue("new_version")
	if newVersion == "" {
		newVersion = v.Version + "-" + o.now().In(workday.China).Format("0102")
	}
	data := map[string]any{"V": v, "M": m, "Fees": feesText(m.Fees), "NewVersion": newVersion, "Problems": problems,
		"Visits": visitChoices(rc, m), "Depths": depthChoices(rc, m)}
	if status != http.StatusOK {
		o.renderStatus(w, r, rc, status, "matter", data)
		return
	}
	o.render(w, r, rc, "matter", data)
}

// choice is one option of a select on the matter page.
type choice struct {
	Value, Label string
	Selected     bool
}

// visitChoices are the 跑动次数 a matter can be given: "" keeps it
// unassessed (a catalog from before the field), which the figures count as
// neither 最多跑一次 nor 零上门.
func visitChoices(rc *reqCtx, m *catalog.Matter) []choice {
	v, known := m.VisitsKnown()
	out := []choice{{Value: "", Label: rc.T("未评定"), Selected: !known}}
	for i := 0; i <= catalog.MaxVisits; i++ {
		label := fmt.Sprintf(rc.T("%d次"), i)
		switch i {
		case 0:
			label = rc.T("0次（零跑腿）")
		case 1:
			label = rc.T("1次（最多跑一次）")
		}
		out = append(out, choice{Value: strconv.Itoa(i), Label: label, Selected: known && v == i})
	}
	return out
}

// depthChoices are the levels of 网办深度, "" for unassessed.
func depthChoices(rc *reqCtx, m *catalog.Matter) []choice {
	out := []choice{{Value: "", Label: rc.T("未评定"), Selected: m.OnlineDepth == 0}}
	for i := 1; i < len(catalog.OnlineDepths); i++ {
		out = append(out, choice{Value: strconv.Itoa(i), Label: rc.T(catalog.OnlineDepths[i]), Selected: m.OnlineDepth == i})
	}
	return out
}

// parseVisits reads the 跑动次数 field: "" is unassessed; the range is
// catalog.Parse's to judge.
func parseVisits(s string) (*int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// editMatter makes a new catalog version from a stored one with one
// matter changed; the whole new document must pass catalog.Parse.
func (o *catalogPages) editMatter(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	v, cat, ok := o.loadVersion(w, r, rc)
	if !ok {
		return
	}
	m, found := cat.Matter(r.PathValue("code"))
	if !found {
		o.fail(w, r, rc, http.StatusNotFound, "该版本中没有这个事项")
		return
	}
	orig := *m
	form := r.PostForm
	var problems []string
	newVersion := strings.TrimSpace(form.Get("new_version"))
	if newVersion == "" || newVersion == v.Version {
		problems = append(problems, rc.T("新版本号必须填写，且不能与原版本相同"))
	}
	m.Name = strings.TrimSpace(form.Get("name"))
	days, err := strconv.Atoi(strings.TrimSpace(form.Get("promised_days")))
	if err != nil || days < 0 {
		problems = append(problems, rc.T("承诺时限应为0或正整数（工作日）"))
	}
	m.PromisedDays = days
	if fees, err := parseFees(form.Get("fees")); err != nil {
		problems = append(problems, err.Error())
	} else {
		m.Fees = fees
	}
	// A form without the fields (a script written before them) keeps the
	// matter's values; the page always sends them, "" for unassessed.
	if _, sent := form["visits"]; sent {
		if vis, err := parseVisits(form.Get("visits")); err != nil {
			problems = append(problems, rc.T("跑动次数应为0到5之间的整数，或不填（未评定）"))
		} else {
			m.Visits = vis
		}
	}
	if _, sent := form["online_depth"]; sent {
		if d := strings.TrimSpace(form.Get("online_depth")); d == "" {
			m.OnlineDepth = 0
		} else if m.OnlineDepth, err = strconv.Atoi(d); err != nil {
			problems = append(problems, rc.T("网办深度应为一级到四级，或不填（未评定）"))
		}
	}
	drop := form["drop"]
	m.Materials = slices.DeleteFunc(slices.Clone(m.Materials), func(x catalog.Material) bool { return slices.Contains(drop, x.ID) })
	if id := strings.TrimSpace(form.Get("add_id")); id != "" {
		originals, _ := strconv.Atoi(form.Get("add_originals"))
		copies, _ := strconv.Atoi(form.Get("add_copies"))
		m.Materials = append(m.Materials, catalog.Material{ID: id, Name: strings.TrimSpace(form.Get("add_name")),
			Required: form.Get("add_required") == "on", Originals: originals, Copies: copies})
	}
	if len(problems) > 0 {
		*m = orig
		o.showMatter(w, r, rc, v, m, problems, http.StatusBadRequest)
		return
	}
	cat.Version = newVersion
	cat.Published = o.now().In(workday.China).Format("2006-01-02")
	doc, err := cat.Encode()
	if err != nil {
		o.internal(w, r, rc, "encode catalog", err)
		return
	}
	// Parse is the one judge of a catalog, here as at the kiosk: a version
	// it refuses would stop every kiosk's feed.
	if _, err := catalog.Parse(doc); err != nil {
		*m = orig
		o.showMatter(w, r, rc, v, m, problemsOf(err), http.StatusBadRequest)
		return
	}
	e := rc.audit("catalog.edit", newVersion)
	e.Detail = v.Version + " → " + orig.Code
	_, err = o.st.AddCatalogVersion(r.Context(), county.CatalogVersion{Version: newVersion, Doc: doc, Source: county.SourceEdit,
		BaseVersion: v.Version, Matters: len(cat.Matters), CreatedBy: rc.Session.Staff.Name}, e)
	if errors.Is(err, county.ErrExists) {
		*m = orig
		o.showMatter(w, r, rc, v, m, []string{rc.T("该版本号已存在，请换一个")}, http.StatusBadRequest)
		return
	}
	if err != nil {
		o.internal(w, r, rc, "store catalog version", err)
		return
	}
	http.Redirect(w, r, "/office/catalog/versions/"+url.PathEscape(newVersion), http.StatusSeeOther)
}

// importCatalog stores an uploaded catalog document if, and only if, it
// passes catalog.Parse whole.
func (o *catalogPages) importCatalog(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	f, _, err := r.FormFile("file")
	if err != nil {
		o.showCatalog(w, r, rc, []string{rc.T("请选择要导入的目录文件")}, http.StatusBadRequest)
		return
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, protocol8MiB+1))
	if err != nil {
		o.internal(w, r, rc, "read upload", err)
		return
	}
	if len(raw) > protocol8MiB {
		o.showCatalog(w, r, rc, []string{rc.T("目录文件超过8 MB")}, http.StatusBadRequest)
		return
	}
	cat, err := catalog.Parse(raw)
	if err != nil {
		o.showCatalog(w, r, rc, problemsOf(err), http.StatusBadRequest)
		return
	}
	_, err = o.st.AddCatalogVersion(r.Context(), county.CatalogVersion{Version: cat.Version, Doc: raw, Source: county.SourceImport,
		Matters: len(cat.Matters), CreatedBy: rc.Session.Staff.Name}, rc.audit("catalog.import", cat.Version))
	if errors.Is(err, county.ErrExists) {
		o.showCatalog(w, r, rc, []string{fmt.Sprintf(rc.T("版本“%s”已存在且内容不同；请修改版本号后再导入"), cat.Version)}, http.StatusBadRequest)
		return
	}
	if err != nil {
		o.internal(w, r, rc, "store catalog version", err)
		return
	}
	http.Redirect(w, r, "/office/catalog/versions/"+url.PathEscape(cat.Version), http.StatusSeeOther)
}

// publish sends a stored version to the chosen points, or to all.
func (o *catalogPages) publish(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	version := r.PostFormValue("version")
	var points []string
	if r.PostFormValue("scope") == "selected" {
		points = r.PostForm["point"]
		if len(points) == 0 {
			o.showCatalog(w, r, rc, []string{rc.T("请至少选择一个服务点，或选择发布到全部服务点")}, http.StatusBadRequest)
			return
		}
	}
	_, err := o.st.PublishCatalogVersion(r.Context(), version, points, rc.Session.Staff.Name, rc.audit("catalog.publish", version))
	var inv *county.InvalidError
	switch {
	case errors.Is(err, county.ErrNotFound):
		o.showCatalog(w, r, rc, []string{rc.T("没有这个目录版本")}, http.StatusBadRequest)
		return
	case errors.As(err, &inv):
		o.showCatalog(w, r, rc, []string{inv.Msg}, http.StatusBadRequest)
		return
	case err != nil:
		o.internal(w, r, rc, "publish catalog", err)
		return
	}
	http.Redirect(w, r, "/office/catalog", http.StatusSeeOther)
}

// override records a township override after catalog.ParseOverride and
// Apply accept it against its base version, and publishes the effective
// catalog to that point under a version of its own (a kiosk refuses a
// known version with other content).
func (o *catalogPages) override(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	ctx := r.Context()
	point := strings.TrimSpace(r.PostFormValue("point"))
	raw := []byte(r.PostFormValue("override"))
	ov, err := catalog.ParseOverride(raw)
	if err != nil {
		o.showCatalog(w, r, rc, problemsOf(err), http.StatusBadRequest)
		return
	}
	if ov.ServicePoint == "" {
		ov.ServicePoint = point
	}
	if ov.ServicePoint != point || point == "" {
		o.showCatalog(w, r, rc, []string{rc.T("覆盖文件的服务点与所选服务点不一致")}, http.StatusBadRequest)
		return
	}
	base, err := o.st.CatalogVersion(ctx, ov.BaseVersion)
	if errors.Is(err, county.ErrNotFound) {
		o.showCatalog(w, r, rc, []string{fmt.Sprintf(rc.T("基础目录版本“%s”不存在，请先导入"), ov.BaseVersion)}, http.StatusBadRequest)
		return
	}
	if err != nil {
		o.internal(w, r, rc, "read base catalog", err)
		return
	}
	baseCat, err := catalog.Parse(base.Doc)
	if err != nil {
		o.internal(w, r, rc, "parse base catalog", err)
		return
	}
	eff, err := ov.Apply(baseCat)
	if err != nil {
		o.showCatalog(w, r, rc, problemsOf(err), http.StatusBadRequest)
		return
	}
	eff.Version = fmt.Sprintf("%s+%s.%s", base.Version, point, o.now().In(workday.China).Format("20060102150405"))
	doc, err := eff.Encode()
	if err != nil {
		o.internal(w, r, rc, "encode effective catalog", err)
		return
	}
	if _, err := catalog.Parse(doc); err != nil {
		o.showCatalog(w, r, rc, problemsOf(err), http.StatusBadRequest)
		return
	}
	ovDoc, err := json.Marshal(ov)
	if err != nil {
		o.internal(w, r, rc, "encode override", err)
		return
	}
	_, err = o.st.SetOverride(ctx, county.OverrideRecord{Point: point, BaseVersion: base.Version, Doc: ovDoc, By: rc.Session.Staff.Name},
		county.CatalogVersion{Version: eff.Version, Doc: doc, Source: county.SourceOverride, BaseVersion: base.Version, Point: point,
			Matters: len(eff.Matters), CreatedBy: rc.Session.Staff.Name}, rc.audit("catalog.override", point))
	var inv *county.InvalidError
	switch {
	case errors.As(err, &inv):
		o.showCatalog(w, r, rc, []string{inv.Msg}, http.StatusBadRequest)
		return
	case err != nil:
		o.internal(w, r, rc, "store override", err)
		return
	}
	http.Redirect(w, r, "/office/catalog", http.StatusSeeOther)
}
