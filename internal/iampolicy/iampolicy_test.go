package iampolicy

import (
	"slices"
	"strings"
	"testing"
)

func TestBuild(t *testing.T) {
	t.Parallel()
	base := Request{Partition: "aws", Region: "us-east-1", Account: "123456789012",
		Repos: []string{"acme/shop", "acme/shop-build-cache"}, Kamal: []string{"acme/shop", "acme/shop-build-cache"}, Lifecycle: []string{"acme/shop-build-cache"}}
	for _, tt := range []struct {
		name       string
		edit       func(*Request)
		want, none []string // "Sid action resource" or "action" anywhere
	}{
		{"read only", func(r *Request) {}, []string{"EnsureRepositories ecr:DescribeRepositories arn:aws:ecr:us-east-1:123456789012:repository/acme/shop", "KamalPushAndPull ecr:PutImage arn:aws:ecr:us-east-1:123456789012:repository/acme/shop-build-cache"},
			[]string{"ecr:CreateRepository", "ecr:PutLifecyclePolicy", "ecr:GetAuthorizationToken", "ecr:DescribePullThroughCacheRules", "kms:CreateGrant"}},
		{"create with lifecycle and tags", func(r *Request) { r.Create, r.Tags = true, true },
			[]string{"EnsureRepositories ecr:CreateRepository arn:aws:ecr:us-east-1:123456789012:repository/acme/shop", "EnsureRepositories ecr:TagResource arn:aws:ecr:us-east-1:123456789012:repository/acme/shop",
				"LifecyclePolicies ecr:PutLifecyclePolicy arn:aws:ecr:us-east-1:123456789012:repository/acme/shop-build-cache"},
			[]string{"LifecyclePolicies ecr:PutLifecyclePolicy arn:aws:ecr:us-east-1:123456789012:repository/acme/shop"}},
		{"login and auto", func(r *Request) { r.Token, r.Discover, r.Prefixes = true, true, []string{"docker-hub", "docker-hub"} },
			[]string{"RegistryWide ecr:GetAuthorizationToken *", "RegistryWide ecr:DescribePullThroughCacheRules *", "PullThroughCache ecr:BatchImportUpstreamImage arn:aws:ecr:us-east-1:123456789012:repository/docker-hub/*"}, nil},
		{"KMS key pattern in China", func(r *Request) { r.Create, r.KMS, r.Partition, r.Region = true, true, "aws-cn", "cn-north-1" },
			[]string{"RepositoryEncryption kms:CreateGrant arn:aws-cn:kms:cn-north-1:123456789012:key/*", "EnsureRepositories ecr:CreateRepository arn:aws-cn:ecr:cn-north-1:123456789012:repository/acme/shop"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			r.Repos, r.Kamal, r.Lifecycle = slices.Clone(base.Repos), slices.Clone(base.Kamal), slices.Clone(base.Lifecycle)
			tt.edit(&r)
			d := Build(r)
			var have []string
			for _, s := range d.Statement {
				for _, a := range s.Action {
					for _, res := range s.Resource {
						have = append(have, s.Sid+" "+a+" "+res)
					}
				}
			}
			all := strings.Join(have, "\n")
			for _, w := range tt.want {
				if !slices.Contains(have, w) {
					t.Errorf("policy lacks %q:\n%s", w, all)
				}
			}
			for _, n := range tt.none {
				if strings.Contains(n, " ") && slices.Contains(have, n) || !strings.Contains(n, " ") && strings.Contains(all, n) {
					t.Errorf("policy has %q:\n%s", n, all)
				}
			}
			if strings.Count(all, "repository/docker-hub/*") > len(PullThroughActions) {
				t.Errorf("a prefix is listed twice:\n%s", all)
			}
		})
	}
}
