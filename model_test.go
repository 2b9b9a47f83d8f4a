package ovio

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestModelInStep fails when the code and the model of it (model/op.pml, checked with spin by
// model/check) drift apart. The state word: every constant of op.go named st*, flag* or cause*
// must be #defined in the model under the same name with the same value, and the model must name
// no such constant op.go lacks. The functions: see checkModelFuncs.
func TestModelInStep(t *testing.T) {
	code := map[string]int64{
		"stIdle": stIdle, "stPending": stPending, "stCompleting": stCompleting, "stDone": stDone,
		"stMask": stMask, "flagAsync": flagAsync, "flagCancel": flagCancel,
		"flagPublished": flagPublished, "causeShift": causeShift, "causeMask": causeMask,
		"causeCanceled": causeCanceled, "causeDeadline": causeDeadline, "causeClosed": causeClosed,
	}
	// Every such constant of op.go is in the table above: a new state or flag must be added to
	// the model, and so to the table.
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "op.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	isStateName := regexp.MustCompile(`^(st|flag|cause)[A-Z]`)
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			for _, n := range s.(*ast.ValueSpec).Names {
				if isStateName.MatchString(n.Name) {
					if _, ok := code[n.Name]; !ok {
						t.Errorf("op.go declares %s, which the model (model/op.pml) and this test do not know", n.Name)
					}
				}
			}
		}
	}

	pml, err := os.ReadFile("model/op.pml")
	if err != nil {
		t.Fatal(err)
	}
	checkModelFuncs(t, string(pml), codeFuncs(t))
	model := map[string]int64{}
	for _, m := range regexp.MustCompile(`(?m)^#define\s+(\w+)\s+(\d+)\b`).FindAllSubmatch(pml, -1) {
		v, _ := strconv.ParseInt(string(m[2]), 10, 64)
		model[string(m[1])] = v
	}
	for name, want := range code {
		got, ok := model[name]
		switch {
		case !ok:
			t.Errorf("model/op.pml does not #define %s (op.go: %d)", name, want)
		case got != want:
			t.Errorf("model/op.pml: %s is %d, op.go: %d", name, got, want)
		}
	}
	for name := range model {
		if isStateName.MatchString(name) {
			if _, ok := code[name]; !ok {
				t.Errorf("model/op.pml #defines %s, which op.go does not have", name)
			}
		}
	}
}

// codeFuncs returns the functions of the package's own (non-test) Go files, for every GOOS:
// "name" for a function, "Type.name" for a method.
func codeFuncs(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			if fd.Recv == nil || len(fd.Recv.List) == 0 {
				funcs[fd.Name.Name] = true
				continue
			}
			typ := fd.Recv.List[0].Type
			if s, ok := typ.(*ast.StarExpr); ok {
				typ = s.X
			}
			switch x := typ.(type) {
			case *ast.IndexExpr:
				typ = x.X
			case *ast.IndexListExpr:
				typ = x.X
			}
			if id, ok := typ.(*ast.Ident); ok {
				funcs[id.Name+"."+fd.Name.Name] = true
			}
		}
	}
	if len(funcs) == 0 {
		t.Fatal("found no Go functions")
	}
	return funcs
}

var (
	// modelDecl finds an inline or a proctype of the model, with the comment just above it.
	modelDecl = regexp.MustCompile(`(?ms)(/\*(?:[^*]|\*[^/])*\*/\n)?^(inline|proctype)\s+(\w+)\s*\(`)
	// modelTag is what such a comment says the declaration models: [code: a, T.b] or [code: none].
	modelTag = regexp.MustCompile(`\[code:\s*([^\]]*)\]`)
	// modelMention is a method of the code named anywhere in the model: opTable.acquire.
	modelMention = regexp.MustCompile(`\b(uringDriver|opTable|op|waiter|Engine|Op)\.([A-Za-z_]\w*)`)
)

// checkModelFuncs fails unless the model names the code's functions as the code does: every
// inline and proctype carries a tag [code: f, T.m, ...] in the comment just above it, naming the
// functions of the code it models (or [code: none], for the kernel's part), and each must exist
// in the code; an inline's name must contain (ignoring case) the name of one of its functions,
// so that it is found under the code's name; and every Type.method the model's comments name
// must exist. A function renamed in the code fails here until the model follows.
func checkModelFuncs(t *testing.T, pml string, funcs map[string]bool) {
	t.Helper()
	decls := modelDecl.FindAllStringSubmatch(pml, -1)
	if len(decls) < 10 {
		t.Fatalf("found only %d inlines and proctypes in model/op.pml", len(decls))
	}
	for _, d := range decls {
		comment, kind, name := d[1], d[2], d[3]
		tag := modelTag.FindStringSubmatch(comment)
		if tag == nil {
			t.Errorf("model/op.pml: %s %s has no [code: ...] tag in the comment above it naming the functions it models", kind, name)
			continue
		}
		var named []string
		// A tag may run onto the comment's next line, whose leading '*' is no part of it.
		for _, f := range strings.Split(strings.ReplaceAll(tag[1], "*", " "), ",") {
			if f = strings.Join(strings.Fields(f), ""); f != "" {
				named = append(named, f)
			}
		}
		if len(named) == 1 && named[0] == "none" {
			continue
		}
		if len(named) == 0 {
			t.Errorf("model/op.pml: %s %s: empty [code: ] tag", kind, name)
		}
		found := false
		for _, f := range named {
			if !funcs[f] {
				t.Errorf("model/op.pml: %s %s models %s, which the code does not have", kind, name, f)
			}
			short := f[strings.LastIndex(f, ".")+1:]
			found = found || strings.Contains(strings.ToLower(name), strings.ToLower(short))
		}
		if kind == "inline" && !found {
			t.Errorf("model/op.pml: inline %s is not named as the code names what it models (%s)", name, strings.Join(named, ", "))
		}
	}
	for _, m := range modelMention.FindAllStringSubmatch(pml, -1) {
		if m[1] == "op" && (m[2] == "go" || m[2] == "pml") {
			continue // a file's name
		}
		if !funcs[m[1]+"."+m[2]] {
			t.Errorf("model/op.pml names %s.%s, which the code does not have", m[1], m[2])
		}
	}
}
