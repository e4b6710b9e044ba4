package kamal

import (
	"bytes"
	"regexp"

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
// anchor, or uses one, stays. It returns nil when the layout is unusual
// (documents, directives, top-level merges or flow collections) or nothing
// can go.
func prune(src []byte) *pruned {
	type section struct {
		start, end, line int // bytes, and the first line's number
		keep             bool
	}
	var sections []section
	line := 0
	for i := 0; i < len(src); {
		end := bytes.IndexByte(src[i:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += i + 1
		}
		l := src[i:end]
		line++
		if len(l) > 0 && l[0] != ' ' && l[0] != '#' && l[0] != '\n' && l[0] != '\r' {
			colon := bytes.IndexByte(l, ':')
			if colon <= 0 || bytes.ContainsAny(l[:1], "-[{?\"'!&*|>%@`\t.") || bytes.HasPrefix(l, []byte("<<")) {
				return nil
			}
			sections = append(sections, section{start: i, line: line, keep: needed[string(bytes.TrimSpace(l[:colon]))]})
		} else if len(sections) == 0 {
			sections = append(sections, section{start: i, line: line, keep: true})
		}
		sections[len(sections)-1].end = end
		i = end
	}
	anchors := anchorPattern.FindAll(src, -1)
	p := &pruned{src: make([]byte, 0, len(src)/4)}
	cut := false
	for _, sec := range sections {
		body := src[sec.start:sec.end]
		if !sec.keep && !usesAnchors(body, anchors) {
			cut = true
			continue
		}
		p.src = append(p.src, body...)
		n := bytes.Count(body, []byte("\n"))
		if !bytes.HasSuffix(body, []byte("\n")) {
			n++ // a last line without a line break
		}
		for k := range n {
			p.lines = append(p.lines, sec.line+k)
		}
	}
	if !cut {
		return nil
	}
	return p
}

var anchorPattern = regexp.MustCompile(`&[^\s,\[\]{}]+`)

// usesAnchors reports whether a section defines or refers to an anchor.
func usesAnchors(body []byte, anchors [][]byte) bool {
	for _, a := range anchors {
		if bytes.Contains(body, a) || bytes.Contains(body, append([]byte("*"), a[1:]...)) {
			return true
		}
	}
	return false
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
