package kamal

import (
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// Parsing only the needed sections resolves exactly what a full parse does,
// with the same lines, for every corpus file.
func TestPruneMatchesFullParse(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*", "*", "*.yml"))
	more, _ := filepath.Glob(filepath.Join(corpusDir, "*", "*", "*", "*.yml"))
	files = append(files, more...)
	if len(files) == 0 {
		t.Skip("shared corpus not found beside the checkout")
	}
	resolve := func(path string) (map[string]string, error) {
		read := func(string) ([]byte, error) { return os.ReadFile(path) }
		c, err := Load(read, emptyEnv, "deploy.yml", "")
		if err != nil {
			return nil, err
		}
		m := c.resolved()
		for _, v := range []Value{c.Image, c.Server, c.Cache.Type, c.Cache.Options} {
			m["line of "+v.Text] = v.Pos.String()
		}
		for _, f := range c.Findings {
			m["finding "+f.Msg] = f.Pos.String()
		}
		return m, nil
	}
	pruned := 0
	for _, f := range files {
		src, _ := os.ReadFile(f)
		if tm, err := maskOnly(src); err == nil && prune(tm) != nil {
			pruned++
		}
		fast, errFast := resolve(f)
		pruning = false
		full, errFull := resolve(f)
		pruning = true
		if (errFast == nil) != (errFull == nil) || !maps.Equal(fast, full) {
			t.Errorf("%s: pruned %v (%v), full %v (%v)", f, fast, errFast, full, errFull)
		}
	}
	if pruned < len(files)/2 {
		t.Errorf("only %d of %d files took the pruned path", pruned, len(files))
	}
}

func TestPruneBailsOnUnusualLayouts(t *testing.T) {
	for _, src := range []string{
		"servers:\n- 1.1.1.1\nimage: a/b\n",
		"---\nimage: a/b\nenv: {}\n",
		"<<: *x\nimage: a/b\nenv: {}\n",
		"image: a/b\n", // nothing to cut
	} {
		if prune([]byte(src)) != nil {
			t.Errorf("pruned %q", src)
		}
	}
	p := prune([]byte("env:\n  A: 1\nx-anchor: &a\n  k: v\nimage: a/b\nssh:\n  user: me\n"))
	if p == nil || string(p.src) != "x-anchor: &a\n  k: v\nimage: a/b\n" || len(p.lines) != 3 || p.lines[0] != 3 || p.lines[2] != 5 {
		t.Errorf("pruned = %+v", p)
	}
}

func maskOnly(src []byte) ([]byte, error) {
	f, err := parseFile("x", src, emptyEnv)
	if err != nil {
		return nil, err
	}
	return f.tmpl.Masked, nil
}
