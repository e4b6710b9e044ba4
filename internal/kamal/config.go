package kamal

import (
	"gopkg.in/yaml.v3"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/kamal/validate"
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
	// Control: Ruby control flow (<% if %>) in the value left it unresolved;
	// no variable in the environment decides it.
	Control bool
	Pos     diag.Pos

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

	root         view           // the merged files, for patching
	tree         *validate.Node // the merged values typed as Kamal's YAML loader types them
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

// ShownRef is Ref as a message may show it: the ERB source of a part that
// reads a secret-looking variable.
func (a Accessory) ShownRef() string {
	if a.Server.Present() && a.Server.Err == nil && a.Server.Text != "" {
		return a.Server.Shown() + "/" + a.Image.Shown()
	}
	return a.Image.Shown()
}

// Proxy is the kamal-proxy image named by proxy.run.
type Proxy struct {
	Image string
	Pos   diag.Pos
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
