package kamal

import (
	"slices"

	"github.com/kamal-ecr/kamal-ecr/internal/erb"
)

// SecretName reports whether an environment variable's name looks like it
// holds a secret (erb.SecretName): its value is never shown.
func SecretName(name string) bool { return erb.SecretName(name) }

// SecretValues are the values of the secret-looking environment variables
// the config's ERB reads, for the runner to mask before anything is printed.
// Sorted, each once; empty values are left out.
func (c *Config) SecretValues() []string {
	var out []string
	for _, f := range c.Files {
		for _, name := range f.tmpl.Vars() {
			if v := c.getenv(name); v != "" && SecretName(name) && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	slices.Sort(out)
	return out
}

// secretIn reports whether a value read from f's masked text renders a
// secret-looking variable.
func secretIn(f *File, s string) bool {
	return f.secret && f.tmpl.ReadsSecret(s)
}

// Shown is the value as a message may show it: the ERB source in place of
// what it renders when it reads a secret-looking variable.
func (v Value) Shown() string {
	if v.node != nil && v.ERB && secretIn(v.file, v.node.Value) {
		return v.file.tmpl.Source(v.node.Value)
	}
	return v.Text
}
