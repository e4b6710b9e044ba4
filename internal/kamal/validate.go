package kamal

import (
	"fmt"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"regexp"
	"slices"
	"strings"
)

// KamalVersion is the Kamal whose validation Validate reproduces.
const KamalVersion = "2.12.0"

// Validation is the verdict of Kamal's own checks on the merged config.
type Validation struct {
	// Problems are Kamal's refusals in the order Kamal meets them: Kamal
	// stops at the first, whose message is Kamal's own. Each is at the file,
	// line and column of the key or value, with a fix.
	Problems []*diag.Finding
	// Skipped says where checks were skipped because a value is computed by
	// Ruby the action does not run; nil when none were.
	Skipped *diag.Finding
}

type validator struct {
	ctx      string
	problems []*diag.Finding
	skipped  []diag.Pos
	allowExt bool
	file     string // where a problem with no place of its own is reported
}

// Validate checks the config the way Kamal 2.12 does when it loads it
// (lib/kamal/configuration.rb and its validators), reporting every problem
// instead of stopping at the first. Secrets are not looked up.
func (c *Config) Validate() Validation {
	v := &validator{file: c.Files[0].Path}
	root := c.valueTree()
	topRuby := c.topLevelRuby() != nil

	v.allowExt = true
	v.against(root, rootExample)
	v.allowExt = false
	if root.kind != vMap {
		return v.result()
	}
	roles := v.servers(root)
	v.registry(root.get("registry"), "registry")
	accessories := root.get("accessories")
	if accessories != nil && accessories.kind == vMap {
		for _, name := range accessories.keys {
			v.accessory(name, accessories.vals[name], roles)
		}
	}
	if aliases := root.get("aliases"); aliases != nil && aliases.kind == vMap {
		for _, name := range aliases.keys {
			v.alias(name, aliases.vals[name])
		}
	}
	v.section("boot", root.get("boot"), bootExample)
	v.builder(root.get("builder"))
	v.env("env", root.get("env"))
	v.section("logging", root.get("logging"), loggingExample)
	if out := root.get("output"); out.present() {
		v.section("output", out, outputExample)
	}
	v.proxy("proxy", root.get("proxy"))
	v.section("ssh", root.get("ssh"), sshExample)
	v.section("sshkit", root.get("sshkit"), sshkitExample)
	if !topRuby { // Ruby at the top level may write any of these keys
		v.ensure(c, root, roles)
	} else {
		v.skipped = append(v.skipped, c.topLevelRuby().Pos)
	}
	return v.result()
}

func (v *validator) result() Validation {
	for _, p := range v.problems {
		if p.Pos.File == "" { // a section the config does not have
			p.Pos = diag.Pos{File: v.file}
		}
	}
	out := Validation{Problems: v.problems}
	if len(v.skipped) > 0 {
		var where []string
		for _, p := range v.skipped[:min(len(v.skipped), 3)] {
			where = append(where, p.String())
		}
		more := ""
		if len(v.skipped) > 3 {
			more = fmt.Sprintf(" and %d more", len(v.skipped)-3)
		}
		out.Skipped = &diag.Finding{Pos: v.skipped[0], Severity: diag.Notice,
			Msg: fmt.Sprintf("Kamal's checks of values computed by Ruby were skipped (%s%s): the action does not run Ruby", strings.Join(where, ", "), more)}
	}
	return out
}

// fail records a problem in the current context, as Kamal words it.
func (v *validator) fail(pos diag.Pos, fix, msg string) {
	if v.ctx != "" {
		msg = v.ctx + ": " + msg
	}
	v.problems = append(v.problems, &diag.Finding{Pos: pos, Severity: diag.Error, Msg: msg, Fix: fix})
}

func (v *validator) with(ctx string, fn func()) {
	old := v.ctx
	if v.ctx == "" {
		v.ctx = ctx
	} else if ctx != "" {
		v.ctx = v.ctx + "/" + ctx
	}
	defer func() { v.ctx = old }()
	fn()
}

// types are the classes Kamal's validate_type! accepts.
type vtype int

const (
	tString vtype = iota
	tInt
	tBool
	tHash
	tArray
	tNil
	tSymbol // :verbose; YAML gives such a value only where a string would do too
)

var typeNames = map[vtype]string{tString: "a string", tInt: "an integer", tBool: "a boolean", tHash: "a hash", tArray: "an array", tNil: "a nilclass", tSymbol: "a symbol"}

func (v *validator) ok(n *vnode, types ...vtype) bool {
	if n.kind == vRuby {
		if !n.later {
			v.skipped = append(v.skipped, n.pos)
		}
		return true
	}
	for _, t := range types {
		switch t {
		case tString, tSymbol:
			if n.kind == vStr || n.kind == vInt || n.kind == vFloat || n.kind == vBool {
				return true
			}
		case tInt:
			if n.kind == vInt {
				return true
			}
		case tBool:
			if n.kind == vBool {
				return true
			}
		case tHash:
			if n.kind == vMap {
				return true
			}
		case tArray:
			if n.kind == vSeq {
				return true
			}
		case tNil:
			if n.kind == vNull {
				return true
			}
		}
	}
	return false
}

