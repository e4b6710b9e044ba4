// Package cli is kamal-ecr as a command: it reads the flags and inputs,
// runs the action with its ways to the outside world, reports, and decides
// the exit code. main only wires it to the process.
package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/gha"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
	"github.com/kamal-ecr/kamal-ecr/internal/report"
	"github.com/kamal-ecr/kamal-ecr/internal/workspace"
)

const (
	// timeout bounds the whole run, retries included.
	timeout = 5 * time.Minute
	// grace is how long a stopped run may take to notice: reading a large
	// config does not look at the context, and nothing is written after a stop.
	grace = 2 * time.Second
)

// Command is one run of kamal-ecr.
type Command struct {
	Version        string // the release's version, when the build set one
	Stdout, Stderr io.Writer
	// IsTerminal says whether w is a terminal, so that it gets colour; nil
	// means never.
	IsTerminal func(w io.Writer) bool
}

// Run runs the command with args (without the program name) in environ
// ("KEY=value" entries) and returns the exit code.
func (c *Command) Run(ctx context.Context, args, environ []string) int {
	getenv := getenvFrom(environ)
	f, code, done := parseFlags(args, c.Stdout, c.Stderr)
	if done {
		return code
	}
	commands := c.Stdout // workflow commands; the runner reads them on stderr too
	if strings.EqualFold(f.cliOnly("format"), "json") {
		commands = c.Stderr // stdout is the document alone
	}
	gh := gha.New(getenv, commands, c.Stderr)
	if f.given["version"] {
		info, ok := debug.ReadBuildInfo()
		fmt.Fprintln(c.Stdout, "kamal-ecr", version(c.Version, info, ok))
		return 0
	}
	out, err := c.output(gh, getenv, f.cliOnly("format"))
	if err != nil {
		fmt.Fprintln(c.Stderr, "kamal-ecr: error:", err)
		return 2
	}
	var notes []*diag.Finding
	for _, msg := range unknownInputs(environ) {
		notes = append(notes, &diag.Finding{Severity: diag.Warning, Code: "input/unknown", Msg: msg})
	}
	out.diagnose(notes, nil)
	if err := gh.Open(); err != nil { // before any change
		out.diagnose(nil, err)
		return 1
	}
	defer gh.Close()
	lookup, hook := underHook(f.lookup(gh), args, getenv)
	in, err := action.ParseInputs(lookup)
	in.Hook = hook
	if err != nil {
		out.badInputs(in, err)
		return 2
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errors.New("the run took longer than "+timeout.String()))
	defer cancel()
	ws := workspace.New(cmp.Or(getenv("GITHUB_WORKSPACE"), "."))
	defer ws.Close() // the next run on this workspace reads what this one wrote
	deps := c.deps(gh, ws, getenv)
	if f.lookup(gh)("iam-policy") == "true" {
		return c.iamPolicy(ctx, out, deps, in)
	}
	res, err := runAction(ctx, deps, in)
	if gh.InActions() && ws.Empty() {
		err = emptyWorkspaceHint(err)
	}
	if err == nil && gh.HasOutputFile() { // after the config; put it back if they fail
		if oerr := gh.SetOutputs(report.Outputs(res)); oerr != nil {
			err = errors.Join(fmt.Errorf("set outputs: %w", oerr), action.Undo(deps, res))
		}
	}
	return c.report(gh, out, in, res, err)
}

func (c *Command) deps(gh *gha.Env, ws *workspace.Dir, getenv func(string) string) action.Deps {
	return action.Deps{
		ReadFile:  ws.Read,
		WriteFile: ws.Write,
		Getenv:    getenv,
		Mask:      gh.Mask,
		Clients: func(ctx context.Context, region string, h *registry.Host) (*registry.Clients, error) {
			return registry.NewClients(ctx, getenv, region, h, registry.ClientOptions{})
		},
	}
}

// iamPolicy prints the policy as JSON on stdout, and anything else on
// stderr, so the output can be piped into aws iam put-role-policy.
func (c *Command) iamPolicy(ctx context.Context, out *output, deps action.Deps, in action.Inputs) int {
	if out.term == nil { // stdout is the policy alone, in Actions and with --format json too
		out = &output{term: &report.Terminal{Out: c.Stdout, Err: c.Stderr}}
	}
	p, err := action.IAMPolicy(ctx, deps, in)
	if err != nil {
		out.diagnose(nil, err)
		return exitCode(in, err)
	}
	var notes []*diag.Finding
	for _, n := range p.Notices {
		notes = append(notes, &diag.Finding{Severity: diag.Notice, Code: "iam/notice", Msg: n})
	}
	out.diagnose(notes, nil)
	c.Stdout.Write(p.Document.JSON())
	return 0
}

// report shows what happened: in Actions the job summary, the log and the
// annotations; elsewhere the terminal's text, outputs included.
func (c *Command) report(gh *gha.Env, out *output, in action.Inputs, res *action.Result, err error) int {
	if out.json != nil {
		out.document(in, res, err)
		return exitCode(in, err)
	}
	if out.term != nil {
		out.term.Report(in, res, err)
		return exitCode(in, err)
	}
	summary := report.Summary(in, res, err)
	gh.Group("kamal-ecr plan and results", summary) // the log shows what the summary shows
	for _, a := range report.Annotations(res, err) {
		gh.Annotate(a)
	}
	if serr := gh.Summary(summary); serr != nil {
		fmt.Fprintln(c.Stderr, "kamal-ecr: job summary:", serr)
	}
	return exitCode(in, err)
}

// emptyWorkspaceHint adds to a missing config's fix, in a copy, that the
// workspace is empty: the step most likely runs before actions/checkout.
func emptyWorkspaceHint(err error) error {
	var f *diag.Finding
	if !errors.As(err, &f) || f.Code != "config-not-found" {
		return err
	}
	g := *f
	g.Fix += "; the workspace is empty: add actions/checkout before this step"
	return &g
}

// exitCode is 2 for what the user must fix in inputs or config, 1
// otherwise; a check fails with 1 on whatever it found.
func exitCode(in action.Inputs, err error) int {
	var ie *action.InputError
	var f *diag.Finding
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ie), errors.As(err, new(*action.HookError)): // a hook's config must change first
		return 2
	case in.Check:
		return 1
	case errors.As(err, &f) && !strings.HasPrefix(f.Code, "aws/"): // an aws/ finding is placed at a line but is AWS's answer
		return 2
	}
	return 1
}

// runAction runs the action until it ends or, once the run is stopped, for
// at most the grace period: a stopped run reports the stop, not the
// cancelled calls it caused.
func runAction(ctx context.Context, d action.Deps, in action.Inputs) (*action.Result, error) {
	type outcome struct {
		res *action.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := action.Run(ctx, d, in)
		done <- outcome{res, err}
	}()
	var o outcome
	select {
	case o = <-done:
	case <-ctx.Done():
		select {
		case o = <-done:
		case <-time.After(grace):
			o = outcome{&action.Result{}, context.Cause(ctx)}
		}
	}
	if o.err != nil && ctx.Err() != nil {
		o.err = context.Cause(ctx)
	}
	return o.res, o.err
}
