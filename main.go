// Command kamal-ecr gets a Kamal app ready to deploy through AWS ECR: it makes
// sure the repositories exist, patches the build cache options for ECR, and
// works out pull-through cache paths. It runs as a GitHub Action or a CLI.
package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/gha"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
	"github.com/kamal-ecr/kamal-ecr/internal/workspace"
)

const (
	// timeout bounds the whole run, retries included.
	timeout = 5 * time.Minute
	// grace is how long a stopped run may take to notice: reading a large
	// config does not look at the context, and nothing is written after a stop.
	grace = 2 * time.Second
)

func main() {
	ctx, stop := signalContext()
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop() // deferred calls do not run after os.Exit
	os.Exit(code)
}

// StoppedError is the cause of a run cut short by a signal.
type StoppedError struct{ Signal os.Signal }

func (e *StoppedError) Error() string {
	return fmt.Sprintf("stopped by %v before anything more was done", e.Signal)
}

// signalContext is cancelled on SIGINT or SIGTERM, with the signal as its cause.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-ch:
			cancel(&StoppedError{Signal: s})
		case <-ctx.Done():
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel(nil) }
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	gh := gha.New(getenv, stdout, stderr)
	lookup, code, done := parseFlags(args, gh, stdout, stderr)
	if done {
		return code
	}
	in, err := action.ParseInputs(lookup)
	if err != nil {
		for _, e := range flatten(err) { // one annotation per bad input
			gh.Annotate(gha.Annotation{Level: gha.Error, Title: "kamal-ecr", Message: e.Error()})
		}
		return 2
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errors.New("the run took longer than "+timeout.String()))
	defer cancel()
	ws := workspace.New(firstOf(getenv("GITHUB_WORKSPACE"), "."))
	deps := action.Deps{
		ReadFile:  ws.Read,
		WriteFile: ws.Write,
		Getenv:    getenv,
		Mask:      gh.Mask,
		Clients: func(ctx context.Context, region string, h *registry.Host) (*registry.Clients, error) {
			return registry.NewClients(ctx, getenv, region, h, registry.ClientOptions{})
		},
	}
	res, err := runAction(ctx, deps, in)
	var f *diag.Finding
	if gh.InActions() && ws.Empty() && errors.As(err, &f) && f.Msg == "config file not found" {
		f.Fix += "; the workspace is empty: add actions/checkout before this step"
	}
	summary := action.Summary(res, err)
	if gh.InActions() {
		gh.Group("kamal-ecr plan and results", summary) // the log shows what the summary shows
		for _, a := range action.Annotations(res, err) {
			gh.Annotate(a)
		}
		if serr := gh.Summary(summary); serr != nil {
			fmt.Fprintln(stderr, "kamal-ecr: job summary:", serr)
		}
	} else {
		fmt.Fprint(stdout, summary) // the summary lists every note and error
	}
	if err != nil {
		if in.Check && !errors.As(err, new(*action.InputError)) {
			return 1 // a check fails on what it found, whatever it is
		}
		return exitCode(err)
	}
	var outputs []gha.Output
	for _, o := range action.Outputs(res) {
		if (!in.Login || in.DryRun) && (o.Name == "registry-username" || o.Name == "registry-password") {
			continue // no empty login outputs: none was fetched
		}
		outputs = append(outputs, o)
	}
	if err := gh.SetOutputs(outputs); err != nil {
		gh.Annotate(gha.Annotation{Level: gha.Error, Title: "kamal-ecr", Message: "set outputs: " + err.Error()})
		return 1
	}
	return 0
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
			o = outcome{&action.Result{DryRun: in.DryRun}, context.Cause(ctx)}
		}
	}
	if o.err != nil && ctx.Err() != nil {
		o.err = context.Cause(ctx)
	}
	return o.res, o.err
}

// exitCode is 2 for what the user must fix in inputs or config, 1 otherwise.
func exitCode(err error) int {
	var ie *action.InputError
	var f *diag.Finding
	if errors.As(err, &ie) || errors.As(err, &f) {
		return 2
	}
	return 1
}

// flatten lists the errors joined in err.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
