package kamal

import (
	"bytes"

	"gopkg.in/yaml.v3"
)

// needed are the top-level keys the action reads.
var needed = map[string]bool{
	"service": true, "image": true, "registry": true, "builder": true,
	"accessories": true, "proxy": true, "require_destination": true, "traefik": true,
}

// pruned is a source with the top-level sections the action does not read
// (env, servers, ssh…) cut out, so yaml.v3 parses a fraction of a large
// file; lines maps each kept line back to its line in the source.
type pruned struct {
	src   []byte
	lines []int
}

// prune keeps whole lines, so columns stay valid. A section that defines an
// anchor stays. It returns nil when the layout is unusual (documents,
// directives, top-level merges or flow collections) or nothing can go.
func prune(src []byte) *pruned {
	p := &pruned{src: make([]byte, 0, len(src)/4)}
	var section []int // line starts of the current section
	keep, cut := true, false
	line := 0
	flush := func(end int) {
		if len(section) == 0 {
			return
		}
		if !keep && !bytes.ContainsRune(src[section[0]:end], '&') {
			cut = true
		} else {
			p.src = append(p.src, src[section[0]:end]...)
			for i := range section {
				p.lines = append(p.lines, line-len(section)+i+1)
			}
		}
		section = section[:0]
	}
	for i := 0; i < len(src); {
		end := bytes.IndexByte(src[i:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += i + 1
		}
		l := src[i:end]
		if len(l) > 0 && l[0] != ' ' && l[0] != '#' && l[0] != '\n' && l[0] != '\r' {
			colon := bytes.IndexByte(l, ':')
			if colon <= 0 || bytes.ContainsAny(l[:1], "-[{?\"'!&*|>%@`\t.") || bytes.HasPrefix(l, []byte("<<")) {
				return nil
			}
			flush(i)
			keep = needed[string(bytes.TrimSpace(l[:colon]))]
		}
		section = append(section, i)
		line++
		i = end
	}
	flush(len(src))
	if !cut {
		return nil
	}
	return p
}

// parse parses the kept lines and gives every node its line in the source.
func (p *pruned) parse() (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(p.src, &doc); err != nil {
		return nil, err
	}
	var fix func(n *yaml.Node)
	fix = func(n *yaml.Node) {
		if n.Line > 0 && n.Line <= len(p.lines) {
			n.Line = p.lines[n.Line-1]
		}
		for _, c := range n.Content {
			fix(c)
		}
	}
	fix(&doc)
	return &doc, nil
}
