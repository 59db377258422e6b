package office

import (
	"html/template"
	"io/fs"
	"path"
	"strings"
)

// mustParsePages parses every page with the base layout, once per
// language: the translation function is bound at parse time, so a page
// renders without looking the language up again. The templates are
// embedded, so an error here is a broken build and panics (a test parses
// them too).
func mustParsePages() map[string]map[string]*template.Template {
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]map[string]*template.Template{}
	for _, lang := range []string{"zh", "en"} {
		out[lang] = map[string]*template.Template{}
		funcs := template.FuncMap{
			"t":         func(zh string) string { return translate(lang, zh) },
			"hasPrefix": strings.HasPrefix,
			"roleName":  roleName,
			// exportLinks are a page's 导出 CSV / 导出 Excel links (export.go).
			"exportLinks": exportLinksFor,
		}
		for _, n := range names {
			page := strings.TrimSuffix(path.Base(n), ".html")
			if page == "base" {
				continue
			}
			t := template.Must(template.New(page).Funcs(funcs).ParseFS(files, "templates/base.html", n))
			out[lang][page] = t
		}
	}
	return out
}
