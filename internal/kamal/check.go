package kamal

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
)

// readKeys are the top-level keys the action reads: ERB that writes any of
// them is content the action needs and cannot have without running Ruby.
var readKeys = map[string]bool{
	"service": true, "image": true, "registry": true, "builder": true, "accessories": true,
	"proxy": true, "secrets_path": true, "retain_containers": true, "require_destination": true,
}

// check is the last stage: what the action itself would choke on, each at
// its line with the fix, in a fixed order.
func (c *Config) check() []*diag.Finding {
	c.checkRuby()
	c.checkImage()
	c.checkCache()
	c.checkBlocks()
	return c.Findings
}

// checkRuby turns the Ruby-written sections into findings: a section the
// action reads is an error at its tag; one it does not is a notice; one at
// the top level a warning that the action assumes it writes nothing it reads.
func (c *Config) checkRuby() {
	for _, s := range c.Ruby {
		top, _, _ := strings.Cut(s.Path, ".")
		switch {
		case s.Path == "":
			c.note(&diag.Finding{Pos: s.Pos, Severity: diag.Warning, Code: "erb/ruby-top-level",
				Msg: "this ERB writes top-level YAML, which only running Ruby would show; the action assumes it writes none of the keys it reads (service, image, registry, builder, accessories, proxy)",
				Fix: "if it does, write those keys literally in the file"})
		case readKeys[top]:
			c.note(diag.Errorf(s.Pos, "erb/ruby-section", fmt.Sprintf("set %s literally, or give it with config-file or the inputs", s.Path),
				"%s is written by Ruby here, which the action does not run, and the action needs it", s.Path))
		default:
			c.note(&diag.Finding{Pos: s.Pos, Severity: diag.Notice, Code: "erb/ruby-unread", Msg: fmt.Sprintf("%s is written by Ruby here; the action does not need it, so it is not read", s.Path)})
		}
	}
}

func (c *Config) checkImage() {
	switch img := c.Image; {
	case !img.Present() && c.topLevelRuby() != nil:
		s := c.topLevelRuby()
		c.note(diag.Errorf(s.Pos, "image/missing", "set image literally in the file, or give the action a config it can read",
			"image is not set outside this ERB, which writes YAML only running Ruby would show; the action does not run Ruby"))
	case !img.Present():
		p := diag.Pos{File: c.Files[0].Path, Line: 1}
		if img.Set {
			p = img.Pos
		}
		c.note(diag.Errorf(p, "image/missing", "add image: <namespace>/<name> (the repository, without registry host or tag)", "image is not set"))
	case img.Err != nil:
	default:
		c.checkRepoName(img, "image", "registry.server")
	}
}

// checkBlocks warns about the values the action needs that sit inside an ERB
// block it cannot decide.
func (c *Config) checkBlocks() {
	for _, kv := range []struct {
		key string
		v   Value
	}{{"image", c.Image}, {"registry.server", c.Server}, {"builder.cache.type", c.Cache.Type}, {"builder.cache.options", c.Cache.Options}} {
		if kv.v.Block > 0 {
			c.note(&diag.Finding{Pos: kv.v.Pos, Severity: diag.Warning, Code: "erb/in-block",
				Msg: fmt.Sprintf("%s sits inside the ERB block opened at line %d; the action reads every branch as written and cannot tell which one Kamal takes", kv.key, kv.v.Block),
				Fix: "move it out of the block, or set the matching input"})
		}
	}
}

func (c *Config) checkRepoName(v Value, key, serverKey string) {
	shown := v.Shown()
	secret := shown != v.Text // a secret's parts are not shown either
	host, _, _ := strings.Cut(v.Text, "/")
	if strings.Contains(v.Text, "/") && (strings.ContainsAny(host, ".:") || host == "localhost") {
		fix := fmt.Sprintf("set %s: %s and put %s in %s", key, strings.TrimPrefix(v.Text, host+"/"), host, serverKey)
		what := "the registry host " + host
		if secret {
			what, fix = "a registry host", fmt.Sprintf("leave the registry host out of %s and put it in %s", key, serverKey)
		}
		c.note(diag.Errorf(v.Pos, "image/registry-host", fix, "%s %q includes %s: Kamal prefixes %s itself", key, shown, what, serverKey))
	}
	last := v.Text[strings.LastIndex(v.Text, "/")+1:]
	if key == "image" && strings.ContainsAny(last, ":@") {
		name, _, _ := strings.Cut(v.Text, "@")
		name = name[:strings.LastIndex(name, "/")+1] + strings.SplitN(last, ":", 2)[0]
		fix := fmt.Sprintf("set image: %s; Kamal tags each build itself", name)
		if secret {
			fix = "leave the tag or digest out of image; Kamal tags each build itself"
		}
		c.note(diag.Errorf(v.Pos, "image/tag", fix, "image %q has a tag or digest", shown))
	}
}

func (c *Config) checkCache() {
	cc := c.Cache
	if !cc.Present || len(cc.view) == 0 {
		return
	}
	switch t := cc.Type; {
	case !t.Present():
		c.note(&diag.Finding{Pos: cc.Pos, Severity: diag.Warning, Code: "cache/no-type", Msg: "builder.cache has no type, so Kamal passes no cache flags at all",
			Fix: "add type: registry (or gha)"})
	case t.Err != nil:
		var f *diag.Finding
		if errors.As(t.Err, &f) {
			c.note(f)
		}
	case t.Text != "registry" && t.Text != "gha":
		c.note(diag.Errorf(t.Pos, "cache/type", "use type: registry or type: gha", "builder.cache.type %q is not one Kamal accepts", t.Shown()))
	}
	if img := cc.Image; img.Present() && img.Err == nil {
		c.checkRepoName(img, "builder.cache.image", "registry.server")
	}
	o := cc.Options
	if !o.Present() || o.Err != nil || o.ERB {
		return
	}
	if strings.ContainsAny(o.Text, " \t\r\n") {
		c.note(&diag.Finding{Pos: o.Pos, Severity: diag.Warning, Code: "cache/options-space",
			Msg: "builder.cache.options contains white space; Kamal passes it unquoted to the shell, so the build command breaks",
			Fix: "write it as one line of key=value pairs separated by commas, no spaces"})
	}
	for _, kv := range ParseOptions(o.Text) {
		if kv.Key == "oci-mediatypes" && kv.Value == "false" {
			c.note(&diag.Finding{Pos: o.Pos, Severity: diag.Warning, Code: "cache/oci-mediatypes-false",
				Msg: "oci-mediatypes=false makes BuildKit reject image-manifest=true, which ECR needs",
				Fix: "set oci-mediatypes=true"})
		}
	}
}
