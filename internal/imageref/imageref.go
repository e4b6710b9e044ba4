// Package imageref translates image references into ECR pull-through cache
// paths, and corrects paths that point at a cache prefix the wrong way.
package imageref

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/distribution/reference"
)

const dockerHub = "docker.io"

// upstreamNames maps ECR's upstreamRegistry names to the host users write.
var upstreamNames = map[string]string{
	"docker-hub":                dockerHub,
	"ecr-public":                "public.ecr.aws",
	"quay":                      "quay.io",
	"k8s":                       "registry.k8s.io",
	"github-container-registry": "ghcr.io",
	"gitlab-container-registry": "registry.gitlab.com",
	"chainguard":                "cgr.dev",
}

// Rule is one pull-through cache rule: images under Upstream are pulled
// through <registry>/<Prefix>/.
type Rule struct {
	Upstream string // host, optionally with a repository path prefix (ECR to ECR)
	Prefix   string // ecrRepositoryPrefix, possibly several segments; "" for ROOT
	Source   string // where the rule came from, for messages
	// CredentialArn is the rule's upstream credentials (read from ECR; unknown for input pairs).
	CredentialArn string
}

// NormalizeUpstream turns a rule's upstream (a host such as
// registry-1.docker.io, an ECR upstream name such as docker-hub, or a URL)
// into the host and path prefix references are matched against.
func NormalizeUpstream(s string) string {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "https://"), "http://"), "/")
	if h, ok := upstreamNames[s]; ok {
		return h
	}
	host, rest, _ := strings.Cut(s, "/")
	switch host {
	case "docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com":
		host = dockerHub
	}
	if rest == "" || rest == "root" {
		return host
	}
	return host + "/" + rest
}

// ParseRule reads one explicit "upstream=prefix" pair; source names it in
// messages and in the rule.
func ParseRule(pair, source string) (Rule, error) {
	up, prefix, ok := strings.Cut(pair, "=")
	up, prefix = strings.TrimSpace(up), strings.Trim(strings.TrimSpace(prefix), "/")
	if !ok || up == "" || prefix == "" {
		return Rule{}, fmt.Errorf("%s: %q is not upstream=prefix (for example docker.io=docker-hub)", source, pair)
	}
	return Rule{Upstream: NormalizeUpstream(up), Prefix: prefix, Source: source}, nil
}

// Status says what Translate did.
type Status string

const (
	Translated Status = "translated" // an upstream reference, now a pull-through path
	Corrected  Status = "corrected"  // a pull-through path with library/ wrong
	Correct    Status = "correct"    // already the right pull-through path
	Unchanged  Status = "unchanged"  // no rule applies; used as is
)

// Result is one translated reference.
type Result struct {
	Input, Output string
	Status        Status
	Rule          *Rule
	Note          string // why unchanged, or what was corrected
	Warning       string // e.g. a digest-only pull through the cache
}

// Translator maps references for one registry host.
type Translator struct {
	registry string
	rules    []Rule
}

// NewTranslator orders the rules longest first, so the most specific wins.
func NewTranslator(registry string, rules []Rule) *Translator {
	rules = slices.Clone(rules)
	slices.SortStableFunc(rules, func(a, b Rule) int { return len(b.Upstream) - len(a.Upstream) })
	return &Translator{registry: strings.ToLower(registry), rules: rules}
}

// InvalidError is a reference that is not a valid image reference.
type InvalidError struct {
	Ref string
	Err error
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("invalid image reference %q: %v", e.Ref, e.Err)
}
func (e *InvalidError) Unwrap() error { return e.Err }

// ecrName is ECR's rule for a repository name (2 to 256 characters): stricter
// than an image reference's path, which also allows "__" and "--".
var ecrName = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

// ValidRepository checks a repository name against ECR's rules.
func ValidRepository(name string) error {
	if len(name) < 2 || len(name) > 256 {
		return fmt.Errorf("%d characters, outside ECR's 2 to 256", len(name))
	}
	if !ecrName.MatchString(name) {
		return errors.New("not a name ECR accepts: lower-case letters and digits, one . _ or - between them, / between parts")
	}
	return nil
}

