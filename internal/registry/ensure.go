package registry

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// RepositoryAPI is the part of ECR that Ensure uses; *ecr.Client satisfies it.
type RepositoryAPI interface {
	CreateRepository(context.Context, *ecr.CreateRepositoryInput, ...func(*ecr.Options)) (*ecr.CreateRepositoryOutput, error)
	DescribeRepositories(context.Context, *ecr.DescribeRepositoriesInput, ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error)
	BatchCheckLayerAvailability(context.Context, *ecr.BatchCheckLayerAvailabilityInput, ...func(*ecr.Options)) (*ecr.BatchCheckLayerAvailabilityOutput, error)
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
	PolicyPut         Policy = "put"                                   // this run put ours
	PolicyWouldPut    Policy = "would put"                             // dry run
	PolicySame        Policy = "already set"                           // the repository has ours
	PolicyUpdated     Policy = "updated"                               // it had an older one of ours
	PolicyWouldUpdate Policy = "would update"                          // dry run
	PolicyKept        Policy = "kept the repository's own policy"      // the user's policy, never overwritten
	PolicyDenied      Policy = "not set: access denied"                // reading or putting it was denied: a warning
	PolicyNotPut      Policy = "not put: create-repositories is false" // repositories managed elsewhere
	PolicyFailed      Policy = "not set"                               // another failure: a warning
)

// Status is what Ensure found or did for one repository.
type Status struct {
	Repo
	URI        string
	Checked    bool  // AWS said whether it exists
	Err        error // what Kamal needs failed for this repository
	Created    bool  // created by this run
	Missing    bool  // does not exist (dry run, or not to be created)
	Mutability types.ImageTagMutability
	Filters    []string
	ScanOnPush bool
	Encryption types.EncryptionType
	KMSKey     string
	Policy     Policy
	PolicyErr  error // reading or putting the lifecycle policy failed: a warning

	CreateDenied   bool     // the role may not create repositories
	SettingsUnread bool     // it exists, but its settings could not be read (no ecr:DescribeRepositories)
	Unchecked      error    // no call could tell whether it exists: a warning
	TagsDropped    error    // created without the tags: ecr:TagResource was denied
	Drift          []string // settings that differ from the inputs (set only at creation)
}

// Ensurer ensures repositories in one registry.
type Ensurer struct {
	API      RepositoryAPI
	Host     Host
	Settings Settings
	// NoCreate is create-repositories: false: the repositories are managed
	// elsewhere, so only their existence and settings are read.
	NoCreate bool
	Parallel int // repositories in flight at once; 0 means 32
}

// Ensure creates missing repositories (an existing one counts as success, so
// concurrent runs do not race), checks the settings of existing ones, and
// puts the lifecycle policy on those that ask for one. The first round sends
// every call that does not depend on another's answer; a second puts the
// policies; a denial may add one for the fallbacks. Every repository gets
// its own answer: one failing never cancels another.
func (e *Ensurer) Ensure(ctx context.Context, repos []Repo) ([]Status, error) {
	return e.run(ctx, repos, false)
}

// Inspect is Ensure for a dry run: it only reads.
func (e *Ensurer) Inspect(ctx context.Context, repos []Repo) ([]Status, error) {
	return e.run(ctx, repos, true)
}

// probe is the first round's answers about one repository.
type probe struct {
	created   *types.Repository
	exists    bool // CreateRepository: it already exists
	createErr error
	described *types.Repository
	notFound  bool // DescribeRepositories: no such repository
	descErr   error
	policy    Policy
	policyErr error
}

