package kamal

import (
	"bytes"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
)

// RubySection is a part of the config that an ERB tag writes as YAML lines
// (a list of hosts, a whole file): Kamal sees it after running Ruby, the
// action never does.
type RubySection struct {
	Path string   // the key it belongs to, such as servers.web.hosts; "" for the top level
	Pos  diag.Pos // the tag
}

// rubySections is the sixth stage: the key each structure-writing tag
// belongs to, in every file.
func rubySections(files []*File) []RubySection {
	var out []RubySection
	for _, f := range files {
		out = append(out, f.rubySections()...)
	}
	return out
}

// rubySections finds the key each structure-writing tag belongs to: the key
// on the line before when that line opens a nested value (key: and nothing
// after it), else the key whose block holds the tag by indentation, else the
// top level. Tags and keys are both in file order, so one pass over each.
func (f *File) rubySections() []RubySection {
	var out []RubySection
	var keys *keyIndex
	var above []int
	for _, tag := range f.tmpl.Tags {
		if !tag.Structure {
			continue
		}
		if keys == nil { // only for files that have such tags
			keys = &keyIndex{}
			if f.root != nil {
				keys.keys = keyPaths(f.root, "")
			}
			above = f.contentAbove()
		}
		s := RubySection{Pos: f.offsetPos(tag.Start)}
		line, col := s.Pos.Line, s.Pos.Col
		if prev := above[line-1]; prev > 0 && opensValue(f.doc.Line(prev)) {
			s.Path = keys.lastOn(prev)
		} else if col > 1 {
			s.Path = keys.enclosing(line, col)
		}
		out = append(out, s)
	}
	return out
}

type keyAt struct {
	path      string
	line, col int
}

// keyPaths lists every mapping key under n with its dotted path, in
// document order (aliases are not followed: they add no lines).
func keyPaths(n *yaml.Node, prefix string) []keyAt {
	var out []keyAt
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if prefix != "" {
					p = prefix + "." + k.Value
				}
				out = append(out, keyAt{p, k.Line, k.Column})
				walk(v, p)
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, prefix)
			}
		}
	}
	walk(n, prefix)
	return out
}

// keyIndex answers questions about the keys above a line, for lines asked
// in increasing order.
type keyIndex struct {
	keys  []keyAt // in document order
	next  int     // keys[:next] are above the last line asked
	stack []keyAt // of those, the ones no later key hides: columns increasing
}

// lastOn is the last key on line.
func (x *keyIndex) lastOn(line int) string {
	i, _ := slices.BinarySearchFunc(x.keys, line+1, func(k keyAt, l int) int { return k.line - l })
	if i > 0 && x.keys[i-1].line == line {
		return x.keys[i-1].path
	}
	return ""
}

// enclosing is the nearest key above line that is indented less than col.
func (x *keyIndex) enclosing(line, col int) string {
	for ; x.next < len(x.keys) && x.keys[x.next].line < line; x.next++ {
		k := x.keys[x.next]
		for len(x.stack) > 0 && x.stack[len(x.stack)-1].col >= k.col {
			x.stack = x.stack[:len(x.stack)-1] // k is nearer for every column it encloses
		}
		x.stack = append(x.stack, k)
	}
	i, _ := slices.BinarySearchFunc(x.stack, col, func(k keyAt, c int) int { return k.col - c })
	if i == 0 {
		return ""
	}
	return x.stack[i-1].path
}

// contentAbove maps each line (from 1, at index line-1) to the nearest line
// above it with YAML on it in the masked text (blanked tags and comments do
// not count), or 0.
func (f *File) contentAbove() []int {
	n := bytes.Count(f.tmpl.Masked, []byte("\n")) + 1
	above := make([]int, n)
	last := 0
	for l := 1; l <= n; l++ {
		above[l-1] = last
		if t := bytes.TrimSpace(f.doc.Line(l)); len(t) > 0 && t[0] != '#' {
			last = l
		}
	}
	return above
}

// opensValue reports whether a line ends with a key and its colon alone
// ("hosts:", "- web:"), so what follows belongs to that key.
func opensValue(line []byte) bool {
	if i := bytes.Index(line, []byte(" #")); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimSpace(line)
	return bytes.HasSuffix(line, []byte(":")) && !bytes.HasSuffix(line, []byte("::"))
}

// topLevelRuby is the first Ruby-written section at the top level, or nil.
func (c *Config) topLevelRuby() *RubySection {
	for i := range c.Ruby {
		if c.Ruby[i].Path == "" {
			return &c.Ruby[i]
		}
	}
	return nil
}

// wholeFileRuby is the error for a file that is nothing but Ruby-written YAML.
func (f *File) wholeFileRuby() error {
	for _, tag := range f.tmpl.Tags {
		if tag.Structure {
			return diag.Errorf(f.offsetPos(tag.Start), "erb/ruby-file", "write the config as YAML, or point the config-file input at the file it reads",
				"this config is written by Ruby, which the action does not run").WithInputs(configFile)
		}
	}
	return nil
}
