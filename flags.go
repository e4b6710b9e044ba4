package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/gha"
)

// version is set at build time (-ldflags "-X main.version=v1.2.3"); else
// it comes from the module's build information.
var version = ""

// listInputs take several values: a repeated flag adds to the list.
var listInputs = []string{"images", "extra-repositories", "repository-tags", "pull-through-cache"}

// parseFlags gives each input a flag of the same name; a flag wins over the
// INPUT_ variable the runner sets, which wins over the default. done means
// the run ends here, with code (help, version, bad flags).
func parseFlags(args []string, gh *gha.Env, stdout, stderr io.Writer) (lookup func(string) string, code int, done bool) {
	fs := flag.NewFlagSet("kamal-ecr", flag.ContinueOnError)
	fs.SetOutput(stderr)
	showVersion := fs.Bool("version", false, "print the version and exit")
	set := map[string]*string{}
	for _, in := range action.InputDefs {
		v := new(string)
		set[in.Name] = v
		usage := in.Description + fmt.Sprintf(" (default %q)", in.Default)
		switch {
		case in.Default == "true" || in.Default == "false":
			fs.Var((*boolFlag)(v), in.Name, usage)
		case slices.Contains(listInputs, in.Name):
			fs.Var((*listFlag)(v), in.Name, usage+"; repeat the flag for more")
		default:
			fs.Var((*stringFlag)(v), in.Name, usage)
		}
	}
	fs.Usage = func() {} // the flag package has printed the error; help is printed below
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(fs, stdout)
			return nil, 0, true
		}
		fmt.Fprintln(stderr, "see kamal-ecr --help")
		return nil, 2, true
	}
	if *showVersion {
		fmt.Fprintln(stdout, "kamal-ecr", Version())
		return nil, 0, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kamal-ecr: unexpected argument %q (see kamal-ecr --help)\n", fs.Arg(0))
		return nil, 2, true
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
	}, 0, false
}

func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, `Usage: kamal-ecr [flags]

Gets a Kamal config ready for AWS ECR: creates the repositories Kamal pushes
to, patches builder.cache.options for ECR, and computes pull-through cache
paths. In GitHub Actions the flags come from the step's inputs (INPUT_*);
a flag given here wins over them.

Flags (booleans take --flag or --flag=false):
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprint(w, `
Exit status:
  0  success
  1  AWS refused or failed, the network, a file that could not be written, a
     stop; with --check, a config that would change or that Kamal would refuse
  2  a problem in the inputs or the Kamal config, reported at its file and line
`)
}

// Version is the build's version.
func Version() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "devel " + rev
}

type stringFlag string

func (s *stringFlag) String() string     { return string(*s) }
func (s *stringFlag) Set(v string) error { *s = stringFlag(v); return nil }

// listFlag accumulates: each use adds a line.
type listFlag string

func (l *listFlag) String() string { return string(*l) }
func (l *listFlag) Set(v string) error {
	if *l != "" {
		*l += "\n"
	}
	*l += listFlag(v)
	return nil
}

// boolFlag lets --dry-run stand alone, and takes --dry-run=false too.
type boolFlag string

func (b *boolFlag) String() string { return string(*b) }
func (b *boolFlag) Set(v string) error {
	*b = boolFlag(strings.TrimSpace(v))
	return nil
}
func (b *boolFlag) IsBoolFlag() bool { return true }
