package registry

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// RepositoryAPI is the part of ECR that Ensure uses; *ecr.Client satisfies it.
type RepositoryAPI interface {
	CreateRepository(context.Context, *ecr.CreateRepositoryInput, ...func(*ecr.Options)) (*ecr.CreateRepositoryOutput, error)
	DescribeRepositories(context.Context, *ecr.DescribeRepositoriesInput, ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error)
	GetLifecyclePolicy(context.Context, *ecr.GetLifecyclePolicyInput, ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyOutput, error)
	PutLifecyclePolicy(context.Context, *ecr.PutLifecyclePolicyInput, ...func(*ecr.Options)) (*ecr.PutLifecyclePolicyOutput, error)
}

var _ RepositoryAPI = (*ecr.Client)(nil)

// Settings apply to the repositories Ensure creates.
type Settings struct {
	Mutability types.ImageTagMutability // MUTABLE or IMMUTABLE_WITH_EXCLUSION
	ScanOnPush bool
	Encryption types.EncryptionType
	KMSKey     string
	Tags       []types.Tag
}

// Repo is a repository to ensure.
type Repo struct {
	Name        string
	Role        string     // app, cache or extra: for reports
	Lifecycle   *Lifecycle // the policy to ensure; nil for none
	MutableTags []string   // tags Kamal overwrites on every deploy
}

// Policy says what happened to a repository's lifecycle policy.
type Policy string

const (
	PolicyNone        Policy = ""
	PolicyPut         Policy = "put"                              // this run put ours
	PolicyWouldPut    Policy = "would put"                        // dry run
	PolicySame        Policy = "already set"                      // the repository has ours
	PolicyUpdated     Policy = "updated"                          // it had an older one of ours
	PolicyWouldUpdate Policy = "would update"                     // dry run
	PolicyKept        Policy = "kept the repository's own policy" // the user's policy, never overwritten
)

// Status is what Ensure found or did for one repository.
type Status struct {
	Repo
	URI        string
	Checked    bool  // AWS answered about this repository
	Err        error // the call about this repository failed
	Created    bool  // created by this run
	Missing    bool  // does not exist (dry run, or not to be created)
	Mutability types.ImageTagMutability
	Filters    []string
	ScanOnPush bool
	Encryption types.EncryptionType
	Policy     Policy
	PolicyErr  error // reading or putting the lifecycle policy failed
}

// ImmutableError is a repository whose tag rules break Kamal's deploys.
type ImmutableError struct {
	Repo, Tag  string
	Mutability types.ImageTagMutability
}

func (e *ImmutableError) Error() string {
	return fmt.Sprintf("ECR repository %s is %s, but Kamal overwrites the tag %q on every deploy: set it to MUTABLE, or to IMMUTABLE_WITH_EXCLUSION with a wildcard filter %q",
		e.Repo, e.Mutability, e.Tag, filterFor(e.Tag))
}

// Ensurer ensures repositories in one registry.
type Ensurer struct {
	API      RepositoryAPI
	Host     Host
	Settings Settings
	Parallel int // calls in flight at once; 0 means 32, enough for one round of any real config
}

// Ensure creates missing repositories (an existing one counts as success, so
// concurrent runs do not race), checks the settings of existing ones, and
// puts the lifecycle policy on those that ask for one. Independent calls run
// in parallel: at most three sequential rounds of calls, whatever the count.
func (e *Ensurer) Ensure(ctx context.Context, repos []Repo) ([]Status, error) {
	out, err := e.statuses(repos)
	if err != nil {
		return nil, err
	}
	var existing []int
	var mu sync.Mutex
	err = e.each(ctx, len(repos), func(ctx context.Context, i int) error {
		created, err := e.create(ctx, repos[i])
		if err != nil {
			if ctx.Err() == nil { // a call cancelled because a sibling failed was never answered
				out[i].Err = err
			}
			return err
		}
		out[i].Checked = true
		if created == nil {
			mu.Lock()
			existing = append(existing, i)
			mu.Unlock()
			return nil
		}
		out[i].Created = true
		e.record(&out[i], *created)
		return nil
	})
	if err != nil {
		return out, err
	}
	slices.Sort(existing)
	// Round two: describe the existing ones in one call, and look at or put
	// lifecycle policies.
	var tasks []func(context.Context) error
	if len(existing) > 0 {
		tasks = append(tasks, func(ctx context.Context) error { return e.describe(ctx, out, existing) })
	}
	for i := range out {
		if out[i].Lifecycle != nil {
			tasks = append(tasks, func(ctx context.Context) error { return e.lifecycle(ctx, &out[i]) })
		}
	}
	if err := e.each(ctx, len(tasks), func(ctx context.Context, i int) error { return tasks[i](ctx) }); err != nil {
		return out, err
	}
	return out, mutabilityProblems(out)
}

