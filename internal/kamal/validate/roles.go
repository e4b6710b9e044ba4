package validate

import (
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"slices"
	"sort"
)

// role is a role as Kamal builds it: its name, hosts and proxy.
type role struct {
	name    string
	pos     diag.Pos
	hosts   []string
	proxy   *Node // its own proxy settings when it runs kamal-proxy, else nil
	proxied bool
	unknown bool // its hosts are computed by Ruby
}

// servers validates servers and each role (in name order, as Kamal loads
// them) with its env, logging and proxy, and returns the roles.
func (v *validator) servers(root *Node) []role {
	n := root.get("servers")
	if n == nil {
		return nil
	}
	ok := true
	v.with("servers", func() { ok = v.typeCheck(n, tArray, tHash, tNil) })
	if !ok || n.kind == vRuby || n.kind == vNull {
		return nil
	}
	primary := primaryRole(root)
	if n.kind == vSeq {
		v.with("servers", func() { v.hosts(n) })
		return []role{{name: "web", pos: n.keyPos, hosts: hostNames(n), proxied: primary == "web"}}
	}
	names := slices.Clone(n.keys)
	sort.Strings(names)
	var roles []role
	for _, name := range names {
		rc := n.vals[name]
		r := role{name: name, pos: rc.keyPos}
		v.with("servers/"+name, func() {
			if !v.typeCheck(rc, tArray, tHash) {
				return
			}
			switch rc.kind {
			case vRuby:
				r.unknown = true
			case vSeq:
				v.hosts(rc)
				r.hosts = hostNames(rc)
			case vMap:
				v.against(rc, roleExample)
				v.labelsAndRestart(rc)
				switch h := rc.get("hosts"); {
				case h != nil && h.kind == vSeq:
					r.hosts = hostNames(h)
				case h != nil && h.kind == vRuby:
					r.unknown = true
				}
			}
		})
		spec := rc
		if rc.kind != vMap {
			spec = nil
		}
		v.env("servers/"+name+"/env", spec.get("env"))
		v.section("servers/"+name+"/logging", spec.get("logging"), loggingExample)
		p := spec.get("proxy")
		switch {
		case name == primary:
			r.proxied = p == nil || !(p.kind == vBool && p.text == "false")
		default:
			r.proxied = p != nil && p.kind != vNull && !(p.kind == vBool && p.text == "false")
		}
		if r.proxied {
			if p != nil && p.kind != vBool {
				r.proxy = p
			}
			v.proxy("servers/"+name+"/proxy", r.proxy)
		}
		roles = append(roles, r)
	}
	return roles
}

// primaryRole is primary_role, web by default.
func primaryRole(root *Node) string {
	if p := root.get("primary_role"); p.present() && p.kind != vMap && p.kind != vSeq {
		return p.text
	}
	return "web"
}

func hostNames(n *Node) []string {
	var out []string
	for _, h := range n.items {
		switch h.kind {
		case vStr, vInt, vFloat, vBool:
			out = append(out, h.shown())
		case vMap:
			if len(h.keys) > 0 {
				out = append(out, h.keys[0])
			}
		case vRuby:
			out = append(out, "(computed by Ruby)")
		}
	}
	return out
}

var hostKeys = []string{"host", "hosts", "role", "roles", "tag", "tags"}

