package kamal

import (
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/erb"
	"github.com/kamal-ecr/kamal-ecr/internal/yamledit"
)

// File is one parsed config file. Positions from its YAML tree are valid in
// Src because ERB tags were masked byte for byte before parsing.
type File struct {
	Path string
	Src  []byte

	tmpl   *erb.Template
	doc    *yamledit.Doc       // over the masked bytes
	root   *yaml.Node          // the top-level mapping, nil for an empty file
	shared map[*yaml.Node]bool // nodes inside something an alias points at
	secret bool                // some tag reads a secret-looking variable
}

// parse is the third stage: each masked file parsed as YAML, whole, as
// Kamal's parser reads every byte.
func parse(ms []masked) ([]*File, error) {
	files := make([]*File, len(ms))
	for i, m := range ms {
		f, err := parseFile(m)
		if err != nil {
			return nil, err
		}
		files[i] = f
	}
	return files, nil
}

func parseFile(m masked) (*File, error) {
	f := &File{Path: m.path, Src: m.src, tmpl: m.tmpl, doc: yamledit.NewDoc(m.tmpl.Masked), secret: slices.ContainsFunc(m.tmpl.Vars(), SecretName)}
	doc := &yaml.Node{}
	if err := yaml.Unmarshal(m.tmpl.Masked, doc); err != nil {
		return nil, syntaxError(m.path, m.tmpl.Masked, err)
	}
	if len(doc.Content) == 0 {
		return f, f.wholeFileRuby()
	}
	root, _ := yamledit.Deref(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return f, f.wholeFileRuby()
	}
	if root.Kind != yaml.MappingNode {
		return nil, diag.Errorf(diag.Pos{File: m.path, Line: root.Line}, "yaml/not-a-mapping", "write the config as keys and values, such as service: app",
			"a Kamal config must be a mapping of keys, found %s", f.kind(root))
	}
	f.root = root
	f.shared = sharedNodes(doc)
	return f, nil
}

// sharedNodes are the nodes an alias reaches: editing one in place would
// change every key that uses the alias too.
func sharedNodes(doc *yaml.Node) map[*yaml.Node]bool {
	shared := map[*yaml.Node]bool{}
	var mark func(n *yaml.Node)
	mark = func(n *yaml.Node) {
		if shared[n] {
			return
		}
		shared[n] = true
		for _, c := range n.Content {
			mark(c)
		}
	}
	var find func(n *yaml.Node)
	find = func(n *yaml.Node) {
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			mark(n.Alias)
		}
		for _, c := range n.Content {
			find(c)
		}
	}
	find(doc)
	return shared
}

func (f *File) pos(n *yaml.Node) diag.Pos {
	return diag.Pos{File: f.Path, Line: n.Line, Col: n.Column}
}

// offsetPos is the position of a byte offset in the file.
func (f *File) offsetPos(off int) diag.Pos {
	line, col := f.doc.Position(off)
	return diag.Pos{File: f.Path, Line: line, Col: col}
}

// kind says what a node is, quoting a scalar as written.
func (f *File) kind(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return fmt.Sprintf("the scalar %q", f.tmpl.Source(n.Value))
	}
	return kind(n)
}

func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("the scalar %q", n.Value)
	}
	return "an alias"
}