func (e *Ensurer) create(ctx context.Context, r Repo) (*types.Repository, error) {
	s := e.Settings
	in := &ecr.CreateRepositoryInput{
		RepositoryName:             aws.String(r.Name),
		RegistryId:                 aws.String(e.Host.Account),
		ImageTagMutability:         s.Mutability,
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: s.ScanOnPush},
		Tags:                       s.Tags,
	}
	if s.Encryption != "" {
		in.EncryptionConfiguration = &types.EncryptionConfiguration{EncryptionType: s.Encryption}
		if s.KMSKey != "" {
			in.EncryptionConfiguration.KmsKey = aws.String(s.KMSKey)
		}
	}
	if s.Mutability == types.ImageTagMutabilityImmutableWithExclusion {
		for _, f := range Filters(r.MutableTags) {
			in.ImageTagMutabilityExclusionFilters = append(in.ImageTagMutabilityExclusionFilters,
				types.ImageTagMutabilityExclusionFilter{Filter: aws.String(f), FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard})
		}
	}
	res, err := e.API.CreateRepository(ctx, in)
	var exists *types.RepositoryAlreadyExistsException
	if errors.As(err, &exists) {
		return nil, nil
	}
	if err != nil {
		return nil, explain(err, "CreateRepository", e.Host.ARN(r.Name))
	}
	if res.Repository == nil {
		return nil, fmt.Errorf("ecr:CreateRepository on %s: empty answer", r.Name)
	}
	return res.Repository, nil
}

func (e *Ensurer) describe(ctx context.Context, out []Status, idx []int) error {
	byName := map[string]int{}
	for _, i := range idx {
		byName[out[i].Name] = i
	}
	for chunk := range slices.Chunk(idx, 100) {
		names := make([]string, len(chunk))
		for j, i := range chunk {
			names[j] = out[i].Name
		}
		res, err := e.API.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RegistryId: aws.String(e.Host.Account), RepositoryNames: names})
		if err != nil {
			err = explain(err, "DescribeRepositories", e.Host.ARN(names[0]))
			for _, i := range chunk {
				out[i].Err = err
			}
			return err
		}
		for _, r := range res.Repositories {
			if i, ok := byName[aws.ToString(r.RepositoryName)]; ok {
				e.record(&out[i], r)
			}
		}
	}
	return nil
}

func (e *Ensurer) record(s *Status, r types.Repository) {
	s.Mutability = r.ImageTagMutability
	s.Filters = nil
	for _, f := range r.ImageTagMutabilityExclusionFilters {
		s.Filters = append(s.Filters, aws.ToString(f.Filter))
	}
	if r.ImageScanningConfiguration != nil {
		s.ScanOnPush = r.ImageScanningConfiguration.ScanOnPush
	}
	if r.EncryptionConfiguration != nil {
		s.Encryption = r.EncryptionConfiguration.EncryptionType
	}
}

// lifecycle puts the policy on a repository that has none, or an older one
// of the action's own. A created repository has none, so it skips the read.
func (e *Ensurer) lifecycle(ctx context.Context, s *Status) error {
	done := PolicyPut
	if !s.Created {
		p, err := e.currentPolicy(ctx, s)
		if err != nil && ctx.Err() == nil {
			s.PolicyErr = err
		}
		if err != nil || p != PolicyNone && p != PolicyWouldUpdate {
			s.Policy = p
			return err
		}
		if p == PolicyWouldUpdate {
			done = PolicyUpdated
		}
	}
	_, err := e.API.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RegistryId: aws.String(e.Host.Account), RepositoryName: aws.String(s.Name),
		LifecyclePolicyText: aws.String(s.Lifecycle.Text)})
	if err != nil {
		err = explain(err, "PutLifecyclePolicy", e.Host.ARN(s.Name))
		if ctx.Err() == nil {
			s.PolicyErr = err
		}
		return err
	}
	s.Policy = done
	return nil
}

