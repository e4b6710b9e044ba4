package kamal

import (
	"bytes"
	"fmt"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kamal-ecr/kamal-ecr/internal/yamledit"
)

// Edit is one planned change to a config file.
type Edit struct {
	File string // path of the file it changes
	Line int    // line it changes, or after which it inserts
	Key  string // the config key it sets
	Want string // the value Kamal resolves for Key afterwards
	Old  string // the value before, "" when inserted
	yamledit.Edit
}

// CacheRequest says what to do with builder.cache.
type CacheRequest struct {
	Patch  bool   // fix an existing registry cache for ECR
	Enable bool   // add a registry cache when there is none
	Mode   string // set mode=min|max; "" keeps what the config says
}

// ECROptions are the options ECR needs, with mode first when it is asked for.
func ECROptions(mode string) []Option {
	var want []Option
	if mode != "" {
		want = append(want, Option{Key: "mode", Value: mode})
	}
	return append(want, Option{Key: "image-manifest", Value: "true"}, Option{Key: "oci-mediatypes", Value: "true"})
}

// PlanCache returns the edit (at most one) that makes builder.cache work with ECR.
func (c *Config) PlanCache(req CacheRequest) (*Edit, error) {
	want := ECROptions(req.Mode)
	switch {
	case !c.Cache.Present:
		if !req.Enable {
			return nil, nil
		}
		return c.insertCache(want)
	case c.CacheType() != "registry" || !req.Patch:
		return nil, nil
	}
	o := c.Cache.Options
	switch {
	case o.Set && !o.Present():
		return c.fillOptions(want)
	case !o.Present():
		return c.insertOptions(want)
	}
	fix := "write builder.cache.options by hand as image-manifest=true,oci-mediatypes=true, or set patch-cache: false"
	switch {
	case o.Err != nil && !o.ERB:
		return nil, o.Err
	case o.ERB:
		return nil, diag.Errorf(o.Pos, "patch/erb", fix, "builder.cache.options is computed by ERB, so it cannot be patched")
	case o.Shared:
		return nil, diag.Errorf(o.Pos, "patch/shared", fix, "builder.cache.options is shared with other keys through a YAML anchor, so it cannot be patched in place")
	}
	merged := MergeOptions(o.Text, want)
	if merged == o.Text {
		return nil, nil
	}
	start, end, err := o.file.doc.ScalarSpan(o.node)
	if err != nil {
		return nil, diag.Errorf(o.Pos, "patch/unsupported", "write builder.cache.options as a single-line string", "cannot patch builder.cache.options: %v", err)
	}
	return &Edit{File: o.file.Path, Line: o.Pos.Line, Key: "builder.cache.options", Want: merged, Old: o.Text,
		Edit: yamledit.Edit{Start: start, End: end, Text: yamledit.Render(merged, o.node.Style, inFlow(o.file, o.node))}}, nil
}

// fillOptions gives a value to an options key set to null (options:, or
// options: ~), in place: another options line would be a repeated key.
func (c *Config) fillOptions(want []Option) (*Edit, error) {
	o := c.Cache.Options
	fix := "write builder.cache.options by hand as image-manifest=true,oci-mediatypes=true, or set patch-cache: false"
	if o.Shared {
		return nil, diag.Errorf(o.Pos, "patch/shared", fix, "builder.cache.options is shared with other keys through a YAML anchor, so it cannot be patched in place")
	}
	value := FormatOptions(want)
	edit := &Edit{File: o.file.Path, Line: o.Pos.Line, Key: "builder.cache.options", Want: value}
	if o.node.Value != "" { // ~ or null written out
		start, end, err := o.file.doc.ScalarSpan(o.node)
		if err != nil {
			return nil, diag.Errorf(o.Pos, "patch/unsupported", fix, "cannot patch builder.cache.options: %v", err)
		}
		edit.Edit = yamledit.Edit{Start: start, End: end, Text: yamledit.Render(value, 0, inFlow(o.file, o.node))}
		return edit, nil
	}
	_, e := c.Cache.view.get("options")
	at, err := o.file.doc.Offset(e.key.Line, e.key.Column)
	colon := -1
	if err == nil {
		colon = bytes.IndexByte(o.file.tmpl.Masked[at:o.file.doc.LineEnd(e.key.Line)], ':')
	}
	if colon < 0 {
		return nil, diag.Errorf(o.Pos, "patch/unsupported", fix, "cannot find the colon after builder.cache.options")
	}
	edit.Line = e.key.Line
	edit.Edit = yamledit.Edit{Start: at + colon + 1, End: at + colon + 1, Text: " " + yamledit.Render(value, 0, inFlow(o.file, e.key))}
	return edit, nil
}

