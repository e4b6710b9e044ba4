package validate

import (
	"cmp"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
)

// checkInput is what Kamal's cross-section checks read.
type checkInput struct {
	Input
	root  *Node
	roles []role
}

// A kamalCheck is one of the checks Kamal runs once every section has
// loaded. It reports through v.fail with the code it is given,
// kamal/<name>.
type kamalCheck struct {
	name string
	run  func(v *validator, in *checkInput, code string)
}

// kamalChecks are those checks in the order Kamal runs them.
var kamalChecks = []kamalCheck{
	{"require-destination", checkRequireDestination},
	{"missing-key", checkRequiredKeys},
	{"servers", checkServers},
	{"minimum-version", checkMinimumVersion},
	{"retain-containers", checkRetainContainers},
	{"service-name", checkServiceName},
	{"traefik-hooks", checkTraefikHooks},
	{"ssl", checkSSL},
	{"remote-builder", checkRemoteBuilder},
	{"proxy-run", checkProxyRuns},
	{"hooks-output", checkHooksOutput},
}

func checkRequireDestination(v *validator, in *checkInput, code string) {
	if rd := in.root.get("require_destination"); rd.present() && in.Destination == "" {
		v.fail(code, rd.keyPos, "set the destination input", "You must specify a destination")
		last := len(v.problems) - 1
		v.problems[last] = v.problems[last].WithInputs(diag.Setting{Name: "destination"})
	}
}

// checkRequiredKeys wants service, registry and image; a config without a
// registry section was told what to add when the section was read.
func checkRequiredKeys(v *validator, in *checkInput, code string) {
	root := in.root
	for _, key := range []string{"service", "registry"} {
		n := root.get(key)
		if n == nil && key == "registry" || n != nil && n.kind == vRuby || n.present() {
			continue
		}
		pos := diag.Pos{}
		if n != nil {
			pos = n.keyPos
		}
		v.fail(code, pos, "add "+key+": to the config", "Missing required configuration for "+key)
	}
	image := root.get("image")
	if image != nil && image.kind == vRuby || image.present() || localServer(root) && root.get("service").present() {
		return
	}
	pos := diag.Pos{}
	if image != nil {
		pos = image.keyPos
	}
	v.fail(code, pos, "add image: <namespace>/<name>", "Missing required configuration for image")
}

func localServer(root *Node) bool {
	s := root.get("registry").get("server")
	return s != nil && localRegistry.MatchString(s.text)
}

func checkServers(v *validator, in *checkInput, code string) {
	root, roles := in.root, in.roles
	servers := root.get("servers")
	switch {
	case servers != nil && servers.kind == vRuby:
		return
	case servers == nil || servers.kind == vNull:
		if !root.get("accessories").present() {
			v.fail(code, diag.Pos{}, "add servers: with the hosts to deploy to", "No servers or accessories specified")
		}
		return
	}
	primary := primaryRole(root)
	i := slices.IndexFunc(roles, func(r role) bool { return r.name == primary })
	switch {
	case i < 0:
		v.fail(code, servers.keyPos, "define it under servers, or set primary_role to a role that is", fmt.Sprintf("The primary_role %s isn't defined", cmp.Or(root.get("primary_role").shownOr(""), primary)))
	case roles[i].unknown:
	case len(roles[i].hosts) == 0:
		v.fail(code, roles[i].pos, "list its hosts", fmt.Sprintf("No servers specified for the %s primary_role", primary))
	case !root.get("allow_empty_roles").present():
		if j := slices.IndexFunc(roles, func(r role) bool { return len(r.hosts) == 0 && !r.unknown }); j >= 0 {
			v.fail(code, roles[j].pos, "list its hosts", fmt.Sprintf("No servers specified for the %s role. You can ignore this with allow_empty_roles: true", roles[j].name))
		}
	}
}

func checkMinimumVersion(v *validator, in *checkInput, code string) {
	if mv := in.root.get("minimum_version"); mv != nil && mv.kind != vRuby && mv.present() && versionAbove(mv.text, KamalVersion) {
		v.fail(code, mv.pos, "deploy with a newer Kamal", fmt.Sprintf("Current version is %s, minimum required is %s", KamalVersion, mv.shown()))
	}
}

func checkRetainContainers(v *validator, in *checkInput, code string) {
	if rc := in.root.get("retain_containers"); rc != nil && rc.kind == vInt {
		if n, err := strconv.Atoi(strings.ReplaceAll(rc.text, "_", "")); err == nil && n < 1 {
			v.fail(code, rc.pos, "set retain_containers to 1 or more", "Must retain at least 1 container")
		}
	}
}

var serviceName = regexp.MustCompile(`(?im)^[a-z0-9_-]+$`)

func checkServiceName(v *validator, in *checkInput, code string) {
	if s := in.root.get("service"); s != nil && s.kind != vRuby && s.present() && (s.kind != vStr || !serviceName.MatchString(s.text)) {
		v.fail(code, s.pos, "rename the service", "Service name can only include alphanumeric characters, hyphens, and underscores")
	}
}

