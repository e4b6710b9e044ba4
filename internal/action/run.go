package action

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
	"github.com/kamal-ecr/kamal-ecr/internal/kamal"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// Deps are the action's ways to the outside world.
type Deps struct {
	ReadFile  kamal.ReadFunc                       // config files, by path relative to the workspace
	WriteFile func(name string, data []byte) error // atomic, keeping owner and mode
	Getenv    func(string) string                  // ERB, AWS credentials and endpoints
	Mask      func(secret string)                  // called before a secret can be printed
	Clients   func(ctx context.Context, region string, h *registry.Host) (*registry.Clients, error)
	HTTP      *http.Client // the registry API; nil: http.DefaultClient (HTTPS_PROXY, SSL_CERT_FILE)
}

// Run does the whole job. It always returns a Result with what it found,
// and writes the config only after everything else has succeeded.
func Run(ctx context.Context, d Deps, in Inputs) (res *Result, err error) {
	res = &Result{}
	defer func() { sortFindings(res.Findings) }() // last: after every finding is in
	res.Findings = append(res.Findings, in.Notes...)
	cfg, refused, err := load(d, in, res)
	if err != nil {
		return res, err
	}
	if refused != nil { // a check goes on to show the diff too
		defer func() { err = errors.Join(refused, err) }()
	}
	if in.Login {
		findings, err := checkSecrets(d, in, cfg)
		res.Findings = append(res.Findings, findings...)
		if err != nil {
			return res, err
		}
	}

	host, clients, err := resolveRegistry(ctx, d, in, cfg, res)
	if err != nil {
		return res, err
	}
	res.Registry = host.Name
	plan, err := NewPlan(in, cfg, host)
	if err != nil {
		return res, err
	}
	res.Plan = plan
	res.Image = host.URI(plan.AppRepo)
	if plan.CacheRepo != "" {
		res.CacheImage = host.URI(plan.CacheRepo)
	}
	defer func() {
		res.Findings = append(res.Findings, plan.Findings...)
		var ce *CheckError
		if (err == nil || errors.As(err, &ce)) && (res.Patched || in.DryRun) { // edits are reported once they happened
			res.Findings = append(res.Findings, plan.ChangeNotes(in.DryRun)...)
		}
	}()

	rules, known, err := act(ctx, d, in, plan, clients, res)
	if err != nil {
		return res, err
	}
	res.Rules = rules
	translations, rewrites, err := plan.Translate(in, cfg, rules, known)
	res.Translations = translations
	if err != nil {
		return res, err
	}

	return res, finish(ctx, d, in, cfg, plan, clients, rewrites, res)
}

// finish applies the edits in memory, then, in order: a check or a hook
// fails on a change, a dry run stops, the images are verified, and only then
// is the config written.
func finish(ctx context.Context, d Deps, in Inputs, cfg *kamal.Config, plan *Plan, clients *registry.Clients, rewrites []*kamal.Edit, res *Result) error {
	edits := rewrites
	if plan.CacheEdit != nil {
		edits = append([]*kamal.Edit{plan.CacheEdit}, rewrites...)
	}
	files, err := applyEdits(cfg, edits, res)
	if err != nil {
		return err
	}
	if in.Check && len(edits) > 0 {
		return &CheckError{Files: res.ChangedFiles(), At: firstEdit(cfg, edits)}
	}
	if in.DryRun {
		return nil
	}
	if in.VerifyImages { // last, before the write: a path that does not pull is never written
		if err := verifyImages(ctx, d, plan, clients, res.token, res); err != nil {
			return err
		}
	}
	if len(edits) == 0 {
		return nil
	}
	if in.Hook != nil { // Kamal has read the config: a change now would not reach this build
		return &HookError{Files: res.ChangedFiles(), At: firstEdit(cfg, edits), Command: in.Hook.Command}
	}
	if ctx.Err() != nil { // stopped: write nothing
		return context.Cause(ctx)
	}
	return write(d, cfg, files, res)
}

