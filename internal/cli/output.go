package cli

import (
	"io"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/gha"
	"github.com/kamal-ecr/kamal-ecr/internal/report"
)

// output is where a run reports: the runner's annotations in Actions, a
// terminal's text elsewhere (term set).
type output struct {
	gh   *gha.Env
	term *report.Terminal
}

// output picks the report for where the command runs. Colour goes to a
// stream only when it is a terminal and NO_COLOR is unset or empty
// (no-color.org).
func (c *Command) output(gh *gha.Env, getenv func(string) string) output {
	if gh.InActions() {
		return output{gh: gh}
	}
	color := func(w io.Writer) bool {
		return c.IsTerminal != nil && c.IsTerminal(w) && getenv("NO_COLOR") == ""
	}
	return output{gh: gh, term: &report.Terminal{Out: c.Stdout, Err: c.Stderr, OutColor: color(c.Stdout), ErrColor: color(c.Stderr)}}
}

// diagnose reports findings and the errors in err: an annotation each in
// Actions, compiler-style lines on a terminal.
func (o output) diagnose(findings []*diag.Finding, err error) {
	if o.term != nil {
		o.term.Diagnose(findings, err)
		return
	}
	for _, a := range report.Annotations(&action.Result{Findings: findings}, err) {
		o.gh.Annotate(a)
	}
}
