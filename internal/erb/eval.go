package erb

import (
	"fmt"
	"regexp"
	"strings"
)

// Expand replaces the tokens in a value read from the masked text with what
// each tag evaluates to.
func (t *Template) Expand(s string, getenv func(string) string) (string, error) {
	if len(t.Tags) == 0 {
		return s, nil
	}
	var b strings.Builder
	var err error
	last, comment := 0, false
	t.tokens(s, func(at int, tag Tag) {
		if err != nil {
			return
		}
		b.WriteString(s[last:at])
		last = at + tag.tokenLen
		switch {
		case tag.Comment:
			comment = true
		case !tag.Output:
			err = &UnresolvedError{Line: tag.Line, Code: tag.Code, Why: "is Ruby control flow inside a value", Control: true}
		default:
			v, uerr := Eval(t.code(tag), getenv)
			if uerr != nil {
				uerr.Line = tag.Line
				if at != 0 || tag.tokenLen != len(s) {
					uerr.Unset = "" // the variable is only part of the value
				}
				err = uerr
			}
			b.WriteString(v)
		}
	})
	if err != nil {
		return "", err
	}
	if last == 0 {
		return s, nil
	}
	b.WriteString(s[last:])
	if comment { // the space before an inline comment tag was the scalar's end
		return strings.TrimSpace(b.String()), nil
	}
	return b.String(), nil
}

// Render is what Ruby's ERB writes for a value read from the masked text,
// as far as it can be known without running Ruby: ENV["X"] of an unset X
// renders nothing, as in Ruby, and X is listed in unset. ok is false when
// some tag needs Ruby (or fails in Ruby, as ENV.fetch("X") does without X).
func (t *Template) Render(s string, getenv func(string) string) (out string, unset []string, ok bool) {
	ok = true
	var b strings.Builder
	last := 0
	t.tokens(s, func(at int, tag Tag) {
		b.WriteString(s[last:at])
		last = at + tag.tokenLen
		switch {
		case tag.Comment:
		case !tag.Output:
			ok = false
		default:
			v, err := Eval(t.code(tag), getenv)
			switch {
			case err == nil:
			case err.Unset != "" && strings.HasPrefix(err.Why, "is empty"):
				unset = append(unset, err.Unset)
			default:
				ok = false
			}
			b.WriteString(v)
		}
	})
	b.WriteString(s[last:])
	return b.String(), unset, ok
}

var (
	envIndex = regexp.MustCompile(`^ENV\[\s*(?:"([^"]*)"|'([^']*)')\s*\]$`)
	envFetch = regexp.MustCompile(`^ENV\.fetch\(\s*(?:"([^"]*)"|'([^']*)')\s*(?:,\s*(?:"([^"#]*)"|'([^']*)'|(-?\d+)|(nil))\s*)?\)$`)
	literal  = regexp.MustCompile(`^(?:"([^"#\\]*)"|'([^'\\]*)')$`)
	// ENV.fetch("X") { … }: the block runs only when X is unset
	envFetchBlock = regexp.MustCompile(`^ENV\.fetch\(\s*(?:"([^"]*)"|'([^']*)')\s*\)\s*(?:\{.*\}|do\b.*\bend)$`)
)

// Evaluable reports whether Eval understands the form of code (whatever the
// environment holds).
func Evaluable(code string) bool {
	code = strings.TrimSpace(code)
	return envIndex.MatchString(code) || envFetch.MatchString(code) || envFetchBlock.MatchString(code) || literal.MatchString(code)
}

// Eval evaluates the few side-effect-free forms of an output tag: ENV["X"],
// ENV['X'], ENV.fetch("X"), ENV.fetch("X", "default"), ENV.fetch("X") { … }
// with X set, and string literals.
// An empty variable counts as unset, as it does for the Actions runner's inputs.
func Eval(code string, getenv func(string) string) (string, *UnresolvedError) {
	code = strings.TrimSpace(code)
	if m := envIndex.FindStringSubmatch(code); m != nil {
		name := m[1] + m[2]
		v := getenv(name)
		if v == "" {
			return "", &UnresolvedError{Code: code, Why: fmt.Sprintf("is empty: environment variable %s is not set", name), Unset: name}
		}
		return v, nil
	}
	if m := envFetch.FindStringSubmatch(code); m != nil {
		name := m[1] + m[2]
		if v := getenv(name); v != "" {
			return v, nil
		}
		hasDefault := strings.Contains(code, ",")
		if !hasDefault {
			return "", &UnresolvedError{Code: code, Why: fmt.Sprintf("fails: environment variable %s is not set", name), Unset: name}
		}
		if m[6] == "nil" {
			return "", &UnresolvedError{Code: code, Why: fmt.Sprintf("is empty: environment variable %s is not set", name), Unset: name}
		}
		return m[3] + m[4] + m[5], nil
	}
	if m := envFetchBlock.FindStringSubmatch(code); m != nil {
		name := m[1] + m[2]
		if v := getenv(name); v != "" {
			return v, nil
		}
		return "", &UnresolvedError{Code: code, Why: fmt.Sprintf("runs Ruby: environment variable %s is not set", name)}
	}
	if m := literal.FindStringSubmatch(code); m != nil {
		return m[1] + m[2], nil
	}
	return "", &UnresolvedError{Code: code, Why: "is Ruby this action does not run"}
}