// write writes the changed files, base first, all or nothing.
func write(d Deps, cfg *kamal.Config, files map[string][]byte, res *Result) error {
	var written []*kamal.File
	for _, f := range cfg.Files { // base first, so the order is stable
		b, ok := files[f.Path]
		if !ok {
			continue
		}
		if err := d.WriteFile(f.Path, b); err != nil {
			for _, w := range written { // all or nothing: put back what was written
				if rerr := d.WriteFile(w.Path, w.Src); rerr != nil {
					res.Unrestored = w.Path
					return fmt.Errorf("write %s: %w; restoring %s also failed: %v", f.Path, err, w.Path, rerr)
				}
			}
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
		written = append(written, f)
	}
	res.Patched = true
	return nil
}

// Undo puts back the files a run wrote, for when what follows the write
// (the step outputs) fails: on any failure the config is as it was.
func Undo(d Deps, res *Result) error {
	if !res.Patched {
		return nil
	}
	for _, c := range res.Changes {
		if err := d.WriteFile(c.Path, c.Before); err != nil {
			res.Unrestored = c.Path
			return fmt.Errorf("put back %s: %w", c.Path, err)
		}
	}
	res.Patched = false
	return nil
}

// act runs the AWS side: ensure (or inspect) the repositories, read the
// pull-through rules and fetch the login token, all at once. known says
// whether the rules are what the registry has (or what the input gave).
func act(ctx context.Context, d Deps, in Inputs, plan *Plan, clients *registry.Clients, res *Result) (rules []imageref.Rule, known bool, err error) {
	rules = in.Rules
	switch {
	case in.Discover:
		res.RulesFrom = RulesFromRegistry
	case len(rules) > 0:
		res.RulesFrom = RulesFromInput
	default:
		res.RulesFrom = RulesOff
	}
	reach := clients != nil && (!in.DryRun || clients.HasCredentials)
	if !reach {
		res.Repos = planned(plan, in)
		if in.Discover {
			res.RulesFrom = RulesNotRead
			why := "a dry run without AWS credentials asks AWS nothing"
			if in.Check {
				why = "a check asks AWS nothing"
			}
			fix := "give the rules in the pull-through-cache input (such as docker.io=docker-hub), or run with AWS credentials"
			if in.Check {
				fix = "give the rules in the pull-through-cache input, such as docker.io=docker-hub"
			}
			plan.Findings = append(plan.Findings, &diag.Finding{Severity: diag.Notice, Code: "pull-through/rules-not-read",
				Msg: "the pull-through cache rules were not read: " + why, Fix: fix, Inputs: []diag.Setting{pullThrough}})
		}
		return rules, !in.Discover, missingRepos(in, res.Repos)
	}
	res.Checked = true
	e := &registry.Ensurer{API: clients.ECR, Host: plan.Host, Settings: in.Settings, NoCreate: !in.CreateRepositories}
	var wg sync.WaitGroup
	var ensureErr, rulesErr, loginErr error
	wg.Go(func() { // every first-round call of every part goes out at once
		if in.DryRun {
			res.Repos, ensureErr = e.Inspect(ctx, plan.Repos)
			return
		}
		res.Repos, ensureErr = e.Ensure(ctx, plan.Repos)
	})
	var found []registry.Rule
	if in.Discover {
		wg.Go(func() { found, rulesErr = registry.Rules(ctx, clients.ECR, plan.Host) })
	}
	if d.Getenv("GITHUB_ACTIONS") != "true" { // a laptop has several identities: say which one this was
		wg.Go(func() {
			if id, err := registry.Whoami(ctx, clients.STS); err == nil {
				res.Identity = &id
			}
		})
	}
	verify := in.VerifyImages && len(plan.Sources) > 0 // the pulls use the token Kamal's servers log in with
	if (in.Login || verify) && !in.DryRun {
		wg.Go(func() {
			user, pass, err := registry.Login(ctx, clients.ECR, plan.Host)
			d.Mask(pass)
			res.token = loginToken{user: user, password: pass, err: err}
			if in.Login {
				res.Username, res.Password, loginErr = user, pass, err
			}
		})
	}
	wg.Wait()
	known = true
	if in.Discover && rulesErr == nil {
		rules = ruleSet(found, plan)
	}
	if rulesErr != nil {
		res.RulesFrom, known = RulesNotRead, false
		plan.Findings = append(plan.Findings, &diag.Finding{Severity: diag.Warning, Code: "ecr/rules-not-read",
			Msg: "the pull-through cache rules were not read, so no image was translated: " + reason(rulesErr), Fix: rulesFix(ctx, rulesErr, d.Getenv("GITHUB_ACTIONS") == "true"),
			Inputs: []diag.Setting{pullThrough, {Name: "pull-through-cache", Value: "off"}}})
	}
	repoNotes(plan, in, res.Repos)
	ensureErr = atRepos(plan, ensureErr)
	if ensureErr == nil {
		ensureErr = missingRepos(in, res.Repos)
	}
	return rules, known, errors.Join(ensureErr, loginErr)
}

// missingRepos fails for repositories that do not exist and may not be
// created: Kamal's push would fail. A dry run predicts the same.
func missingRepos(in Inputs, repos []registry.Status) error {
	if in.CreateRepositories {
		return nil
	}
	var errs []error
	for _, s := range repos {
		if s.Missing {
			errs = append(errs, &diag.Finding{Severity: diag.Error, Code: "aws/repository-missing",
				Msg:    fmt.Sprintf("ECR repository %s does not exist and create-repositories: false does not create it, so Kamal's push would fail", s.Name),
				Fix:    "create it, or set create-repositories: true",
				Inputs: []diag.Setting{{Name: "create-repositories", Value: "false"}, {Name: "create-repositories", Value: "true"}}})
		}
	}
	return errors.Join(errs...)
}

// rulesFix says what to do about rules that could not be read, by cause:
// only a refusal is about IAM.
func rulesFix(ctx context.Context, err error, inActions bool) string {
	var denied *registry.AccessDeniedError
	var creds *registry.CredentialsError
	switch {
	case errors.As(err, &denied):
		return `allow ecr:DescribePullThroughCacheRules on Resource: "*" (the action takes no repository ARN), list the rules in the pull-through-cache input, or set pull-through-cache: off`
	case errors.As(err, &creds):
		return registry.CredentialsFix(inActions) + "; or list the rules in the pull-through-cache input"
	case ctx.Err() != nil:
		return "the run was stopped or timed out before the rules arrived; run it again, or list the rules in the pull-through-cache input"
	}
	return "check that the runner reaches the ECR endpoint (DNS, network, AWS_ENDPOINT_URL_ECR), or list the rules in the pull-through-cache input"
}

// reason is err's message, without the fix a credentials error carries:
// the finding's fix says it, for where the run is.
func reason(err error) string {
	var creds *registry.CredentialsError
	if errors.As(err, &creds) {
		return creds.Reason()
	}
	return err.Error()
}

// pullThrough is the input that lists pull-through cache rules.
var pullThrough = diag.Setting{Name: "pull-through-cache"}

// planned is the repositories' status when AWS is not asked.
func planned(plan *Plan, in Inputs) []registry.Status {
	out := make([]registry.Status, len(plan.Repos))
	for i, r := range plan.Repos {
		out[i] = registry.Status{Repo: r, URI: plan.Host.URI(r.Name), Mutability: in.Settings.Mutability,
			ScanOnPush: in.Settings.ScanOnPush, Encryption: in.Settings.Encryption}
		if r.Lifecycle != nil {
			out[i].Policy = registry.PolicyWouldPut
		}
	}
	return out
}

// load reads the config and masks its secrets before any can be printed.
// Refusals stop the run, except Kamal's in a check, returned as refused.
func load(d Deps, in Inputs, res *Result) (cfg *kamal.Config, refused, err error) {
	cfg, err = kamal.Load(d.ReadFile, d.Getenv, in.ConfigFile, in.Destination)
	if err != nil {
		return nil, nil, fromKamalDestination(in, err)
	}
	for _, f := range cfg.Files {
		res.Files = append(res.Files, f.Path)
	}
	for _, v := range cfg.SecretValues() {
		d.Mask(v)
	}
	kamalRefusals, actionRefusals := refusals(in, cfg, res)
	if len(actionRefusals) > 0 || len(kamalRefusals) > 0 && !in.Check {
		return nil, nil, errors.Join(append(kamalRefusals, actionRefusals...)...)
	}
	return cfg, errors.Join(kamalRefusals...), nil
}

// applyEdits makes the edited files in memory, and records the changes.
func applyEdits(cfg *kamal.Config, edits []*kamal.Edit, res *Result) (map[string][]byte, error) {
	if len(edits) == 0 {
		return nil, nil
	}
	files, err := cfg.Apply(edits)
	if err != nil {
		return nil, fmt.Errorf("internal error, config left unchanged: %w", err)
	}
	res.Edits = edits
	res.ConfigFile = edits[0].File // the cache edit's file when there is one
	for _, f := range cfg.Files {
		if after, ok := files[f.Path]; ok {
			res.Changes = append(res.Changes, FileChange{Path: f.Path, Before: f.Src, After: after})
		}
	}
	return files, nil
}

// sortFindings puts findings in file order (file, line, column, code), so
// every report of one config reads the same, however the calls interleaved.
func sortFindings(fs []*diag.Finding) {
	slices.SortStableFunc(fs, func(a, b *diag.Finding) int {
		return cmp.Or(cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col), cmp.Compare(a.Code, b.Code))
	})
}

// firstEdit is where the first change of the config is, in file order: a
// failing check's error is shown there.
func firstEdit(cfg *kamal.Config, edits []*kamal.Edit) diag.Pos {
	order := map[string]int{}
	for i, f := range cfg.Files {
		order[f.Path] = i
	}
	first := slices.MinFunc(edits, func(a, b *kamal.Edit) int {
		return cmp.Or(cmp.Compare(order[a.File], order[b.File]), cmp.Compare(a.Line, b.Line))
	})
	return diag.Pos{File: first.File, Line: first.Line}
}
