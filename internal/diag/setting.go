package diag

import "strings"

// Setting is an input a message names, with the value it asks for ("" when
// it names the input alone). Messages are written for Actions, saying each
// setting as InActions does; a terminal renderer says it as Flag does.
type Setting struct {
	Name, Value string
}

// InActions is the setting as a workflow writes it under with:
// "name: value", or "the name input" without a value.
func (s Setting) InActions() string {
	if s.Value == "" {
		return "the " + s.Name + " input"
	}
	return s.Name + ": " + s.Value
}

// Flag is the setting as a command-line flag.
func (s Setting) Flag() string {
	switch {
	case s.Value == "" || s.Value == "true":
		return "--" + s.Name
	case strings.ContainsAny(s.Value, " \t\n'\"$`\\"): // quoted for a shell
		return "--" + s.Name + "='" + strings.ReplaceAll(s.Value, "'", `'\''`) + "'"
	}
	return "--" + s.Name + "=" + s.Value
}

// AsFlags is text written for Actions with each setting said as a flag:
// "set name: value" becomes "run with --name=value".
func AsFlags(text string, settings []Setting) string {
	for _, s := range settings {
		if s.Value != "" {
			text = strings.ReplaceAll(text, "set "+s.InActions(), "run with "+s.Flag())
		}
		text = strings.ReplaceAll(text, s.InActions(), s.Flag())
	}
	return text
}

// NamesInputs is an error whose text names inputs.
type NamesInputs interface {
	NamedInputs() []Setting
}
