package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kamal-ecr/kamal-ecr/internal/ecrtest"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// rolePolicy allows these ECR actions on every repository of the account.
func rolePolicy(t *testing.T, actions ...string) *ecrtest.Policy {
	t.Helper()
	p, err := ecrtest.ParsePolicy(fmt.Appendf(nil, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:%s"],"Resource":["arn:aws:ecr:us-east-1:%s:repository/*","*"]}]}`,
		strings.Join(actions, `","ecr:`), account))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A team whose repositories are managed elsewhere: the dry run and the real
// run agree, housekeeping never blocks, and the report says what happened.
func TestRunWithLeastPrivilege(t *testing.T) {
	reads := []string{"DescribeRepositories", "BatchCheckLayerAvailability", "GetLifecyclePolicy", "DescribePullThroughCacheRules", "GetAuthorizationToken"}
	for _, tt := range []struct {
		name    string
		inputs  map[string]string
		exist   bool
		allowed []string
		code    int
		want    []string // in the summary, in both runs
		wantLog []string // on stdout of the real run
	}{
		{"repositories exist, no CreateRepository", nil, true, append([]string{"PutLifecyclePolicy"}, reads...), 0,
			[]string{"| exists (this role may not create repositories) |"}, nil},
		{"push only", nil, true, []string{"BatchCheckLayerAvailability", "DescribePullThroughCacheRules"}, 0,
			[]string{"| exists (this role may not create repositories) |", "expire untagged after 7 days: not set: access denied"},
			[]string{"title=kamal-ecr::ECR repository acme/shop exists, but its tag mutability could not be checked"}},
		{"settings differ", map[string]string{"scan-on-push": "true"}, true, append([]string{"CreateRepository", "PutLifecyclePolicy"}, reads...), 0,
			[]string{"exists; settings differ from the inputs", "acme/shop: scan on push is false (scan-on-push: true)"},
			[]string{"settings of existing repositories differ from the inputs, which the action sets only when it creates a repository: acme/shop: scan on push is false (scan-on-push: true); acme/shop-build-cache: scan on push is false"}},
		{"create-repositories false", map[string]string{"create-repositories": "false"}, true, reads, 0,
			[]string{"expire untagged after 7 days: not put: create-repositories is false"}, nil},
		{"PutLifecyclePolicy denied", nil, false, []string{"CreateRepository", "DescribeRepositories", "GetLifecyclePolicy", "DescribePullThroughCacheRules"}, 0,
			[]string{"expire untagged after 7 days: not set: access denied"},
			[]string{"lifecycle policy (expire untagged after 7 days) not set: the role lacks ecr:PutLifecyclePolicy on arn:aws:ecr:us-east-1:" + account + ":repository/acme/shop-build-cache. Fix: grant ecr:PutLifecyclePolicy, or set cache-lifecycle-days: 0"}},
		{"missing, no CreateRepository", nil, false, reads, 1,
			nil, []string{"line=3,title=kamal-ecr::ECR repository acme/shop does not exist and this role may not create it", "ECR repository acme/shop-build-cache does not exist and this role may not create it"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, dry := range []string{"true", "false"} {
				inputs := map[string]string{"dry-run": dry}
				for k, v := range tt.inputs {
					inputs[k] = v
				}
				s := newStep(t, inputs)
				if tt.exist {
					s.srv.AddRepository(ecrtest.Repository{Name: "acme/shop"})
					s.srv.AddRepository(ecrtest.Repository{Name: "acme/shop-build-cache", Policy: registry.LifecyclePolicy(7)})
				}
				s.srv.SetPolicy(rolePolicy(t, tt.allowed...))
				s.run()
				code := tt.code
				if dry == "true" && tt.name == "missing, no CreateRepository" {
					code = 0 // a dry run cannot know that a create would be denied
				}
				if s.code != code {
					t.Errorf("dry-run %s: exit %d, want %d\n%s", dry, s.code, code, s.stdout.String())
				}
				for _, w := range tt.want {
					if dry == "true" && (strings.Contains(w, "may not create") || strings.Contains(w, "not set: access denied") && !tt.exist) {
						w = strings.Replace(w, " (this role may not create repositories)", "", 1) // a dry run asks no create
						if !tt.exist {
							continue
						}
					}
					if !strings.Contains(s.summary(), w) {
						t.Errorf("dry-run %s: summary lacks %q:\n%s", dry, w, s.summary())
					}
				}
				for _, w := range tt.wantLog {
					if dry == "false" && !strings.Contains(s.stdout.String(), w) {
						t.Errorf("log lacks %q:\n%s", w, s.stdout.String())
					}
				}
				if tt.inputs["create-repositories"] == "false" && (s.srv.Calls()["PutLifecyclePolicy"] > 0 || s.srv.Calls()["CreateRepository"] > 0) {
					t.Errorf("create-repositories false wrote: %v", s.srv.Calls())
				}
			}
		})
	}
}

// A check never uses credentials: its notice about unread rules says only
// how to give them.
func TestCheckRulesNoticeNamesNoCredentials(t *testing.T) {
	s := newStep(t, map[string]string{"check": "true"}).run()
	out := s.stdout.String()
	if !strings.Contains(out, "the pull-through cache rules were not read: a check asks AWS nothing") || strings.Contains(out, "run with AWS credentials") {
		t.Errorf("exit %d:\n%s", s.code, out)
	}
}