// insertOptions adds an options line to the lowest file that defines the
// cache mapping, so every destination gets it.
func (c *Config) insertOptions(want []Option) (*Edit, error) {
	l := c.Cache.view[0]
	fix := "add options: image-manifest=true,oci-mediatypes=true under builder.cache by hand, or set patch-cache: false"
	if l.alias || l.file.shared[l.node] || l.node.Style&yaml.FlowStyle != 0 {
		return nil, diag.Errorf(c.Cache.Pos, "patch/unsupported", fix, "builder.cache is a flow mapping or shared through a YAML anchor, which this action does not rewrite")
	}
	// After the type: line if it is a one-line scalar, else after the last one-line scalar key.
	var anchor *yaml.Node
	var keyCol int
	for i := 0; i+1 < len(l.node.Content); i += 2 {
		k, v := l.node.Content[i], l.node.Content[i+1]
		if k.Tag == "!!merge" || v.Kind != yaml.ScalarNode || v.Line != k.Line {
			continue
		}
		if _, _, err := l.file.doc.ScalarSpan(v); err != nil {
			continue
		}
		if anchor == nil || v.Line > anchor.Line {
			anchor, keyCol = v, k.Column
		}
		if k.Value == "type" {
			break
		}
	}
	if anchor == nil {
		return nil, diag.Errorf(l.file.pos(l.node), "patch/unsupported", fix, "builder.cache has no single-line key to add options after")
	}
	value := FormatOptions(want)
	line := strings.Repeat(" ", keyCol-1) + "options: " + value
	e := l.file.doc.InsertLines(anchor.Line, []string{line})
	return &Edit{File: l.file.Path, Line: anchor.Line, Key: "builder.cache.options", Want: value, Edit: e}, nil
}

// insertCache adds a registry cache block as the builder's first key.
func (c *Config) insertCache(want []Option) (*Edit, error) {
	fix := "add builder.cache (type: registry, options: image-manifest=true,oci-mediatypes=true) by hand, or set enable-cache: false"
	if len(c.builder) == 0 {
		p := diag.Pos{File: c.Files[0].Path}
		if c.builderEntry != nil {
			p = c.builderEntry.file.pos(c.builderEntry.key)
		}
		return nil, diag.Errorf(p, "patch/no-builder", "add a builder: section with arch: (Kamal 2 requires it) and a registry cache", "enable-cache needs a builder mapping, and the config has none")
	}
	l := c.builder[0]
	if l.alias || l.file.shared[l.node] || l.node.Style&yaml.FlowStyle != 0 || len(l.node.Content) == 0 || l.key == nil {
		return nil, diag.Errorf(l.file.pos(l.node), "patch/unsupported", fix, "builder is a flow mapping, empty, or shared through a YAML anchor, which this action does not rewrite")
	}
	first := l.node.Content[0]
	indent := first.Column - 1
	step := first.Column - l.key.Column
	if step <= 0 {
		step = 2
	}
	pad, inner := strings.Repeat(" ", indent), strings.Repeat(" ", indent+step)
	value := FormatOptions(want)
	lines := []string{pad + "cache:", inner + "type: registry", inner + "options: " + value}
	// Right after "builder:", so comments stay with the keys they describe.
	e := l.file.doc.InsertLines(l.key.Line, lines)
	return &Edit{File: l.file.Path, Line: l.key.Line, Key: "builder.cache.options", Want: value, Edit: e}, nil
}

