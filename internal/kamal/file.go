package kamal

import (
	"fmt"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"

	"gopkg.in/yaml.v3"

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
}

func parseFile(path string, src []byte, getenv func(string) string) (*File, error) {
	tmpl, err := erb.Mask(src, getenv)
	if err != nil {
		return nil, errorAt(diag.Pos{File: path}, "close the tag", "%v", err)
	}
	f := &File{Path: path, Src: src, tmpl: tmpl, doc: yamledit.NewDoc(tmpl.Masked)}
	doc := &yaml.Node{}
	// The whole file, always: Kamal's parser reads every byte, so must we.
	if err := yaml.Unmarshal(tmpl.Masked, doc); err != nil {
		return nil, syntaxError(path, tmpl.Masked, err)
	}
	if len(doc.Content) == 0 {
		return f, f.wholeFileRuby()
	}
	root, _ := deref(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return f, f.wholeFileRuby()
	}
	if root.Kind != yaml.MappingNode {
		return nil, errorAt(diag.Pos{File: path, Line: root.Line}, "", "a Kamal config must be a mapping of keys, found %s", kind(root))
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
