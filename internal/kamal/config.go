// Package kamal reads a Kamal deploy config the way Kamal resolves it, without
// running Ruby, and plans minimal-diff edits to it.
package kamal

import (
	"errors"
	"fmt"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"io/fs"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kamal-ecr/kamal-ecr/internal/erb"
)

// DefaultProxyRepository and DefaultProxyVersion are Kamal 2.12's kamal-proxy
// image; DefaultRetainContainers its retain_containers.
const (
	DefaultRetainContainers = 5
	DefaultProxyRepository  = "basecamp/kamal-proxy"
	DefaultProxyVersion     = "v0.9.2"
)

// Value is one scalar Kamal reads, resolved, with the place that defines it.
type Value struct {
	Set    bool   // some file sets the key (possibly to null)
	Text   string // the value with ERB expanded; valid when Err is nil
	Err    error  // why Text could not be resolved
	ERB    bool   // the value contains ERB
	Shared bool   // reached through a YAML alias or merge key, or inside what an alias points at: not editable in place
	Block  int    // line of the ERB if/each block around it, 0 if none
	Unset  string // the value is one ERB tag reading this variable, which is not set
	Pos    diag.Pos

	node *yaml.Node
	file *File
}

// Present reports whether the key is set to something other than null.
func (v Value) Present() bool { return v.Set && !(v.node != nil && v.node.Tag == "!!null") }

// Config is what Kamal resolves from a deploy file and its destination file.
type Config struct {
	Files       []*File // base first, then the destination file
	Destination string

	Service, Image Value
	Server         Value    // registry.server
	RegistryPos    diag.Pos // the registry: key; zero when there is none
	Secrets        []Secret
	SecretsPath    Value // secrets_path, where Kamal's secrets files start
	// RetainContainers is retain_containers: how many old containers, so
	// versions to roll back to, Kamal keeps.
	RetainContainers Value
	Cache            Cache
	Accessories      []Accessory
	Proxy            *Proxy // only when proxy.run names an image

	Findings []*diag.Finding
	Ruby     []RubySection // parts written by ERB as YAML lines, which the action cannot read

	builder      view
	builderEntry *entry
	read         ReadFunc
	getenv       func(string) string
}

// Cache is builder.cache.
type Cache struct {
	Present              bool
	Pos                  diag.Pos
	Type, Image, Options Value

	view  view
	entry *entry
}

// Accessory is one accessories.<name> entry.
type Accessory struct {
	Name   string
	Image  Value
	Server Value // the accessory's own registry.server (Kamal >= 2.5)
}

// Secret is a registry username or password given as [NAME]: Kamal reads
// NAME from its secrets files.
type Secret struct {
	Name string
	Key  string // where it is set, such as registry.password
	Pos  diag.Pos
}

// Ref is the image reference Kamal pulls for the accessory.
func (a Accessory) Ref() string {
	if a.Server.Present() && a.Server.Err == nil && a.Server.Text != "" {
		return a.Server.Text + "/" + a.Image.Text
	}
	return a.Image.Text
}

// Proxy is the kamal-proxy image named by proxy.run.
type Proxy struct {
	Image string
	Pos   diag.Pos
}

// ReadFunc reads a config file by its path.
type ReadFunc func(name string) ([]byte, error)

// fixable is a read error the user can fix: a path outside the workspace,
// a file too large.
type fixable interface {
	error
	Fix() string
}

// DestinationPath is the destination file Kamal loads beside the base file.
func DestinationPath(base, destination string) string {
	ext := path.Ext(base)
	return strings.TrimSuffix(base, ext) + "." + destination + ext
}

