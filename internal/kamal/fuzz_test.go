package kamal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
)

// Kamal's checks run on every config that loads. Whenever a patch succeeds, the result loads again, holds the two options,
// and equals the input byte for byte outside the edited span.
func FuzzPatchCache(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "patch", "*", "deploy.yml"))
	for _, s := range seeds {
		b, _ := os.ReadFile(s)
		f.Add(b, "", true)
	}
	f.Add([]byte("image: a/b\nbuilder:\n  arch: amd64\n  cache:\n    type: registry\n    options: \"mode=max\\\"x\" # c\n"), "max", false)
	f.Add([]byte("image: a/b\nbuilder:\r\n  cache: {type: registry}\r\n"), "min", true)
	f.Fuzz(func(t *testing.T, src []byte, mode string, enable bool) {
		if mode != "min" && mode != "max" {
			mode = ""
		}
		read := func(string) ([]byte, error) { return src, nil }
		c, err := Load(read, func(string) string { return "" }, "deploy.yml", "")
		if err != nil {
			return
		}
		for _, p := range c.Validate().Problems { // Kamal's checks take any config without a panic
			if p.Pos.File == "" {
				t.Fatalf("problem without a file: %v", p)
			}
		}
		e, err := c.PlanCache(CacheRequest{Patch: true, Enable: enable, Mode: mode})
		if err != nil || e == nil {
			return // refusing is allowed; corrupting is not
		}
		files, after, err := applyAndReload(c, []*Edit{e})
		if err != nil {
			return // Apply's own verification refused the result
		}
		out := files["deploy.yml"]
		if !HasECROptions(after.Cache.Options.Text) {
			t.Fatalf("patched options %q", after.Cache.Options.Text)
		}
		end := e.Start + len(e.Text)
		if !bytes.Equal(out[:e.Start], src[:e.Start]) || !bytes.Equal(out[end:], src[e.End:]) {
			t.Fatalf("bytes changed outside the edit\nin:  %q\nout: %q", src, out)
		}
	})
}

// Any input loads or is refused with a finding that has a code and names
// the file; no finding quotes an internal ERB placeholder.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"image: a/b\nservice: <%= ENV['X']\n", "image: \"a/b\n\n\ny: 1\n", "a: b\rc: d\r",
		"accessories:\n  <%= ENV['A'] %>:\n    image: <%= ENV['B'] %>\n", "x: [a, {b: c}, *d]\n",
		"<% if ENV['A'] %>\nimage: a/b\n<% else %>\nimage: c/d\n<% end %>\n", "builder:\n  cache:\n    options:\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		read := func(string) ([]byte, error) { return src, nil }
		c, err := Load(read, func(k string) string { return map[string]string{"A": "acc", "X": "x"}[k] }, "deploy.yml", "")
		var f *diag.Finding
		if err != nil {
			if !errors.As(err, &f) || f.Code == "" || f.Pos.File != "deploy.yml" {
				t.Fatalf("error without a code or file: %#v", err)
			}
			return
		}
		all := append(append([]*diag.Finding{}, c.Findings...), c.Validate().Problems...)
		for _, a := range c.Accessories {
			if strings.Contains(a.Name, "ERB") && bytes.Contains(src, []byte("<%")) && !bytes.Contains(src, []byte(a.Name)) {
				t.Fatalf("accessory named by a placeholder: %q", a.Name)
			}
		}
		for _, f := range all {
			if f.Code == "" || f.Pos.File == "" {
				t.Fatalf("finding without a code or file: %#v", f)
			}
		}
	})
}

// countNodes bounds what yaml.v3 builds: a file that parses has at most
// twice the values counted (keys without values in flow mappings are the
// worst case), so the limit bounds memory.
func FuzzCountNodes(f *testing.F) {
	for _, s := range []string{
		"a: b\n", "- - - - a\n", "{a: {b: {c: d}}}\n", "? a\n: b\n", "[[[[a]]]]\n", "x: &a [1, 2]\ny: *a\n",
		"a: |\n  b, c, d\n", "{a, b, c, d}\n", "[a: b, c: d]\n", "a:\n  - b: c\n    d: e\n", "a: 'x, y'\n", "{a:b, c}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		var doc yaml.Node
		if yaml.Unmarshal(src, &doc) != nil {
			return
		}
		var count func(n *yaml.Node) int
		count = func(n *yaml.Node) int {
			c := 1
			for _, k := range n.Content {
				c += count(k)
			}
			return c
		}
		if got, est := count(&doc)-1, countNodes(src); got > 2*est+1 {
			t.Fatalf("yaml.v3 built %d nodes, counted %d, in %q", got, est, src)
		}
	})
}
