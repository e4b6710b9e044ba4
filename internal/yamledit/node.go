package yamledit

import "gopkg.in/yaml.v3"

// Deref follows aliases to the node they name, and reports whether there was one.
func Deref(n *yaml.Node) (*yaml.Node, bool) {
	aliased := false
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n, aliased = n.Alias, true
	}
	return n, aliased
}

// MergeSources are the mappings a merge key (<<) brings in: the one it
// names, or each of a list of them.
func MergeSources(n *yaml.Node) []*yaml.Node {
	n, _ = Deref(n)
	if n.Kind == yaml.MappingNode {
		return []*yaml.Node{n}
	}
	var out []*yaml.Node
	if n.Kind == yaml.SequenceNode {
		for _, c := range n.Content {
			if d, _ := Deref(c); d.Kind == yaml.MappingNode {
				out = append(out, d)
			}
		}
	}
	return out
}
