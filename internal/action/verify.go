package action

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
	"github.com/kamal-ecr/kamal-ecr/internal/manifest"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// Pull is what the registry answered when an image was verified.
type Pull struct {
	Digest     string // sha256:…, when it pulls
	Problem    string // short, for the summary's cell, when it does not or got no answer
	Unanswered bool   // a timeout or a 5xx: not proven either way
}

// PullDeniedError is a pull the registry refused. It is said at the image's
// line, but the role or the rule's credentials must change, not the config:
// it is not a *diag.Finding, so the exit status is 1, not 2.
type PullDeniedError struct{ Finding *diag.Finding }

func (e *PullDeniedError) Error() string { return e.Finding.Error() }

// loginToken is the registry login fetched with the other AWS calls.
type loginToken struct {
	user, password string
	err            error
}

// verifyTargets are the translations whose path is pulled from this
// registry and that the action reports or writes: cache paths of the images
// input, accessories' paths in this registry (their cache paths, or their
// own registry when it is this one), and kamal-proxy when proxy.run names
// this registry. An image left on Docker Hub does not go through the cache.
func verifyTargets(host string, ts []Translation) []int {
	var out []int
	for i, t := range ts {
		inRegistry := strings.HasPrefix(t.Output, host+"/")
		switch t.From {
		case "images input":
			inRegistry = inRegistry && t.Status != imageref.Unchanged
		case "kamal-proxy":
			inRegistry = inRegistry && strings.HasPrefix(t.Ref, host+"/")
		}
		if inRegistry {
			out = append(out, i)
		}
	}
	return out
}

// pullRef splits host/repository[:tag][@digest] for the registry API; a
// digest wins over a tag, as in docker pull.
func pullRef(host, path string) manifest.Ref {
	rest := strings.TrimPrefix(path, host+"/")
	if name, digest, ok := strings.Cut(rest, "@"); ok {
		name, _ = splitTag(name)
		return manifest.Ref{Repository: name, Reference: digest}
	}
	name, tag := splitTag(rest)
	return manifest.Ref{Repository: name, Reference: tag}
}

// verifyImages proves that every target pulls, all at once, with the token
// Kamal's servers log in with. Timeouts and 5xx answers warn; the other
// failures are returned, each at its image's line.
func verifyImages(ctx context.Context, d Deps, plan *Plan, clients *registry.Clients, tok loginToken, res *Result) error {
	targets := verifyTargets(plan.Host.Name, res.Translations)
	if len(targets) == 0 {
		return nil
	}
	if tok.err != nil || tok.password == "" {
		msg := "images were not verified: the registry login token could not be fetched"
		var denied *registry.AccessDeniedError
		if errors.As(tok.err, &denied) {
			msg = "images were not verified: ecr:GetAuthorizationToken was denied"
		} else if tok.err != nil {
			msg += ": " + tok.err.Error()
		}
		plan.noteSet(diag.Warning, diag.Pos{}, "ecr/pull-no-token", msg, "allow ecr:GetAuthorizationToken on * (Kamal's servers log in with its token too), or set verify-images: false", "verify-images", "false")
		return nil
	}
	byPath := map[string]int{}
	var refs []manifest.Ref
	for _, i := range targets {
		if _, ok := byPath[res.Translations[i].Output]; !ok {
			byPath[res.Translations[i].Output] = len(refs)
			refs = append(refs, pullRef(plan.Host.Name, res.Translations[i].Output))
		}
	}
	c := &manifest.Checker{Client: d.HTTP, Host: plan.Host.Name, User: tok.user, Password: tok.password}
	results := c.Check(ctx, refs)
	checks := ruleChecks(ctx, clients, plan.Host, res.Translations, targets, byPath, results)
	var errs []error
	for _, i := range targets {
		t := &res.Translations[i]
		r := results[byPath[t.Output]]
		t.Pull = &Pull{Digest: r.Digest}
		if r.Err == nil {
			continue
		}
		var rc *manifest.RuleCheck
		if t.Rule != nil {
			rc = checks[t.Rule.Prefix]
		}
		f, denied := explainPull(plan.Host, *t, r, rc)
		t.Pull.Problem = pullProblem(r.Err)
		switch {
		case f.Severity != diag.Error:
			t.Pull.Unanswered = true
			plan.Findings = append(plan.Findings, f)
		case denied:
			errs = append(errs, &PullDeniedError{Finding: f})
		default:
			errs = append(errs, f)
		}
	}
	return errors.Join(errs...)
}

// ruleChecks asks ValidatePullThroughCacheRule, once per prefix, about the
// rules with stored credentials whose paths were refused or not found.
func ruleChecks(ctx context.Context, clients *registry.Clients, host registry.Host, ts []Translation, targets []int, byPath map[string]int, results []manifest.Result) map[string]*manifest.RuleCheck {
	out := map[string]*manifest.RuleCheck{}
	for _, i := range targets {
		t := ts[i]
		var re *manifest.Error
		if t.Rule == nil || t.Rule.CredentialArn == "" || clients == nil || !errors.As(results[byPath[t.Output]].Err, &re) || re.Kind() == manifest.Other {
			continue
		}
		if _, ok := out[t.Rule.Prefix]; !ok {
			out[t.Rule.Prefix] = nil
		}
	}
	type answer struct {
		prefix string
		check  manifest.RuleCheck
	}
	ch := make(chan answer, len(out))
	for prefix := range out {
		go func() { ch <- answer{prefix, manifest.ValidateRule(ctx, clients.ECR, host.Account, prefix)} }()
	}
	for range len(out) {
		a := <-ch
		out[a.prefix] = &a.check
	}
	return out
}

// pullProblem is the summary's short word for a failure.
func pullProblem(err error) string {
	var re *manifest.Error
	var ue *manifest.UnavailableError
	switch {
	case errors.As(err, &re) && re.Code != "":
		return re.Code
	case errors.As(err, &re):
		return fmt.Sprintf("HTTP %d", re.Status)
	case errors.As(err, &ue) && ue.Timeout:
		return "no answer in time"
	case errors.As(err, &ue) && ue.Status != 0:
		return fmt.Sprintf("HTTP %d", ue.Status)
	}
	return "unreachable"
}
