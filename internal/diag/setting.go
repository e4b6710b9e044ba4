package diag

import "strings"

// Setting is an input a fix asks for, with the value to give it. A
// renderer says it the way the reader sets it: "name: value" in a
// workflow's with:, a flag on a terminal.
type Setting struct {
	Name, Value string
}

// InActions is the setting as a workflow writes it under with:.
func (s Setting) InActions() string { return s.Name + ": " + s.Value }

// Flag is the setting as a command-line flag.
func (s Setting) Flag() string {
	switch {
	case s.Value == "true":
		return "--" + s.Name
	case strings.ContainsAny(s.Value, " \t\n'\"$`\\"): // quoted for a shell
		return "--" + s.Name + "='" + strings.ReplaceAll(s.Value, "'", `'\''`) + "'"
	}
	return "--" + s.Name + "=" + s.Value
}
