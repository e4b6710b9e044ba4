package erb

import (
	"regexp"
	"strings"
)

// envName matches an environment variable a tag reads: ENV["X"], ENV['X'],
// ENV.fetch("X" …), ENV.key?("X").
var envName = regexp.MustCompile(`ENV(?:\[|\.\w+\??\()\s*(?:"([^"]*)"|'([^']*)')`)

// Vars lists the environment variables any tag of the template reads, each
// once, in the order they first appear.
func (t *Template) Vars() []string {
	var out []string
	seen := map[string]bool{}
	for _, tag := range t.Tags {
		for _, name := range vars(string(t.src[tag.Start:tag.End])) {
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	return out
}

// ValueVars lists the environment variables the tags in a value read from
// the masked text read.
func (t *Template) ValueVars(s string) []string {
	var out []string
	t.tokens(s, func(_ int, tag Tag) {
		out = append(out, vars(string(t.src[tag.Start:tag.End]))...)
	})
	return out
}

// Source is a value read from the masked text with each tag written back
// as it stands in the file, for messages that must not show what it renders.
func (t *Template) Source(s string) string {
	var b strings.Builder
	last := 0
	t.tokens(s, func(at int, tag Tag) {
		b.WriteString(s[last:at])
		b.Write(t.src[tag.Start:tag.End])
		last = at + tag.tokenLen
	})
	b.WriteString(s[last:])
	return b.String()
}

func vars(code string) []string {
	var out []string
	for _, m := range envName.FindAllStringSubmatch(code, -1) {
		out = append(out, m[1]+m[2])
	}
	return out
}

// SecretName reports whether an environment variable's name looks like it
// holds a secret, whose value is never shown: one containing SECRET, TOKEN,
// PASSWORD, PASSWD, PRIVATE, CREDENTIAL or KEY, in any case, except an
// access key's id (…_KEY_ID).
func SecretName(name string) bool {
	n := strings.TrimSuffix(strings.ToUpper(name), "_KEY_ID")
	for _, word := range []string{"SECRET", "TOKEN", "PASSWORD", "PASSWD", "PRIVATE", "CREDENTIAL", "KEY"} {
		if strings.Contains(n, word) {
			return true
		}
	}
	return false
}

// ReadsSecret reports whether the tags in a value read from the masked text
// read a secret-looking variable.
func (t *Template) ReadsSecret(s string) bool {
	for _, name := range t.ValueVars(s) {
		if SecretName(name) {
			return true
		}
	}
	return false
}
