package validate

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
)

var localRegistry = regexp.MustCompile(`^localhost[:$]`)

// registrySection is the root registry. A config without one gets one
// problem, Kamal's own first message, with the section to add.
func (v *validator) registrySection(in *checkInput) {
	n := in.root.get("registry")
	if n != nil {
		v.registry(n, "registry")
		return
	}
	at := diag.Pos{}
	if image := in.root.get("image"); image != nil {
		at = image.keyPos
	}
	v.with("registry/username", func() {
		v.fail("kamal/missing-key", at,
			"add the registry Kamal pushes to: registry: {server: <account>.dkr.ecr.<region>.amazonaws.com, username: AWS, password: [KAMAL_REGISTRY_PASSWORD]}, and the line KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD to .kamal/secrets",
			"is required")
	})
}

// registry is Kamal's Registry validator: server as in the example,
// username and password required (a string, or one secret name in a list)
// unless the server is on localhost.
func (v *validator) registry(n *Node, ctx string) {
	v.with(ctx, func() {
		if n.kind == vRuby || !v.typeCheck(n, tHash) {
			return
		}
		rest := &Node{kind: vMap, vals: map[string]*Node{}, pos: n.pos}
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
					v.fail("kamal/missing-key", pos, registryFix(k), "is required")
				case val.kind == vStr || val.kind == vSeq && len(val.items) == 1 && val.items[0].kind == vStr:
				default:
					v.fail("kamal/type", val.pos, registryFix(k), "should be a string or an array with one string (for secret lookup)")
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

var aliasName = regexp.MustCompile(`^[a-z0-9_-]+$`)

func (v *validator) alias(name string, n *Node) {
	v.with("aliases/"+name, func() {
		v.typeCheck(n, tString)
		switch {
		case !aliasName.MatchString(name):
			v.fail("kamal/alias", n.keyPos, "rename it", fmt.Sprintf("Invalid alias name: '%s'. Must only contain lowercase letters, alphanumeric, hyphens and underscores.", name))
		case builtinCommands[name]:
			v.fail("kamal/alias", n.keyPos, "rename it", fmt.Sprintf("Alias '%s' conflicts with a built-in command.", name))
		}
	})
}

func (v *validator) builder(n *Node) {
	if n == nil || n.kind == vNull {
		n = &Node{kind: vMap, vals: map[string]*Node{}}
	}
	v.with("builder", func() {
		before := len(v.problems)
		v.against(n, builderExample)
		if n.kind != vMap {
			return
		}
		if cache := n.get("cache"); cache != nil && cache.kind == vMap {
			if t := cache.get("type"); t.present() && t.kind != vRuby && t.text != "gha" && t.text != "registry" {
				v.fail("kamal/cache-type", t.pos, "use type: registry (or gha)", "Invalid cache type: "+t.shown())
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
			v.fail("kamal/builder-arch", pos, "add arch: amd64 (or arm64, or both as a list) under builder", "Builder arch not set")
		}
		if n.has("pack") && arch != nil && arch.kind == vSeq && len(arch.items) > 1 {
			v.fail("kamal/builder-arch", arch.pos, "build one arch with buildpacks", "buildpacks only support building for one arch")
		}
		if l := n.get("local"); l != nil && l.kind == vBool && l.text == "false" && !n.get("remote").present() {
			v.fail("kamal/builder-local", l.pos, "set remote: to a builder, or remove local: false", "Cannot disable local builds, no remote is set")
		}
	})
}

// env is Kamal's Env validator: a mapping of names to values, or clear,
// secret and (in the root env only) tags.
func (v *validator) env(ctx string, n *Node) {
	if n == nil || n.kind == vNull {
		return
	}
	v.with(ctx, func() {
		if n.kind != vRuby && v.typeCheck(n, tHash) {
			v.envBody(n, ctx == "env")
		}
	})
}

func (v *validator) envBody(n *Node, root bool) {
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
		v.fail("kamal/unknown-key", n.vals[unknown[0]].keyPos, "put plain variables under clear:", unknownKeys(unknown))
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
		v.fail("kamal/env-tags", t.keyPos, "move tags to the root env", "tags are only allowed in the root env")
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
func (v *validator) proxy(ctx string, n *Node) {
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
			v.fail("kamal/proxy-ssl", ssl.keyPos, "set host: to the domain the certificate is for", "Must set a host to enable automatic SSL")
		}
		if n.has("host") && n.has("hosts") {
			v.fail("kamal/proxy-hosts", n.vals["hosts"].keyPos, "keep one of them", "Specify one of 'host' or 'hosts', not both")
		}
		if ssl != nil && ssl.kind == vMap {
			cert, key := ssl.get("certificate_pem").present(), ssl.get("private_key_pem").present()
			if cert && !key {
				v.fail("kamal/proxy-ssl", ssl.pos, "add private_key_pem", "Missing private_key_pem setting (required when certificate_pem is present)")
			}
			if key && !cert {
				v.fail("kamal/proxy-ssl", ssl.pos, "add certificate_pem", "Missing certificate_pem setting (required when private_key_pem is present)")
			}
		}
		if run := n.get("run"); run != nil && run.kind == vMap {
			if p := run.get("publish"); p != nil && p.kind == vBool && p.text == "false" &&
				(run.get("bind_ips").present() || run.get("http_port").present() || run.get("https_port").present()) {
				v.fail("kamal/proxy-run", p.pos, "remove them, or publish the ports", "Cannot set http_port, https_port or bind_ips when publish is false")
			}
		}
	})
}