func (v *validator) accessory(name string, n *Node, roles []role) {
	ctx := "accessories/" + name
	valid := true
	v.with(ctx, func() {
		before := len(v.problems)
		v.against(n, accessoryExample)
		if n.kind != vMap {
			valid = false
			return
		}
		count := 0
		for _, k := range hostKeys {
			if n.has(k) {
				count++
			}
		}
		if count != 1 && len(v.problems) == before {
			v.fail("kamal/accessory-hosts", n.keyPos, "give the accessory exactly one of them", "specify one of `host`, `hosts`, `role`, `roles`, `tag` or `tags`")
		}
		v.labelsAndRestart(n)
	})
	if !valid {
		return
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.name
	}
	if rs := n.get("roles"); rs != nil && rs.kind == vSeq {
		var missing []string
		for _, r := range rs.items {
			if r.kind != vRuby && !slices.Contains(names, r.text) {
				missing = append(missing, r.shown())
			}
		}
		if len(missing) > 0 {
			v.with(ctx, func() {
				v.fail("kamal/accessory-roles", rs.pos, rolesFix(names), "unknown roles "+listed(missing))
			})
		}
	} else if r := n.get("role"); r != nil && r.kind != vRuby && r.kind != vNull && !slices.Contains(names, r.text) {
		v.with(ctx, func() { v.fail("kamal/accessory-roles", r.pos, rolesFix(names), "unknown role "+r.shown()) })
	}
	v.env(ctx+"/env", n.get("env"))
	if p := n.get("proxy"); p.present() {
		v.proxy(ctx+"/proxy", p)
	}
	if r := n.get("registry"); r.present() {
		v.registry(r, ctx+"/registry")
	}
}

func rolesFix(names []string) string {
	if len(names) == 0 {
		return "define the role under servers, or give the accessory its hosts"
	}
	return "use a role defined under servers (" + listed(names) + ")"
}

// accessoryHosts are an accessory's hosts as Kamal finds them.
func accessoryHosts(a *Node, roles []role, tags *taggedHosts) []string {
	byRole := func(name string) []string {
		for _, r := range roles {
			if r.name == name {
				return r.hosts
			}
		}
		return nil
	}
	switch {
	case a.has("host"):
		return []string{a.get("host").shown()}
	case a.has("hosts") && a.get("hosts").kind == vSeq:
		return hostNames(a.get("hosts"))
	case a.has("role"):
		return byRole(a.get("role").text)
	case a.has("roles") && a.get("roles").kind == vSeq:
		var out []string
		for _, r := range a.get("roles").items {
			out = append(out, byRole(r.text)...)
		}
		return out
	}
	var want []string
	if t := a.get("tag"); t != nil {
		want = []string{t.text}
	} else if ts := a.get("tags"); ts != nil && ts.kind == vSeq {
		for _, t := range ts.items {
			want = append(want, t.text)
		}
	}
	return tags.hosts(want)
}

// taggedHosts are the hosts of the roles listed with tags (servers: {web:
// [{1.2.3.4: db}]}), in order, indexed by tag.
type taggedHosts struct {
	names []string
	byTag map[string][]int // indexes into names, increasing
}

func tagIndex(root *Node) *taggedHosts {
	t := &taggedHosts{byTag: map[string][]int{}}
	servers := root.get("servers")
	if servers == nil || servers.kind != vMap {
		return t
	}
	for _, name := range servers.keys {
		list := servers.vals[name]
		if list.kind != vSeq {
			continue
		}
		for _, h := range list.items {
			if h.kind != vMap || len(h.keys) != 1 {
				continue
			}
			i := len(t.names)
			t.names = append(t.names, h.keys[0])
			ht := h.vals[h.keys[0]]
			tags := []string{ht.text}
			if ht.kind == vSeq {
				tags = nil
				for _, item := range ht.items {
					tags = append(tags, item.text)
				}
			}
			for _, tag := range tags {
				if ix := t.byTag[tag]; len(ix) == 0 || ix[len(ix)-1] != i {
					t.byTag[tag] = append(ix, i)
				}
			}
		}
	}
	return t
}

// hosts are the hosts with any of the tags, each once, in order.
func (t *taggedHosts) hosts(tags []string) []string {
	var ix []int
	for _, tag := range tags {
		ix = append(ix, t.byTag[tag]...)
	}
	slices.Sort(ix)
	ix = slices.Compact(ix)
	out := make([]string, len(ix))
	for k, i := range ix {
		out[k] = t.names[i]
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
