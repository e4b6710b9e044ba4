package action

import (
	"errors"
	"strings"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/kamal"
)

func TestAnnotationsOncePerProblem(t *testing.T) {
	same := errors.New("no usable AWS credentials")
	placed := &kamal.Finding{Pos: kamal.Pos{File: "config/deploy.yml", Line: 3}, Severity: kamal.Warning, Msg: "image is wrong", Fix: "rename it"}
	got := Annotations(&Result{}, errors.Join(errors.Join(same, errors.New("no usable AWS credentials")), placed))
	if len(got) != 2 {
		t.Fatalf("annotations = %+v", got)
	}
	if a := got[1]; a.Level != "error" || a.File != "config/deploy.yml" || a.Line != 3 || a.Message != "image is wrong. Fix: rename it" {
		t.Errorf("placed error = %+v", a)
	}
	if s := Summary(&Result{}, errors.Join(same, same)); strings.Count(s, "no usable AWS credentials") != 1 {
		t.Errorf("summary:\n%s", s)
	}
}
