package manifest

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/smithy-go"
)

// RuleAPI checks a pull-through cache rule's upstream credentials;
// *ecr.Client satisfies it.
type RuleAPI interface {
	ValidatePullThroughCacheRule(context.Context, *ecr.ValidatePullThroughCacheRuleInput, ...func(*ecr.Options)) (*ecr.ValidatePullThroughCacheRuleOutput, error)
}

var _ RuleAPI = (*ecr.Client)(nil)

// RuleCheck is what ValidatePullThroughCacheRule said about a rule's
// credentials. Note is set instead when the call itself failed: the cause
// of a failed pull is then unknown, which is worth saying but not an error.
type RuleCheck struct {
	Valid         bool
	CredentialArn string // the secret ECR tested
	Failure       string // the upstream's refusal of the stored credentials
	Note          string // why the rule could not be checked
}

// ValidateRule asks ECR to test the stored credentials of the rule for prefix.
func ValidateRule(ctx context.Context, api RuleAPI, registryID, prefix string) RuleCheck {
	out, err := api.ValidatePullThroughCacheRule(ctx, &ecr.ValidatePullThroughCacheRuleInput{
		EcrRepositoryPrefix: aws.String(prefix), RegistryId: aws.String(registryID)})
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &apiErr) && (apiErr.ErrorCode() == "AccessDeniedException" || apiErr.ErrorCode() == "AccessDenied"):
		return RuleCheck{Note: "ecr:ValidatePullThroughCacheRule was denied, so the rule's credentials were not tested"}
	case err != nil:
		return RuleCheck{Note: fmt.Sprintf("the rule's credentials were not tested: ValidatePullThroughCacheRule %s: %v", prefix, err)}
	}
	return RuleCheck{Valid: out.IsValid, CredentialArn: aws.ToString(out.CredentialArn), Failure: aws.ToString(out.Failure)}
}
