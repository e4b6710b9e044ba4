// Package diag is the vocabulary every part of kamal-ecr reports in: a
// position in a file, a severity, and a finding with a stable code. It knows
// nothing of Kamal, ECR or GitHub: renderers turn findings into annotations,
// summary lines or terminal text.
package diag

import "fmt"

// Pos is a place in a config file; Line 0 means the whole file, Col 0 the
// whole line. Columns count runes from 1, as yaml.v3 does.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Severity orders findings the way the Actions runner does.
type Severity int

const (
	Notice Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	return [...]string{"notice", "warning", "error"}[s]
}

// Finding is one thing the user should know, at its line. A Finding of
// severity Error is also an error a caller may return. A Finding is never
// changed after it is made: copy it (With*) to say more.
type Finding struct {
	Pos      Pos
	Severity Severity
	Code     string // stable, such as "kamal/unknown-key": tests and renderers decide on it, never on Msg
	Msg      string
	Fix      string
	// Inputs are the inputs Msg and Fix name, each said there as
	// Setting.InActions says it, so that a terminal can say flags instead.
	Inputs []Setting
}

// NamedInputs are the inputs the finding's text names.
func (f *Finding) NamedInputs() []Setting { return f.Inputs }

// WithInputs is a copy of f that names these inputs.
func (f *Finding) WithInputs(ss ...Setting) *Finding {
	g := *f
	g.Inputs = ss
	return &g
}

// AsFlags is a copy of f that names flags where f names inputs.
func (f *Finding) AsFlags() *Finding {
	g := *f
	g.Msg, g.Fix = AsFlags(f.Msg, f.Inputs), AsFlags(f.Fix, f.Inputs)
	return &g
}

func (f *Finding) Error() string {
	s := f.Msg
	if f.Pos.File != "" {
		s = f.Pos.String() + ": " + s
	}
	if f.Fix != "" {
		s += "; " + f.Fix
	}
	return s
}

// Errorf is an error-severity finding at p.
func Errorf(p Pos, code, fix, format string, args ...any) *Finding {
	return &Finding{Pos: p, Severity: Error, Code: code, Msg: fmt.Sprintf(format, args...), Fix: fix}
}
