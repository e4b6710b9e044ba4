package validate

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
)

// exType is the type Kamal checks a value of example e against.
func exType(e *example) vtype {
	switch e.kind {
	case exInt:
		return tInt
	case exBool:
		return tBool
	case exMap, exSection, exHash, exMapOf:
		return tHash
	case exSeq:
		return tArray
	}
	return tString
}

// against is validate_against_example!.
func (v *validator) against(n *Node, e *example) {
	if !v.typeCheck(n, exType(e)) || e.kind != exMap || n.kind != vMap {
		return
	}
	var unknown []string
	var first diag.Pos
	for _, k := range n.keys {
		if _, ok := e.fields[k]; !ok && !(v.allowExt && extension(k)) {
			if len(unknown) == 0 {
				first = n.vals[k].keyPos
			}
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		v.fail("kamal/unknown-key", first, unknownKeysFix(v.ctx, unknown, e, n), unknownKeys(unknown))
	}
	for _, k := range n.keys {
		ev, known := e.fields[k]
		if extension(k) || !known {
			continue
		}
		val := n.vals[k]
		v.with(k, func() { v.value(val, ev) })
	}
}

func extension(key string) bool { return strings.HasPrefix(key, "x-") }

func unknownKeys(keys []string) string {
	if len(keys) == 1 {
		return "unknown key: " + keys[0]
	}
	return "unknown keys: " + listed(keys)
}

// value checks one key's value against its example.
func (v *validator) value(n *Node, e *example) {
	switch e.kind {
	case exSectionOrBool:
		if !v.ok(n, tBool) {
			v.typeCheck(n, tHash)
		}
	case exServers:
		v.typeCheck(n, tArray, tHash)
	case exBoolOrMap:
		v.typeCheck(n, tBool, tHash)
	case exStrOrMap:
		v.levels(n)
	case exHosts:
		v.hosts(n)
	case exPaths:
		v.paths(n)
	case exStrOrList:
		v.strOrList(n)
	case exSSHConfig:
		if n.kind == vSeq {
			v.arrayOf(n, tString)
		} else if n.kind != vBool && n.kind != vStr && n.kind != vRuby { // strictly a string here
			v.fail("kamal/type", n.pos, "write it as true, a path, or a list of paths", "should be a boolean or a string or an array")
		}
	case exSeq:
		v.arrayOf(n, exType(e.elem))
	case exMapOf:
		v.hashOf(n, exType(e.elem))
	case exMap:
		v.against(n, e)
	default:
		v.typeCheck(n, exType(e))
	}
}

// levels is hooks_output: a level, or a mapping of hooks to levels.
func (v *validator) levels(n *Node) {
	if n.kind != vMap {
		v.typeCheck(n, tString, tSymbol)
		return
	}
	for _, hook := range n.keys {
		v.with(hook, func() { v.typeCheck(n.vals[hook], tString, tSymbol) })
	}
}

// strOrList is builder.arch: Kamal reports the pair of types for any item.
func (v *validator) strOrList(n *Node) {
	ok := n.kind == vSeq || v.ok(n, tString)
	for _, item := range n.items {
		ok = v.ok(item, tString) && ok
	}
	if !ok {
		v.fail("kamal/type", n.pos, "write it as a string such as amd64, or a list of them", "should be an array or a string")
	}
}

func (v *validator) arrayOf(n *Node, t vtype) {
	if !v.typeCheck(n, tArray) || n.kind != vSeq {
		return
	}
	for i, item := range n.items {
		v.with(fmt.Sprint(i), func() { v.typeCheck(item, t) })
	}
}

func (v *validator) hashOf(n *Node, t vtype) {
	if !v.typeCheck(n, tHash) || n.kind != vMap {
		return
	}
	for _, k := range n.keys {
		v.with(k, func() { v.typeCheck(n.vals[k], t) })
	}
}

// hosts is validate_servers!: a list of hosts, each a string or a
// one-entry mapping of a host to its tag or tags.
func (v *validator) hosts(n *Node) {
	if !v.typeCheck(n, tArray) || n.kind != vSeq {
		return
	}
	for i, h := range n.items {
		v.with(fmt.Sprint(i), func() {
			if !v.typeCheck(h, tString, tHash) || h.kind != vMap {
				return
			}
			if len(h.keys) != 1 {
				v.fail("kamal/hosts", h.pos, "give each host its own list item", "multiple hosts found")
				return
			}
			host := h.keys[0]
			tags := h.vals[host]
			v.with(host, func() {
				if v.typeCheck(tags, tString, tArray) && tags.kind == vSeq {
					v.arrayOf(tags, tString)
				}
			})
		})
	}
}

func (v *validator) paths(n *Node) {
	if !v.typeCheck(n, tArray) || n.kind != vSeq {
		return
	}
	for i, p := range n.items {
		v.with(fmt.Sprint(i), func() {
			if !v.typeCheck(p, tString, tHash) || p.kind != vMap {
				return
			}
			for _, k := range pathExample.keys {
				if p.has(k) {
					v.with(k, func() { v.typeCheck(p.vals[k], tString) })
				}
			}
		})
	}
}

// section validates a section that defaults to an empty mapping.
func (v *validator) section(ctx string, n *Node, e *example) {
	if n == nil || n.kind == vNull {
		return
	}
	v.with(ctx, func() { v.against(n, e) })
}

var (
	reservedLabels = []string{"destination", "role", "service"}
	restartPolicy  = regexp.MustCompile(`^(?:no|always|unless-stopped|on-failure(?::\d+)?)$`)
)

func (v *validator) labelsAndRestart(n *Node) {
	if labels := n.get("labels"); labels.present() && labels.kind == vMap {
		v.with("labels", func() {
			for _, k := range labels.keys {
				if slices.Contains(reservedLabels, k) {
					v.with(k, func() {
						v.fail("kamal/labels", labels.vals[k].keyPos, "rename the label: Kamal sets destination, role and service itself", "invalid label. destination, role, and service are reserved labels")
					})
				}
			}
		})
	}
	opts := n.get("options")
	if opts == nil || opts.kind != vMap || !opts.has("restart") {
		return
	}
	r := opts.vals["restart"]
	v.with("options/restart", func() {
		switch {
		case r.kind == vRuby:
		case r.kind != vStr:
			v.fail("kamal/restart", r.pos, `write it in quotes, such as "no"`, `should be a string. Use "no" to disable restarts`)
		case !restartPolicy.MatchString(r.text):
			v.fail("kamal/restart", r.pos, "use one of those", "should be no, always, unless-stopped, on-failure, or on-failure:N")
		}
	})
}
