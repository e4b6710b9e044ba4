package cli

import (
	"fmt"
	"io"
	"slices"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/gha"
	"github.com/kamal-ecr/kamal-ecr/internal/inputs"
	"github.com/kamal-ecr/kamal-ecr/internal/report"
)

// output is where a run reports: one JSON document (--format json), the
// runner's annotations in Actions, or a terminal's text.
type output struct {
	gh    *gha.Env
	term  *report.Terminal
	json  io.Writer       // --format json: stdout takes the document alone
	early []*diag.Finding // json: findings made before the run, for the document
}

// output picks the report for the format and for where the command runs.
// Colour goes to a stream only when it is a terminal and NO_COLOR is unset
// or empty (no-color.org).
func (c *Command) output(gh *gha.Env, getenv func(string) string, format string) (*output, error) {
	in, _ := inputs.Lookup("format")
	if msg := in.Check(format); msg != "" {
		return nil, fmt.Errorf("--format: %s", msg)
	}
	if v, _ := in.EnumValue(format); v == "json" {
		return &output{gh: gh, json: c.Stdout}, nil
	}
	if gh.InActions() {
		return &output{gh: gh}, nil
	}
	color := func(w io.Writer) bool {
		return c.IsTerminal != nil && c.IsTerminal(w) && getenv("NO_COLOR") == ""
	}
	return &output{gh: gh, term: &report.Terminal{Out: c.Stdout, Err: c.Stderr, OutColor: color(c.Stdout), ErrColor: color(c.Stderr)}}, nil
}

// diagnose reports findings and the errors in err: an annotation each in
// Actions, compiler-style lines on a terminal. In JSON the findings wait
// for the document, and an error ends the run with one.
func (o *output) diagnose(findings []*diag.Finding, err error) {
	switch {
	case o.json != nil:
		o.early = append(o.early, findings...)
		if err != nil {
			o.document(action.Inputs{}, &action.Result{}, err)
		}
	case o.term != nil:
		o.term.Diagnose(findings, err)
	default:
		for _, a := range report.Annotations(&action.Result{Findings: findings}, err) {
			o.gh.Annotate(a)
		}
	}
}

// badInputs reports the inputs that did not parse, each on its own, and the
// warnings about those that did; the JSON document says the mode the flags
// asked for (in holds what parsed).
func (o *output) badInputs(in action.Inputs, err error) {
	if o.json != nil {
		o.early = append(o.early, in.Notes...)
		o.document(action.Inputs{Check: in.Check, DryRun: in.DryRun}, &action.Result{}, err)
		return
	}
	o.diagnose(in.Notes, err)
}

// document writes the JSON document of the run, with the early findings.
func (o *output) document(in action.Inputs, res *action.Result, err error) {
	r := *res
	r.Findings = append(slices.Clone(o.early), res.Findings...)
	o.json.Write(report.JSON(in, &r, err, o.gh.InActions()))
}
