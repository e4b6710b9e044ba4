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
