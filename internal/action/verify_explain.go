package action

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
	"github.com/kamal-ecr/kamal-ecr/internal/manifest"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// pulled is one failed pull with what is known about its path.
type pulled struct {
	host     registry.Host
	t        Translation
	err      *manifest.Error
	check    *manifest.RuleCheck // ValidatePullThroughCacheRule's answer, when asked
	repo     string              // the repository in the registry
	suffix   string              // :tag or @digest, as written
	rest     string              // the repository below the rule's prefix
	upstream string              // the repository upstream, host included
}

// explainPull says why a verified image does not pull, at its line: the
// registry's words, the likely reason and the fix. denied is for failures
// that the role or the rule's credentials must fix (exit 1, not 2).
func explainPull(h registry.Host, t Translation, r manifest.Result, rc *manifest.RuleCheck) (*diag.Finding, bool) {
	f, denied := explainPullOf(h, t, r, rc)
	if !t.Secret() {
		return f, denied
	}
	// every detail names the path, made from the secret: the registry's code
	// word alone
	what, _ := t.subject()
	g := *f
	g.Msg = fmt.Sprintf("%s: %s does not pull through the cache (the registry answered %s; %s)", what, t.ShownRef(), pullProblem(r.Err), hiddenNote)
	g.Fix = "check the image the variable names, and that the cache rules cover its registry"
	if g.Severity == diag.Warning {
		g.Msg = fmt.Sprintf("%s: %s was not verified (%s; %s)", what, t.ShownRef(), pullProblem(r.Err), hiddenNote)
		g.Fix = f.Fix
	}
	return &g, denied
}

func explainPullOf(h registry.Host, t Translation, r manifest.Result, rc *manifest.RuleCheck) (f *diag.Finding, denied bool) {
	pos := t.Pos // none for the images input: the finding names the input instead
	what, inputs := t.subject()
	var ue *manifest.UnavailableError
	if errors.As(r.Err, &ue) {
		return &diag.Finding{Pos: pos, Severity: diag.Warning, Code: "ecr/pull-unverified",
			Msg: fmt.Sprintf("%s: %s was not verified: %s; the registry or its upstream failed or did not answer in time, and the servers may already hold the image", what, t.Output, ue.Detail()),
			Fix: "run again to verify it, or set verify-images: false", Inputs: append(inputs, diag.Setting{Name: "verify-images", Value: "false"})}, false
	}
	p := pulled{host: h, t: t, check: rc, repo: r.Ref.Repository}
	p.suffix = strings.TrimPrefix(t.Output, h.Name+"/"+p.repo)
	if !errors.As(r.Err, &p.err) {
		p.err = &manifest.Error{Ref: r.Ref, Message: r.Err.Error()}
	}
	if t.Rule != nil {
		p.rest = strings.TrimPrefix(p.repo, t.Rule.Prefix+"/")
		p.upstream = t.Rule.Upstream + "/" + p.rest
	}
	f = &diag.Finding{Pos: pos, Severity: diag.Error, Code: "ecr/pull-failed",
		Msg: fmt.Sprintf("%s: %s does not pull: the registry answered %s", what, t.Output, p.err.Quote()), Inputs: inputs}
	var why, fix string
	switch p.err.Kind() {
	case manifest.NameUnknown:
		f.Code = "ecr/pull-name-unknown"
		why, fix = p.nameUnknown()
	case manifest.ManifestUnknown:
		f.Code = "ecr/pull-manifest-unknown"
		why, fix = p.manifestUnknown()
	case manifest.Denied:
		f.Code = "ecr/pull-denied"
		why, fix, denied = p.roleDenied()
	case manifest.UpstreamDenied:
		f.Code = "ecr/pull-upstream-denied"
		why, fix, denied = p.upstreamDenied()
	default:
		denied = true
	}
	if why != "" {
		f.Msg += ": " + why
	}
	f.Fix = fix
	return f, denied
}

// subject is what a finding about s names first: an entry of the images
// input names the input (said as a flag on a terminal), others their source.
func (s Source) subject() (string, []diag.Setting) {
	if s.From == "images input" {
		return s.Name + " in the images input", []diag.Setting{{Name: "images"}}
	}
	return s.From + " " + s.Name, nil
}

func (p pulled) dockerHub() bool { return p.t.Rule != nil && p.t.Rule.Upstream == "docker.io" }

func (p pulled) nameUnknown() (why, fix string) {
	switch {
	case p.t.Rule == nil:
		return fmt.Sprintf("there is no repository %s in %s", p.repo, p.host.Name), "push the image there first, or fix its name"
	case p.dockerHub():
		why = fmt.Sprintf("Docker Hub has no repository %s (rule %s pulls from Docker Hub)", p.rest, p.t.Rule.Prefix)
		fix = p.libraryFix()
	default:
		why = fmt.Sprintf("%s has no repository %s", p.t.Rule.Upstream, p.rest)
		fix = fmt.Sprintf("check the name at %s", p.upstream)
	}
	if c := p.check; c != nil && c.Failure != "" { // registries such as GHCR hide what the credentials cannot read
		why += fmt.Sprintf(", or the rule's credentials cannot read it: ValidatePullThroughCacheRule says %q", c.Failure)
		fix += fmt.Sprintf("; update the secret %s", orText(c.CredentialArn, p.t.Rule.CredentialArn))
	}
	if p.t.Status == imageref.Correct { // written as a cache path: the rule may be the wrong one
		fix += fmt.Sprintf("; or the image is not on %s, where rule %s pulls from: use the prefix of a rule for its registry", p.t.Rule.Upstream, p.t.Rule.Prefix)
	}
	return why, fix
}

