package kamal

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// role is a role as Kamal builds it: its name, hosts and proxy.
type role struct {
	name    string
	pos     Pos
	hosts   []string
	proxy   *vnode // its own proxy settings when it runs kamal-proxy, else nil
	proxied bool
	unknown bool // its hosts are computed by Ruby
}

// servers validates servers and each role (in name order, as Kamal loads
// them) with its env, logging and proxy, and returns the roles.
func (v *validator) servers(root *vnode) []role {
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
func primaryRole(root *vnode) string {
	if p := root.get("primary_role"); p.present() && p.kind != vMap && p.kind != vSeq {
		return p.text
	}
	return "web"
}

func hostNames(n *vnode) []string {
	var out []string
	for _, h := range n.items {
		switch h.kind {
		case vStr, vInt, vFloat, vBool:
			out = append(out, h.text)
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

var localRegistry = regexp.MustCompile(`^localhost[:$]`)

// registry is Kamal's Registry validator: server as in the example,
// username and password required (a string, or one secret name in a list)
// unless the server is on localhost.
func (v *validator) registry(n *vnode, ctx string) {
	if n == nil {
		n = &vnode{kind: vMap, vals: map[string]*vnode{}}
	}
	v.with(ctx, func() {
		if n.kind == vRuby || !v.typeCheck(n, tHash) {
			return
		}
		rest := &vnode{kind: vMap, vals: map[string]*vnode{}, pos: n.pos}
		for _, k := range n.keys {
			if k != "username" && k != "password" {
				rest.keys = append(rest.keys, k)
				rest.vals[k] = n.vals[k]
			}
		}
		v.against(rest, registryExample)
		server := n.get("server")
		if server != nil && (server.kind == vRuby && !server.later || localRegistry.MatchString(server.text)) {
			return
		}
		for _, k := range []string{"username", "password"} {
			val := n.get(k)
			v.with(k, func() {
				switch {
				case val != nil && val.kind == vRuby:
					v.skipped = append(v.skipped, val.pos)
				case !val.present():
					pos := n.keyPos
					if val != nil {
						pos = val.keyPos
					}
					v.fail(pos, registryFix(k), "is required")
				case val.kind == vStr || val.kind == vSeq && len(val.items) == 1 && val.items[0].kind == vStr:
				default:
					v.fail(val.pos, registryFix(k), "should be a string or an array with one string (for secret lookup)")
				}
			})
		}
	})
}

func registryFix(key string) string {
	if key == "username" {
		return "add username: AWS (the user name for ECR)"
	}
	return "add password: [KAMAL_REGISTRY_PASSWORD], and the line KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD to .kamal/secrets"
}

var hostKeys = []string{"host", "hosts", "role", "roles", "tag", "tags"}

func (v *validator) accessory(name string, n *vnode, roles []role) {
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
			v.fail(n.keyPos, "give the accessory exactly one of them", "specify one of `host`, `hosts`, `role`, `roles`, `tag` or `tags`")
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
				missing = append(missing, r.text)
			}
		}
		if len(missing) > 0 {
			v.problems = append(v.problems, &Finding{Pos: rs.pos, Severity: Error,
				Msg: fmt.Sprintf("%s: unknown roles %s", ctx, strings.Join(missing, ", ")), Fix: rolesFix(names)})
		}
	} else if r := n.get("role"); r != nil && r.kind != vRuby && r.kind != vNull && !slices.Contains(names, r.text) {
		v.problems = append(v.problems, &Finding{Pos: r.pos, Severity: Error,
			Msg: fmt.Sprintf("%s: unknown role %s", ctx, r.text), Fix: rolesFix(names)})
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
	return "use a role defined under servers (" + strings.Join(names, ", ") + ")"
}

var aliasName = regexp.MustCompile(`^[a-z0-9_-]+$`)

func (v *validator) alias(name string, n *vnode) {
	v.with("aliases/"+name, func() {
		v.typeCheck(n, tString)
		switch {
		case !aliasName.MatchString(name):
			v.fail(n.keyPos, "rename it", fmt.Sprintf("Invalid alias name: '%s'. Must only contain lowercase letters, alphanumeric, hyphens and underscores.", name))
		case builtinCommands[name]:
			v.fail(n.keyPos, "rename it", fmt.Sprintf("Alias '%s' conflicts with a built-in command.", name))
		}
	})
}

func (v *validator) builder(n *vnode) {
	if n == nil || n.kind == vNull {
		n = &vnode{kind: vMap, vals: map[string]*vnode{}}
	}
	v.with("builder", func() {
		before := len(v.problems)
		v.against(n, builderExample)
		if n.kind != vMap {
			return
		}
		if cache := n.get("cache"); cache != nil && cache.kind == vMap {
			if t := cache.get("type"); t.present() && t.kind != vRuby && t.text != "gha" && t.text != "registry" {
				v.fail(t.pos, "use type: registry (or gha)", "Invalid cache type: "+t.text)
			}
		}
		arch := n.get("arch")
		switch {
		case arch != nil && arch.kind == vRuby:
		case !arch.present():
			pos := n.keyPos
			if arch != nil {
				pos = arch.keyPos
			}
			if pos.File == "" && len(v.problems) == before {
				pos = n.pos
			}
			v.fail(pos, "add arch: amd64 (or arm64, or both as a list) under builder", "Builder arch not set")
		}
		if n.has("pack") && arch != nil && arch.kind == vSeq && len(arch.items) > 1 {
			v.fail(arch.pos, "build one arch with buildpacks", "buildpacks only support building for one arch")
		}
		if l := n.get("local"); l != nil && l.kind == vBool && l.text == "false" && !n.get("remote").present() {
			v.fail(l.pos, "set remote: to a builder, or remove local: false", "Cannot disable local builds, no remote is set")
		}
	})
}

// env is Kamal's Env validator: a mapping of names to values, or clear,
// secret and (in the root env only) tags.
func (v *validator) env(ctx string, n *vnode) {
	if n == nil || n.kind == vNull {
		return
	}
	v.with(ctx, func() {
		if n.kind != vRuby && v.typeCheck(n, tHash) {
			v.envBody(n, ctx == "env")
		}
	})
}

func (v *validator) envBody(n *vnode, root bool) {
	if !slices.ContainsFunc(n.keys, func(k string) bool { return slices.Contains(envSpecialKeys, k) }) {
		v.hashOf(n, tString)
		return
	}
	var unknown []string
	for _, k := range n.keys {
		if !slices.Contains(envSpecialKeys, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		v.fail(n.vals[unknown[0]].keyPos, "put plain variables under clear:", unknownKeys(unknown))
	}
	if c := n.get("clear"); c != nil {
		v.with("clear", func() { v.hashOf(c, tString) })
	}
	if s := n.get("secret"); s != nil {
		v.with("secret", func() { v.arrayOf(s, tString) })
	}
	t := n.get("tags")
	switch {
	case t == nil:
	case !root:
		v.fail(t.keyPos, "move tags to the root env", "tags are only allowed in the root env")
	default:
		v.with("tags", func() {
			if !v.typeCheck(t, tHash) || t.kind != vMap {
				return
			}
			for _, tag := range t.keys {
				tv := t.vals[tag]
				v.with(tag, func() {
					if v.typeCheck(tv, tHash) && tv.kind == vMap {
						v.envBody(tv, false)
					}
				})
			}
		})
	}
}

// proxy is Kamal's Proxy validator for a proxy section (nil: none set).
func (v *validator) proxy(ctx string, n *vnode) {
	if n == nil || n.kind == vNull {
		return
	}
	v.with(ctx, func() {
		before := len(v.problems)
		v.against(n, proxyExample)
		if n.kind != vMap || len(v.problems) > before {
			return
		}
		ssl := n.get("ssl")
		sslOn := ssl != nil && (ssl.kind == vMap || ssl.kind == vBool && ssl.text == "true")
		if !n.get("host").present() && !n.get("hosts").present() && sslOn {
			v.fail(ssl.keyPos, "set host: to the domain the certificate is for", "Must set a host to enable automatic SSL")
		}
		if n.has("host") && n.has("hosts") {
			v.fail(n.vals["hosts"].keyPos, "keep one of them", "Specify one of 'host' or 'hosts', not both")
		}
		if ssl != nil && ssl.kind == vMap {
			cert, key := ssl.get("certificate_pem").present(), ssl.get("private_key_pem").present()
			if cert && !key {
				v.fail(ssl.pos, "add private_key_pem", "Missing private_key_pem setting (required when certificate_pem is present)")
			}
			if key && !cert {
				v.fail(ssl.pos, "add certificate_pem", "Missing certificate_pem setting (required when private_key_pem is present)")
			}
		}
		if run := n.get("run"); run != nil && run.kind == vMap {
			if p := run.get("publish"); p != nil && p.kind == vBool && p.text == "false" &&
				(run.get("bind_ips").present() || run.get("http_port").present() || run.get("https_port").present()) {
				v.fail(p.pos, "remove them, or publish the ports", "Cannot set http_port, https_port or bind_ips when publish is false")
			}
		}
	})
}

// ensure is the checks Kamal runs once every section has loaded, in its order.
func (v *validator) ensure(c *Config, root *vnode, roles []role) {
	file := Pos{File: c.Files[0].Path}
	if rd := root.get("require_destination"); rd.present() && c.Destination == "" {
		v.problems = append(v.problems, &Finding{Pos: rd.keyPos, Severity: Error, Msg: "You must specify a destination", Fix: "set the destination input"})
	}
	for _, key := range []string{"service", "registry"} {
		if n := root.get(key); n != nil && n.kind == vRuby {
			continue
		} else if !n.present() {
			pos := file
			if n != nil {
				pos = n.keyPos
			}
			v.problems = append(v.problems, &Finding{Pos: pos, Severity: Error, Msg: "Missing required configuration for " + key, Fix: "add " + key + ": to the config"})
		}
	}
	image := root.get("image")
	local := false
	if s := root.get("registry").get("server"); s != nil && localRegistry.MatchString(s.text) {
		local = true
	}
	if !(image != nil && image.kind == vRuby) && !image.present() && !(local && root.get("service").present()) {
		pos := file
		if image != nil {
			pos = image.keyPos
		}
		v.problems = append(v.problems, &Finding{Pos: pos, Severity: Error, Msg: "Missing required configuration for image", Fix: "add image: <namespace>/<name>"})
	}
	servers := root.get("servers")
	switch {
	case servers != nil && servers.kind == vRuby:
	case servers == nil || servers.kind == vNull:
		if !root.get("accessories").present() {
			v.problems = append(v.problems, &Finding{Pos: file, Severity: Error, Msg: "No servers or accessories specified", Fix: "add servers: with the hosts to deploy to"})
		}
	default:
		primary := primaryRole(root)
		i := slices.IndexFunc(roles, func(r role) bool { return r.name == primary })
		switch {
		case i < 0:
			v.problems = append(v.problems, &Finding{Pos: servers.keyPos, Severity: Error, Msg: fmt.Sprintf("The primary_role %s isn't defined", primary), Fix: "define it under servers, or set primary_role to a role that is"})
		case roles[i].unknown:
		case len(roles[i].hosts) == 0:
			v.problems = append(v.problems, &Finding{Pos: roles[i].pos, Severity: Error, Msg: fmt.Sprintf("No servers specified for the %s primary_role", primary), Fix: "list its hosts"})
		default:
			if allow := root.get("allow_empty_roles"); !allow.present() {
				for _, r := range roles {
					if len(r.hosts) == 0 && !r.unknown {
						v.problems = append(v.problems, &Finding{Pos: r.pos, Severity: Error,
							Msg: fmt.Sprintf("No servers specified for the %s role. You can ignore this with allow_empty_roles: true", r.name), Fix: "list its hosts"})
						break
					}
				}
			}
		}
	}
	if mv := root.get("minimum_version"); mv != nil && mv.kind != vRuby && mv.present() && versionAbove(mv.text, KamalVersion) {
		v.problems = append(v.problems, &Finding{Pos: mv.pos, Severity: Error,
			Msg: fmt.Sprintf("Current version is %s, minimum required is %s", KamalVersion, mv.text), Fix: "deploy with a newer Kamal"})
	}
	if rc := root.get("retain_containers"); rc != nil && rc.kind == vInt {
		if n, err := strconv.Atoi(strings.ReplaceAll(rc.text, "_", "")); err == nil && n < 1 {
			v.problems = append(v.problems, &Finding{Pos: rc.pos, Severity: Error, Msg: "Must retain at least 1 container", Fix: "set retain_containers to 1 or more"})
		}
	}
	if s := root.get("service"); s != nil && s.kind != vRuby && s.present() && (s.kind != vStr || !serviceName.MatchString(s.text)) {
		v.problems = append(v.problems, &Finding{Pos: s.pos, Severity: Error,
			Msg: "Service name can only include alphanumeric characters, hyphens, and underscores", Fix: "rename the service"})
	}
	v.traefikHooks(c, root)
	v.sslRoles(roles)
	if local {
		if remote := root.get("builder").get("remote"); remote.present() && remote.kind == vStr {
			if u, err := url.Parse(remote.text); err != nil || u.Scheme != "ssh" {
				v.problems = append(v.problems, &Finding{Pos: remote.pos, Severity: Error,
					Msg: "Local registry with remote builder requires an SSH URL (e.g., ssh://user@host)", Fix: "write the remote as ssh://user@host"})
			}
		}
	}
	v.proxyRuns(root, roles)
	v.hooksOutput(root.get("hooks_output"))
}

// traefikHooks refuses Kamal 1's traefik reboot hooks in the hooks folder.
func (v *validator) traefikHooks(c *Config, root *vnode) {
	dir := ".kamal/hooks"
	if h := root.get("hooks_path"); h != nil && h.kind == vStr && h.text != "" {
		dir = h.text
	}
	var found []string
	for _, hook := range []string{"pre-traefik-reboot", "post-traefik-reboot"} {
		if _, err := c.read(path.Join(AppRoot(c.Files[0].Path), dir, hook)); err == nil {
			found = append(found, hook)
		}
	}
	if len(found) > 0 {
		v.problems = append(v.problems, &Finding{Pos: Pos{File: path.Join(AppRoot(c.Files[0].Path), dir, found[0])}, Severity: Error,
			Msg: fmt.Sprintf("Found %s, these should be renamed to (pre|post)-proxy-reboot", strings.Join(found, ", ")), Fix: "rename them"})
	}
}

// proxyRuns refuses two different kamal-proxy run settings on one host:
// from the roles on it (the root proxy merged with the role's own) and the
// accessories on it.
func (v *validator) proxyRuns(root *vnode, roles []role) {
	rootProxy := root.get("proxy")
	if rootProxy == nil || rootProxy.kind != vMap {
		rootProxy = &vnode{kind: vMap, vals: map[string]*vnode{}}
	}
	type run struct {
		hosts []string
		cfg   *vnode
	}
	var runs []run
	for _, r := range roles {
		if !r.proxied {
			continue
		}
		merged := rootProxy
		if r.proxy != nil && r.proxy.kind == vMap {
			merged = deepMerge(rootProxy, r.proxy)
		}
		if cfg := merged.get("run"); cfg.present() {
			runs = append(runs, run{r.hosts, cfg})
		}
	}
	if acc := root.get("accessories"); acc != nil && acc.kind == vMap {
		for _, name := range acc.keys {
			a := acc.vals[name]
			if cfg := a.get("proxy").get("run"); cfg.present() {
				runs = append(runs, run{accessoryHosts(root, a, roles), cfg})
			}
		}
	}
	var hosts []string
	for _, r := range roles {
		hosts = append(hosts, r.hosts...)
	}
	if acc := root.get("accessories"); acc != nil && acc.kind == vMap {
		for _, name := range acc.keys {
			hosts = append(hosts, accessoryHosts(root, acc.vals[name], roles)...)
		}
	}
	seen := map[string]bool{}
	for _, h := range hosts {
		if seen[h] {
			continue
		}
		seen[h] = true
		var cfgs []*vnode
		for _, r := range runs {
			if slices.Contains(r.hosts, h) && !slices.ContainsFunc(cfgs, func(c *vnode) bool { return sameValue(c, r.cfg) }) {
				cfgs = append(cfgs, r.cfg)
			}
		}
		if len(cfgs) > 1 {
			v.problems = append(v.problems, &Finding{Pos: cfgs[1].keyPos, Severity: Error,
				Msg: "Conflicting proxy run configurations for host " + h, Fix: "give every role and accessory on the host the same proxy run settings"})
		}
	}
}

// accessoryHosts are an accessory's hosts as Kamal finds them.
func accessoryHosts(root *vnode, a *vnode, roles []role) []string {
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
		return []string{a.get("host").text}
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
	var tags []string
	if t := a.get("tag"); t != nil {
		tags = []string{t.text}
	} else if ts := a.get("tags"); ts != nil && ts.kind == vSeq {
		for _, t := range ts.items {
			tags = append(tags, t.text)
		}
	}
	servers := root.get("servers")
	if len(tags) == 0 || servers == nil || servers.kind != vMap {
		return nil
	}
	var out []string
	for _, name := range servers.keys {
		list := servers.vals[name]
		if list.kind != vSeq {
			continue
		}
		for _, h := range list.items {
			if h.kind != vMap || len(h.keys) != 1 {
				continue
			}
			ht := h.vals[h.keys[0]]
			for _, tag := range tags {
				if ht.text == tag || ht.kind == vSeq && slices.ContainsFunc(ht.items, func(i *vnode) bool { return i.text == tag }) {
					out = append(out, h.keys[0])
					break
				}
			}
		}
	}
	return out
}

// sameValue is Ruby's == on loaded YAML: mappings regardless of key order.
func sameValue(a, b *vnode) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case vMap:
		if len(a.keys) != len(b.keys) {
			return false
		}
		for _, k := range a.keys {
			if bv, ok := b.vals[k]; !ok || !sameValue(a.vals[k], bv) {
				return false
			}
		}
		return true
	case vSeq:
		return slices.EqualFunc(a.items, b.items, sameValue)
	}
	return a.text == b.text
}

var serviceName = regexp.MustCompile(`(?im)^[a-z0-9_-]+$`)

func (v *validator) sslRoles(roles []role) {
	var hosts []string
	var at []Pos
	for _, r := range roles {
		if !r.proxied || r.proxy == nil {
			continue
		}
		ssl := r.proxy.get("ssl")
		if ssl == nil || !(ssl.kind == vMap || ssl.kind == vBool && ssl.text == "true") {
			continue
		}
		custom := ssl.kind == vMap && ssl.get("certificate_pem").present()
		if len(r.hosts) > 1 && !custom {
			v.problems = append(v.problems, &Finding{Pos: ssl.keyPos, Severity: Error,
				Msg: fmt.Sprintf("SSL is only supported on a single server unless you provide custom certificates, found %d servers for role %s", len(r.hosts), r.name),
				Fix: "give the role one host, or custom certificates"})
		}
		for _, h := range proxyHosts(r.proxy) {
			hosts = append(hosts, h)
			at = append(at, ssl.keyPos)
		}
	}
	var dup []string
	var where Pos
	for i, h := range hosts {
		if slices.Index(hosts, h) < i && !slices.Contains(dup, h) {
			if len(dup) == 0 {
				where = at[i]
			}
			dup = append(dup, h)
		}
	}
	if len(dup) > 0 {
		v.problems = append(v.problems, &Finding{Pos: where, Severity: Error,
			Msg: "Different roles can't share the same host for SSL: " + strings.Join(dup, ", "), Fix: "give each role its own host"})
	}
}

func proxyHosts(p *vnode) []string {
	if hs := p.get("hosts"); hs != nil && hs.kind == vSeq {
		return hostNames(hs)
	}
	if h := p.get("host"); h != nil && h.kind == vStr {
		return strings.Split(h.text, ",")
	}
	return nil
}

func (v *validator) hooksOutput(n *vnode) {
	if n == nil || n.kind == vRuby || n.kind == vNull {
		return
	}
	check := func(level *vnode, hook string) {
		l := strings.TrimPrefix(level.text, ":")
		if level.kind == vRuby || l == "quiet" || l == "verbose" {
			return
		}
		where := ""
		if hook != "" {
			where = fmt.Sprintf(" for hook '%s'", hook)
		}
		v.problems = append(v.problems, &Finding{Pos: level.pos, Severity: Error,
			Msg: fmt.Sprintf("Invalid hooks_output '%s'%s, must be one of: quiet, verbose", l, where), Fix: "use :quiet or :verbose"})
	}
	switch n.kind {
	case vMap:
		for _, hook := range n.keys {
			check(n.vals[hook], hook)
		}
	case vStr:
		check(n, "")
	}
}

// versionAbove compares dotted versions as Gem::Version does, roughly.
func versionAbove(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		x, y := 0, 0
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x > y
		}
	}
	return false
}

// unknownKeysFix says what a known unknown key became in Kamal 2.
func unknownKeysFix(ctx string, keys []string) string {
	var fixes []string
	for _, k := range keys {
		switch {
		case k == "traefik" && ctx == "":
			fixes = append(fixes, "Kamal 2 replaced traefik: with proxy: (see kamal upgrade)")
		case k == "healthcheck" && ctx == "":
			fixes = append(fixes, "Kamal 2 moved healthcheck: to proxy.healthcheck")
		case k == "multiarch" && ctx == "builder":
			fixes = append(fixes, "Kamal 2 uses builder.arch (amd64, arm64, or both as a list) instead of multiarch")
		}
	}
	if len(fixes) > 0 {
		return strings.Join(fixes, "; ")
	}
	if ctx == "" {
		return "remove it or fix its spelling (only top-level keys starting with x- are free)"
	}
	return "remove it or fix its spelling"
}
