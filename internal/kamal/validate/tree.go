// Package validate checks a Kamal config the way Kamal 2.12 does when it
// loads it, without running Ruby: the config typed as Kamal's YAML loader
// types it (Build), then Kamal's validators and cross-section checks (Check).
package validate

import (
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/erb"
	"github.com/kamal-ecr/kamal-ecr/internal/yamledit"
)

// The validator works on the config as Kamal loads it: each file's ERB
// rendered, YAML loaded the way Ruby's Psych loads it (YAML 1.1 scalars,
// aliases and merge keys resolved), then the files deep-merged. A Node is
// one value of that, with the place that defines it.

type vkind int

const (
	vNull vkind = iota
	vStr
	vInt
	vFloat
	vBool
	vDate // Psych turns 2024-01-01 into a Date, which is no string
	vMap
	vSeq
	vRuby // computed by Ruby the action does not run: every check passes
)

type Node struct {
	kind   vkind
	text   string // a scalar as written (after ERB)
	source string // the scalar with its ERB as written, when that reads a secret-looking variable
	keys   []string
	vals   map[string]*Node
	items  []*Node
	pos    diag.Pos // the value
	keyPos diag.Pos // its key, for a mapping entry
	unset  string   // an environment variable ERB read here and found unset
	later  bool     // vRuby because a later step sets its variable: not Ruby, nothing to say
}

func (n *Node) get(key string) *Node {
	if n == nil || n.kind != vMap {
		return nil
	}
	return n.vals[key]
}

func (n *Node) has(key string) bool { return n.get(key) != nil }

// shownOr is shown for a node that may be missing.
func (n *Node) shownOr(none string) string {
	if n == nil {
		return none
	}
	return n.shown()
}

// shown is the scalar as a message may show it: never a secret's value.
func (n *Node) shown() string {
	if n.source != "" {
		return n.source
	}
	return n.text
}

// present is Ruby's present?: not nil, false, empty or blank.
func (n *Node) present() bool {
	if n == nil {
		return false
	}
	switch n.kind {
	case vNull:
		return false
	case vStr:
		return strings.TrimSpace(n.text) != ""
	case vBool:
		return n.text == "true"
	case vMap:
		return len(n.keys) > 0
	case vSeq:
		return len(n.items) > 0
	}
	return true
}

// Source is one parsed config file, as the tree is built from it.
type Source struct {
	Path     string
	Root     *yaml.Node // the top-level mapping, nil for an empty file
	Template *erb.Template
	// Ruby are the dotted paths of the sections a tag writes as YAML lines,
	// each with the tag's place: no check looks inside them.
	Ruby []Section
}

// Section is a part of the config Ruby writes.
type Section struct {
	Path string
	Pos  diag.Pos
}

// Options are what building the tree needs besides the files.
type Options struct {
	Getenv func(string) string
	// MaxCopies bounds the values merge keys (<<) may copy in all.
	MaxCopies int
	// LaterServer says registry.server reads a variable a later step sets:
	// Kamal's to see, not the action's.
	LaterServer bool
}

type treeBuilder struct {
	src    Source
	getenv func(string) string
	seen   map[*yaml.Node]*Node
	budget *int // values merge keys (<<) may still copy
}

// Build types the merged config as Kamal's YAML loader (Psych, YAML 1.1)
// types it: the one reader of values for the checks.
func Build(files []Source, o Options) (*Node, error) {
	var root *Node
	budget := o.MaxCopies
	for _, f := range files {
		var n *Node
		if f.Root != nil {
			b := &treeBuilder{src: f, getenv: o.Getenv, seen: map[*yaml.Node]*Node{}, budget: &budget}
			n = b.node(f.Root)
			if budget < 0 {
				return nil, diag.Errorf(diag.Pos{File: f.Path, Line: 1}, "config/too-many-nodes", "merge fewer mappings with <<, or list the keys where they are used",
					"the merge keys (<<) here copy more than %d values, more than the action reads", o.MaxCopies)
			}
		} else {
			n = &Node{kind: vMap, vals: map[string]*Node{}, pos: diag.Pos{File: f.Path}}
		}
		for _, s := range f.Ruby {
			if s.Path != "" {
				markRuby(n, strings.Split(s.Path, "."), s.Pos)
			}
		}
		if root == nil {
			root = n
		} else {
			root = deepMerge(root, n)
		}
	}
	if s := root.get("registry").get("server"); s != nil && o.LaterServer {
		s.kind, s.later = vRuby, true
	}
	return root, nil
}

func (b *treeBuilder) pos(n *yaml.Node) diag.Pos {
	return diag.Pos{File: b.src.Path, Line: n.Line, Col: n.Column}
}

func markRuby(n *Node, path []string, pos diag.Pos) {
	for i, k := range path {
		next := n.get(k)
		if next == nil {
			return
		}
		if i == len(path)-1 {
			*next = Node{kind: vRuby, pos: pos, keyPos: next.keyPos}
			return
		}
		n = next
	}
}