// currentPolicy compares an existing repository's policy with ours:
// PolicyNone when it has none, PolicyWouldUpdate when it has an older one
// of ours, PolicyKept when it has the user's.
func (e *Ensurer) currentPolicy(ctx context.Context, s *Status) (Policy, error) {
	res, err := e.API.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RegistryId: aws.String(e.Host.Account), RepositoryName: aws.String(s.Name)})
	var none *types.LifecyclePolicyNotFoundException
	switch {
	case errors.As(err, &none):
		return PolicyNone, nil
	case err != nil:
		return PolicyNone, explain(err, "GetLifecyclePolicy", e.Host.ARN(s.Name))
	case samePolicy(aws.ToString(res.LifecyclePolicyText), s.Lifecycle.Text):
		return PolicySame, nil
	case ours(aws.ToString(res.LifecyclePolicyText)):
		return PolicyWouldUpdate, nil
	}
	return PolicyKept, nil
}

// Inspect is Ensure for a dry run: it only reads.
func (e *Ensurer) Inspect(ctx context.Context, repos []Repo) ([]Status, error) {
	out, err := e.statuses(repos)
	if err != nil {
		return nil, err
	}
	err = e.each(ctx, len(repos), func(ctx context.Context, i int) error {
		s := &out[i]
		res, err := e.API.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RegistryId: aws.String(e.Host.Account), RepositoryNames: []string{s.Name}})
		var nf *types.RepositoryNotFoundException
		switch {
		case errors.As(err, &nf):
			s.Checked, s.Missing = true, true
			s.Mutability, s.ScanOnPush, s.Encryption = e.Settings.Mutability, e.Settings.ScanOnPush, e.Settings.Encryption
			if s.Lifecycle != nil {
				s.Policy = PolicyWouldPut
			}
			return nil
		case err != nil:
			err = explain(err, "DescribeRepositories", e.Host.ARN(s.Name))
			if ctx.Err() == nil {
				s.Err = err
			}
			return err
		}
		s.Checked = true
		for _, r := range res.Repositories {
			e.record(s, r)
		}
		if s.Lifecycle == nil {
			return nil
		}
		s.Policy, err = e.currentPolicy(ctx, s)
		switch {
		case err != nil && ctx.Err() == nil:
			s.PolicyErr = err
		case err == nil && s.Policy == PolicyNone:
			s.Policy = PolicyWouldPut
		}
		return err
	})
	if err != nil {
		return out, err
	}
	return out, mutabilityProblems(out)
}

// statuses validates every name before any call.
func (e *Ensurer) statuses(repos []Repo) ([]Status, error) {
	out := make([]Status, len(repos))
	for i, r := range repos {
		if err := ValidateName(r.Name); err != nil {
			return nil, err
		}
		out[i] = Status{Repo: r, URI: e.Host.URI(r.Name)}
	}
	return out, nil
}

// each runs fn for 0..n-1 with at most e.Parallel in flight, stopping the
// rest at the first error.
func (e *Ensurer) each(ctx context.Context, n int, fn func(context.Context, int) error) error {
	limit := e.Parallel
	if limit <= 0 {
		limit = 32
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(ctx, i); err != nil {
				mu.Lock()
				defer mu.Unlock()
				if len(errs) > 0 && errors.Is(err, context.Canceled) {
					return // cancelled because a sibling failed: its error says why
				}
				errs = append(errs, err)
				cancel(err)
			}
		})
	}
	wg.Wait()
	if len(errs) == 0 && ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return errors.Join(errs...)
}

// Filters are the exclusion filters that keep Kamal's moving tags mutable.
func Filters(tags []string) []string {
	var out []string
	for _, t := range tags {
		if f := filterFor(t); !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func filterFor(tag string) string {
	if strings.HasPrefix(tag, "latest") {
		return "latest*"
	}
	return tag
}

// mutabilityProblems reports every existing repository whose tag rules
// would refuse one of Kamal's moving tags.
func mutabilityProblems(statuses []Status) error {
	var problems []error
	for _, s := range statuses {
		if err := mutabilityProblem(s); err != nil && !s.Missing {
			problems = append(problems, err)
		}
	}
	return errors.Join(problems...)
}

func mutabilityProblem(s Status) error {
	for _, tag := range s.MutableTags {
		matched := slices.ContainsFunc(s.Filters, func(f string) bool { return wildcard(f, tag) })
		switch s.Mutability {
		case types.ImageTagMutabilityImmutable:
		case types.ImageTagMutabilityImmutableWithExclusion:
			if matched {
				continue
			}
		case types.ImageTagMutabilityMutableWithExclusion:
			if !matched {
				continue
			}
		default:
			continue
		}
		return &ImmutableError{Repo: s.Name, Tag: tag, Mutability: s.Mutability}
	}
	return nil
}

func wildcard(pattern, s string) bool {
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*") + "$"
	ok, _ := regexp.MatchString(re, s)
	return ok
}
