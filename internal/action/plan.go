package action

import (
	"errors"
	"fmt"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
	"github.com/kamal-ecr/kamal-ecr/internal/kamal"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// Plan is what the action will do, computed from the inputs, the config and
// the registry host alone, without I/O.
type Plan struct {
	Host       registry.Host
	Repos      []registry.Repo
	AppRepo    string
	CacheRepo  string // "" without a registry cache
	CacheEdit  *kamal.Edit
	Sources    []Source
	Findings   []*diag.Finding
	Changes    []Change
	cacheShare bool // the cache image is a tag in the app repository
	// RepoPos is where the config names each repository (image: or
	// builder.cache.image), for errors about it.
	RepoPos map[string]diag.Pos
}

// Change is a note about one edit of the config, said only once the edit is
// written, or, in a dry run, as what would change.
type Change struct {
	Pos         diag.Pos
	Code        string // "config/cache-options", "config/accessory-image"
	Done, Would string
}

// ChangeNotes are the notices for the edits: dry says whether they were
// only planned.
func (p *Plan) ChangeNotes(dry bool) []*diag.Finding {
	var out []*diag.Finding
	for _, c := range p.Changes {
		msg := c.Done
		if dry {
			msg = c.Would
		}
		out = append(out, &diag.Finding{Pos: c.Pos, Severity: diag.Notice, Code: c.Code, Msg: msg})
	}
	return out
}

// Source is an image reference to translate, and where it came from.
type Source struct {
	From      string // "images input", "accessory", "kamal-proxy"
	Name      string // the accessory's name, or the reference itself
	Ref       string
	Pos       diag.Pos
	accessory *kamal.Accessory
	shown     string // Ref as a message may show it, when it differs (shown.go)
}

// NewPlan plans the repositories, the cache patch and the references to translate.
func NewPlan(in Inputs, cfg *kamal.Config, host registry.Host) (*Plan, error) {
	p := &Plan{Host: host, RepoPos: map[string]diag.Pos{}}
	app, err := needed(cfg.Image, "image", "set the variable in the workflow's env, or write image: literally")
	if err != nil {
		return nil, err
	}
	if err := registry.ValidateName(app); err != nil {
		return nil, &diag.Finding{Pos: cfg.Image.Pos, Severity: diag.Error, Code: "ecr/invalid-image-name", Msg: "image: " + err.Error(), Fix: "rename the image"}
	}
	p.AppRepo = app
	p.RepoPos[app] = cfg.Image.Pos
	latest := "latest"
	if cfg.Destination != "" {
		latest += "-" + cfg.Destination
	}
	repos := []registry.Repo{{Name: app, Role: "app", MutableTags: []string{latest}}}
	if in.AppKeep > 0 {
		if err := keepCoversRollback(in.AppKeep, cfg); err != nil {
			return nil, err
		}
		repos[0].Lifecycle = registry.AppLifecycle(in.AppKeep)
	}

	// The cache edit comes first: enable-cache may find no builder to add a cache to.
	p.CacheEdit, err = cfg.PlanCache(kamal.CacheRequest{Patch: in.PatchCache, Enable: in.EnableCache, Mode: in.CacheMode})
	err = naming(err, diag.Setting{Name: "patch-cache", Value: "false"}, diag.Setting{Name: "enable-cache", Value: "false"})
	adding := in.EnableCache && !cfg.Cache.Present
	var f *diag.Finding
	if err != nil && adding && errors.As(err, &f) { // additive: say why, go on without a cache
		g := *f
		g.Severity, g.Msg = diag.Warning, "with enable-cache: true, "+f.Msg
		g.Inputs = append(slices.Clone(f.Inputs), diag.Setting{Name: "enable-cache", Value: "true"})
		p.Findings = append(p.Findings, &g)
		adding, err = false, nil
	}
	if err != nil {
		return nil, err
	}
	if cfg.CacheType() == "registry" || adding {
		if cfg.Cache.Image.Present() {
			if _, err := needed(cfg.Cache.Image, "builder.cache.image", "set the variable in the workflow's env, or write builder.cache.image literally"); err != nil {
				return nil, err
			}
		}
		name, tag := splitTag(cfg.CacheImage())
		if err := registry.ValidateName(name); err != nil {
			pos := cfg.Image.Pos
			if cfg.Cache.Image.Present() {
				pos = cfg.Cache.Image.Pos
			}
			return nil, &diag.Finding{Pos: pos, Severity: diag.Error, Code: "ecr/invalid-cache-name", Msg: "build cache repository: " + err.Error(), Fix: "rename builder.cache.image"}
		}
		p.CacheRepo = name
		if cfg.Cache.Image.Present() {
			p.RepoPos[name] = cfg.Cache.Image.Pos
		} else if name != app {
			p.RepoPos[name] = cfg.Image.Pos
		}
		if name == app {
			p.cacheShare = true
			repos[0].MutableTags = append(repos[0].MutableTags, tag)
			p.note(diag.Notice, cfg.Cache.Image.Pos, "cache/in-app-repository", fmt.Sprintf("the build cache is the tag %q in the app repository %s, so no lifecycle policy is put on it", tag, app), "")
		} else {
			r := registry.Repo{Name: name, Role: "cache", MutableTags: []string{tag}}
			if in.LifecycleDays > 0 {
				r.Lifecycle = registry.CacheLifecycle(in.LifecycleDays)
			}
			repos = append(repos, r)
		}
	}
	for _, name := range in.ExtraRepositories {
		if name != app && name != p.CacheRepo {
			repos = append(repos, registry.Repo{Name: name, Role: "extra"})
		}
	}
	p.Repos = repos
	p.cacheNotes(in, cfg)
	p.sources(in, cfg)
	return p, nil
}

// keepCoversRollback refuses an app policy that would expire a version Kamal
// still offers for rollback: it keeps retain_containers containers (5 by
// default), and each needs its image.
func keepCoversRollback(keep int, cfg *kamal.Config) error {
	retain, pos := kamal.DefaultRetainContainers, diag.Pos{File: cfg.Files[0].Path}
	if v := cfg.RetainContainers; v.Present() && v.Err == nil {
		n, err := strconv.Atoi(v.Text)
		if err != nil {
			return &diag.Finding{Pos: v.Pos, Severity: diag.Error, Code: "kamal/retain-containers", Msg: fmt.Sprintf("retain_containers %q is not a whole number", v.Text), Fix: "set retain_containers to a number such as 5"}
		}
		retain, pos = n, v.Pos
	}
	if keep >= retain {
		return nil
	}
	return &InputError{Input: "app-lifecycle-keep", Msg: fmt.Sprintf("%d is below retain_containers (%d, %s): Kamal offers rollback to the last %d versions, and the policy would expire images it needs; set it to %d or more",
		keep, retain, pos, retain, retain)}
}

func (p *Plan) cacheNotes(in Inputs, cfg *kamal.Config) {
	switch t := cfg.CacheType(); {
	case !cfg.Cache.Present && !in.EnableCache:
		p.noteSet(diag.Notice, diag.Pos{File: cfg.Files[0].Path}, "cache/none", "the builder has no build cache", "set enable-cache: true to add a registry cache that works with ECR", "enable-cache", "true")
	case t == "gha":
		p.note(diag.Notice, cfg.Cache.Pos, "cache/gha", "builder.cache is type: gha, which does not use ECR; left alone", "")
	case t == "registry" && !in.PatchCache && !kamal.HasECROptions(cfg.Cache.Options.Text):
		p.noteSet(diag.Warning, cfg.Cache.Pos, "cache/not-for-ecr", "builder.cache.options lacks image-manifest=true,oci-mediatypes=true, so older BuildKit writes a cache ECR rejects", "set patch-cache: true", "patch-cache", "true")
	}
	if e := p.CacheEdit; e != nil {
		const why = "so BuildKit writes a cache manifest ECR accepts"
		c := Change{Pos: diag.Pos{File: e.File, Line: e.Line}, Code: "config/cache-options",
			Done: fmt.Sprintf("%s set to %s %s", e.Key, e.Want, why), Would: fmt.Sprintf("%s would be set to %s %s", e.Key, e.Want, why)}
		if e.Old != "" {
			c.Done = fmt.Sprintf("%s changed from %s to %s %s", e.Key, e.Old, e.Want, why)
			c.Would = fmt.Sprintf("%s would change from %s to %s %s", e.Key, e.Old, e.Want, why)
		}
		p.Changes = append(p.Changes, c)
	}
}

func (p *Plan) sources(in Inputs, cfg *kamal.Config) {
	for _, ref := range in.Images {
		p.Sources = append(p.Sources, Source{From: "images input", Name: ref, Ref: ref})
	}
	for i := range cfg.Accessories {
		a := &cfg.Accessories[i]
		switch {
		case !a.Image.Present():
		case a.Image.Err != nil:
			p.note(diag.Warning, a.Image.Pos, "pull-through/unresolved", fmt.Sprintf("accessory %s: image not translated: %v", a.Name, plainMsg(a.Image.Err)), unresolvedFix(a.Image, "accessories."+a.Name+".image", "set the variable in the workflow's env"))
		case a.Server.Err != nil:
			p.note(diag.Warning, a.Server.Pos, "pull-through/unresolved", fmt.Sprintf("accessory %s: registry.server not read: %v", a.Name, plainMsg(a.Server.Err)), unresolvedFix(a.Server, "accessories."+a.Name+".registry.server", "set the variable in the workflow's env"))
		default:
			p.Sources = append(p.Sources, Source{From: "accessory", Name: a.Name, Ref: a.Ref(), Pos: a.Image.Pos, accessory: a, shown: a.ShownRef()})
		}
	}
	if cfg.Proxy != nil {
		p.Sources = append(p.Sources, Source{From: "kamal-proxy", Name: "kamal-proxy", Ref: cfg.Proxy.Image, Pos: cfg.Proxy.Pos})
	}
}

// naming is err, when it is a finding, naming the inputs its fix may offer
// to turn off (a fix names an input as diag.Setting.InActions says it).
func naming(err error, inputs ...diag.Setting) error {
	f, ok := err.(*diag.Finding)
	if !ok {
		return err
	}
	return f.WithInputs(append(slices.Clone(f.Inputs), inputs...)...)
}

func (p *Plan) note(s diag.Severity, pos diag.Pos, code, msg, fix string) {
	p.Findings = append(p.Findings, &diag.Finding{Pos: pos, Severity: s, Code: code, Msg: msg, Fix: fix})
}

// noteSet is a note whose fix sets an input (the fix says "name: value").
func (p *Plan) noteSet(s diag.Severity, pos diag.Pos, code, msg, fix, input, value string) {
	p.Findings = append(p.Findings, &diag.Finding{Pos: pos, Severity: s, Code: code, Msg: msg, Fix: fix,
		Inputs: []diag.Setting{{Name: input, Value: value}}})
}

// Translation is one source's pull-through path.
type Translation struct {
	Source
	imageref.Result
	Pull *Pull // what the registry answered, when the path was verified
}

// Translate maps every source through the rules and plans accessory rewrites.
// Without known rules (they could not be read) nothing is translated, and
// no source is said to lack a rule.
func (p *Plan) Translate(in Inputs, cfg *kamal.Config, rules []imageref.Rule, known bool) ([]Translation, []*kamal.Edit, error) {
	tr := imageref.NewTranslator(p.Host.Name, rules)
	var out []Translation
	var edits []*kamal.Edit
	var errs []error
	for _, s := range p.Sources {
		subj, inputs := s.subject()
		res, err := tr.Translate(s.Ref)
		if err != nil {
			f := &diag.Finding{Pos: s.Pos, Severity: diag.Error, Code: "pull-through/invalid-reference",
				Msg: fmt.Sprintf("%s: %v", subj, err), Fix: "use a lower-case reference such as name:tag or host/path:tag", Inputs: inputs}
			if s.Secret() { // the error quotes the value, and parts of it
				f.Msg = fmt.Sprintf("%s: %s is not a valid image reference (the value is not shown: it is read from a secret)", subj, s.ShownRef())
			}
			if pe := (*imageref.PathError)(nil); errors.As(err, &pe) {
				f.Code, f.Fix = "pull-through/invalid-repository", pe.Fix()
			}
			errs = append(errs, f)
			continue
		}
		if !known && res.Status == imageref.Unchanged {
			res.Note = "not translated: the pull-through cache rules were not read"
			out = append(out, Translation{Source: s, Result: res})
			continue
		}
		out = append(out, Translation{Source: s, Result: res})
		if res.Warning != "" {
			p.Findings = append(p.Findings, &diag.Finding{Pos: s.Pos, Severity: diag.Warning, Code: "pull-through/warning",
				Msg: fmt.Sprintf("%s: %s", subj, s.shownText(res.Warning)), Inputs: inputs})
		}
		if res.Status == imageref.Unchanged {
			p.Findings = append(p.Findings, &diag.Finding{Pos: s.Pos, Severity: diag.Notice, Code: "pull-through/no-rule",
				Msg: fmt.Sprintf("%s left as is: %s", subj, s.shownText(res.Note)), Inputs: inputs})
		}
		if s.accessory == nil || (res.Status != imageref.Translated && res.Status != imageref.Corrected) {
			continue
		}
		key := "accessories." + s.Name + ".image"
		t := Translation{Source: s, Result: res}
		ref, output, note := s.ShownRef(), t.ShownOutput(), t.ShownNote()
		what := fmt.Sprintf("%s %s pulls through the cache as %s", key, ref, output)
		c := Change{Pos: s.Pos, Code: "config/accessory-image", Done: fmt.Sprintf("%s rewritten from %s to its pull-through path %s", key, ref, output),
			Would: fmt.Sprintf("%s would be rewritten from %s to its pull-through path %s", key, ref, output)}
		if res.Status == imageref.Corrected {
			what = fmt.Sprintf("%s %s is a wrong pull-through path (%s): use %s", key, ref, note, output)
			c.Done = fmt.Sprintf("%s corrected from %s to %s: %s", key, ref, output, note)
			c.Would = fmt.Sprintf("%s would be corrected from %s to %s: %s", key, ref, output, note)
		}
		if !in.RewriteAccessories {
			sev, code := diag.Notice, "pull-through/would-rewrite"
			if res.Status == imageref.Corrected {
				sev, code = diag.Warning, "pull-through/wrong-path"
			}
			p.noteSet(sev, s.Pos, code, what, "set rewrite-accessories: true to write it into the config", "rewrite-accessories", "true")
			continue
		}
		e, err := cfg.PlanImage(*s.accessory, res.Output)
		if err = naming(err, diag.Setting{Name: "rewrite-accessories", Value: "false"}); err != nil {
			var f *diag.Finding
			if errors.As(err, &f) { // the image stays as written: a warning
				g := *f
				g.Severity = diag.Warning
				p.Findings = append(p.Findings, &g)
			}
			continue
		}
		edits = append(edits, e)
		p.Changes = append(p.Changes, c)
	}
	return out, edits, errors.Join(errs...)
}

// ruleSet converts ECR's rules for the translator. A rule whose prefix or
// upstream is not a valid repository path would write a broken reference
// into the config and the outputs: it is left out, with a warning.
func ruleSet(rules []registry.Rule, p *Plan) []imageref.Rule {
	out := make([]imageref.Rule, 0, len(rules))
	for _, r := range rules {
		up := r.UpstreamURL
		if up == "" {
			up = r.UpstreamRegistry
		}
		if r.UpstreamPrefix != "" && r.UpstreamPrefix != "ROOT" {
			up += "/" + r.UpstreamPrefix
		}
		prefix := r.Prefix
		if prefix == "ROOT" {
			prefix = ""
		}
		if prefix != "" && prefixError(prefix) != nil || !validUpstream.MatchString(up) {
			p.note(diag.Warning, diag.Pos{}, "ecr/invalid-rule", fmt.Sprintf("pull-through cache rule %q (upstream %q) is not a valid repository path; it was ignored", r.Prefix, up), "fix or delete the rule in ECR")
			continue
		}
		out = append(out, imageref.Rule{Upstream: imageref.NormalizeUpstream(up), Prefix: prefix, Source: "rule " + r.Prefix, CredentialArn: r.CredentialArn})
	}
	return out
}

// validUpstream is a registry host, optionally with a repository path.
var validUpstream = regexp.MustCompile(`^[a-z0-9.-]+(?::[0-9]+)?(?:/[a-z0-9._/-]+)?$`)

// prefixError says why p is not an ECR repository prefix: a repository
// name of 2 to 30 characters (CreatePullThroughCacheRule's rule).
func prefixError(p string) error {
	if len(p) < 2 || len(p) > 30 {
		return fmt.Errorf("ECR repository prefix %q must be 2 to 30 characters", p)
	}
	if err := registry.ValidateName(p); err != nil {
		return fmt.Errorf("ECR repository prefix %q is invalid: use lower-case letters, digits and . _ - / between them", p)
	}
	return nil
}

// needed returns a value the action cannot do without, or an error at its line.
func needed(v kamal.Value, key, fix string) (string, error) {
	switch {
	case v.Err != nil:
		return "", &diag.Finding{Pos: v.Pos, Severity: diag.Error, Code: "config/unresolved", Msg: key + ": " + plainMsg(v.Err), Fix: unresolvedFix(v, key, fix)}
	case !v.Present() || v.Text == "":
		return "", &diag.Finding{Pos: v.Pos, Severity: diag.Error, Code: "config/empty", Msg: key + " is empty", Fix: fix}
	}
	return v.Text, nil
}

// unresolvedFix is fix, unless Ruby control flow left v unresolved: no
// variable decides that, so the value must be written without it.
func unresolvedFix(v kamal.Value, key, fix string) string {
	if v.Control {
		return "write " + key + " literally, outside the <% %> block: the action does not run Ruby's control flow, so no variable decides it"
	}
	return fix
}

// plainMsg drops the position a Finding prints, for messages that carry their own.
func plainMsg(err error) string {
	var f *diag.Finding
	if errors.As(err, &f) {
		return f.Msg
	}
	return err.Error()
}

// splitTag splits "repo:tag" (the tag defaults to latest); a digest is ignored.
func splitTag(image string) (string, string) {
	image, _, _ = strings.Cut(image, "@")
	slash := strings.LastIndex(image, "/")
	if i := strings.LastIndex(image, ":"); i > slash {
		return image[:i], image[i+1:]
	}
	return image, "latest"
}