// libraryFix is the path with library/ the other way, the usual mistake
// under a Docker Hub prefix: official images take it, all others do not.
func (p pulled) libraryFix() string {
	base := p.host.Name + "/" + p.t.Rule.Prefix + "/"
	segs := strings.Split(p.rest, "/")
	name := segs[len(segs)-1]
	switch {
	case len(segs) == 1:
		return fmt.Sprintf("Docker Hub official images take library/: use %slibrary/%s%s", base, name, p.suffix)
	case segs[0] == "library" && len(segs) == 2:
		return fmt.Sprintf("only Docker Hub official images take library/; %s is not one: use %s<namespace>/%s%s with its Docker Hub namespace, or check the name", name, base, name, p.suffix)
	case segs[0] == "library":
		return fmt.Sprintf("only Docker Hub official images take library/: use %s%s%s", base, strings.Join(segs[1:], "/"), p.suffix)
	}
	return fmt.Sprintf("check that %s exists on Docker Hub; if you meant the official image, use %slibrary/%s%s", p.rest, base, name, p.suffix)
}

func (p pulled) manifestUnknown() (why, fix string) {
	if p.t.Rule == nil {
		return fmt.Sprintf("%s has no %s", p.repo, strings.TrimLeft(p.suffix, ":@")), "push that tag first, or use one that exists"
	}
	tried := p.upstream + p.suffix
	why = fmt.Sprintf("the upstream has no such tag or digest (some registries answer an unknown repository so too): ECR tried %s", tried)
	fix = fmt.Sprintf("use a tag that exists at %s, and check the repository's name", p.upstream)
	if strings.HasPrefix(p.suffix, "@") { // the cache fetches by tag first; the servers' pull fails the same way
		fix = "a first pull by digest through the cache fails until the image is cached: pull it once by tag, or " + fix
	}
	if c := p.check; c != nil && c.Failure != "" {
		why += fmt.Sprintf(", or the rule's credentials cannot read it: ValidatePullThroughCacheRule says %q", c.Failure)
	}
	return why, fix
}

// roleDenied is a refusal of the token: the role that fetched it lacks the
// permissions to pull (or import through the cache), or the rule's
// stored credentials fail.
func (p pulled) roleDenied() (why, fix string, denied bool) {
	if p.t.Rule == nil {
		return "the role that fetched the token (the token Kamal's servers use) may not pull it",
			fmt.Sprintf("allow ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on %s", p.host.ARN(p.repo)), true
	}
	scope := p.host.ARN(p.t.Rule.Prefix + "/*")
	why = fmt.Sprintf("most likely the role that fetched the token (the token Kamal's servers use) lacks ecr:BatchImportUpstreamImage (and ecr:CreateRepository the first time) on %s", scope)
	fix = fmt.Sprintf("allow ecr:BatchImportUpstreamImage and ecr:CreateRepository on %s", scope)
	if c := p.check; c != nil && c.Failure != "" {
		why += fmt.Sprintf(", or the rule's credentials fail: ValidatePullThroughCacheRule says %q", c.Failure)
		fix += fmt.Sprintf("; and update the secret %s with working credentials for %s", orText(c.CredentialArn, p.t.Rule.CredentialArn), p.t.Rule.Upstream)
	}
	return why + p.checkNote(), fix, true
}

// upstreamDenied is ECR saying the upstream refused it: the rule's
// credentials fail, or (Docker Hub answers so) the repository does not exist.
func (p pulled) upstreamDenied() (why, fix string, denied bool) {
	c, rule := p.check, p.t.Rule
	switch {
	case rule == nil:
		return "", "", true
	case c != nil && c.Failure != "":
		return fmt.Sprintf("the upstream refuses the rule's stored credentials: ValidatePullThroughCacheRule says %q", c.Failure),
			fmt.Sprintf("update the secret %s with working credentials for %s", orText(c.CredentialArn, rule.CredentialArn), rule.Upstream), true
	case c != nil && c.Valid && p.dockerHub():
		return fmt.Sprintf("the rule's credentials work (ValidatePullThroughCacheRule), and Docker Hub answers a repository it does not have this way: most likely Docker Hub has no %s", p.rest),
			p.libraryFix(), false
	}
	why = fmt.Sprintf("either %s does not exist, or the rule's credentials for %s fail", p.upstream, rule.Upstream)
	switch {
	case strings.HasPrefix(rule.Source, "pull-through-cache"):
		why += " (the rule came from the pull-through-cache input, so its credentials were not tested)"
	case rule.CredentialArn == "":
		why += " (the rule has no stored credentials)"
	}
	fix = fmt.Sprintf("check the name; test the rule with aws ecr validate-pull-through-cache-rule --ecr-repository-prefix %s", rule.Prefix)
	if p.dockerHub() {
		fix = p.libraryFix() + "; " + fix
	}
	return why + p.checkNote(), fix, true
}

func (p pulled) checkNote() string {
	if p.check != nil && p.check.Note != "" {
		return " (" + p.check.Note + ")"
	}
	return ""
}

func orText(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