// checkRemoteBuilder: a registry on localhost needs the remote builder
// reached over SSH.
func checkRemoteBuilder(v *validator, in *checkInput, code string) {
	if !localServer(in.root) {
		return
	}
	if remote := in.root.get("builder").get("remote"); remote.present() && remote.kind == vStr {
		if u, err := url.Parse(remote.text); err != nil || u.Scheme != "ssh" {
			v.fail(code, remote.pos, "write the remote as ssh://user@host", "Local registry with remote builder requires an SSH URL (e.g., ssh://user@host)")
		}
	}
}

// checkTraefikHooks refuses Kamal 1's traefik reboot hooks in the hooks folder.
func checkTraefikHooks(v *validator, in *checkInput, code string) {
	root := in.root
	dir := ".kamal/hooks"
	if h := root.get("hooks_path"); h != nil && h.kind == vStr && h.text != "" {
		dir = h.text
	}
	var found []string
	for _, hook := range []string{"pre-traefik-reboot", "post-traefik-reboot"} {
		if in.Exists != nil && in.Exists(path.Join(in.AppRoot, dir, hook)) {
			found = append(found, hook)
		}
	}
	if len(found) > 0 {
		v.fail(code, diag.Pos{File: path.Join(in.AppRoot, dir, found[0])}, "rename them",
			fmt.Sprintf("Found %s, these should be renamed to (pre|post)-proxy-reboot", strings.Join(found, ", ")))
	}
}

// checkProxyRuns refuses two different kamal-proxy run settings on one host:
// from the roles on it (the root proxy merged with the role's own) and the
// accessories on it.
func checkProxyRuns(v *validator, in *checkInput, code string) {
	root, roles := in.root, in.roles
	rootProxy := root.get("proxy")
	if rootProxy == nil || rootProxy.kind != vMap {
		rootProxy = &Node{kind: vMap, vals: map[string]*Node{}}
	}
	// For each host, the first run settings and the first that differ from
	// them, in the order roles and then accessories come.
	first, second := map[string]*Node{}, map[string]*Node{}
	add := func(hosts []string, cfg *Node) {
		for _, h := range hosts {
			switch f := first[h]; {
			case f == nil:
				first[h] = cfg
			case second[h] == nil && !sameValue(f, cfg):
				second[h] = cfg
			}
		}
	}
	var hosts []string
	for _, r := range roles {
		hosts = append(hosts, r.hosts...)
		if !r.proxied {
			continue
		}
		merged := rootProxy
		if r.proxy != nil && r.proxy.kind == vMap {
			merged = deepMerge(rootProxy, r.proxy)
		}
		if cfg := merged.get("run"); cfg.present() {
			add(r.hosts, cfg)
		}
	}
	if acc := root.get("accessories"); acc != nil && acc.kind == vMap {
		tags := tagIndex(root)
		for _, name := range acc.keys {
			a := acc.vals[name]
			on := accessoryHosts(a, roles, tags)
			hosts = append(hosts, on...)
			if cfg := a.get("proxy").get("run"); cfg.present() {
				add(on, cfg)
			}
		}
	}
	seen := map[string]bool{}
	for _, h := range hosts {
		if !seen[h] && second[h] != nil {
			v.fail(code, second[h].keyPos, "give every role and accessory on the host the same proxy run settings", "Conflicting proxy run configurations for host "+h)
		}
		seen[h] = true
	}
}

// sameValue is Ruby's == on loaded YAML: mappings regardless of key order.
func sameValue(a, b *Node) bool {
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

func checkSSL(v *validator, in *checkInput, code string) {
	roles := in.roles
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
			v.fail(code, ssl.keyPos, "give the role one host, or custom certificates",
				fmt.Sprintf("SSL is only supported on a single server unless you provide custom certificates, found %d servers for role %s", len(r.hosts), r.name))
		}
		for _, h := range proxyHosts(r.proxy) {
			hosts = append(hosts, h)
			at = append(at, ssl.keyPos)
		}
	}
	var dup []string
	var where diag.Pos
	seen := map[string]int{} // 1 seen, 2 listed as shared
	for i, h := range hosts {
		if seen[h] == 1 {
			if len(dup) == 0 {
				where = at[i]
			}
			dup = append(dup, h)
		}
		seen[h]++
	}
	if len(dup) > 0 {
		v.fail(code, where, "give each role its own host", "Different roles can't share the same host for SSL: "+listed(dup))
	}
}

func proxyHosts(p *Node) []string {
	if hs := p.get("hosts"); hs != nil && hs.kind == vSeq {
		return hostNames(hs)
	}
	if h := p.get("host"); h != nil && h.kind == vStr {
		return strings.Split(h.shown(), ",")
	}
	return nil
}

func checkHooksOutput(v *validator, in *checkInput, code string) {
	n := in.root.get("hooks_output")
	if n == nil || n.kind == vRuby || n.kind == vNull {
		return
	}
	check := func(level *Node, hook string) {
		l := strings.TrimPrefix(level.text, ":")
		if level.kind == vRuby || l == "quiet" || l == "verbose" {
			return
		}
		l = strings.TrimPrefix(level.shown(), ":")
		where := ""
		if hook != "" {
			where = fmt.Sprintf(" for hook '%s'", hook)
		}
		v.fail(code, level.pos, "use :quiet or :verbose", fmt.Sprintf("Invalid hooks_output '%s'%s, must be one of: quiet, verbose", l, where))
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