// deepMerge is ActiveSupport's deep_merge: mappings merge key by key, the
// later file wins for anything else; keys keep their first order.
func deepMerge(a, b *Node) *Node {
	if a.kind != vMap || b.kind != vMap {
		return b
	}
	out := &Node{kind: vMap, vals: map[string]*Node{}, pos: a.pos, keyPos: a.keyPos}
	for _, k := range a.keys {
		out.keys = append(out.keys, k)
		out.vals[k] = a.vals[k]
	}
	for _, k := range b.keys {
		if old, ok := out.vals[k]; ok {
			out.vals[k] = deepMerge(old, b.vals[k])
			continue
		}
		out.keys = append(out.keys, k)
		out.vals[k] = b.vals[k]
	}
	return out
}

func (b *treeBuilder) node(n *yaml.Node) *Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return b.node(n.Alias)
	}
	if v, ok := b.seen[n]; ok {
		return v
	}
	v := &Node{pos: b.pos(n)}
	b.seen[n] = v
	switch n.Kind {
	case yaml.MappingNode:
		v.kind, v.vals = vMap, map[string]*Node{}
		b.mapping(v, n)
	case yaml.SequenceNode:
		v.kind = vSeq
		for _, c := range n.Content {
			v.items = append(v.items, b.node(c))
		}
	case yaml.ScalarNode:
		b.scalar(v, n)
	default:
		v.kind = vNull
	}
	return v
}

// mapping fills v with n's keys in order, as Psych does: a merge key (<<)
// sets the merged mapping's keys where it stands, and a later key wins, in
// the place its key first took.
func (b *treeBuilder) mapping(v *Node, n *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" {
			for _, src := range yamledit.MergeSources(val) {
				sv := b.node(src) // built once, however often it is merged
				if sv == v || sv.kind != vMap {
					continue // a mapping that merges itself adds nothing
				}
				if *b.budget -= len(sv.keys); *b.budget < 0 {
					return
				}
				for _, key := range sv.keys {
					if _, ok := v.vals[key]; !ok {
						v.keys = append(v.keys, key)
					}
					v.vals[key] = sv.vals[key]
				}
			}
			continue
		}
		key := k.Value
		if b.src.Template.ReadsSecret(key) {
			key = b.src.Template.Source(key)
		} else if b.src.Template.Contains(key) {
			key, _, _ = b.src.Template.Render(key, b.getenv)
		}
		c := *b.node(val)
		c.keyPos = b.pos(k)
		if _, ok := v.vals[key]; !ok {
			v.keys = append(v.keys, key)
		}
		v.vals[key] = &c
	}
}

var (
	yamlNull  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	yamlTrue  = regexp.MustCompile(`^(?i:yes|true|on)$`)
	yamlFalse = regexp.MustCompile(`^(?i:no|false|off)$`)
	yamlInt   = regexp.MustCompile(`^[-+]?(?:0|[1-9][0-9_,]*|0[0-7_]+|0b[01_]+|0x[0-9a-fA-F_]+)$`)
	yamlFloat = regexp.MustCompile(`^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?$|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$`)
	yamlDate  = regexp.MustCompile(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$`)
)

// scalar types a scalar as Psych would, after rendering its ERB.
func (b *treeBuilder) scalar(v *Node, n *yaml.Node) {
	text := n.Value
	if b.src.Template.Contains(text) {
		out, unset, ok := b.src.Template.Render(text, b.getenv)
		if !ok {
			v.kind = vRuby
			return
		}
		text = out
		if b.src.Template.ReadsSecret(n.Value) {
			v.source = b.src.Template.Source(n.Value)
		}
		if len(unset) > 0 {
			v.unset = unset[0]
		}
		if n.Style == 0 || n.Style&yaml.TaggedStyle != 0 {
			text = strings.TrimSpace(text)
		}
	}
	v.text = text
	switch {
	case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		v.kind = vStr
	case n.Style&yaml.TaggedStyle != 0:
		v.kind = map[string]vkind{"!!str": vStr, "!!int": vInt, "!!float": vFloat, "!!bool": vBool, "!!null": vNull}[n.Tag]
		if n.Tag != "!!null" && v.kind == vNull {
			v.kind = vStr
		}
	default:
		v.kind = plainKind(text)
		if v.kind == vBool {
			v.text = map[bool]string{true: "true", false: "false"}[yamlTrue.MatchString(text)]
		}
	}
}

var boolWords = []string{"yes", "true", "on", "no", "false", "off"}

func plainKind(s string) vkind {
	// The fast way for most values: only these start with a letter.
	if c := s + "?"; c[0]|0x20 >= 'a' && c[0]|0x20 <= 'z' {
		switch {
		case s == "null" || s == "Null" || s == "NULL":
			return vNull
		case slices.ContainsFunc(boolWords, func(w string) bool { return strings.EqualFold(s, w) }):
			return vBool
		}
		return vStr
	}
	switch {
	case yamlNull.MatchString(s):
		return vNull
	case yamlTrue.MatchString(s), yamlFalse.MatchString(s):
		return vBool
	case yamlInt.MatchString(s):
		return vInt
	case yamlFloat.MatchString(s):
		return vFloat
	case yamlDate.MatchString(s):
		return vDate
	}
	return vStr
}
