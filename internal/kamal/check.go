package kamal

import (
	"fmt"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"strings"
)

// check flags what Kamal would choke on, each at its line with the fix.
func (c *Config) check() {
	switch img := c.Image; {
	case !img.Present() && c.topLevelRuby() != nil:
		s := c.topLevelRuby()
		c.note(errorAt(s.Pos, "set image literally in the file, or give the action a config it can read", "image is not set outside this ERB, which writes YAML only running Ruby would show; the action does not run Ruby"))
	case !img.Present():
		p := diag.Pos{File: c.Files[0].Path}
		if img.Set {
			p = img.Pos
		}
		c.note(errorAt(p, "add image: <namespace>/<name> (the repository, without registry host or tag)", "image is not set"))
	case img.Err != nil:
	default:
		c.checkRepoName(img, "image", "registry.server")
	}
	c.checkCache()
	for key, v := range map[string]Value{"image": c.Image, "registry.server": c.Server,
		"builder.cache.type": c.Cache.Type, "builder.cache.options": c.Cache.Options} {
		if v.Block > 0 {
			c.note(&diag.Finding{Pos: v.Pos, Severity: diag.Warning,
				Msg: fmt.Sprintf("%s sits inside the ERB block opened at line %d; the action reads every branch as written and cannot tell which one Kamal takes", key, v.Block),
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
		c.note(errorAt(v.Pos, fix, "%s %q includes %s: Kamal prefixes %s itself", key, shown, what, serverKey))
	}
	last := v.Text[strings.LastIndex(v.Text, "/")+1:]
	if key == "image" && strings.ContainsAny(last, ":@") {
		name, _, _ := strings.Cut(v.Text, "@")
		name = name[:strings.LastIndex(name, "/")+1] + strings.SplitN(last, ":", 2)[0]
		fix := fmt.Sprintf("set image: %s; Kamal tags each build itself", name)
		if secret {
			fix = "leave the tag or digest out of image; Kamal tags each build itself"
		}
		c.note(errorAt(v.Pos, fix, "image %q has a tag or digest", shown))
	}
}

func (c *Config) checkCache() {
	cc := c.Cache
	if !cc.Present || len(cc.view) == 0 {
		return
	}
	switch t := cc.Type; {
	case !t.Present():
		c.note(&diag.Finding{Pos: cc.Pos, Severity: diag.Warning, Msg: "builder.cache has no type, so Kamal passes no cache flags at all",
			Fix: "add type: registry (or gha)"})
	case t.Err != nil:
		c.note(&diag.Finding{Pos: t.Pos, Severity: diag.Error, Msg: t.Err.Error()})
	case t.Text != "registry" && t.Text != "gha":
		c.note(errorAt(t.Pos, "use type: registry or type: gha", "builder.cache.type %q is not one Kamal accepts", t.Shown()))
	}
	if img := cc.Image; img.Present() && img.Err == nil {
		c.checkRepoName(img, "builder.cache.image", "registry.server")
	}
	o := cc.Options
	if !o.Present() || o.Err != nil || o.ERB {
		return
	}
	if strings.ContainsAny(o.Text, " \t\r\n") {
		c.note(&diag.Finding{Pos: o.Pos, Severity: diag.Warning,
			Msg: "builder.cache.options contains white space; Kamal passes it unquoted to the shell, so the build command breaks",
			Fix: "write it as one line of key=value pairs separated by commas, no spaces"})
	}
	for _, kv := range ParseOptions(o.Text) {
		if kv.Key == "oci-mediatypes" && kv.Value == "false" {
			c.note(&diag.Finding{Pos: o.Pos, Severity: diag.Warning,
				Msg: "oci-mediatypes=false makes BuildKit reject image-manifest=true, which ECR needs",
				Fix: "set oci-mediatypes=true"})
		}
	}
}
