package registry

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// RulesAPI lists pull-through cache rules; *ecr.Client satisfies it.
type RulesAPI interface {
	ecr.DescribePullThroughCacheRulesAPIClient
}

// Rule is a pull-through cache rule as ECR describes it.
type Rule struct {
	Prefix           string // ecrRepositoryPrefix
	UpstreamURL      string // upstreamRegistryUrl
	UpstreamRegistry string // docker-hub, ecr-public, …
	UpstreamPrefix   string // upstreamRepositoryPrefix (ECR to ECR), "" or ROOT for all
	CredentialArn    string // the Secrets Manager secret of an upstream that needs credentials
}

// Rules reads every page of the registry's pull-through cache rules.
func Rules(ctx context.Context, api RulesAPI, h Host) ([]Rule, error) {
	var out []Rule
	start := time.Now()
	p := ecr.NewDescribePullThroughCacheRulesPaginator(api, &ecr.DescribePullThroughCacheRulesInput{RegistryId: aws.String(h.Account)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, explain(err, "DescribePullThroughCacheRules", "*", time.Since(start)) // the action takes no resource-level permission
		}
		for _, r := range page.PullThroughCacheRules {
			out = append(out, Rule{
				Prefix:           aws.ToString(r.EcrRepositoryPrefix),
				UpstreamURL:      aws.ToString(r.UpstreamRegistryUrl),
				UpstreamRegistry: string(r.UpstreamRegistry),
				UpstreamPrefix:   aws.ToString(r.UpstreamRepositoryPrefix),
				CredentialArn:    aws.ToString(r.CredentialArn),
			})
		}
	}
	return out, nil
}

// TokenAPI fetches registry login tokens; *ecr.Client satisfies it.
type TokenAPI interface {
	GetAuthorizationToken(context.Context, *ecr.GetAuthorizationTokenInput, ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error)
}

// Login returns the docker login user name and password for the registry.
func Login(ctx context.Context, api TokenAPI, h Host) (user, password string, err error) {
	start := time.Now()
	res, err := api.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return "", "", explain(err, "GetAuthorizationToken", "*", time.Since(start))
	}
	if len(res.AuthorizationData) == 0 {
		return "", "", errors.New("ecr:GetAuthorizationToken returned no token")
	}
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(res.AuthorizationData[0].AuthorizationToken))
	if err != nil {
		return "", "", errors.New("ecr:GetAuthorizationToken returned a token that is not base64")
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", errors.New("ecr:GetAuthorizationToken returned a token without user:password")
	}
	return user, password, nil
}

// IdentityAPI tells which account the credentials belong to; *sts.Client satisfies it.
type IdentityAPI interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Account is the account of the caller's credentials.
func Account(ctx context.Context, api IdentityAPI) (string, error) {
	id, err := Whoami(ctx, api)
	return id.Account, err
}

// Identity is who the credentials are, as STS says.
type Identity struct{ Account, ARN string }

// Whoami asks STS who the credentials are; it needs no permission.
func Whoami(ctx context.Context, api IdentityAPI) (Identity, error) {
	start := time.Now()
	res, err := api.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, explain(err, "GetCallerIdentity", "*", time.Since(start))
	}
	return Identity{Account: aws.ToString(res.Account), ARN: aws.ToString(res.Arn)}, nil
}
