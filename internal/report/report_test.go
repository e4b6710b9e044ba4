package report

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
)

func TestAnnotationsOncePerProblem(t *testing.T) {
	t.Parallel()
	same := errors.New("no usable AWS credentials")
	placed := &diag.Finding{Pos: diag.Pos{File: "config/deploy.yml", Line: 3}, Severity: diag.Warning, Msg: "image is wrong", Fix: "rename it"}
	got := Annotations(&action.Result{}, errors.Join(errors.Join(same, errors.New("no usable AWS credentials")), placed))
	if len(got) != 2 {
		t.Fatalf("annotations = %+v", got)
	}
	if a := got[1]; a.Level != "error" || a.File != "config/deploy.yml" || a.Line != 3 || a.Message != "image is wrong. Fix: rename it" {
		t.Errorf("placed error = %+v", a)
	}
	if s := Summary(action.Inputs{}, &action.Result{}, errors.Join(same, same)); strings.Count(s, "no usable AWS credentials") != 1 {
		t.Errorf("summary:\n%s", s)
	}
}

// A diff too long for the summary is cut, and the summary says so and
// that the cut diff no longer applies.
func TestSummaryCutsLongDiff(t *testing.T) {
	t.Parallel()
	var before, after strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&before, "k%d: %d\n", i, i)
		fmt.Fprintf(&after, "k%d: %d\n", i, -i)
	}
	r := &action.Result{Changes: []action.FileChange{{Path: "config/deploy.yml", Before: []byte(before.String()), After: []byte(after.String())}}}
	s := Summary(action.Inputs{DryRun: true}, r, nil)
	if !strings.Contains(s, " more changed lines, not shown: this diff is cut, so it no longer applies with git apply.") ||
		strings.Count(s, "\n") > maxDiffLines+20 {
		t.Errorf("summary of %d lines:\n%.2000s", strings.Count(s, "\n"), s)
	}
	short := &action.Result{Changes: []action.FileChange{{Path: "config/deploy.yml", Before: []byte("a: 1\n"), After: []byte("a: 2\n")}}}
	if s := Summary(action.Inputs{}, short, nil); strings.Contains(s, "not shown") {
		t.Errorf("a short diff is cut:\n%s", s)
	}
}

// Annotations come by weight, then in file order; at most ten of a level,
// the tenth saying how many more; notices of one kind per accessory become
// one annotation listing them.
func TestAnnotationsOrderCapAndGroup(t *testing.T) {
	t.Parallel()
	at := func(line int, sev diag.Severity, code, msg string) *diag.Finding {
		return &diag.Finding{Pos: diag.Pos{File: "config/deploy.yml", Line: line}, Severity: sev, Code: code, Msg: msg, Fix: "set rewrite-accessories: true"}
	}
	r := &action.Result{}
	for i := range 12 {
		r.Findings = append(r.Findings, at(100-i, diag.Warning, "w", fmt.Sprintf("warning %d", 100-i)))
	}
	for i := range 30 {
		r.Findings = append(r.Findings, at(200+i, diag.Notice, "pull-through/would-rewrite", fmt.Sprintf("accessories.a%d.image pulls through", i)))
	}
	r.Findings = append(r.Findings, at(5, diag.Notice, "cache/none", "no cache"))
	got := Annotations(r, at(50, diag.Error, "e", "broken"))
	var levels, lines []string
	for _, a := range got {
		levels = append(levels, string(a.Level))
		lines = append(lines, fmt.Sprint(a.Line))
	}
	if want := "error " + strings.Repeat("warning ", 10) + "notice notice"; strings.Join(levels, " ") != want {
		t.Fatalf("levels %s", strings.Join(levels, " "))
	}
	if want := "50 89 90 91 92 93 94 95 96 97 98 5 200"; strings.Join(lines, " ") != want {
		t.Errorf("lines %s, want %s", strings.Join(lines, " "), want)
	}
	if !strings.HasSuffix(got[10].Message, "(2 more warnings are in the job summary)") || strings.Contains(got[9].Message, "more") {
		t.Errorf("the tenth warning: %q", got[10].Message)
	}
	g := got[12].Message
	if !strings.HasPrefix(g, "30 accessory images would pull through the cache: accessories.a0.image pulls through (line 200); ") ||
		!strings.HasSuffix(g, "; and 10 more in the job summary. Fix: set rewrite-accessories: true") {
		t.Errorf("grouped notice: %q", g)
	}
}
