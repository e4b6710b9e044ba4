// Command kamal-ecr gets a Kamal app ready to deploy through AWS ECR: it makes
// sure the repositories exist, patches the build cache options for ECR, and
// works out pull-through cache paths. It runs as a GitHub Action or a CLI.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/gha"
	"github.com/kamal-ecr/kamal-ecr/internal/kamal"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
	"github.com/kamal-ecr/kamal-ecr/internal/workspace"
)

// timeout bounds the whole run, retries included.
const timeout = 5 * time.Minute

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop() // deferred calls do not run after os.Exit
	os.Exit(code)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	gh := gha.New(getenv, stdout, stderr)
	lookup, err := parseFlags(args, gh, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	in, err := action.ParseInputs(lookup)
	if err != nil {
		gh.Annotate(gha.Annotation{Level: gha.Error, Title: "kamal-ecr", Message: err.Error()})
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
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
	res, err := action.Run(ctx, deps, in)
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
		return exitCode(err)
	}
	if err := gh.SetOutputs(action.Outputs(res)); err != nil {
		gh.Annotate(gha.Annotation{Level: gha.Error, Title: "kamal-ecr", Message: "set outputs: " + err.Error()})
		return 1
	}
	return 0
}

// exitCode is 2 for what the user must fix in inputs or config, 1 otherwise.
func exitCode(err error) int {
	var ie *action.InputError
	var f *kamal.Finding
	if errors.As(err, &ie) || errors.As(err, &f) {
		return 2
	}
	return 1
}

// parseFlags gives each input a flag of the same name; a flag wins over the
// INPUT_ variable the runner sets, which wins over the default.
func parseFlags(args []string, gh *gha.Env, stderr io.Writer) (func(string) string, error) {
	fs := flag.NewFlagSet("kamal-ecr", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: kamal-ecr [flags]\n\nGets a Kamal config ready for AWS ECR. In GitHub Actions, flags come from the step's inputs.\n\n")
		fs.PrintDefaults()
	}
	set := map[string]*string{}
	for _, in := range action.InputDefs {
		v := new(string)
		set[in.Name] = v
		if in.Default == "true" || in.Default == "false" {
			fs.Var((*boolFlag)(v), in.Name, in.Description)
		} else {
			fs.Var((*stringFlag)(v), in.Name, in.Description+defaultNote(in.Default))
		}
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kamal-ecr: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return nil, errors.New("usage")
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	return func(name string) string {
		if given[name] {
			return *set[name]
		}
		if v, ok := gh.Input(name); ok {
			return v
		}
		return action.Defaults(name)
	}, nil
}

func defaultNote(d string) string {
	if d == "" {
		return ""
	}
	return " (default " + d + ")"
}

type stringFlag string

func (s *stringFlag) String() string     { return string(*s) }
func (s *stringFlag) Set(v string) error { *s = stringFlag(v); return nil }

// boolFlag lets --dry-run stand alone, and takes --dry-run=false too.
type boolFlag string

func (b *boolFlag) String() string { return string(*b) }
func (b *boolFlag) Set(v string) error {
	*b = boolFlag(strings.ToLower(v))
	return nil
}
func (b *boolFlag) IsBoolFlag() bool { return true }

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
