package kamal

import (
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/kamal-ecr/kamal-ecr/internal/yamledit"
)

// A view is one mapping as Kamal sees it after deep-merging the destination
// file over the base file: the same mapping from each file that contributes,
// lowest priority first. Hashes merge; a scalar or list in a higher file
// replaces everything below it.
type view []layer

type layer struct {
	file  *File
	key   *yaml.Node // the key naming the mapping; nil at the root
	node  *yaml.Node // a mapping
	alias bool       // reached through a YAML alias or merge key
}

// entry is a key's winning definition.
type entry struct {
	file     *File
	key, val *yaml.Node
	alias    bool
}

// merge is the fourth stage: the destination file over the base file.
func merge(files []*File) view { return rootView(files) }

func rootView(files []*File) view {
	var v view
	for _, f := range files {
		if f.root != nil {
			v = append(v, layer{file: f, node: f.root})
		}
	}
	return v
}

// get returns the key's value: a view when it is a mapping, and the entry
// of its highest-priority definition (nil when no file sets it).
func (v view) get(key string) (view, *entry) {
	var maps view
	var top *entry
	for i := len(v) - 1; i >= 0; i-- {
		k, val, viaMerge := lookup(v[i].node, key)
		if k == nil {
			continue
		}
		d, viaAlias := yamledit.Deref(val)
		e := &entry{file: v[i].file, key: k, val: d, alias: v[i].alias || viaMerge || viaAlias}
		if top == nil {
			top = e
		}
		if d.Kind != yaml.MappingNode {
			break
		}
		maps = append(maps, layer{file: e.file, key: k, node: d, alias: e.alias})
	}
	for i, j := 0, len(maps)-1; i < j; i, j = i+1, j-1 {
		maps[i], maps[j] = maps[j], maps[i]
	}
	return maps, top
}

// index returns get for a view whose keys are all read, such as the
// accessories: each layer's keys are indexed once, so reading them all costs
// as much as reading the mappings once.
func (v view) index() func(key string) (view, *entry) {
	idx := make([]map[string]hit, len(v))
	for i, l := range v {
		idx[i] = indexMapping(l.node)
	}
	return func(key string) (view, *entry) {
		var maps view
		var top *entry
		for i := len(v) - 1; i >= 0; i-- {
			h, ok := idx[i][key]
			if !ok {
				continue
			}
			d, viaAlias := yamledit.Deref(h.val)
			e := &entry{file: v[i].file, key: h.key, val: d, alias: v[i].alias || h.viaMerge || viaAlias}
			if top == nil {
				top = e
			}
			if d.Kind != yaml.MappingNode {
				break
			}
			maps = append(maps, layer{file: e.file, key: h.key, node: d, alias: e.alias})
		}
		slices.Reverse(maps)
		return maps, top
	}
}

type hit struct {
	key, val *yaml.Node
	viaMerge bool
}

// indexMapping is lookup for every key of m at once: explicit keys, the
// last of a repeated one winning, then the first definition in the mappings
// merged in, in the order lookup visits them.
func indexMapping(m *yaml.Node) map[string]hit {
	idx := map[string]hit{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Tag != "!!merge" {
			idx[k.Value] = hit{k, m.Content[i+1], false}
		}
	}
	seen := map[*yaml.Node]bool{m: true}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if c := m.Content[i]; c.Value == "<<" && c.Tag == "!!merge" {
			for _, src := range yamledit.MergeSources(m.Content[i+1]) {
				walkMerged(src, seen, func(mk, mv *yaml.Node) bool {
					if _, ok := idx[mk.Value]; !ok {
						idx[mk.Value] = hit{mk, mv, true}
					}
					return false
				})
			}
		}
	}
	return idx
}

// path follows nested keys through mappings.
func (v view) path(keys ...string) (view, *entry) {
	var e *entry
	for _, k := range keys {
		if len(v) == 0 {
			return nil, nil
		}
		v, e = v.get(k)
	}
	return v, e
}

// keys lists the merged keys in the order Kamal's hashes keep them.
func (v view) keys() []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range v {
		for _, k := range mappingKeys(l.node) {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

func mappingKeys(m *yaml.Node) []string {
	var out []string
	walkMerged(m, map[*yaml.Node]bool{}, func(k, _ *yaml.Node) bool {
		out = append(out, k.Value)
		return false
	})
	return out
}

// lookup finds key in a mapping; explicit keys win over merge keys (<<),
// and a repeated key's last value wins, as in Ruby's YAML loader.
func lookup(m *yaml.Node, key string) (k, v *yaml.Node, viaMerge bool) {
	for i := len(m.Content) - 2; i >= 0; i -= 2 {
		if c := m.Content[i]; c.Value == key && c.Tag != "!!merge" {
			return c, m.Content[i+1], false
		}
	}
	seen := map[*yaml.Node]bool{m: true}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if c := m.Content[i]; c.Value == "<<" && c.Tag == "!!merge" {
			for _, src := range yamledit.MergeSources(m.Content[i+1]) {
				walkMerged(src, seen, func(mk, mv *yaml.Node) bool {
					if mk.Value == key && k == nil {
						k, v = mk, mv
					}
					return k != nil
				})
			}
		}
	}
	return k, v, k != nil
}

// walkMerged calls fn for each key of m, then of the mappings it merges,
// visiting each mapping once (a mapping can merge itself through an alias,
// and merges can fan out), until fn returns true.
func walkMerged(m *yaml.Node, seen map[*yaml.Node]bool, fn func(k, v *yaml.Node) bool) bool {
	seen[m] = true
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Value == "<<" && k.Tag == "!!merge" {
			merges = append(merges, m.Content[i+1])
			continue
		}
		if fn(k, m.Content[i+1]) {
			return true
		}
	}
	for _, mv := range merges {
		for _, src := range yamledit.MergeSources(mv) {
			if !seen[src] && walkMerged(src, seen, fn) {
				return true
			}
		}
	}
	return false
}
