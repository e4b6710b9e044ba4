package kamal

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

// Finding is one thing the user should know about their config, at its line.
// A Finding of severity Error is also the error the loader returns.
type Finding struct {
	Pos      Pos
	Severity Severity
	Msg      string
	Fix      string
}

func (f *Finding) Error() string {
	s := f.Pos.String() + ": " + f.Msg
	if f.Fix != "" {
		s += "; " + f.Fix
	}
	return s
}

func errorAt(p Pos, fix, format string, args ...any) *Finding {
	return &Finding{Pos: p, Severity: Error, Msg: fmt.Sprintf(format, args...), Fix: fix}
}