// Load reads the base config and, with a destination, its destination file.
// ERB sees getenv plus KAMAL_DESTINATION, as in Kamal. Problems the user must
// fix come back as a *diag.Finding error; softer ones in Config.Findings.
func Load(read ReadFunc, getenv func(string) string, file, destination string) (*Config, error) {
	env := func(k string) string {
		if k == "KAMAL_DESTINATION" {
			return destination
		}
		return getenv(k)
	}
	c := &Config{Destination: destination, read: read, getenv: env}
	base, err := c.readFile(file, "set the config-file input to your Kamal config")
	if err != nil {
		return nil, err
	}
	c.Files = append(c.Files, base)
	if destination != "" {
		dest, err := c.readFile(DestinationPath(file, destination), fmt.Sprintf("create it or check the destination input (%q)", destination))
		if err != nil {
			return nil, err
		}
		c.Files = append(c.Files, dest)
	}
	if err := c.resolve(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Config) readFile(name, fix string) (*File, error) {
	src, err := c.read(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, diag.Errorf(diag.Pos{File: name}, "config-not-found", fix, "config file not found")
	}
	var fx fixable
	if errors.As(err, &fx) {
		return nil, errorAt(diag.Pos{File: name}, fx.Fix(), "%v", err)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return parseFile(name, src, c.getenv)
}

func (c *Config) value(e *entry) Value {
	if e == nil {
		return Value{}
	}
	v := Value{Set: true, Shared: e.alias || e.file.shared[e.val], Pos: e.file.pos(e.val), node: e.val, file: e.file}
	if e.val.Kind != yaml.ScalarNode {
		v.Err = errorAt(v.Pos, "", "expected a string, found %s", kind(e.val))
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
		err = errorAt(diag.Pos{File: e.file.Path, Line: line}, "", "%s", ue.Detail())
		v.Unset = ue.Unset
	}
	v.Text, v.Err = text, err
	return v
}

func (c *Config) note(f *diag.Finding) { c.Findings = append(c.Findings, f) }

// MissingDestination is Kamal's refusal of a config that sets
// require_destination: true when no destination is given, or nil.
func (c *Config) MissingDestination() *diag.Finding {
	_, e := rootView(c.Files).get("require_destination")
	if e == nil || c.Destination != "" || e.val.Value != "true" {
		return nil
	}
	return errorAt(e.file.pos(e.key), "set the destination input", "You must specify a destination")
}

func (c *Config) resolve() error {
	root := rootView(c.Files)
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
	for _, f := range c.Files {
		c.Ruby = append(c.Ruby, f.rubySections()...)
	}
	c.checkRuby()
	c.check()
	return nil
}

func (c *Config) resolveCache() {
	cv, e := c.builder.get("cache")
	c.Cache = Cache{view: cv, entry: e}
	if e == nil || e.val.Tag == "!!null" {
		return
	}
	c.Cache.Present = true
	c.Cache.Pos = e.file.pos(e.key)
	if len(cv) == 0 {
		c.note(errorAt(c.Cache.Pos, "write builder.cache as a mapping with type: registry", "builder.cache must be a mapping, found %s", kind(e.val)))
		return
	}
	_, te := cv.get("type")
	_, ie := cv.get("image")
	_, oe := cv.get("options")
	c.Cache.Type, c.Cache.Image, c.Cache.Options = c.value(te), c.value(ie), c.value(oe)
}

func (c *Config) resolveAccessories(root view) {
	av, _ := root.get("accessories")
	for _, name := range av.keys() {
		one, e := av.get(name)
		if len(one) == 0 {
			if e != nil && e.val.Tag != "!!null" {
				c.note(&diag.Finding{Pos: e.file.pos(e.key), Severity: diag.Warning, Msg: fmt.Sprintf("accessory %s is not a mapping", name)})
			}
			continue
		}
		_, ie := one.get("image")
		_, se := one.path("registry", "server")
		c.Secrets = append(c.Secrets, secrets(one, "accessories."+name+".registry")...)
		c.Accessories = append(c.Accessories, Accessory{Name: name, Image: c.value(ie), Server: c.value(se)})
	}
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
		if name, _ := deref(e.val.Content[0]); name.Kind == yaml.ScalarNode && name.Value != "" {
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
			c.note(&diag.Finding{Pos: v.Pos, Severity: diag.Warning, Msg: "kamal-proxy image not translated: " + v.Err.Error()})
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

// Repository is the app image repository Kamal pushes to, without a tag.
func (c *Config) Repository(server string) string {
	return joinRef(server, c.Image.Text)
}

// CacheImage is the build-cache image (builder.cache.image, else <image>-build-cache).
func (c *Config) CacheImage() string {
	if c.Cache.Image.Present() && c.Cache.Image.Err == nil {
		return c.Cache.Image.Text
	}
	return c.Image.Text + "-build-cache"
}

// CacheType is builder.cache.type, "" when unset.
func (c *Config) CacheType() string {
	if !c.Cache.Present || c.Cache.Type.Err != nil {
		return ""
	}
	return c.Cache.Type.Text
}

func joinRef(server, image string) string {
	if server == "" {
		return image
	}
	return server + "/" + image
}
