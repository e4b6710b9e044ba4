// Package gha speaks the GitHub Actions runner's protocol: inputs from the
// environment, outputs and the job summary through env files, annotations and
// masks as workflow commands. Outside Actions it prints the same things
// readably for a terminal.
package gha

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	githubactions "github.com/sethvargo/go-githubactions"
)

// maxSummary is the runner's limit for one step's summary; maxGroup keeps
// the log readable (the whole summary is in the job summary).
const (
	maxSummary = 1 << 20
	maxGroup   = 64 << 10
)

// Env is the runner's side of one step.
type Env struct {
	getenv          func(string) string
	stdout, stderr  io.Writer
	act             *githubactions.Action
	output, summary *os.File // opened by Open
}

// Open opens GITHUB_OUTPUT and GITHUB_STEP_SUMMARY for appending, so that a
// runner that cannot take the results fails the step before anything is
// changed. In Actions a step always has an output file: without one, later
// steps would silently get nothing.
func (e *Env) Open() error {
	path := e.getenv("GITHUB_OUTPUT")
	if path == "" && e.InActions() {
		return errors.New("GITHUB_OUTPUT is not set, though GITHUB_ACTIONS is true: the runner gives every step an output file, so this runner is broken or the variable was cleared; nothing was changed")
	}
	var err error
	if path != "" {
		if e.output, err = openAppend(path); err != nil {
			return fmt.Errorf("step outputs: %w; nothing was changed", err)
		}
	}
	if path := e.getenv("GITHUB_STEP_SUMMARY"); path != "" {
		if e.summary, err = openAppend(path); err != nil {
			return fmt.Errorf("job summary: %w; nothing was changed", err)
		}
	}
	return nil
}

// HasOutputFile reports whether outputs go to the runner's file rather
// than to stdout.
func (e *Env) HasOutputFile() bool { return e.getenv("GITHUB_OUTPUT") != "" }

// Close closes the files Open opened.
func (e *Env) Close() error {
	var errs []error
	for _, f := range []*os.File{e.output, e.summary} {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	return errors.Join(errs...)
}

// New reads the runner's environment through getenv.
func New(getenv func(string) string, stdout, stderr io.Writer) *Env {
	return &Env{getenv: getenv, stdout: stdout, stderr: stderr,
		act: githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(stdout))}
}

// InActions reports whether the runner started this process.
func (e *Env) InActions() bool { return e.getenv("GITHUB_ACTIONS") == "true" }

// Input is an input as the runner passes it: INPUT_<NAME> upper-cased, spaces
// to underscores, hyphens kept.
func (e *Env) Input(name string) (string, bool) {
	v := e.getenv("INPUT_" + strings.ToUpper(strings.ReplaceAll(name, " ", "_")))
	return strings.TrimSpace(v), v != ""
}

// Mask tells the runner to hide secret in every later log line.
func (e *Env) Mask(secret string) {
	if secret != "" && e.InActions() {
		e.act.AddMask(secret)
	}
}

// Level is an annotation's kind.
type Level string

const (
	Notice  Level = "notice"
	Warning Level = "warning"
	Error   Level = "error"
)

// Annotation is a message shown on a file and line of the run's commit.
type Annotation struct {
	Level   Level
	File    string
	Line    int
	Col     int // 0: the whole line
	Title   string
	Message string
}

// Annotate writes a workflow command in Actions, or "file:line: level: message" elsewhere.
func (e *Env) Annotate(a Annotation) {
	if !e.InActions() {
		where := a.File
		if a.Line > 0 {
			where = fmt.Sprintf("%s:%d", a.File, a.Line)
		}
		if a.Line > 0 && a.Col > 0 {
			where += fmt.Sprintf(":%d", a.Col)
		}
		if where != "" {
			where += ": "
		}
		fmt.Fprintf(e.stderr, "%s%s: %s\n", where, a.Level, a.Message)
		return
	}
	fields := map[string]string{}
	if a.File != "" {
		fields["file"] = a.File
	}
	if a.Line > 0 {
		fields["line"] = fmt.Sprint(a.Line)
		if a.Col > 0 {
			fields["col"] = fmt.Sprint(a.Col)
		}
	}
	if a.Title != "" {
		fields["title"] = a.Title
	}
	act := e.act.WithFieldsMap(fields)
	switch a.Level {
	case Error:
		act.Errorf("%s", a.Message)
	case Warning:
		act.Warningf("%s", a.Message)
	default:
		act.Noticef("%s", a.Message)
	}
}

