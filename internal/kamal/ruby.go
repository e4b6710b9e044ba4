package kamal

import (
	"bytes"
	"fmt"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"strings"

	"gopkg.in/yaml.v3"
)

// readKeys are the top-level keys the action reads: ERB that writes any of
// them is content the action needs and cannot have without running Ruby.
var readKeys = map[string]bool{
	"service": true, "image": true, "registry": true, "builder": true, "accessories": true,
	"proxy": true, "secrets_path": true, "retain_containers": true, "require_destination": true,
}

// RubySection is a part of the config that an ERB tag writes as YAML lines
// (a list of hosts, a whole file): Kamal sees it after running Ruby, the
// action never does.
type RubySection struct {
	Path string   // the key it belongs to, such as servers.web.hosts; "" for the top level
	Pos  diag.Pos // the tag
}

// rubySections finds the key each structure-writing tag belongs to: the key
// on the line before when that line opens a nested value (key: and nothing
// after it), else the key whose block holds the tag by indentation, else the
// top level.
func (f *File) rubySections() []RubySection {
	var out []RubySection
	var keys []keyAt
	for _, tag := range f.tmpl.Tags {
		if !tag.Structure {
			continue
		}
		if keys == nil && f.root != nil { // only for files that have such tags
			keys = keyPaths(f.root, "")
		}
		line, col := position(f.Src, tag.Start)
		s := RubySection{Pos: diag.Pos{File: f.Path, Line: line, Col: col}}
		if prev := f.previousContentLine(line); prev > 0 && opensValue(lineAt(f.tmpl.Masked, prev)) {
			s.Path = lastKeyOn(keys, prev)
		} else if col > 1 {
			s.Path = enclosingKey(keys, line, col)
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
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if prefix != "" {
				p = prefix + "." + k.Value
			}
			out = append(out, keyAt{p, k.Line, k.Column})
			out = append(out, keyPaths(v, p)...)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			out = append(out, keyPaths(c, prefix)...)
		}
	}
	return out
}

func lastKeyOn(keys []keyAt, line int) string {
	path := ""
	for _, k := range keys {
		if k.line == line {
			path = k.path
		}
	}
	return path
}

// enclosingKey is the nearest key above line that is indented less than col.
func enclosingKey(keys []keyAt, line, col int) string {
	path := ""
	for _, k := range keys {
		if k.line < line && k.col < col {
			path = k.path
		}
	}
	return path
}

// previousContentLine is the nearest line above line with YAML on it in the
// masked text (blanked tags and comments do not count), or 0.
func (f *File) previousContentLine(line int) int {
	for l := line - 1; l >= 1; l-- {
		t := bytes.TrimSpace(lineAt(f.tmpl.Masked, l))
		if len(t) > 0 && t[0] != '#' {
			return l
		}
	}
	return 0
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

// checkRuby turns the Ruby-written sections into findings: a section the
// action reads is an error at its tag; one it does not is a notice; one at
// the top level a warning that the action assumes it writes nothing it reads.
func (c *Config) checkRuby() {
	for _, s := range c.Ruby {
		top, _, _ := strings.Cut(s.Path, ".")
		switch {
		case s.Path == "":
			c.note(&diag.Finding{Pos: s.Pos, Severity: diag.Warning,
				Msg: "this ERB writes top-level YAML, which only running Ruby would show; the action assumes it writes none of the keys it reads (service, image, registry, builder, accessories, proxy)",
				Fix: "if it does, write those keys literally in the file"})
		case readKeys[top]:
			c.note(errorAt(s.Pos, fmt.Sprintf("set %s literally, or give it with config-file or the inputs", s.Path),
				"%s is written by Ruby here, which the action does not run, and the action needs it", s.Path))
		default:
			c.note(&diag.Finding{Pos: s.Pos, Severity: diag.Notice, Msg: fmt.Sprintf("%s is written by Ruby here; the action does not need it, so it is not read", s.Path)})
		}
	}
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
			line, col := position(f.Src, tag.Start)
			return errorAt(diag.Pos{File: f.Path, Line: line, Col: col}, "write the config as YAML, or point config-file at the file it reads",
				"this config is written by Ruby, which the action does not run")
		}
	}
	return nil
}