// PlanImage returns the edit that sets an accessory's image to ref.
func (c *Config) PlanImage(a Accessory, ref string) (*Edit, error) {
	v := a.Image
	key := "accessories." + a.Name + ".image"
	fix := "set it to " + ref + " by hand, or set rewrite-accessories: false"
	if v.Shown() != v.Text { // ref is made from a secret
		fix = "set it to the image through the cache by hand, or set rewrite-accessories: false"
	}
	switch {
	case !v.Present() || v.Err != nil:
		return nil, diag.Errorf(v.Pos, "patch/unreadable", fix, "%s cannot be read", key)
	case v.ERB:
		return nil, diag.Errorf(v.Pos, "patch/erb", fix, "%s is computed by ERB, so it cannot be rewritten", key)
	case v.Shared:
		return nil, diag.Errorf(v.Pos, "patch/shared", fix, "%s is shared with other keys through a YAML anchor, so it cannot be rewritten in place", key)
	case a.Server.Present():
		return nil, diag.Errorf(a.Server.Pos, "patch/accessory-server", fix, "accessory %s has its own registry.server, which Kamal puts before the image", a.Name)
	}
	start, end, err := v.file.doc.ScalarSpan(v.node)
	if err != nil {
		return nil, diag.Errorf(v.Pos, "patch/unsupported", fix, "cannot rewrite %s: %v", key, err)
	}
	return &Edit{File: v.file.Path, Line: v.Pos.Line, Key: key, Want: ref, Old: v.Text,
		Edit: yamledit.Edit{Start: start, End: end, Text: yamledit.Render(ref, v.node.Style, inFlow(v.file, v.node))}}, nil
}

// inFlow reports whether n sits inside a flow collection ({…} or […]).
func inFlow(f *File, n *yaml.Node) bool {
	start, err := f.doc.Offset(n.Line, 1)
	if err != nil {
		return true
	}
	end, err := f.doc.Offset(n.Line, n.Column)
	if err != nil {
		return true
	}
	return bytes.ContainsAny(f.tmpl.Masked[start:end], "{[")
}

// Apply splices the edits into the files' original bytes, reloads the result
// and checks that Kamal would now resolve each edited key to what was
// planned and everything else as before. It returns the new bytes by path.
func (c *Config) Apply(edits []*Edit) (map[string][]byte, error) {
	byFile := map[string][]yamledit.Edit{}
	for _, e := range edits {
		byFile[e.File] = append(byFile[e.File], e.Edit)
	}
	out := map[string][]byte{}
	for _, f := range c.Files {
		if es := byFile[f.Path]; len(es) > 0 {
			b, err := yamledit.Apply(f.Src, es)
			if err != nil {
				return nil, fmt.Errorf("patch %s: %w", f.Path, err)
			}
			out[f.Path] = b
		}
	}
	read := func(name string) ([]byte, error) {
		if b, ok := out[name]; ok {
			return b, nil
		}
		return c.read(name)
	}
	after, err := loadConfig(read, c.getenv, c.Files[0].Path, c.Destination, true)
	if err != nil {
		return nil, fmt.Errorf("verify patched config: %w", err)
	}
	if err := c.sameExcept(after, edits); err != nil {
		return nil, fmt.Errorf("verify patched config: %w", err)
	}
	return out, nil
}

func (c *Config) sameExcept(after *Config, edits []*Edit) error {
	got := after.resolved()
	want := c.resolved()
	for _, e := range edits {
		want[e.Key] = e.Want
		if e.Key != "builder.cache.options" {
			continue
		}
		if !HasECROptions(got[e.Key]) {
			return fmt.Errorf("builder.cache.options is %q, still without image-manifest=true,oci-mediatypes=true", got[e.Key])
		}
		if want["builder.cache.type"] == "" { // enable-cache added the block
			want["builder.cache.type"] = "registry"
		}
	}
	for k, w := range want {
		if got[k] != w {
			return fmt.Errorf("%s resolves to %q, want %q", k, got[k], w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			return fmt.Errorf("%s appeared", k)
		}
	}
	return nil
}

// resolved is every value the action reads, by key.
func (c *Config) resolved() map[string]string {
	m := map[string]string{}
	put := func(k string, v Value) {
		if v.Present() {
			m[k] = v.Text
		}
	}
	put("service", c.Service)
	put("image", c.Image)
	put("registry.server", c.Server)
	put("builder.cache.type", c.Cache.Type)
	put("builder.cache.image", c.Cache.Image)
	put("builder.cache.options", c.Cache.Options)
	for _, a := range c.Accessories {
		put("accessories."+a.Name+".image", a.Image)
		put("accessories."+a.Name+".registry.server", a.Server)
	}
	return m
}