// PathError is a reference whose pull-through path is not a repository name
// ECR accepts: ECR could never create it, so nothing may point at it.
type PathError struct {
	Ref, Repository string
	Err             error
}

func (e *PathError) Error() string {
	return fmt.Sprintf("%s would pull through the cache as repository %s, which is %v", e.Ref, e.Repository, e.Err)
}
func (e *PathError) Unwrap() error { return e.Err }

// Fix says what the user can do about it.
func (e *PathError) Fix() string {
	return "shorten the image's name, or leave it out of the pull-through cache (pull it from its upstream)"
}

// Translate returns the path to pull ref through the registry's cache rules.
func (t *Translator) Translate(ref string) (res Result, err error) {
	res = Result{Input: ref, Output: ref}
	named, err := parse(ref)
	if err != nil {
		return res, &InvalidError{Ref: ref, Err: err}
	}
	domain, path := strings.ToLower(reference.Domain(named)), reference.Path(named)
	suffix := ""
	tagged, isTagged := named.(reference.Tagged)
	if isTagged {
		suffix = ":" + tagged.Tag()
	}
	digested, isDigested := named.(reference.Digested)
	if isDigested {
		suffix += "@" + digested.Digest().String()
	}
	defer func() {
		if isDigested && !isTagged && res.Status != Unchanged {
			res.Warning = "a first pull by digest through a pull-through cache fails until the image is cached: pull it once by tag"
		}
	}()
	if domain == t.registry {
		return t.correct(res, path, suffix)
	}
	for i := range t.rules {
		r := &t.rules[i]
		rest, ok := under(domain+"/"+path, r.Upstream)
		if !ok {
			continue
		}
		repo := joinPath(r.Prefix, rest)
		if err := ValidRepository(repo); err != nil {
			return res, &PathError{Ref: ref, Repository: repo, Err: err}
		}
		res.Output = joinPath(t.registry, repo) + suffix
		res.Status, res.Rule = Translated, r
		return res, nil
	}
	res.Status = Unchanged
	res.Note = "no pull-through cache rule for " + domain
	return res, nil
}

// correct fixes library/ in a reference that already points at a cache prefix.
func (t *Translator) correct(res Result, path, suffix string) (Result, error) {
	for i := range t.rules {
		r := &t.rules[i]
		rest, ok := under(path, r.Prefix)
		if !ok || r.Prefix == "" {
			continue
		}
		res.Rule, res.Status = r, Correct
		if r.Upstream != dockerHub {
			return res, nil
		}
		segs := strings.Split(rest, "/")
		switch {
		case len(segs) == 1:
			rest = "library/" + rest
			res.Note = "Docker Hub official images need library/ after the cache prefix"
		case segs[0] == "library" && len(segs) > 2:
			rest = strings.Join(segs[1:], "/")
			res.Note = "only Docker Hub official images take library/; " + strings.Join(segs[1:len(segs)-1], "/") + "/ is a namespace"
		default:
			return res, nil
		}
		repo := joinPath(r.Prefix, rest)
		if err := ValidRepository(repo); err != nil {
			return Result{Input: res.Input, Output: res.Input}, &PathError{Ref: res.Input, Repository: repo, Err: err}
		}
		res.Status = Corrected
		res.Output = joinPath(t.registry, repo) + suffix
		return res, nil
	}
	res.Status = Unchanged
	res.Note = "already in " + t.registry + ", outside any pull-through cache prefix"
	return res, nil
}

func parse(ref string) (reference.Named, error) {
	if strings.TrimSpace(ref) != ref || ref == "" {
		return nil, errors.New("empty or surrounded by spaces")
	}
	if host, rest, ok := strings.Cut(ref, "/"); ok {
		switch strings.ToLower(host) {
		case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com":
			ref = "docker.io/" + rest // normalize adds library/ to official images
		}
	}
	return reference.ParseNormalizedNamed(ref)
}

// under reports whether path lies below prefix ("" matches everything).
func under(path, prefix string) (string, bool) {
	if prefix == "" {
		return path, true
	}
	rest, ok := strings.CutPrefix(path, prefix+"/")
	return rest, ok && rest != ""
}

func joinPath(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "/")
}
