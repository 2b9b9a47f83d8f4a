package ovio

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"testing"
)

// TestModelInStep fails when op.go's state word and the model of it (model/op.pml, checked with
// spin by model/check) drift apart: every constant of op.go named st*, flag* or cause* must be
// #defined in the model under the same name with the same value, and the model must name no
// such constant op.go lacks.
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
