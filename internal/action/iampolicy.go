package action

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/kamal-ecr/kamal-ecr/internal/iampolicy"
	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
	"github.com/kamal-ecr/kamal-ecr/internal/kamal"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// PolicyResult is the smallest IAM policy for a run with these inputs, and
// what the reader must know besides it.
type PolicyResult struct {
	Document iampolicy.Document
	Notices  []string
}

// IAMPolicy plans a run as a dry run would, writes nothing, and says which
// IAM permissions that run uses. It asks AWS only for what the config does
// not say: the account (STS) and, with pull-through-cache: auto, the rules.
func IAMPolicy(ctx context.Context, d Deps, in Inputs) (*PolicyResult, error) {
	in.DryRun, in.Check = true, false
	res := &Result{}
	cfg, err := kamal.Load(d.ReadFile, d.Getenv, in.ConfigFile, in.Destination)
	if err != nil {
		return nil, fromKamalDestination(in, err)
	}
	if kamalRefusals, actionRefusals := refusals(in, cfg, res); len(kamalRefusals)+len(actionRefusals) > 0 {
		return nil, errors.Join(append(kamalRefusals, actionRefusals...)...)
	}
	host, clients, err := resolveRegistry(ctx, d, in, cfg, res)
	if err != nil {
		return nil, err
	}
	if res.RegistryFrom == PlaceholderNoCredentials || res.RegistryFrom == PlaceholderForCheck {
		return nil, &InputError{Input: "registry", Msg: "registry.server is set by a later step and there are no AWS credentials to ask STS for the account: give the registry input",
			Also: []diag.Setting{{Name: "registry"}}}
	}
	plan, err := NewPlan(in, cfg, host)
	if err != nil {
		return nil, err
	}
	credentials := clients != nil && clients.HasCredentials
	rules := in.Rules
	if in.Discover {
		if !credentials {
			return nil, &InputError{Input: "pull-through-cache", Msg: "auto reads the registry's rules, which needs AWS credentials: run with credentials, or give the rules as upstream=prefix pairs (such as docker.io=docker-hub)"}
		}
		found, err := registry.Rules(ctx, clients.ECR, host)
		if err != nil {
			return nil, err
		}
		rules = ruleSet(found, plan)
	}
	translations, _, err := plan.Translate(in, cfg, rules, true)
	if err != nil {
		return nil, err
	}
	out := &PolicyResult{Document: iampolicy.Build(policyRequest(in, plan, translations))}
	if in.Settings.Encryption == types.EncryptionTypeKms && in.CreateRepositories && !iampolicy.IsARN(in.Settings.KMSKey) {
		out.Notices = append(out.Notices, fmt.Sprintf("kms-key %q is not a key ARN, which IAM needs: the policy allows any key of account %s in %s; give kms-key as the key's ARN to narrow it",
			cmp.Or(in.Settings.KMSKey, "(the AWS managed key)"), host.Account, host.Region))
	}
	if credentials {
		id, err := registry.Whoami(ctx, clients.STS)
		if err != nil {
			return nil, err
		}
		if id.Account != host.Account {
			out.Notices = append(out.Notices, fmt.Sprintf("the registry is in account %s and these credentials in %s: the repositories (or the registry) there also need a policy that allows %s the same actions",
				host.Account, id.Account, id.ARN))
		}
	}
	return out, nil
}

func policyRequest(in Inputs, plan *Plan, translations []Translation) iampolicy.Request {
	h := plan.Host
	r := iampolicy.Request{Partition: h.Partition(), Region: h.Region, Account: h.Account,
		Create: in.CreateRepositories, Tags: len(in.Settings.Tags) > 0, Discover: in.Discover,
		KMS: in.Settings.Encryption == types.EncryptionTypeKms}
	verify := in.VerifyImages && len(plan.Sources) > 0 // the pulls use the token Kamal's servers log in with
	r.Token = in.Login || verify
	if iampolicy.IsARN(in.Settings.KMSKey) {
		r.KMSKey = in.Settings.KMSKey
	}
	r.Kamal = append(r.Kamal, plan.AppRepo)
	if plan.CacheRepo != "" {
		r.Kamal = append(r.Kamal, plan.CacheRepo)
	}
	for _, repo := range plan.Repos {
		r.Repos = append(r.Repos, repo.Name)
		if repo.Lifecycle != nil {
			r.Lifecycle = append(r.Lifecycle, repo.Name)
		}
	}
	for _, t := range translations {
		if t.Rule != nil && t.Status != imageref.Unchanged && !slices.Contains(r.Prefixes, t.Rule.Prefix) {
			r.Prefixes = append(r.Prefixes, cmp.Or(t.Rule.Prefix, "*"))
		}
		// a failed pull tests only a rule read from the registry with stored
		// credentials: pull-through-cache pairs have none and are never tested
		if verify && in.Discover && t.Rule != nil && t.Rule.CredentialArn != "" && t.Status != imageref.Unchanged {
			r.Validate = true
		}
	}
	return r
}