// Group writes text into a collapsible group of the step's log. The text
// quotes config values, so the runner is told not to read commands in it.
func (e *Env) Group(title, text string) {
	text = Cut(text, maxGroup, "the log shows the first 64 KiB; the job summary has the rest")
	e.act.Group(title)
	token := "kamal-ecr-" + rand.Text()
	fmt.Fprintf(e.stdout, "::stop-commands::%s\n%s\n::%s::\n", token, strings.TrimSuffix(text, "\n"), token)
	e.act.EndGroup()
}

// Output is one step output.
type Output struct {
	Name, Value string
	Secret      bool // never printed outside the runner's masked file
	// Shown, when set, is what a log or report prints in place of Value:
	// Value carries something made from a secret (masked by the runner).
	Shown string
}

// Printed is the value as a log or report may print it.
func (o Output) Printed() string {
	switch {
	case o.Secret && o.Value != "":
		return "***"
	case o.Shown != "":
		return o.Shown
	}
	return o.Value
}

// SetOutputs appends the outputs to GITHUB_OUTPUT, each in a heredoc with a
// fresh random delimiter; without the file it prints them to stdout. Outputs
// over GitHub's size limit are refused, naming the largest.
func (e *Env) SetOutputs(outs []Output) error {
	path := e.getenv("GITHUB_OUTPUT")
	if path == "" {
		for _, o := range outs {
			fmt.Fprintf(e.stdout, "%s: %s\n", o.Name, o.Printed())
		}
		return nil
	}
	if err := checkSize(outs); err != nil {
		return err
	}
	var b strings.Builder
	for _, o := range outs {
		delim := "ghadelimiter_" + rand.Text()
		if strings.Contains(o.Value, delim) || strings.Contains(o.Name, delim) {
			return fmt.Errorf("output %s contains its delimiter", o.Name)
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", o.Name, delim, o.Value, delim)
	}
	return e.write(e.output, path, b.String())
}

// write appends s to f, opened by Open, or else to the file at path.
func (e *Env) write(f *os.File, path, s string) error {
	if f == nil {
		return appendFile(path, s)
	}
	if _, err := f.WriteString(s); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Summary appends Markdown to the job summary, cut to the runner's limit.
// Without GITHUB_STEP_SUMMARY it does nothing.
func (e *Env) Summary(markdown string) error {
	path := e.getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	return e.write(e.summary, path, Cut(markdown, maxSummary, "summary cut at the runner's 1 MiB limit"))
}

// Cut shortens Markdown to at most limit bytes at a line break, closes a
// code fence left open, and says why it was cut.
func Cut(markdown string, limit int, why string) string {
	if len(markdown) <= limit {
		return markdown
	}
	note := "\n_(" + why + ")_\n"
	budget := limit - len(note) - 16 // room for a closing fence
	head := markdown[:max(budget, 0)]
	if i := strings.LastIndexByte(head, '\n'); i >= 0 {
		head = head[:i+1]
	} else {
		head = strings.ToValidUTF8(head, "") + "\n"
	}
	if fence := openFence(head); fence != "" {
		head += fence + "\n"
	}
	return head + note
}

// openFence is the fence of a code block still open at the end of s.
func openFence(s string) string {
	open := ""
	for line := range strings.Lines(s) {
		t := strings.TrimRight(strings.TrimLeft(line, " "), "\r\n")
		if !strings.HasPrefix(t, "```") && !strings.HasPrefix(t, "~~~") {
			continue
		}
		marks := t[:len(t)-len(strings.TrimLeft(t, t[:1]))]
		switch {
		case open == "":
			open = marks
		case marks[0] == open[0] && len(marks) >= len(open) && strings.TrimSpace(t[len(marks):]) == "":
			open = ""
		}
	}
	return open
}

// openAppend opens the runner's file; its error (an *os.PathError) already
// says "open <path>".
func openAppend(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
}

func appendFile(path, s string) error {
	f, err := openAppend(path)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
