package kamal

import (
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/erb"
	"github.com/kamal-ecr/kamal-ecr/internal/yamledit"
)

// resolve is the fifth stage: the values the action reads, each with the
// place that defines it, ERB expanded.
func (c *Config) resolve() {
	root := c.root
	_, e := root.get("service")
	c.Service = c.value(e)
	_, e = root.get("image")
	c.Image = c.value(e)
	_, e = root.path("registry", "server")
	c.Server = c.value(e)
	if _, e := root.get("registry"); e != nil {
		c.RegistryPos = e.file.pos(e.key)
	}
	_, e = root.get("secrets_path")
	c.SecretsPath = c.value(e)
	_, e = root.get("retain_containers")
	c.RetainContainers = c.value(e)
	c.Secrets = secrets(root, "registry")
	c.builder, c.builderEntry = root.get("builder")
	c.resolveCache()
	c.resolveAccessories(root)
	c.resolveProxy(root)
}

func (c *Config) value(e *entry) Value {
	if e == nil {
		return Value{}
	}
	v := Value{Set: true, Shared: e.alias || e.file.shared[e.val], Pos: e.file.pos(e.val), node: e.val, file: e.file}
	if e.val.Kind != yaml.ScalarNode {
		v.Err = diag.Errorf(v.Pos, "config/not-a-string", "write it as one string", "expected a string, found %s", e.file.kind(e.val))
		return v
	}
	if e.val.Tag == "!!null" {
		return v
	}
	v.ERB = e.file.tmpl.Contains(e.val.Value)
	if off, err := e.file.doc.Offset(e.key.Line, e.key.Column); err == nil {
		v.Block = e.file.tmpl.Block(off)
	}
	text, err := e.file.tmpl.Expand(e.val.Value, c.getenv)
	var ue *erb.UnresolvedError
	if errors.As(err, &ue) {
		line := ue.Line
		if line == 0 {
			line = v.Pos.Line
		}
		err = diag.Errorf(diag.Pos{File: e.file.Path, Line: line}, "erb/unresolved", unresolvedFix(ue), "%s", ue.Detail())
		v.Unset, v.Control = ue.Unset, ue.Control
	}
	v.Text, v.Err = text, err
	return v
}

// unresolvedFix says how to give the action a value it cannot render.
func unresolvedFix(ue *erb.UnresolvedError) string {
	switch {
	case ue.Control:
		return "write the value literally, or put the if/else around whole lines"
	case ue.Unset != "":
		return fmt.Sprintf("set %s in the workflow's env, or write the value literally", ue.Unset)
	}
	return `write the value literally, or read it with <%= ENV["NAME"] %>, which the action renders`
}

func (c *Config) note(f *diag.Finding) { c.Findings = append(c.Findings, f) }

func (c *Config) resolveCache() {
	cv, e := c.builder.get("cache")
	c.Cache = Cache{view: cv, entry: e}
	if e == nil || e.val.Tag == "!!null" {
		return
	}
	c.Cache.Present = true
	c.Cache.Pos = e.file.pos(e.key)
	if len(cv) == 0 {
		c.note(diag.Errorf(c.Cache.Pos, "cache/not-a-mapping", "write builder.cache as a mapping with type: registry",
			"builder.cache must be a mapping, found %s", e.file.kind(e.val)))
		return
	}
	_, te := cv.get("type")
	_, ie := cv.get("image")
	_, oe := cv.get("options")
	c.Cache.Type, c.Cache.Image, c.Cache.Options = c.value(te), c.value(ie), c.value(oe)
}

// resolveAccessories reads each accessory once (a config may have
// thousands). A name written by ERB is the name it renders to; one that
// cannot be rendered is skipped with a notice, since the action would only
// have its placeholder.
func (c *Config) resolveAccessories(root view) {
	av, _ := root.get("accessories")
	get := av.index()
	for _, key := range av.keys() {
		one, e := get(key)
		name, ok := c.accessoryName(key, e)
		if !ok {
			continue
		}
		if len(one) == 0 {
			if e != nil && e.val.Tag != "!!null" {
				c.note(&diag.Finding{Pos: e.file.pos(e.key), Severity: diag.Warning, Code: "accessory/not-a-mapping", Msg: fmt.Sprintf("accessory %s is not a mapping", name)})
			}
			continue
		}
		_, ie := one.get("image")
		_, se := one.path("registry", "server")
		c.Secrets = append(c.Secrets, secrets(one, "accessories."+name+".registry")...)
		c.Accessories = append(c.Accessories, Accessory{Name: name, Image: c.value(ie), Server: c.value(se)})
	}
}

// accessoryName is an accessory's name as Kamal sees it, false when ERB
// computes it and the action cannot tell what it renders.
func (c *Config) accessoryName(key string, e *entry) (string, bool) {
	if e == nil || !e.file.tmpl.Contains(key) {
		return key, true
	}
	name, err := e.file.tmpl.Expand(key, c.getenv)
	if err == nil && name != "" && !secretIn(e.file, key) {
		return name, true
	}
	c.note(&diag.Finding{Pos: e.file.pos(e.key), Severity: diag.Notice, Code: "accessory/erb-name",
		Msg: fmt.Sprintf("accessory %s is skipped: its name is computed by ERB the action cannot render here", e.file.tmpl.Source(key)),
		Fix: "write the accessory's name literally, or set the variables it reads in the workflow's env"})
	return "", false
}

// secrets lists the registry's username and password given as [NAME].
func secrets(parent view, key string) []Secret {
	reg, _ := parent.get("registry")
	var out []Secret
	for _, k := range []string{"username", "password"} {
		_, e := reg.get(k)
		if e == nil || e.val.Kind != yaml.SequenceNode || len(e.val.Content) == 0 {
			continue
		}
		if name, _ := yamledit.Deref(e.val.Content[0]); name.Kind == yaml.ScalarNode && name.Value != "" {
			out = append(out, Secret{Name: name.Value, Key: key + "." + k, Pos: e.file.pos(name)})
		}
	}
	return out
}

func (c *Config) resolveProxy(root view) {
	run, e := root.path("proxy", "run")
	if len(run) == 0 {
		return
	}
	_, re := run.get("registry")
	_, pe := run.get("repository")
	_, ve := run.get("version")
	if re == nil && pe == nil && ve == nil {
		return
	}
	reg, repo, ver := c.value(re), c.value(pe), c.value(ve)
	for _, v := range []Value{reg, repo, ver} {
		if v.Err != nil {
			c.note(&diag.Finding{Pos: v.Pos, Severity: diag.Warning, Code: "proxy/unresolved", Msg: "kamal-proxy image not translated: " + v.Err.Error()})
			return
		}
	}
	image := DefaultProxyRepository
	if repo.Present() {
		image = repo.Text
	}
	if reg.Present() {
		image = reg.Text + "/" + image
	}
	version := DefaultProxyVersion
	if ver.Present() {
		version = ver.Text
	}
	c.Proxy = &Proxy{Image: image + ":" + version, Pos: e.file.pos(e.key)}
}
