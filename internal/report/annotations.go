package report

import (
	"errors"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/gha"
)

// Annotations are one per finding and one per error, at the config's file and line.
func Annotations(r *action.Result, err error) []gha.Annotation {
	var out []gha.Annotation
	add := func(f *diag.Finding) {
		msg := f.Msg
		if f.Fix != "" {
			msg += ". Fix: " + f.Fix
		}
		out = append(out, gha.Annotation{Level: gha.Level(f.Severity.String()), File: f.Pos.File, Line: f.Pos.Line, Col: f.Pos.Col, Title: "kamal-ecr", Message: msg})
	}
	if r != nil {
		for _, f := range r.Findings {
			add(f)
		}
	}
	for _, e := range diag.Flatten(err) {
		var f *diag.Finding
		if errors.As(e, &f) {
			g := *f
			g.Severity = diag.Error
			add(&g)
			continue
		}
		out = append(out, gha.Annotation{Level: gha.Error, Title: "kamal-ecr", Message: e.Error()})
	}
	return out
}
