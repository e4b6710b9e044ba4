package registry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// create asks for the repository; an existing one answers exists.
func (e *Ensurer) create(ctx context.Context, r Repo, tags []types.Tag) (created *types.Repository, exists bool, err error) {
	s := e.Settings
	in := &ecr.CreateRepositoryInput{
		RepositoryName:             aws.String(r.Name),
		RegistryId:                 aws.String(e.Host.Account),
		ImageTagMutability:         s.Mutability,
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: s.ScanOnPush},
		Tags:                       tags,
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
	start := time.Now()
	res, err := e.API.CreateRepository(ctx, in)
	var already *types.RepositoryAlreadyExistsException
	switch {
	case errors.As(err, &already):
		return nil, true, nil
	case err != nil:
		return nil, false, explain(err, "CreateRepository", e.Host.ARN(r.Name), time.Since(start))
	case res.Repository == nil:
		return nil, false, fmt.Errorf("ecr:CreateRepository on %s: empty answer", r.Name)
	}
	return res.Repository, false, nil
}

// tagDenied tells a CreateRepository refused only for its tags: AWS asks
// for ecr:TagResource too when the call carries tags.
func tagDenied(err error) bool {
	var denied *AccessDeniedError
	return errors.As(err, &denied) && strings.Contains(denied.Detail, "ecr:TagResource")
}

// describe reads one repository: one name per call, because a call with
// several fails whole when one is missing.
func (e *Ensurer) describe(ctx context.Context, name string) (*types.Repository, bool, error) {
	start := time.Now()
	res, err := e.API.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RegistryId: aws.String(e.Host.Account), RepositoryNames: []string{name}})
	var nf *types.RepositoryNotFoundException
	switch {
	case errors.As(err, &nf):
		return nil, true, nil
	case err != nil:
		return nil, false, explain(err, "DescribeRepositories", e.Host.ARN(name), time.Since(start))
	}
	for _, r := range res.Repositories {
		if aws.ToString(r.RepositoryName) == name {
			return &r, false, nil
		}
	}
	return nil, false, fmt.Errorf("ecr:DescribeRepositories on %s: the answer does not list it", name)
}

// ProbeDigest is a well-formed digest no layer has: asking for it tells
// whether a repository exists, with no side effect.
var ProbeDigest = "sha256:" + strings.Repeat("0", 64)

// layerCheck asks whether the repository exists with the one call every
// pushing role may make: an existing repository answers a missing layer.
func (e *Ensurer) layerCheck(ctx context.Context, name string) (bool, error) {
	start := time.Now()
	_, err := e.API.BatchCheckLayerAvailability(ctx, &ecr.BatchCheckLayerAvailabilityInput{
		RegistryId: aws.String(e.Host.Account), RepositoryName: aws.String(name), LayerDigests: []string{ProbeDigest}})
	var nf *types.RepositoryNotFoundException
	switch {
	case errors.As(err, &nf):
		return false, nil
	case err != nil:
		return false, explain(err, "BatchCheckLayerAvailability", e.Host.ARN(name), time.Since(start))
	}
	return true, nil
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
		s.KMSKey = aws.ToString(r.EncryptionConfiguration.KmsKey)
	}
}

// drift lists the settings of an existing repository that differ from the
// inputs; tag rules that break Kamal are an error of their own.
func (e *Ensurer) drift(s *Status) []string {
	var out []string
	want := e.Settings
	if s.ScanOnPush != want.ScanOnPush {
		out = append(out, fmt.Sprintf("scan on push is %v (scan-on-push: %v)", s.ScanOnPush, want.ScanOnPush))
	}
	if wantEnc := cmp.Or(want.Encryption, types.EncryptionTypeAes256); s.Encryption != "" && s.Encryption != wantEnc {
		out = append(out, fmt.Sprintf("encryption is %s (encryption-type: %s)", s.Encryption, wantEnc))
	} else if strings.HasPrefix(want.KMSKey, "arn:") && s.KMSKey != "" && s.KMSKey != want.KMSKey {
		out = append(out, fmt.Sprintf("the KMS key is %s (kms-key: %s)", s.KMSKey, want.KMSKey))
	}
	if wantMut := cmp.Or(want.Mutability, types.ImageTagMutabilityMutable); s.Mutability != wantMut && mutabilityProblem(*s) == nil {
		out = append(out, fmt.Sprintf("tag mutability is %s (image-tag-mutability: %s)", s.Mutability, wantMut))
	}
	return out
}

// put puts the lifecycle policy; a failure is a warning, never the run's.
func (e *Ensurer) put(ctx context.Context, s *Status, done Policy) {
	start := time.Now()
	_, err := e.API.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RegistryId: aws.String(e.Host.Account), RepositoryName: aws.String(s.Name),
		LifecyclePolicyText: aws.String(s.Lifecycle.Text)})
	var denied *AccessDeniedError
	switch err = explain(err, "PutLifecyclePolicy", e.Host.ARN(s.Name), time.Since(start)); {
	case errors.As(err, &denied):
		s.Policy, s.PolicyErr = PolicyDenied, err
	case err != nil:
		s.Policy, s.PolicyErr = PolicyFailed, err
	default:
		s.Policy = done
	}
}

// currentPolicy compares a repository's policy with ours: PolicyNone when
// it has none (or does not exist yet), PolicyWouldUpdate when it has an
// older one of ours, PolicyKept when it has the user's.
func (e *Ensurer) currentPolicy(ctx context.Context, r Repo) (Policy, error) {
	start := time.Now()
	res, err := e.API.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RegistryId: aws.String(e.Host.Account), RepositoryName: aws.String(r.Name)})
	var none *types.LifecyclePolicyNotFoundException
	var nf *types.RepositoryNotFoundException
	switch {
	case errors.As(err, &none), errors.As(err, &nf):
		return PolicyNone, nil
	case err != nil:
		return PolicyNone, explain(err, "GetLifecyclePolicy", e.Host.ARN(r.Name), time.Since(start))
	case samePolicy(aws.ToString(res.LifecyclePolicyText), r.Lifecycle.Text):
		return PolicySame, nil
	case ours(aws.ToString(res.LifecyclePolicyText)):
		return PolicyWouldUpdate, nil
	}
	return PolicyKept, nil
}