func (e *Ensurer) run(ctx context.Context, repos []Repo, dry bool) ([]Status, error) {
	out, err := e.statuses(repos)
	if err != nil {
		return nil, err
	}
	create := !dry && !e.NoCreate
	e.each(ctx, len(repos), func(ctx context.Context, i int) {
		var p probe
		var wg sync.WaitGroup
		if create {
			wg.Go(func() { p.created, p.exists, p.createErr = e.create(ctx, repos[i], e.Settings.Tags) })
		}
		wg.Go(func() { p.described, p.notFound, p.descErr = e.describe(ctx, repos[i].Name) })
		if !e.NoCreate && repos[i].Lifecycle != nil {
			wg.Go(func() { p.policy, p.policyErr = e.currentPolicy(ctx, repos[i]) })
		}
		wg.Wait()
		e.settle(ctx, &out[i], &p, dry)
	})
	var errs []error
	for _, s := range out {
		if s.Err != nil {
			errs = append(errs, s.Err)
		} else if err := mutabilityProblem(s); err != nil && !s.Missing {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// settle turns the first round's answers into the repository's status,
// making the calls that depend on them.
func (e *Ensurer) settle(ctx context.Context, s *Status, p *probe, dry bool) {
	if len(e.Settings.Tags) > 0 && tagDenied(p.createErr) {
		s.TagsDropped = p.createErr
		p.created, p.exists, p.createErr = e.create(ctx, s.Repo, nil)
	}
	var denied *AccessDeniedError
	switch {
	case p.created != nil:
		s.Checked, s.Created = true, true
		e.record(s, *p.created)
		if s.Lifecycle != nil {
			e.put(ctx, s, PolicyPut)
		}
		return
	case p.createErr != nil && !errors.As(p.createErr, &denied):
		s.Err = p.createErr
		return
	case p.createErr != nil:
		s.CreateDenied = true
	}
	if !e.exists(ctx, s, p) {
		return
	}
	switch {
	case s.Missing && s.CreateDenied:
		s.Err = &MissingError{Repo: s.Name, ARN: e.Host.ARN(s.Name), Region: e.Host.Region, Denied: p.createErr}
	case s.Missing:
		s.Mutability, s.ScanOnPush, s.Encryption = e.Settings.Mutability, e.Settings.ScanOnPush, e.Settings.Encryption
		if s.Lifecycle != nil && !e.NoCreate {
			s.Policy = PolicyWouldPut
		}
	case s.Lifecycle != nil && e.NoCreate:
		s.Policy = PolicyNotPut
	case s.Lifecycle != nil:
		e.housekeep(ctx, s, p, dry)
	}
}

// exists settles whether the repository exists, by the cheapest answer at
// hand: CreateRepository's, DescribeRepositories', else a layer check every
// pushing role may make. It reports false when that could not be told.
func (e *Ensurer) exists(ctx context.Context, s *Status, p *probe) bool {
	var denied *AccessDeniedError
	switch {
	case p.described != nil:
		s.Checked = true
		e.record(s, *p.described)
		s.Drift = e.drift(s)
	case p.exists:
		s.Checked, s.SettingsUnread = true, true
	case p.notFound:
		s.Checked, s.Missing = true, true
	case errors.As(p.descErr, &denied):
		found, err := e.layerCheck(ctx, s.Name)
		switch {
		case err == nil:
			s.Checked, s.Missing, s.SettingsUnread = true, !found, found
		case errors.As(err, &denied):
			s.Unchecked = errors.Join(p.createErr, p.descErr, err)
			return false
		default:
			s.Err = err
			return false
		}
	default:
		s.Err = p.descErr
		return false
	}
	return true
}

// housekeep settles an existing repository's lifecycle policy: never put
// over one the action could not read (a user's own might be there).
func (e *Ensurer) housekeep(ctx context.Context, s *Status, p *probe, dry bool) {
	var denied *AccessDeniedError
	switch {
	case errors.As(p.policyErr, &denied):
		s.Policy, s.PolicyErr = PolicyDenied, p.policyErr
	case p.policyErr != nil:
		s.Policy, s.PolicyErr = PolicyFailed, p.policyErr
	case p.policy == PolicyNone && dry:
		s.Policy = PolicyWouldPut
	case p.policy == PolicyNone:
		e.put(ctx, s, PolicyPut)
	case p.policy == PolicyWouldUpdate && !dry:
		e.put(ctx, s, PolicyUpdated)
	default:
		s.Policy = p.policy
	}
}

// MissingError is a repository that does not exist and that the role may
// not create: Kamal's push would fail.
type MissingError struct {
	Repo, ARN, Region string
	Denied            error
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("ECR repository %s does not exist and this role may not create it (AWS denied ecr:CreateRepository), so Kamal's push would fail: "+
		"create it (aws ecr create-repository --repository-name %s --region %s, or where your repositories are managed), or allow ecr:CreateRepository on Resource: %q",
		e.Repo, e.Repo, e.Region, e.ARN)
}

func (e *MissingError) Unwrap() error { return e.Denied }

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

// each runs fn for 0..n-1 with at most e.Parallel in flight, every one to
// its end: a failure is recorded in its status, never cancels a sibling.
func (e *Ensurer) each(ctx context.Context, n int, fn func(context.Context, int)) {
	limit := e.Parallel
	if limit <= 0 {
		limit = 32
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(ctx, i)
		})
	}
	wg.Wait()
}
