package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/gha"
	"github.com/kamal-ecr/kamal-ecr/internal/inputs"
)

// flags is what the command line said.
type flags struct {
	set   map[string]*string // by input name
	given map[string]bool
}

// parseFlags gives each input of the table a flag of the same name. done
// means the run ends here, with code (help, bad flags).
func parseFlags(args []string, stdout, stderr io.Writer) (f flags, code int, done bool) {
	fs := flag.NewFlagSet("kamal-ecr", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // its errors are said below, with double dashes
	f = flags{set: map[string]*string{}, given: map[string]bool{}}
	for _, in := range inputs.All {
		v := new(string)
		f.set[in.Name] = v
		switch in.Kind {
		case inputs.Bool:
			fs.Var((*boolFlag)(v), in.Name, in.Plain())
		case inputs.List:
			fs.Var((*listFlag)(v), in.Name, in.Plain())
		default:
			fs.Var((*stringFlag)(v), in.Name, in.Plain())
		}
	}
	fs.Usage = func() {} // the flag package has printed the error; help is printed below
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return f, 0, true
		}
		fmt.Fprintf(stderr, "kamal-ecr: error: %s (see kamal-ecr --help)\n", singleDash.ReplaceAllString(err.Error(), "$1--$2"))
		return f, 2, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kamal-ecr: error: unexpected argument %q (see kamal-ecr --help)\n", fs.Arg(0))
		return f, 2, true
	}
	fs.Visit(func(fl *flag.Flag) { f.given[fl.Name] = true })
	return f, 0, false
}

// singleDash finds the flag package's -name in its errors, which --help
// and every message here write --name.
var singleDash = regexp.MustCompile(`(: )-([A-Za-z])`)

// lookup answers an input: a flag wins over the INPUT_ variable the runner
// sets, which wins over the default. CLI-only flags have no variable.
func (f flags) lookup(gh *gha.Env) func(string) string {
	return func(name string) string {
		if f.given[name] {
			return *f.set[name]
		}
		if in, ok := inputs.Lookup(name); ok && !in.CLIOnly {
			if v, ok := gh.Input(name); ok {
				return v
			}
		}
		return inputs.Default(name)
	}
}

// cliOnly is a CLI-only flag's value: given, or its default.
func (f flags) cliOnly(name string) string {
	if f.given[name] {
		return strings.TrimSpace(*f.set[name])
	}
	return inputs.Default(name)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: kamal-ecr [flags]

Gets a Kamal config ready for AWS ECR: creates the repositories Kamal pushes
to, patches builder.cache.options for ECR, and computes pull-through cache
paths. In GitHub Actions the flags come from the step's inputs (INPUT_*);
a flag given here wins over them. Booleans take --flag or --flag=false; list
flags take items separated by commas or newlines, and may be repeated.
`)
	for _, g := range inputs.Groups {
		fmt.Fprintf(w, "\n%s:\n", g.Title())
		for _, in := range inputs.All {
			if in.Group == g {
				fmt.Fprintf(w, "  --%s%s\n%s", in.Name, placeholder(in), wrap(in.AsFlags()+defaultNote(in), "      ", 80))
			}
		}
	}
	fmt.Fprint(w, `
Exit status:
  0  success
  1  AWS refused or failed, the network, a file that could not be written, a
     stop; with --check, a config that would change or that Kamal would refuse
  2  a problem in the inputs or the Kamal config, reported at its file and line
`)
}

// wrap breaks text into lines of at most width, each indented.
func wrap(text, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	return b.String() + line + "\n"
}

// placeholder names the value a flag takes.
func placeholder(in inputs.Input) string {
	switch in.Kind {
	case inputs.Bool:
		return ""
	case inputs.Int:
		return " N"
	case inputs.Enum:
		return " " + strings.Join(nonEmpty(in.Values), "|")
	case inputs.List:
		return " LIST"
	}
	return " VALUE"
}

// defaultNote says a default only where there is one worth saying.
func defaultNote(in inputs.Input) string {
	if in.Default == "" || in.Kind == inputs.Bool && in.Default == "false" {
		return ""
	}
	return " (default " + in.Default + ")"
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
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