// typeCheck is validate_type!: false (with the problem recorded) when n is
// none of the types.
func (v *validator) typeCheck(n *vnode, types ...vtype) bool {
	if v.ok(n, types...) {
		return true
	}
	var names []string
	for _, t := range types {
		if name := typeNames[t]; !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	want := strings.Join(names, " or ")
	fix := "write it as " + want
	if n.unset != "" {
		fix = fmt.Sprintf("the ERB here renders nothing because %s is not set at this step: set %s in the workflow's env, or write the value literally", n.unset, n.unset)
	}
	v.fail(n.pos, fix, "should be "+want)
	return false
}

func exType(e *example) vtype {
	switch e.kind {
	case exInt:
		return tInt
	case exBool:
		return tBool
	case exMap, exSection:
		return tHash
	case exSeq:
		return tArray
	}
	return tString
}

// against is validate_against_example!.
func (v *validator) against(n *vnode, e *example) {
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
		v.fail(first, unknownKeysFix(v.ctx, unknown), unknownKeys(unknown))
	}
	for _, k := range n.keys {
		ev, known := e.fields[k]
		if extension(k) || !known {
			continue
		}
		val := n.vals[k]
		v.with(k, func() { v.value(k, val, ev) })
	}
}

func extension(key string) bool { return strings.HasPrefix(key, "x-") }

func unknownKeys(keys []string) string {
	if len(keys) == 1 {
		return "unknown key: " + keys[0]
	}
	return "unknown keys: " + strings.Join(keys, ", ")
}

// value checks one key's value against its example, with Kamal's special
// cases by key name.
func (v *validator) value(key string, n *vnode, e *example) {
	switch {
	case e.kind == exSection:
		if key == "proxy" && v.ok(n, tBool) {
			return
		}
		if key == "servers" && v.ctx == "servers" {
			v.typeCheck(n, tArray, tHash)
			return
		}
		v.typeCheck(n, tHash)
	case key == "ssl":
		v.typeCheck(n, tBool, tHash)
	case key == "hooks_output":
		if n.kind == vMap {
			for _, hook := range n.keys {
				v.with(hook, func() { v.typeCheck(n.vals[hook], tString, tSymbol) })
			}
			return
		}
		v.typeCheck(n, tString, tSymbol)
	case key == "hosts":
		v.hosts(n)
	case e.kind == exSeq:
		switch key {
		case "arch":
			if n.kind == vSeq {
				before := len(v.problems)
				v.arrayOf(n, tString)
				if len(v.problems) > before { // Kamal reports the pair of types for any item
					v.problems = v.problems[:before]
					v.fail(n.pos, "write it as a string such as amd64, or a list of them", "should be an array or a string")
				}
				return
			}
			if !v.ok(n, tString) {
				v.fail(n.pos, "write it as a string such as amd64, or a list of them", "should be an array or a string")
			}
		case "config":
			if n.kind == vSeq {
				v.arrayOf(n, tString)
			} else if n.kind != vBool && n.kind != vStr && n.kind != vRuby { // strictly a string here
				v.fail(n.pos, "write it as true, a path, or a list of paths", "should be a boolean or a string or an array")
			}
		case "files", "directories":
			v.paths(n)
		default:
			v.arrayOf(n, exType(e.elem))
		}
	case e.kind == exMap:
		switch key {
		case "options", "args":
			v.typeCheck(n, tHash)
		case "labels":
			v.hashOf(n, exType(e.fields[e.keys[0]]))
		default:
			v.against(n, e)
		}
	default:
		v.typeCheck(n, exType(e))
	}
}

func (v *validator) arrayOf(n *vnode, t vtype) {
	if !v.typeCheck(n, tArray) || n.kind != vSeq {
		return
	}
	for i, item := range n.items {
		v.with(fmt.Sprint(i), func() { v.typeCheck(item, t) })
	}
}

func (v *validator) hashOf(n *vnode, t vtype) {
	if !v.typeCheck(n, tHash) || n.kind != vMap {
		return
	}
	for _, k := range n.keys {
		v.with(k, func() { v.typeCheck(n.vals[k], t) })
	}
}

// hosts is validate_servers!: a list of hosts, each a string or a
// one-entry mapping of a host to its tag or tags.
func (v *validator) hosts(n *vnode) {
	if !v.typeCheck(n, tArray) || n.kind != vSeq {
		return
	}
	for i, h := range n.items {
		v.with(fmt.Sprint(i), func() {
			if !v.typeCheck(h, tString, tHash) || h.kind != vMap {
				return
			}
			if len(h.keys) != 1 {
				v.fail(h.pos, "give each host its own list item", "multiple hosts found")
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

func (v *validator) paths(n *vnode) {
	if !v.typeCheck(n, tArray) || n.kind != vSeq {
		return
	}
	for i, p := range n.items {
		v.with(fmt.Sprint(i), func() {
			if !v.typeCheck(p, tString, tHash) || p.kind != vMap {
				return
			}
			for _, k := range []string{"local", "remote", "mode", "owner", "options"} {
				if p.has(k) {
					v.with(k, func() { v.typeCheck(p.vals[k], tString) })
				}
			}
		})
	}
}

// section validates a section that defaults to an empty mapping.
func (v *validator) section(ctx string, n *vnode, e *example) {
	if n == nil || n.kind == vNull {
		return
	}
	v.with(ctx, func() { v.against(n, e) })
}

var (
	reservedLabels = []string{"destination", "role", "service"}
	restartPolicy  = regexp.MustCompile(`^(?:no|always|unless-stopped|on-failure(?::\d+)?)$`)
)

func (v *validator) labelsAndRestart(n *vnode) {
	if labels := n.get("labels"); labels.present() && labels.kind == vMap {
		v.with("labels", func() {
			for _, k := range labels.keys {
				if slices.Contains(reservedLabels, k) {
					v.with(k, func() {
						v.fail(labels.vals[k].keyPos, "rename the label: Kamal sets destination, role and service itself", "invalid label. destination, role, and service are reserved labels")
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
			v.fail(r.pos, `write it in quotes, such as "no"`, `should be a string. Use "no" to disable restarts`)
		case !restartPolicy.MatchString(r.text):
			v.fail(r.pos, "use one of those", "should be no, always, unless-stopped, on-failure, or on-failure:N")
		}
	})
}
