package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// structTypes lists the exported struct types declared in a package's
// directory (test files left out).
func structTypes(t *testing.T, dir string) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.TYPE {
					continue
				}
				for _, s := range g.Specs {
					ts := s.(*ast.TypeSpec)
					if _, isStruct := ts.Type.(*ast.StructType); isStruct && ts.Name.IsExported() {
						out[ts.Name.Name] = true
					}
				}
			}
		}
	}
	return out
}

// kioskStructUses finds, in the Go files under root, every use of one of
// the kiosk domain's struct types (cases.Case, cases.Draft …) through an
// import of the cases package.
func kioskStructUses(t *testing.T, root string, structs map[string]bool) (uses []string, files int) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		local := ""
		for _, im := range f.Imports {
			if strings.Trim(im.Path.Value, `"`) == module+"/app/cases" {
				local = "cases"
				if im.Name != nil {
					local = im.Name.Name
				}
			}
		}
		if local == "" {
			return nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == local && structs[sel.Sel.Name] {
				uses = append(uses, fset.Position(sel.Pos()).String()+": "+local+"."+sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return uses, files
}

// TestCountyReadsOnlyTheWireForm keeps the county center off the kiosk's
// domain structs: a case reaches it as protocol.CaseDoc and is read as
// that, so a change to the kiosk's domain cannot silently change what the
// county reads. The county may still use the domain's pure functions
// (status names, material names).
func TestCountyReadsOnlyTheWireForm(t *testing.T) {
	structs := structTypes(t, filepath.Join("..", "cases"))
	if !structs["Case"] || !structs["Draft"] {
		t.Fatalf("struct types of app/cases = %v: the parser found none, the check would pass vacuously", structs)
	}
	uses, files := kioskStructUses(t, filepath.Join("..", "..", "sync"), structs)
	if files < 10 {
		t.Fatalf("checked only %d files under sync/", files)
	}
	for _, u := range uses {
		t.Errorf("%s: the county reads cases as protocol.CaseDoc, not as the kiosk's struct", u)
	}
}

// TestWireCheckCatchesAStructUse proves the check above can fail.
func TestWireCheckCatchesAStructUse(t *testing.T) {
	dir := t.TempDir()
	src := "package x\n\nimport c \"" + module + "/app/cases\"\n\nvar d c.Case\n\nvar n = c.StatusName\n"
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	uses, _ := kioskStructUses(t, dir, map[string]bool{"Case": true})
	if len(uses) != 1 || !strings.HasSuffix(uses[0], "c.Case") {
		t.Errorf("uses = %q, want exactly the c.Case one", uses)
	}
}
