package kamal

import (
	"fmt"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ensure is the checks Kamal runs once every section has loaded, in its order.
func (v *validator) ensure(c *Config, root *vnode, roles []role) {
	file := diag.Pos{File: c.Files[0].Path}
	if rd := root.get("require_destination"); rd.present() && c.Destination == "" {
		v.problems = append(v.problems, &diag.Finding{Pos: rd.keyPos, Severity: diag.Error, Msg: "You must specify a destination", Fix: "set the destination input"})
	}
	for _, key := range []string{"service", "registry"} {
		if n := root.get(key); n != nil && n.kind == vRuby {
			continue
		} else if !n.present() {
			pos := file
			if n != nil {
				pos = n.keyPos
			}
			v.problems = append(v.problems, &diag.Finding{Pos: pos, Severity: diag.Error, Msg: "Missing required configuration for " + key, Fix: "add " + key + ": to the config"})
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
		v.problems = append(v.problems, &diag.Finding{Pos: pos, Severity: diag.Error, Msg: "Missing required configuration for image", Fix: "add image: <namespace>/<name>"})
	}
	servers := root.get("servers")
	switch {
	case servers != nil && servers.kind == vRuby:
	case servers == nil || servers.kind == vNull:
		if !root.get("accessories").present() {
			v.problems = append(v.problems, &diag.Finding{Pos: file, Severity: diag.Error, Msg: "No servers or accessories specified", Fix: "add servers: with the hosts to deploy to"})
		}
	default:
		primary := primaryRole(root)
		i := slices.IndexFunc(roles, func(r role) bool { return r.name == primary })
		switch {
		case i < 0:
			v.problems = append(v.problems, &diag.Finding{Pos: servers.keyPos, Severity: diag.Error, Msg: fmt.Sprintf("The primary_role %s isn't defined", primary), Fix: "define it under servers, or set primary_role to a role that is"})
		case roles[i].unknown:
		case len(roles[i].hosts) == 0:
			v.problems = append(v.problems, &diag.Finding{Pos: roles[i].pos, Severity: diag.Error, Msg: fmt.Sprintf("No servers specified for the %s primary_role", primary), Fix: "list its hosts"})
		default:
			if allow := root.get("allow_empty_roles"); !allow.present() {
				for _, r := range roles {
					if len(r.hosts) == 0 && !r.unknown {
						v.problems = append(v.problems, &diag.Finding{Pos: r.pos, Severity: diag.Error,
							Msg: fmt.Sprintf("No servers specified for the %s role. You can ignore this with allow_empty_roles: true", r.name), Fix: "list its hosts"})
						break
					}
				}
			}
		}
	}
	if mv := root.get("minimum_version"); mv != nil && mv.kind != vRuby && mv.present() && versionAbove(mv.text, KamalVersion) {
		v.problems = append(v.problems, &diag.Finding{Pos: mv.pos, Severity: diag.Error,
			Msg: fmt.Sprintf("Current version is %s, minimum required is %s", KamalVersion, mv.shown()), Fix: "deploy with a newer Kamal"})
	}
	if rc := root.get("retain_containers"); rc != nil && rc.kind == vInt {
		if n, err := strconv.Atoi(strings.ReplaceAll(rc.text, "_", "")); err == nil && n < 1 {
			v.problems = append(v.problems, &diag.Finding{Pos: rc.pos, Severity: diag.Error, Msg: "Must retain at least 1 container", Fix: "set retain_containers to 1 or more"})
		}
	}
	if s := root.get("service"); s != nil && s.kind != vRuby && s.present() && (s.kind != vStr || !serviceName.MatchString(s.text)) {
		v.problems = append(v.problems, &diag.Finding{Pos: s.pos, Severity: diag.Error,
			Msg: "Service name can only include alphanumeric characters, hyphens, and underscores", Fix: "rename the service"})
	}
	v.traefikHooks(c, root)
	v.sslRoles(roles)
	if local {
		if remote := root.get("builder").get("remote"); remote.present() && remote.kind == vStr {
			if u, err := url.Parse(remote.text); err != nil || u.Scheme != "ssh" {
				v.problems = append(v.problems, &diag.Finding{Pos: remote.pos, Severity: diag.Error,
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
		v.problems = append(v.problems, &diag.Finding{Pos: diag.Pos{File: path.Join(AppRoot(c.Files[0].Path), dir, found[0])}, Severity: diag.Error,
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
			v.problems = append(v.problems, &diag.Finding{Pos: cfgs[1].keyPos, Severity: diag.Error,
				Msg: "Conflicting proxy run configurations for host " + h, Fix: "give every role and accessory on the host the same proxy run settings"})
		}
	}
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
	var at []diag.Pos
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
			v.problems = append(v.problems, &diag.Finding{Pos: ssl.keyPos, Severity: diag.Error,
				Msg: fmt.Sprintf("SSL is only supported on a single server unless you provide custom certificates, found %d servers for role %s", len(r.hosts), r.name),
				Fix: "give the role one host, or custom certificates"})
		}
		for _, h := range proxyHosts(r.proxy) {
			hosts = append(hosts, h)
			at = append(at, ssl.keyPos)
		}
	}
	var dup []string
	var where diag.Pos
	for i, h := range hosts {
		if slices.Index(hosts, h) < i && !slices.Contains(dup, h) {
			if len(dup) == 0 {
				where = at[i]
			}
			dup = append(dup, h)
		}
	}
	if len(dup) > 0 {
		v.problems = append(v.problems, &diag.Finding{Pos: where, Severity: diag.Error,
			Msg: "Different roles can't share the same host for SSL: " + strings.Join(dup, ", "), Fix: "give each role its own host"})
	}
}

func proxyHosts(p *vnode) []string {
	if hs := p.get("hosts"); hs != nil && hs.kind == vSeq {
		return hostNames(hs)
	}
	if h := p.get("host"); h != nil && h.kind == vStr {
		return strings.Split(h.shown(), ",")
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
		l = strings.TrimPrefix(level.shown(), ":")
		where := ""
		if hook != "" {
			where = fmt.Sprintf(" for hook '%s'", hook)
		}
		v.problems = append(v.problems, &diag.Finding{Pos: level.pos, Severity: diag.Error,
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
